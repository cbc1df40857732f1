"""Pod objects: creation, graceful deletion, and the indexes the informers keep over them.

``account`` runs on every pod change the API server stores (its ``on_pod`` hook): it keeps each controller's
counts, each node's charged requests and bound pods, and the scheduler's queue in step, so no component ever
scans all pods."""

from __future__ import annotations

import random
from functools import partial
from typing import TYPE_CHECKING

from clusterviz.fake.component import Component
from clusterviz.fake.objects import (
    Condition,
    ContainerState,
    ControllerRec,
    DaemonSetRec,
    OwnerRef,
    PodRec,
    PodTemplate,
    Volume,
)

if TYPE_CHECKING:
    from clusterviz.fake.cluster import FakeCluster

SCHEDULER_DELAY = 0.01


class PodIndex:
    """All pods, with O(1) add, remove and uniformly random choice (for churn over 150k pods)."""

    def __init__(self) -> None:
        self._items: list[PodRec] = []
        self._pos: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._items)

    def add(self, pod: PodRec) -> None:
        if pod.uid not in self._pos:
            self._pos[pod.uid] = len(self._items)
            self._items.append(pod)

    def discard(self, pod: PodRec) -> None:
        i = self._pos.pop(pod.uid, None)
        if i is None:
            return
        last = self._items.pop()
        if last is not pod:
            self._items[i] = last
            self._pos[last.uid] = i

    def choice(self, rng: random.Random) -> PodRec | None:
        return self._items[rng.randrange(len(self._items))] if self._items else None


class Pods(Component):
    def __init__(self, c: FakeCluster) -> None:
        super().__init__(c)
        self.all = PodIndex()

    # creation --------------------------------------------------------------------------------------------

    def new(self, ctrl: ControllerRec | None, namespace: str, name: str, tpl: PodTemplate, *,
            labels: dict[str, str] | None = None, generate: str = "", target_node: str | None = None,
            extra_volumes: tuple[Volume, ...] = (), subdomain: str = "") -> PodRec:
        owner = None if ctrl is None else OwnerRef(ctrl.API_VERSION, ctrl.KIND, ctrl.name, ctrl.uid)
        pod = PodRec(
            name=name, namespace=namespace, uid=self.api.uid(), created=self.now(),
            labels=labels if labels is not None else (ctrl.pod_labels if ctrl else dict(tpl.labels)),
            owner=owner, generate_name=generate, template=tpl, ctrl=ctrl,
            api_suffix=f"kube-api-access-{self.api.suffix()}" if tpl.automount_token else "",
            extra_volumes=extra_volumes, target_node=target_node,
            hostname=name if subdomain else "", subdomain=subdomain,
            init_states=[ContainerState(c.image) for c in tpl.init_containers],
            states=[ContainerState(c.image) for c in tpl.containers],
        )
        if ctrl is not None:
            ctrl.pods[name] = pod
        return pod

    def submit(self, pod: PodRec) -> None:
        """The pod is created (unbound, Pending) and queued for the scheduler."""
        self.api.emit("ADDED", pod)
        self.after(SCHEDULER_DELAY, partial(self.c.scheduler.schedule_pod, pod, pod.token))

    def add_bare(self, namespace: str, name: str, tpl: PodTemplate) -> None:
        if (namespace, name) in self.api.pods:
            raise ValueError(f"pod {namespace}/{name} exists")
        self.api.ensure_namespace(namespace, self.now())
        self.submit(self.new(None, namespace, name, tpl))

    # deletion --------------------------------------------------------------------------------------------

    def delete(self, pod: PodRec, grace: int | None = None, disruption: Condition | None = None) -> None:
        """Graceful deletion: Terminating (deletionTimestamp) now, DELETED once the kubelet has killed it."""
        if pod.deleted_at is not None or not self.api.exists(pod):
            return
        grace = pod.template.grace if grace is None else grace
        pod.deleted_at, pod.deletion_grace = self.now() + grace, grace
        if pod.node is None or pod.terminal or grace == 0:
            pod.deleted_at, pod.deletion_grace = self.now(), 0
            self.api.emit("DELETED", pod)
            return
        pod.token += 1
        pod.disruption = disruption
        self.api.emit("MODIFIED", pod)
        self.c.kubelet.schedule_kill(pod, grace)

    # the informers' indexes ------------------------------------------------------------------------------

    def account(self, pod: PodRec, deleted: bool) -> None:
        """Keep the incremental indexes in step with a pod's new state (controllers, nodes, scheduler)."""
        active = not deleted and pod.deleted_at is None and not pod.terminal
        ready = active and pod.ready
        ctrl = pod.ctrl
        if ctrl is not None:
            self._account_controller(ctrl, pod, active, ready, deleted)
        self._charge(pod, None if deleted or pod.terminal else pod.node)
        node = self.api.nodes.get(("", pod.node)) if pod.node else None
        if deleted:
            pod.token += 1
            self.all.discard(pod)
            self.c.scheduler.unschedulable.pop(pod.uid, None)
            if node is not None:
                node.pods.pop(pod.uid, None)
            if pod.mirror and node is not None:
                self.after(1.0, partial(self.c.kubelet.ensure_mirror, node, pod.template))
        else:
            self.all.add(pod)
            if node is not None:
                node.pods[pod.uid] = pod
        self.c.controllers.endpointslice.pod_changed(pod, deleted)

    def _account_controller(self, ctrl: ControllerRec, pod: PodRec, active: bool, ready: bool,
                            deleted: bool) -> None:
        changed = deleted
        if (active, ready) != (pod.c_active, pod.c_ready):
            ctrl.n_active += int(active) - int(pod.c_active)
            ctrl.n_ready += int(ready) - int(pod.c_ready)
            pod.c_active, pod.c_ready = active, ready
            changed = True
        changed |= self._count_done(ctrl, pod, deleted)
        if deleted:
            ctrl.pods.pop(pod.name, None)
        if isinstance(ctrl, DaemonSetRec) and not active and pod.target_node:
            if ctrl.by_node.get(pod.target_node) is pod:
                del ctrl.by_node[pod.target_node]
            ctrl.check_nodes[pod.target_node] = None
        if changed:
            self.c.controllers.touch(ctrl)

    @staticmethod
    def _count_done(ctrl: ControllerRec, pod: PodRec, deleted: bool) -> bool:
        if not pod.terminal or pod.c_done or deleted:
            return False
        pod.c_done = True
        if pod.phase == "Succeeded":
            ctrl.n_succeeded += 1
        else:
            ctrl.n_failed += 1
        return True

    def _charge(self, pod: PodRec, node_name: str | None) -> None:
        if pod.charged == node_name:
            return
        cpu, memory = pod.template.requests
        old = self.api.nodes.get(("", pod.charged)) if pod.charged else None
        if old is not None:
            old.used_cpu, old.used_memory, old.used_pods = old.used_cpu - cpu, old.used_memory - memory, \
                old.used_pods - 1
            self.c.scheduler.kick()
        new = self.api.nodes.get(("", node_name)) if node_name else None
        if new is not None:
            new.used_cpu, new.used_memory, new.used_pods = new.used_cpu + cpu, new.used_memory + memory, \
                new.used_pods + 1
        pod.charged = node_name if new is not None else None
