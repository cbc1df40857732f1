"""kube-controller-manager: the controllers that turn workloads into pods and watch nodes.

A change to a workload or one of its pods ``touch``es the workload: one sync follows after the informer and
work-queue latency, however many changes came meanwhile, as a controller's work queue collapses its keys."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from clusterviz.fake.component import Component
from clusterviz.fake.controllers.daemonset import DaemonSetController
from clusterviz.fake.controllers.deployment import DeploymentController
from clusterviz.fake.controllers.endpointslice import EndpointSliceController
from clusterviz.fake.controllers.job import JobController
from clusterviz.fake.controllers.nodelifecycle import NodeLifecycleController
from clusterviz.fake.controllers.persistentvolume import PersistentVolumeController
from clusterviz.fake.controllers.replicaset import ReplicaSetController
from clusterviz.fake.controllers.statefulset import StatefulSetController
from clusterviz.fake.objects import (
    ControllerRec,
    DaemonSetRec,
    DeploymentRec,
    JobRec,
    ReplicaSetRec,
    StatefulSetRec,
)

if TYPE_CHECKING:
    from clusterviz.fake.cluster import FakeCluster

CONTROLLER_DELAY = 0.02  # informer + work-queue latency of the controllers
Workload = ControllerRec | DeploymentRec


class ControllerManager(Component):
    def __init__(self, c: FakeCluster) -> None:
        super().__init__(c)
        self.replicaset = ReplicaSetController(c)
        self.deployment = DeploymentController(c)
        self.daemonset = DaemonSetController(c)
        self.statefulset = StatefulSetController(c)
        self.job = JobController(c)
        self.node_lifecycle = NodeLifecycleController(c)
        self.endpointslice = EndpointSliceController(c)
        self.persistentvolume = PersistentVolumeController(c)

    def touch(self, ctrl: Workload) -> None:
        if not ctrl.sync_pending:
            ctrl.sync_pending = True
            self.after(CONTROLLER_DELAY, partial(self.sync, ctrl))

    def sync(self, ctrl: Workload) -> None:
        ctrl.sync_pending = False
        if not self.api.exists(ctrl):
            return
        if isinstance(ctrl, ReplicaSetRec):
            self.replicaset.sync(ctrl)
        elif isinstance(ctrl, DeploymentRec):
            self.deployment.sync(ctrl)
        elif isinstance(ctrl, DaemonSetRec):
            self.daemonset.sync(ctrl)
        elif isinstance(ctrl, StatefulSetRec):
            self.statefulset.sync(ctrl)
        elif isinstance(ctrl, JobRec):
            self.job.sync(ctrl)

    def set_replicas(self, rec: DeploymentRec | StatefulSetRec, replicas: int) -> None:
        """spec.replicas written through the API (kubectl scale): a new generation for its controller."""
        if rec.replicas == replicas:
            return
        rec.replicas, rec.generation = replicas, rec.generation + 1
        self.api.emit("MODIFIED", rec)
        self.touch(rec)
