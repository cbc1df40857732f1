"""The bundled fake cluster: a deterministic, clock-driven simulation of a Kubernetes cluster's API.

``FakeCluster`` is the facade and the composition root: it wires the components the way the Kubernetes
diagram draws them — the API server with its store (``apiserver.py``), the scheduler, the kubelets, the
controller manager's controllers (``controllers/``), the nodes — onto one timeline of timed actions
(``timeline.py``), and offers the scripting API that scenarios, tests and the map's buttons call.
``advance()`` runs the actions that fall due and returns the watch events they caused.

Nothing here reads the wall clock or the global ``random``: same seed, same calls, same bytes.
"""

from __future__ import annotations

import builtins
import random
from collections.abc import Iterator
from functools import partial
from typing import TypeVar

from clusterviz.clock import ManualClock
from clusterviz.events import RawObject
from clusterviz.fake import objects as o
from clusterviz.fake.apiserver import (
    SERVED_KINDS,
    AlreadyExists,
    ApiServer,
    Events,
    Invalid,
    Items,
    Key,
    gc_paused,
    validate_selector,
)
from clusterviz.fake.builder import Builder
from clusterviz.fake.controllers import ControllerManager
from clusterviz.fake.kubelet import Kubelet
from clusterviz.fake.leaderelection import LeaderElection
from clusterviz.fake.nodes import Nodes
from clusterviz.fake.objects import DeploymentRec, Record, StatefulSetRec
from clusterviz.fake.pods import Pods
from clusterviz.fake.recorder import EventRecorder
from clusterviz.fake.scenarios import Scenario, make_scenario
from clusterviz.fake.scheduler import Scheduler
from clusterviz.fake.timeline import Action, Timeline

R = TypeVar("R", bound=Record)
HANDS_ON_PAUSE = 120.0  # the demo's own script waits two minutes after the last poke
__all__ = ["AlreadyExists", "FakeCluster", "Invalid"]


class FakeCluster:
    """A simulated cluster serving Kubernetes-shaped lists and watch events. See the module docstring."""

    def __init__(
        self,
        *,
        seed: int = 0,
        clock: ManualClock | None = None,
        workers: int = 3,
        pods_per_node: int = 0,
        scenario: str | Scenario = "demo",
        lease_renewals: bool = True,
        name: str = "demo",
    ) -> None:
        self.name = name
        self.seed = seed
        self.clock = clock if clock is not None else ManualClock()
        self.lease_renewals = lease_renewals
        self.rng = random.Random(seed)
        self.hands_on_until = float("-inf")
        self.timeline = Timeline(self.clock)
        self.api = ApiServer(self.rng)
        self._wire()
        with gc_paused():
            Builder(self, workers, pods_per_node).build()
        self.scenario = make_scenario(scenario) if isinstance(scenario, str) else scenario
        self.scenario.start(self)

    def _wire(self) -> None:
        self.recorder = EventRecorder(self)
        self.pods = Pods(self)
        self.scheduler = Scheduler(self)
        self.kubelet = Kubelet(self)
        self.controllers = ControllerManager(self)
        self.nodes = Nodes(self)
        self.leader_election = LeaderElection(self)
        self.api.on_pod = self.pods.account

    # ------------------------------------------------------------------------------------ reading

    @property
    def resource_version(self) -> str:
        return str(self.api.rv)

    def list(self, kind: str) -> tuple[Items, str]:
        """Every object of a kind, sorted by namespace and name as the API lists them, and the list's RV."""
        return self.api.list(kind)

    def iter_list(self, kind: str) -> tuple[Iterator[RawObject], str]:
        """Like list(), rendering one object at a time (150k pods without holding 150k dicts at once).

        Consume the iterator before the next advance() or scripting call: objects render when reached."""
        return self.api.iter_list(kind)

    def list_all(self) -> tuple[dict[str, Items], str]:
        """Every kind the fake serves (the core's WATCHED_KINDS first), listed at one resourceVersion."""
        return {kind: self.list(kind)[0] for kind in SERVED_KINDS}, self.resource_version

    def get(self, kind: str, namespace: str, name: str) -> RawObject | None:
        return self.api.get(kind, namespace, name)

    def count(self, kind: str) -> int:
        return len(self.api.table(kind))

    # ------------------------------------------------------------------------------------ time

    def now(self) -> float:
        return self.clock.now()

    def advance(self, seconds: float) -> Events:
        """Move the clock by `seconds`, running every action that falls due; return their events in order."""
        if seconds < 0:
            raise ValueError("a clock does not go backwards")
        target = self.clock.now() + seconds
        return self.api.collect(partial(self.timeline.run_until, target))

    def schedule(self, delay: float, action: Action) -> None:
        """Run `action` (which may call the scripting API) `delay` simulated seconds from now."""
        self.timeline.schedule(delay, action)

    def pending_actions(self) -> int:
        return self.timeline.pending()

    def hands_on(self, seconds: float = HANDS_ON_PAUSE) -> float:
        """Someone pokes the cluster by hand: the scenario's own changes wait until `seconds` after the last
        poke. Returns how long they now wait (0 when the scenario changes nothing by itself)."""
        self.hands_on_until = self.now() + seconds
        return seconds if getattr(self.scenario, "pauses", False) else 0.0

    def hands_off_in(self) -> float:
        """Seconds until the scenario may change the cluster again (0: now)."""
        return max(self.hands_on_until - self.now(), 0.0)

    # ------------------------------------------------------------------------------------ scripting

    def scale(self, namespace: str, deployment: str, replicas: int, *, kind: str = "Deployment") -> Events:
        """Set spec.replicas of a Deployment (or, with kind="StatefulSet", a StatefulSet)."""
        rec = self._scalable(kind, namespace, deployment)
        return self.api.collect(partial(self.controllers.set_replicas, rec, max(replicas, 0)))

    def rolling_update(
        self, namespace: str, deployment: str, image: str, *, container: str | None = None, pullable: bool = True
    ) -> Events:
        """Change a Deployment's container image; pullable=False makes the new pods hit ImagePullBackOff."""
        dep = self._lookup(self.api.deployments, namespace, deployment, "Deployment")
        return self.api.collect(partial(self.controllers.deployment.set_image, dep, image, container, pullable))

    def create_deployment(self, namespace: str, name: str, *, replicas: int, selector: dict[str, str],
                          labels: dict[str, str], image: str) -> Events:
        """kubectl create: a Deployment of one container, validated as the API server validates it (a selector
        that does not select the template's labels raises ``Invalid`` and nothing is created)."""
        validate_selector("Deployment.apps", name, selector, labels)
        if (namespace, name) in self.api.deployments:
            raise AlreadyExists(f'deployments.apps "{name}" already exists')
        tpl = o.app_template(name, image, labels)
        dep = DeploymentRec(name=name, namespace=namespace, uid=self.api.uid(), created=self.now(), generation=1,
                            labels=dict(labels), replicas=max(replicas, 0), selector=dict(selector), template=tpl)
        return self.api.collect(partial(self.controllers.deployment.create, dep))

    def set_pod_ready(self, namespace: str, pod_name: str, ready: bool) -> Events:
        """ready=False: the pod's readiness probes fail (it keeps running, leaves its Services' endpoints)."""
        pod = self._lookup(self.api.pods, namespace, pod_name, "Pod")
        return self.api.collect(partial(self.kubelet.set_probe_failing, pod, not ready))

    def set_node_ready(self, node: str, ready: bool, *, reachable: bool = True) -> Events:
        """ready=False: the kubelet reports NotReady (reachable) or stops posting at all (reachable=False:
        conditions go Unknown after the grace period). Either way NoExecute taints follow and pods without
        a toleration are evicted after 300 s. ready=True brings the node back."""
        rec = self._lookup(self.api.nodes, "", node, "Node")
        if ready:
            return self.api.collect(partial(self.nodes.recover, rec))
        return self.api.collect(partial(self.nodes.fail, rec, reachable))

    def cordon(self, node: str, cordoned: bool = True) -> Events:
        rec = self._lookup(self.api.nodes, "", node, "Node")
        return self.api.collect(partial(self.nodes.cordon, rec, cordoned))

    def crash_loop(self, namespace: str, pod_name: str) -> Events:
        """Make the pod's first container crash (exit 1) every few seconds from now on: CrashLoopBackOff."""
        pod = self._lookup(self.api.pods, namespace, pod_name, "Pod")
        pod.crashing = True
        return self.api.collect(partial(self.kubelet.crash_now, pod))

    def restart_container(self, namespace: str, pod_name: str) -> Events:
        """One crash of the pod's first container; the kubelet restarts it at once (restartCount + 1)."""
        pod = self._lookup(self.api.pods, namespace, pod_name, "Pod")
        return self.api.collect(partial(self.kubelet.crash_now, pod))

    def add_pod(
        self, namespace: str, name: str, *, image: str = "nginx:1.27.5", cpu: int = 100, memory: int = 128 * o.MI
    ) -> Events:
        """A bare pod (no controller). cpu in millicores, memory in bytes."""
        tpl = o.bare_pod_template(name, image, cpu, memory)
        return self.api.collect(partial(self.pods.add_bare, namespace, name, tpl))

    def add_unschedulable_pod(self, namespace: str, name: str) -> Events:
        """A bare pod requesting more CPU and memory than any node has: it stays Pending, Unschedulable."""
        return self.add_pod(namespace, name, image="ghcr.io/acme/batch-trainer:1.0", cpu=64_000, memory=256 * o.GI)

    def delete_pod(self, namespace: str, name: str, *, grace: int | None = None) -> Events:
        pod = self._lookup(self.api.pods, namespace, name, "Pod")
        return self.api.collect(partial(self.pods.delete, pod, grace))

    def add_node(self, name: str | None = None, *, zone: str | None = None) -> Events:
        """A worker joins: NotReady with the not-ready taint until its CNI agent runs, then Ready."""
        node_name = name or f"worker-{self.nodes.next_worker_number()}"
        if ("", node_name) in self.api.nodes:
            raise ValueError(f"node {node_name} exists")
        return self.api.collect(partial(self.nodes.join, node_name, zone))

    def remove_node(self, node: str) -> Events:
        """The Node object is deleted (e.g. scaled in); pod GC then force-deletes the pods bound to it."""
        rec = self._lookup(self.api.nodes, "", node, "Node")
        return self.api.collect(partial(self.nodes.remove, rec))

    def run_job(
        self, namespace: str, name: str, completions: int = 1, *, parallelism: int = 1, duration: float = 10.0,
        ttl: int | None = None,
    ) -> Events:
        """Create a batch/v1 Job whose pods each run `duration` seconds and exit 0 (Completed)."""
        if (namespace, name) in self.api.jobs:
            raise ValueError(f"job {namespace}/{name} exists")
        create = self.controllers.job.create
        return self.api.collect(partial(create, namespace, name, completions, parallelism, duration, ttl))

    # helpers for scenarios ------------------------------------------------------------------------

    def pick_pod(self, rng: random.Random) -> tuple[str, str] | None:
        """A uniformly random live pod (not a mirror pod, not terminating), in O(1)."""
        for _ in range(8):
            pod = self.pods.all.choice(rng)
            if pod is not None and not pod.mirror and pod.deleted_at is None and not pod.terminal:
                return pod.key
        return None

    def pods_of(self, namespace: str, owner_prefix: str) -> builtins.list[str]:
        """Names of the live pods in a namespace whose name starts with `owner_prefix` (sorted)."""
        return sorted(p.name for (ns, name), p in self.api.pods.items()
                      if ns == namespace and name.startswith(owner_prefix) and p.deleted_at is None)

    def deployments(self) -> builtins.list[tuple[str, str, int]]:
        return [(ns, name, d.replicas) for (ns, name), d in sorted(self.api.deployments.items())]

    def workers(self) -> builtins.list[str]:
        return [n.name for n in self.api.nodes.values() if not n.control_plane]

    def node_is_ready(self, node: str) -> bool:
        rec = self.api.nodes.get(("", node))
        return rec is not None and rec.ready == "True" and rec.kubelet_up

    def has_pod(self, namespace: str, name: str) -> bool:
        return (namespace, name) in self.api.pods

    def has_job(self, namespace: str, name: str) -> bool:
        return (namespace, name) in self.api.jobs

    def _lookup(self, table: dict[Key, R], namespace: str, name: str, kind: str) -> R:
        rec = table.get((namespace, name))
        if rec is None:
            raise KeyError(f"no {kind} {namespace + '/' if namespace else ''}{name}")
        return rec

    def _scalable(self, kind: str, namespace: str, name: str) -> DeploymentRec | StatefulSetRec:
        if kind == "StatefulSet":
            return self._lookup(self.api.statefulsets, namespace, name, kind)
        return self._lookup(self.api.deployments, namespace, name, kind)
