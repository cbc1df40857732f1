"""The bundled fake cluster: a deterministic, clock-driven simulation of a Kubernetes cluster's API.

It keeps compact records (``objects.py``) and a priority queue of timed actions (scheduler, kubelets,
controllers, node lifecycle, leases, the scenario). ``advance()`` runs the actions that fall due and returns
the watch events they caused; every change goes through ``_emit``, which stamps the one cluster-wide
resourceVersion, so ``list()`` always equals the previous list with the events applied.

Nothing here reads the wall clock or the global ``random``: same seed, same calls, same bytes.
"""

from __future__ import annotations

import builtins
import gc
import heapq
import itertools
import math
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from functools import partial
from typing import TypeVar

from clusterviz.clock import ManualClock
from clusterviz.events import WATCHED_KINDS, EventType, RawObject, WatchEvent
from clusterviz.fake import objects as o
from clusterviz.fake.objects import (
    Condition,
    ContainerState,
    ControllerRec,
    DaemonSetRec,
    DeploymentRec,
    JobRec,
    LeaseRec,
    NamespaceRec,
    NodeRec,
    OwnerRef,
    PodRec,
    PodTemplate,
    Record,
    ReplicaSetRec,
    StatefulSetRec,
    Taint,
    Volume,
)
from clusterviz.fake.scenarios import Scenario, make_scenario

Action = Callable[[], None]
R = TypeVar("R", bound=Record)
Key = tuple[str, str]
Events = list[WatchEvent]
Items = list[RawObject]

CONTROLLER_DELAY = 0.02  # informer + work-queue latency of the controllers
SCHEDULER_DELAY = 0.01
NODE_LEASE_PERIOD = 10.0  # kubelet renews its Lease every 10 s (leaseDurationSeconds 40)
NODE_STATUS_PERIOD = 300.0  # kubelet nodeStatusReportFrequency: posts status at least every 5 min
LEADER_RENEW_PERIOD = 2.0  # leader election retryPeriod
APISERVER_LEASE_PERIOD = 10.0
NODE_MONITOR_GRACE = 50.0  # node-monitor-grace-period: kubelet silent this long -> conditions Unknown
NODE_CONTROLLER_DELAY = 2.0  # node-monitor-period 5 s: mean reaction time of the node lifecycle controller
PROGRESS_DEADLINE = 600.0
BACKOFF_MAX = 300
SCORE_NODES = 8  # feasible nodes the scheduler scores before choosing (percentageOfNodesToScore)
ZONES = ("a", "b", "c")
REGION = "region-1"
NOT_READY_TAINT = "node.kubernetes.io/not-ready"
UNREACHABLE_TAINT = "node.kubernetes.io/unreachable"
UNSCHEDULABLE_TAINT = "node.kubernetes.io/unschedulable"
CONTROL_PLANE_TAINT = "node-role.kubernetes.io/control-plane"
CNI_NOT_READY = (
    "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady "
    "message:Network plugin returns error: cni plugin not initialized"
)
UNHELPFUL = "Preemption is not helpful for scheduling"
NO_VICTIMS = "No preemption victims found for incoming pod."


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Bulk work allocates millions of acyclic dicts: the cyclic GC would rescan the big heap over and over."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _PodIndex:
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
        self._rng = random.Random(seed)
        self._rv = 0
        self._heap: builtins.list[tuple[float, int, Action]] = []
        self._seq = itertools.count()
        self._sink: Events | None = None
        self._pods: dict[Key, PodRec] = {}
        self._nodes: dict[Key, NodeRec] = {}
        self._deployments: dict[Key, DeploymentRec] = {}
        self._statefulsets: dict[Key, StatefulSetRec] = {}
        self._jobs: dict[Key, JobRec] = {}
        self._leases: dict[Key, LeaseRec] = {}
        self._daemonsets: dict[Key, DaemonSetRec] = {}
        self._events: dict[tuple[str, str, str, str, str], o.EventRec] = {}  # (kind, ns, name, reason, message)
        self._event_names = itertools.count(1)
        self._store: dict[str, dict[Key, Record]] = {kind: {} for kind in WATCHED_KINDS}
        for kind, table in (("Pod", self._pods), ("Node", self._nodes), ("Deployment", self._deployments),
                            ("StatefulSet", self._statefulsets), ("Job", self._jobs), ("Lease", self._leases),
                            ("DaemonSet", self._daemonsets)):
            self._store[kind] = table  # type: ignore[assignment]
        self._ring: builtins.list[str] = []  # node names, the scheduler's round-robin order
        self._rr = 0
        self._unschedulable: dict[str, PodRec] = {}
        self._retry_pending = False
        self._all_pods = _PodIndex()
        self._node_count = 0  # workers named so far (add_node names the next one)
        self._node_index = 0  # nodes ever created: addresses and pod CIDRs
        with _gc_paused():
            _build(self, workers, pods_per_node)
        self.scenario = make_scenario(scenario) if isinstance(scenario, str) else scenario
        self.scenario.start(self)

    # ------------------------------------------------------------------------------------ reading

    @property
    def resource_version(self) -> str:
        return str(self._rv)

    def list(self, kind: str) -> tuple[Items, str]:
        """Every object of a kind, sorted by namespace and name as the API lists them, and the list's RV."""
        table = self._table(kind)
        with _gc_paused():
            return [table[key].to_api() for key in sorted(table)], str(self._rv)

    def iter_list(self, kind: str) -> tuple[Iterator[RawObject], str]:
        """Like list(), rendering one object at a time (150k pods without holding 150k dicts at once).

        Consume the iterator before the next advance() or scripting call: objects render when reached."""
        table = self._table(kind)
        records = [table[key] for key in sorted(table)]
        return (rec.to_api() for rec in records), str(self._rv)

    def list_all(self) -> tuple[dict[str, Items], str]:
        return {kind: self.list(kind)[0] for kind in WATCHED_KINDS}, str(self._rv)

    def get(self, kind: str, namespace: str, name: str) -> RawObject | None:
        rec = self._table(kind).get((namespace, name))
        return None if rec is None else rec.to_api()

    def count(self, kind: str) -> int:
        return len(self._table(kind))

    def _table(self, kind: str) -> dict[Key, Record]:
        if kind not in self._store:
            raise ValueError(f"unknown kind {kind!r}; one of {', '.join(WATCHED_KINDS)}")
        return self._store[kind]

    # ------------------------------------------------------------------------------------ time

    def advance(self, seconds: float) -> Events:
        """Move the clock by `seconds`, running every action that falls due; return their events in order."""
        if seconds < 0:
            raise ValueError("a clock does not go backwards")
        target = self.clock.now() + seconds
        return self._collect(partial(self._run_until, target))

    def schedule(self, delay: float, action: Action) -> None:
        """Run `action` (which may call the scripting API) `delay` simulated seconds from now."""
        heapq.heappush(self._heap, (self.clock.now() + max(delay, 0.0), next(self._seq), action))

    def pending_actions(self) -> int:
        return len(self._heap)

    def _run_until(self, target: float) -> None:
        heap = self._heap
        while heap and heap[0][0] <= target:
            at, _, action = heapq.heappop(heap)
            self._move_to(at)
            action()
        self._move_to(target)

    def _move_to(self, t: float) -> None:
        now = self.clock.now()
        if t > now:
            self.clock.advance(t - now)

    def _collect(self, work: Action) -> Events:
        if self._sink is not None:  # nested: a scenario action calling the scripting API
            start = len(self._sink)
            work()
            return self._sink[start:]
        sink: Events = []
        self._sink = sink
        try:
            with _gc_paused():
                work()
        finally:
            self._sink = None
        return sink

    # ------------------------------------------------------------------------------------ scripting

    def scale(self, namespace: str, deployment: str, replicas: int, *, kind: str = "Deployment") -> Events:
        """Set spec.replicas of a Deployment (or, with kind="StatefulSet", a StatefulSet)."""
        rec = self._scalable(kind, namespace, deployment)
        return self._collect(partial(self._set_replicas, rec, max(replicas, 0)))

    def rolling_update(
        self, namespace: str, deployment: str, image: str, *, container: str | None = None, pullable: bool = True
    ) -> Events:
        """Change a Deployment's container image; pullable=False makes the new pods hit ImagePullBackOff."""
        dep = self._lookup(self._deployments, namespace, deployment, "Deployment")
        return self._collect(partial(self._set_image, dep, image, container, pullable))

    def set_node_ready(self, node: str, ready: bool, *, reachable: bool = True) -> Events:
        """ready=False: the kubelet reports NotReady (reachable) or stops posting at all (reachable=False:
        conditions go Unknown after the grace period). Either way NoExecute taints follow and pods without
        a toleration are evicted after 300 s. ready=True brings the node back."""
        rec = self._lookup(self._nodes, "", node, "Node")
        if ready:
            return self._collect(partial(self._node_recover, rec))
        return self._collect(partial(self._node_fail, rec, reachable))

    def cordon(self, node: str, cordoned: bool = True) -> Events:
        rec = self._lookup(self._nodes, "", node, "Node")
        return self._collect(partial(self._cordon, rec, cordoned))

    def crash_loop(self, namespace: str, pod_name: str) -> Events:
        """Make the pod's first container crash (exit 1) every few seconds from now on: CrashLoopBackOff."""
        pod = self._lookup(self._pods, namespace, pod_name, "Pod")
        pod.crashing = True
        return self._collect(partial(self._crash_now, pod))

    def restart_container(self, namespace: str, pod_name: str) -> Events:
        """One crash of the pod's first container; the kubelet restarts it at once (restartCount + 1)."""
        pod = self._lookup(self._pods, namespace, pod_name, "Pod")
        return self._collect(partial(self._crash_now, pod))

    def add_pod(
        self, namespace: str, name: str, *, image: str = "nginx:1.27.5", cpu: int = 100, memory: int = 128 * o.MI
    ) -> Events:
        """A bare pod (no controller). cpu in millicores, memory in bytes."""
        tpl = o.bare_pod_template(name, image, cpu, memory)
        return self._collect(partial(self._add_bare_pod, namespace, name, tpl))

    def add_unschedulable_pod(self, namespace: str, name: str) -> Events:
        """A bare pod requesting more CPU and memory than any node has: it stays Pending, Unschedulable."""
        return self.add_pod(namespace, name, image="ghcr.io/acme/batch-trainer:1.0", cpu=64_000, memory=256 * o.GI)

    def delete_pod(self, namespace: str, name: str, *, grace: int | None = None) -> Events:
        pod = self._lookup(self._pods, namespace, name, "Pod")
        return self._collect(partial(self._delete_pod, pod, grace))

    def add_node(self, name: str | None = None, *, zone: str | None = None) -> Events:
        """A worker joins: NotReady with the not-ready taint until its CNI agent runs, then Ready."""
        node_name = name or f"worker-{self._next_worker_number()}"
        if ("", node_name) in self._nodes:
            raise ValueError(f"node {node_name} exists")
        return self._collect(partial(self._join_node, node_name, zone))

    def remove_node(self, node: str) -> Events:
        """The Node object is deleted (e.g. scaled in); pod GC then force-deletes the pods bound to it."""
        rec = self._lookup(self._nodes, "", node, "Node")
        return self._collect(partial(self._remove_node, rec))

    def run_job(
        self, namespace: str, name: str, completions: int = 1, *, parallelism: int = 1, duration: float = 10.0,
        ttl: int | None = None,
    ) -> Events:
        """Create a batch/v1 Job whose pods each run `duration` seconds and exit 0 (Completed)."""
        if (namespace, name) in self._jobs:
            raise ValueError(f"job {namespace}/{name} exists")
        return self._collect(partial(self._create_job, namespace, name, completions, parallelism, duration, ttl))

    # helpers for scenarios ------------------------------------------------------------------------

    def pick_pod(self, rng: random.Random) -> tuple[str, str] | None:
        """A uniformly random live pod (not a mirror pod, not terminating), in O(1)."""
        for _ in range(8):
            pod = self._all_pods.choice(rng)
            if pod is not None and not pod.mirror and pod.deleted_at is None and not pod.terminal:
                return pod.key
        return None

    def pods_of(self, namespace: str, owner_prefix: str) -> builtins.list[str]:
        """Names of the live pods in a namespace whose name starts with `owner_prefix` (sorted)."""
        return sorted(p.name for (ns, name), p in self._pods.items()
                      if ns == namespace and name.startswith(owner_prefix) and p.deleted_at is None)

    def deployments(self) -> builtins.list[tuple[str, str, int]]:
        return [(ns, name, d.replicas) for (ns, name), d in sorted(self._deployments.items())]

    def workers(self) -> builtins.list[str]:
        return [n.name for n in self._nodes.values() if not n.control_plane]

    def node_is_ready(self, node: str) -> bool:
        rec = self._nodes.get(("", node))
        return rec is not None and rec.ready == "True" and rec.kubelet_up

    def has_pod(self, namespace: str, name: str) -> bool:
        return (namespace, name) in self._pods

    def has_job(self, namespace: str, name: str) -> bool:
        return (namespace, name) in self._jobs

    def _lookup(self, table: dict[Key, R], namespace: str, name: str, kind: str) -> R:
        rec = table.get((namespace, name))
        if rec is None:
            raise KeyError(f"no {kind} {namespace + '/' if namespace else ''}{name}")
        return rec

    def _scalable(self, kind: str, namespace: str, name: str) -> DeploymentRec | StatefulSetRec:
        if kind == "StatefulSet":
            return self._lookup(self._statefulsets, namespace, name, kind)
        return self._lookup(self._deployments, namespace, name, kind)

    # ------------------------------------------------------------------------------------ the store

    def now(self) -> float:
        return self.clock.now()

    def _after(self, delay: float, action: Action) -> None:
        heapq.heappush(self._heap, (self.clock.now() + delay, next(self._seq), action))

    def _uid(self) -> str:
        return o.uuid_from(self._rng.getrandbits(128))

    def _suffix(self) -> str:
        return o.random_suffix(self._rng.getrandbits(24))

    def _fresh_pod_name(self, namespace: str, prefix: str) -> str:
        while True:
            name = f"{prefix}-{self._suffix()}"
            if (namespace, name) not in self._pods:
                return name

    def _emit(self, kind: EventType, rec: Record) -> None:
        """The one way anything changes: stamp a resourceVersion, update the store, record the event."""
        self._rv += 1
        rec.rv = self._rv
        table = self._store[rec.KIND]
        if kind == "DELETED":
            table.pop(rec.key, None)
        else:
            table[rec.key] = rec
        if isinstance(rec, PodRec):
            self._account(rec, kind == "DELETED")
        if self._sink is not None:
            self._sink.append(WatchEvent(kind, rec.KIND, rec.to_api()))

    def _warn(self, about: Record, reason: str, message: str, component: str, host: str = "") -> None:
        """Record a Warning event about an object; the same reason and message again count up one event, as
        the client-go event recorder aggregates them. Events expire after an hour, as --event-ttl makes them."""
        key = (about.KIND, about.namespace, about.name, reason, message)
        now = self.now()
        event = self._events.get(key)
        if event is not None and self._exists(event):
            event.count, event.last = event.count + 1, now
            self._emit("MODIFIED", event)
        else:
            number = next(self._event_names)
            name = f"{about.name}.{number:016x}"
            uid = o.uuid_from(int(o.sha256_hex("event", self.name, number)[:32], 16))
            namespace = about.namespace or "default"
            event = o.EventRec(name=name, namespace=namespace, uid=uid, created=now, involved=about, reason=reason,
                               message=message, component=component, host=host, first=now, last=now)
            self._events[key] = event
            self._emit("ADDED", event)
        self.schedule(o.EVENT_TTL, partial(self._expire_event, key, event, now))

    def _expire_event(self, key: tuple[str, str, str, str, str], event: o.EventRec, last: float) -> None:
        if event.last == last and self._exists(event):
            self._events.pop(key, None)
            self._emit("DELETED", event)

    def _exists(self, rec: Record) -> bool:
        return self._store[rec.KIND].get(rec.key) is rec

    def _account(self, pod: PodRec, deleted: bool) -> None:
        """Keep the incremental indexes in step with a pod's new state (controllers, nodes, scheduler)."""
        active = not deleted and pod.deleted_at is None and not pod.terminal
        ready = active and pod.ready
        ctrl = pod.ctrl
        if ctrl is not None:
            self._account_controller(ctrl, pod, active, ready, deleted)
        self._charge(pod, None if deleted or pod.terminal else pod.node)
        node = self._nodes.get(("", pod.node)) if pod.node else None
        if deleted:
            pod.token += 1
            self._all_pods.discard(pod)
            self._unschedulable.pop(pod.uid, None)
            if node is not None:
                node.pods.pop(pod.uid, None)
            if pod.mirror and node is not None:
                self._after(1.0, partial(self._ensure_mirror, node, pod.template))
        else:
            self._all_pods.add(pod)
            if node is not None:
                node.pods[pod.uid] = pod

    def _account_controller(self, ctrl: ControllerRec, pod: PodRec, active: bool, ready: bool,
                            deleted: bool) -> None:
        changed = deleted
        if (active, ready) != (pod.c_active, pod.c_ready):
            ctrl.n_active += int(active) - int(pod.c_active)
            ctrl.n_ready += int(ready) - int(pod.c_ready)
            pod.c_active, pod.c_ready = active, ready
            changed = True
        if pod.terminal and not pod.c_done and not deleted:
            pod.c_done = True
            if pod.phase == "Succeeded":
                ctrl.n_succeeded += 1
            else:
                ctrl.n_failed += 1
            changed = True
        if deleted:
            ctrl.pods.pop(pod.name, None)
        if isinstance(ctrl, DaemonSetRec) and not active and pod.target_node:
            if ctrl.by_node.get(pod.target_node) is pod:
                del ctrl.by_node[pod.target_node]
            ctrl.check_nodes[pod.target_node] = None
        if changed:
            self._touch(ctrl)

    def _charge(self, pod: PodRec, node_name: str | None) -> None:
        if pod.charged == node_name:
            return
        cpu, memory = pod.template.requests
        old = self._nodes.get(("", pod.charged)) if pod.charged else None
        if old is not None:
            old.used_cpu, old.used_memory, old.used_pods = old.used_cpu - cpu, old.used_memory - memory, \
                old.used_pods - 1
            self._kick_scheduler()
        new = self._nodes.get(("", node_name)) if node_name else None
        if new is not None:
            new.used_cpu, new.used_memory, new.used_pods = new.used_cpu + cpu, new.used_memory + memory, \
                new.used_pods + 1
        pod.charged = node_name if new is not None else None

    # ------------------------------------------------------------------------------------ pods: creation

    def _new_pod(self, ctrl: ControllerRec | None, namespace: str, name: str, tpl: PodTemplate, *,
                 labels: dict[str, str] | None = None, generate: str = "", target_node: str | None = None,
                 extra_volumes: tuple[Volume, ...] = (), subdomain: str = "") -> PodRec:
        owner = None if ctrl is None else OwnerRef(ctrl.API_VERSION, ctrl.KIND, ctrl.name, ctrl.uid)
        pod = PodRec(
            name=name, namespace=namespace, uid=self._uid(), created=self.now(),
            labels=labels if labels is not None else (ctrl.pod_labels if ctrl else dict(tpl.labels)),
            owner=owner, generate_name=generate, template=tpl, ctrl=ctrl,
            api_suffix=f"kube-api-access-{self._suffix()}" if tpl.automount_token else "",
            extra_volumes=extra_volumes, target_node=target_node,
            hostname=name if subdomain else "", subdomain=subdomain,
            init_states=[ContainerState(c.image) for c in tpl.init_containers],
            states=[ContainerState(c.image) for c in tpl.containers],
        )
        if ctrl is not None:
            ctrl.pods[name] = pod
        return pod

    def _submit(self, pod: PodRec) -> None:
        """The pod is created (unbound, Pending) and queued for the scheduler."""
        self._emit("ADDED", pod)
        self._after(SCHEDULER_DELAY, partial(self._schedule_pod, pod, pod.token))

    def _add_bare_pod(self, namespace: str, name: str, tpl: PodTemplate) -> None:
        if (namespace, name) in self._pods:
            raise ValueError(f"pod {namespace}/{name} exists")
        self._ensure_namespace(namespace)
        self._submit(self._new_pod(None, namespace, name, tpl))

    def _settle(self, pod: PodRec, node: NodeRec, at: float) -> None:
        """Build time: put a pod straight into its steady Running state on `node` (no events)."""
        pod.created = at
        pod.node, pod.scheduled_at, pod.accepted_at = node.name, at + 0.01, at + 0.5
        pod.host_ip = node.internal_ip
        pod.sandbox_at = at + 2.0
        pod.pod_ip = node.internal_ip if pod.template.host_network else self._alloc_ip(node)
        for c, st in zip(pod.template.init_containers, pod.init_states, strict=True):
            self._run_state(pod, c, st, at + 2.0)
            st.terminate(at + 3.0, "Completed", 0)
        pod.initialized_at = at + (3.0 if pod.init_states else 0.5)
        for c, st in zip(pod.template.containers, pod.states, strict=True):
            self._run_state(pod, c, st, at + 3.0)
            st.ready = True
        pod.phase, pod.ready, pod.ready_since = "Running", True, at + 3.0 + max(
            (c.readiness_delay for c in pod.template.containers), default=0.0)
        self._emit("ADDED", pod)

    def _run_state(self, pod: PodRec, c: o.Container, st: ContainerState, at: float) -> None:
        st.run(at, f"containerd://{self._rng.getrandbits(256):064x}")
        st.image, st.image_ref = o.normalize_image(c.image), o.image_id(c.image)
        st.ready = c.readiness_delay == 0

    def _alloc_ip(self, node: NodeRec) -> str:
        node.next_ip = node.next_ip % 253 + 1
        return f"{node.pod_cidr.rsplit('.', 1)[0]}.{node.next_ip + 1}"

    # ------------------------------------------------------------------------------------ scheduler

    def _schedule_pod(self, pod: PodRec, token: int) -> None:
        if pod.token != token or pod.node is not None or pod.deleted_at is not None or not self._exists(pod):
            return
        node = self._pick_node(pod)
        if node is None:
            self._mark_unschedulable(pod)
        else:
            self._bind(pod, node)

    def _pick_node(self, pod: PodRec) -> NodeRec | None:
        if pod.target_node is not None:
            node = self._nodes.get(("", pod.target_node))
            return node if node is not None and not self._misfit(pod, node) else None
        ring, best, best_score, found = self._ring, None, 0.0, 0
        for step in range(len(ring)):
            node = self._nodes[("", ring[(self._rr + step) % len(ring)])]
            if self._misfit(pod, node):
                continue
            score = node.used_cpu / max(node.alloc_cpu, 1) + node.used_memory / max(node.alloc_memory, 1)
            if best is None or score < best_score:
                best, best_score = node, score
            found += 1
            if found >= SCORE_NODES:
                break
        if ring:
            self._rr = (self._rr + 1) % len(ring)
        return best

    def _misfit(self, pod: PodRec, node: NodeRec) -> builtins.list[tuple[str, bool]]:
        """Why `pod` cannot go to `node` (reason, whether preemption could help); [] when it fits."""
        tpl = pod.template
        if pod.target_node is not None and pod.target_node != node.name:
            return [("node(s) didn't match Pod's node affinity/selector", False)]
        tolerations = tpl.pod_tolerations()
        for taint in node.taints:
            if taint.effect != "PreferNoSchedule" and not any(t.tolerates(taint) for t in tolerations):
                if taint.key == UNSCHEDULABLE_TAINT:
                    return [("node(s) were unschedulable", False)]
                return [(f"node(s) had untolerated taint {{{taint.key}: {taint.value}}}", False)]
        if any(node.labels.get(k) != v for k, v in tpl.node_selector):
            return [("node(s) didn't match Pod's node affinity/selector", False)]
        cpu, memory = tpl.requests
        out = []
        if node.used_pods + 1 > node.max_pods:
            out.append(("Too many pods", True))
        if node.used_cpu + cpu > node.alloc_cpu:
            out.append(("Insufficient cpu", True))
        if node.used_memory + memory > node.alloc_memory:
            out.append(("Insufficient memory", True))
        return out

    def _fit_error(self, pod: PodRec) -> str:
        """The scheduler's FitError message, e.g. "0/4 nodes are available: 1 node(s) had ... ."."""
        if not self._nodes:
            return "no nodes available to schedule pods"
        reasons: dict[str, int] = {}
        preemption = {UNHELPFUL: 0, NO_VICTIMS: 0}
        for node in self._nodes.values():
            misfit = self._misfit(pod, node)
            for reason, _ in misfit:
                reasons[reason] = reasons.get(reason, 0) + 1
            preemption[NO_VICTIMS if misfit and all(r for _, r in misfit) else UNHELPFUL] += 1
        total = len(self._nodes)
        head = ", ".join(sorted(f"{n} {r}" for r, n in reasons.items()))
        tail = ", ".join(sorted(f"{n} {r}" for r, n in preemption.items() if n))
        return f"0/{total} nodes are available: {head}. preemption: 0/{total} nodes are available: {tail}."

    def _mark_unschedulable(self, pod: PodRec) -> None:
        self._unschedulable[pod.uid] = pod
        message = self._fit_error(pod)
        old = pod.unschedulable
        if old is not None and old.message == message:
            return
        since = old.since if old is not None else self.now()
        pod.unschedulable = Condition("PodScheduled", "False", "Unschedulable", message, since)
        self._emit("MODIFIED", pod)
        self._warn(pod, "FailedScheduling", message, "default-scheduler")

    def _kick_scheduler(self) -> None:
        """Capacity changed: retry the unschedulable pods a moment later (the scheduler's requeue)."""
        if self._unschedulable and not self._retry_pending:
            self._retry_pending = True
            self._after(1.0, self._retry_unschedulable)

    def _retry_unschedulable(self) -> None:
        self._retry_pending = False
        for pod in list(self._unschedulable.values()):
            self._schedule_pod(pod, pod.token)

    def _bind(self, pod: PodRec, node: NodeRec) -> None:
        self._unschedulable.pop(pod.uid, None)
        pod.node, pod.scheduled_at, pod.unschedulable = node.name, self.now(), None
        self._emit("MODIFIED", pod)
        self._after(self._rng.uniform(0.2, 0.8), partial(self._kubelet_accept, pod, pod.token))

    # ------------------------------------------------------------------------------------ kubelet

    def _live(self, pod: PodRec, token: int) -> NodeRec | None:
        """The pod's node if the step is still current and the node's kubelet is running."""
        if pod.token != token or not self._exists(pod) or pod.node is None:
            return None
        node = self._nodes.get(("", pod.node))
        return node if node is not None and node.kubelet_up else None

    def _kubelet_accept(self, pod: PodRec, token: int) -> None:
        node = self._live(pod, token)
        if node is None or pod.accepted_at is not None:
            return
        now = self.now()
        pod.accepted_at, pod.host_ip, pod.ready_since = now, node.internal_ip, now
        if pod.init_states:
            for st in pod.init_states + pod.states:
                st.wait("PodInitializing")
        else:
            pod.initialized_at = now
        self._emit("MODIFIED", pod)
        self._after(self._rng.uniform(0.8, 3.0), partial(self._sandbox_ready, pod, token))

    def _sandbox_ready(self, pod: PodRec, token: int) -> None:
        node = self._live(pod, token)
        if node is None:
            return
        pod.sandbox_at = self.now()
        pod.pod_ip = node.internal_ip if pod.template.host_network else self._alloc_ip(node)
        if not pod.init_states:
            self._start_containers(pod, token)
            return
        self._run_state(pod, pod.template.init_containers[0], pod.init_states[0], self.now())
        self._emit("MODIFIED", pod)
        self._after(self._rng.uniform(1.0, 3.0), partial(self._init_done, pod, token))

    def _init_done(self, pod: PodRec, token: int) -> None:
        if self._live(pod, token) is None:
            return
        for st in pod.init_states:
            st.terminate(self.now(), "Completed", 0)
        pod.initialized_at = self.now()
        self._start_containers(pod, token)

    def _start_containers(self, pod: PodRec, token: int) -> None:
        now = self.now()
        for i, (c, st) in enumerate(zip(pod.template.containers, pod.states, strict=True)):
            if not c.pullable:
                st.wait("ErrImagePull", _pull_error(c.image))
                self._after(self._rng.uniform(0.5, 1.5), partial(self._image_backoff, pod, token, i))
                continue
            self._run_state(pod, c, st, now)
            if c.readiness_delay:
                self._after(c.readiness_delay, partial(self._probe_ready, pod, token, i, now))
        if any(st.state == "running" for st in pod.states):
            pod.phase = "Running"
        self._refresh_ready(pod)
        self._emit("MODIFIED", pod)
        if pod.template.run_seconds:
            self._after(pod.template.run_seconds, partial(self._complete, pod, token))
        if pod.crashing:
            self._schedule_crash(pod, token)

    def _refresh_ready(self, pod: PodRec) -> None:
        ready = pod.initialized_at is not None and all(st.ready for st in pod.states) and not pod.terminal
        if ready != pod.ready:
            pod.ready, pod.ready_since = ready, self.now()

    def _probe_ready(self, pod: PodRec, token: int, i: int, started: float) -> None:
        st = pod.states[i]
        if self._live(pod, token) is None or st.state != "running" or st.started_at != started or st.ready:
            return
        st.ready = True
        self._refresh_ready(pod)
        self._emit("MODIFIED", pod)

    def _image_backoff(self, pod: PodRec, token: int, i: int) -> None:
        if self._live(pod, token) is None:
            return
        image = pod.template.containers[i].image
        pod.pull_failures += 1
        pod.states[i].wait("ImagePullBackOff", f'Back-off pulling image "{image}": ErrImagePull: '
                                               f"{_pull_error(image)}")
        self._emit("MODIFIED", pod)
        self._warn(pod, "Failed", f'Failed to pull image "{image}": {_pull_error(image)}', "kubelet", pod.node or "")
        self._warn(pod, "BackOff", f'Back-off pulling image "{image}"', "kubelet", pod.node or "")
        delay = min(10 * 2 ** (pod.pull_failures - 1), BACKOFF_MAX)
        self._after(delay, partial(self._image_retry, pod, token, i))

    def _image_retry(self, pod: PodRec, token: int, i: int) -> None:
        if self._live(pod, token) is None:
            return
        pod.states[i].wait("ErrImagePull", _pull_error(pod.template.containers[i].image))
        self._emit("MODIFIED", pod)
        self._after(self._rng.uniform(0.5, 1.5), partial(self._image_backoff, pod, token, i))

    def _schedule_crash(self, pod: PodRec, token: int) -> None:
        st = pod.states[0]
        self._after(self._rng.uniform(2.0, 8.0), partial(self._crash, pod, token, st.started_at))

    def _crash_now(self, pod: PodRec) -> None:
        if pod.states and pod.states[0].state == "running":
            self._crash(pod, pod.token, pod.states[0].started_at)

    def _crash(self, pod: PodRec, token: int, started: float) -> None:
        st = pod.states[0]
        if self._live(pod, token) is None or st.state != "running" or st.started_at != started:
            return
        st.terminate(self.now(), "Error", 1)
        if pod.template.restart_policy == "Never":
            pod.phase = "Failed"
        self._refresh_ready(pod)
        self._emit("MODIFIED", pod)
        if pod.template.restart_policy != "Never":
            self._after(self._rng.uniform(0.5, 1.5), partial(self._after_crash, pod, token))

    def _after_crash(self, pod: PodRec, token: int) -> None:
        """Restart at once after a first crash; later ones wait in CrashLoopBackOff (10 s, 20 s, ... 5 min)."""
        st = pod.states[0]
        if self._live(pod, token) is None or st.state != "terminated":
            return
        st.archive()
        if st.restarts == 0 or not pod.crashing:
            self._restart(pod, token)
            return
        backoff = min(10 * 2 ** (st.restarts - 1), BACKOFF_MAX)
        name = pod.template.containers[0].name
        st.wait("CrashLoopBackOff", f"back-off {_go_duration(backoff)} restarting failed container={name} "
                                    f"pod={pod.name}_{pod.namespace}({pod.uid})")
        self._emit("MODIFIED", pod)
        self._warn(pod, "BackOff", f"Back-off restarting failed container {name} in pod "
                                   f"{pod.name}_{pod.namespace}({pod.uid})", "kubelet", pod.node or "")
        self._after(backoff, partial(self._restart, pod, token))

    def _restart(self, pod: PodRec, token: int) -> None:
        st = pod.states[0]
        if self._live(pod, token) is None or st.state == "running":
            return
        st.restarts += 1
        c = pod.template.containers[0]
        self._run_state(pod, c, st, self.now())
        if c.readiness_delay:
            self._after(c.readiness_delay, partial(self._probe_ready, pod, token, 0, st.started_at))
        self._refresh_ready(pod)
        self._emit("MODIFIED", pod)
        if pod.crashing:
            self._schedule_crash(pod, token)

    def _complete(self, pod: PodRec, token: int) -> None:
        if self._live(pod, token) is None:
            return
        for st in pod.states:
            if st.state == "running":
                st.terminate(self.now(), "Completed", 0)
        pod.phase = "Succeeded"
        self._refresh_ready(pod)
        self._emit("MODIFIED", pod)

    # ------------------------------------------------------------------------------------ deletion

    def _delete_pod(self, pod: PodRec, grace: int | None = None, disruption: Condition | None = None) -> None:
        """Graceful deletion: Terminating (deletionTimestamp) now, DELETED once the kubelet has killed it."""
        if pod.deleted_at is not None or not self._exists(pod):
            return
        grace = pod.template.grace if grace is None else grace
        pod.deleted_at, pod.deletion_grace = self.now() + grace, grace
        if pod.node is None or pod.terminal or grace == 0:
            pod.deleted_at, pod.deletion_grace = self.now(), 0
            self._emit("DELETED", pod)
            return
        pod.token += 1
        pod.disruption = disruption
        self._emit("MODIFIED", pod)
        self._schedule_kill(pod, grace)

    def _schedule_kill(self, pod: PodRec, grace: int) -> None:
        if self._rng.random() < 0.85:
            self._after(self._rng.uniform(0.3, min(2.0, max(grace, 0.3))), partial(self._kill, pod, 0))
        else:  # ignores SIGTERM: SIGKILL when the grace period ends
            self._after(float(grace), partial(self._kill, pod, 137))

    def _kill(self, pod: PodRec, exit_code: int) -> None:
        if not self._exists(pod):
            return
        node = self._nodes.get(("", pod.node)) if pod.node else None
        if node is not None and not node.kubelet_up:
            return  # stays Terminating until the kubelet comes back (see _kubelet_resync)
        now = self.now()
        for st in pod.states + pod.init_states:
            if st.state == "running":
                st.terminate(now, "Completed" if exit_code == 0 else "Error", exit_code)
        if pod.phase == "Running":
            pod.phase = "Failed" if any(st.exit_code for st in pod.states) else "Succeeded"
        pod.sandbox_at = None
        pod.pod_ip = ""
        self._refresh_ready(pod)
        self._emit("MODIFIED", pod)
        self._after(0.05, partial(self._remove, pod))

    def _remove(self, pod: PodRec) -> None:
        if self._exists(pod):
            self._emit("DELETED", pod)

    # ------------------------------------------------------------------------------------ controllers

    def _touch(self, ctrl: ControllerRec | DeploymentRec) -> None:
        if not ctrl.sync_pending:
            ctrl.sync_pending = True
            self._after(CONTROLLER_DELAY, partial(self._sync, ctrl))

    def _sync(self, ctrl: ControllerRec | DeploymentRec) -> None:
        ctrl.sync_pending = False
        if not self._exists(ctrl):
            return
        if isinstance(ctrl, ReplicaSetRec):
            self._sync_replicaset(ctrl)
        elif isinstance(ctrl, DeploymentRec):
            self._sync_deployment(ctrl)
        elif isinstance(ctrl, DaemonSetRec):
            self._sync_daemonset(ctrl)
        elif isinstance(ctrl, StatefulSetRec):
            self._sync_statefulset(ctrl)
        elif isinstance(ctrl, JobRec):
            self._sync_job(ctrl)

    def _set_replicas(self, rec: DeploymentRec | StatefulSetRec, replicas: int) -> None:
        if rec.replicas == replicas:
            return
        rec.replicas, rec.generation = replicas, rec.generation + 1
        self._emit("MODIFIED", rec)
        self._touch(rec)

    # ReplicaSet ------------------------------------------------------------------------------------

    def _sync_replicaset(self, rs: ReplicaSetRec) -> None:
        diff = rs.replicas - rs.n_active
        for _ in range(min(diff, 500)):  # the controller's burst limit
            name = self._fresh_pod_name(rs.namespace, rs.name)
            self._submit(self._new_pod(rs, rs.namespace, name, rs.template, generate=f"{rs.name}-"))
        if diff < 0:
            for pod in self._scale_down_victims(rs, -diff):
                self._delete_pod(pod)
        status = (rs.n_active, rs.n_ready, rs.generation)
        if status != (rs.st_replicas, rs.st_ready, rs.observed):
            rs.st_replicas, rs.st_ready, rs.observed = status
            self._emit("MODIFIED", rs)
            if rs.deployment is not None:
                self._touch(rs.deployment)

    @staticmethod
    def _scale_down_victims(rs: ControllerRec, count: int) -> builtins.list[PodRec]:
        """The controller's ranking: unscheduled, then pending, then not ready, then the newest first.

        Ranks the newest `count + 256` live pods only, so scaling a 20k-replica set down stays cheap."""
        live = list(itertools.islice((p for p in reversed(rs.pods.values())
                                      if p.deleted_at is None and not p.terminal), count + 256))
        return heapq.nsmallest(count, live, key=lambda p: (
            p.node is not None, p.phase == "Running", p.ready, -p.created, p.name))

    # Deployment ------------------------------------------------------------------------------------

    def _set_image(self, dep: DeploymentRec, image: str, container: str | None, pullable: bool) -> None:
        names = [c.name for c in dep.template.containers]
        target = container or names[0]
        if target not in names:
            raise KeyError(f"no container {target} in deployment {dep.namespace}/{dep.name}")
        containers = tuple(replace(c, image=image, pullable=pullable) if c.name == target else c
                           for c in dep.template.containers)
        dep.template = replace(dep.template, containers=containers)
        dep.generation += 1
        self._emit("MODIFIED", dep)
        self._touch(dep)

    def _current_rs(self, dep: DeploymentRec) -> ReplicaSetRec:
        h = dep.template.hash()
        for rs in dep.replica_sets:
            if rs.labels.get("pod-template-hash") == h:
                if rs.revision != dep.revision:  # a rollback: the old ReplicaSet becomes the newest revision
                    dep.revision += 1
                    rs.revision = dep.revision
                    self._annotate_rs(rs, dep)
                    self._emit("MODIFIED", rs)
                return rs
        dep.revision += 1
        live = any(rs.replicas for rs in dep.replica_sets)
        rs = _replicaset(self, dep, h, 0 if live else dep.replicas)
        dep.replica_sets.append(rs)
        self._emit("ADDED", rs)
        return rs

    def _annotate_rs(self, rs: ReplicaSetRec, dep: DeploymentRec) -> None:
        surge = _surge(dep.replicas)[0]
        rs.annotations = {
            "deployment.kubernetes.io/desired-replicas": str(dep.replicas),
            "deployment.kubernetes.io/max-replicas": str(dep.replicas + surge),
            "deployment.kubernetes.io/revision": str(rs.revision),
        }

    def _scale_rs(self, rs: ReplicaSetRec, replicas: int, dep: DeploymentRec) -> None:
        replicas = max(replicas, 0)
        desired = (rs.annotations or {}).get("deployment.kubernetes.io/desired-replicas")
        if rs.replicas == replicas and desired == str(dep.replicas):
            return
        rs.replicas, rs.generation = replicas, rs.generation + 1
        self._annotate_rs(rs, dep)
        self._emit("MODIFIED", rs)
        self._touch(rs)

    def _sync_deployment(self, dep: DeploymentRec) -> None:
        new = self._current_rs(dep)
        olds = [rs for rs in dep.replica_sets if rs is not new and rs.replicas > 0]
        if not olds:
            self._scale_rs(new, dep.replicas, dep)
        else:
            self._roll(dep, new, olds)
        self._prune_history(dep, new)
        self._deployment_status(dep, new)

    def _prune_history(self, dep: DeploymentRec, new: ReplicaSetRec) -> None:
        """revisionHistoryLimit 10: the oldest idle ReplicaSets beyond ten are deleted."""
        idle = [rs for rs in dep.replica_sets if rs is not new and rs.replicas == 0 and not rs.pods]
        for rs in sorted(idle, key=lambda r: r.revision)[:max(len(idle) - 10, 0)]:
            dep.replica_sets.remove(rs)
            self._emit("DELETED", rs)

    def _roll(self, dep: DeploymentRec, new: ReplicaSetRec, olds: builtins.list[ReplicaSetRec]) -> None:
        """The RollingUpdate strategy (maxSurge 25 %, maxUnavailable 25 %), as the deployment controller."""
        surge, unavailable = _surge(dep.replicas)
        total = new.replicas + sum(rs.replicas for rs in olds)
        if new.replicas > dep.replicas:
            self._scale_rs(new, dep.replicas, dep)
        elif new.replicas < dep.replicas and total < dep.replicas + surge:
            self._scale_rs(new, min(dep.replicas, new.replicas + dep.replicas + surge - total), dep)
        min_available = dep.replicas - unavailable
        all_pods = new.replicas + sum(rs.replicas for rs in olds)
        budget = all_pods - min_available - max(new.replicas - new.n_ready, 0)
        for rs in olds:  # first the old replicas that are not available anyway
            cut = min(budget, max(rs.replicas - rs.n_ready, 0))
            if cut > 0:
                self._scale_rs(rs, rs.replicas - cut, dep)
                budget -= cut
        spare = new.n_ready + sum(rs.n_ready for rs in olds) - min_available
        for rs in olds:
            cut = min(rs.replicas, spare)
            if cut > 0:
                self._scale_rs(rs, rs.replicas - cut, dep)
                spare -= cut

    def _deployment_status(self, dep: DeploymentRec, new: ReplicaSetRec) -> None:
        counts = (sum(rs.n_active for rs in dep.replica_sets), new.n_active,
                  sum(rs.n_ready for rs in dep.replica_sets))
        progressed = counts != (dep.st_replicas, dep.st_updated, dep.st_ready)
        changed = progressed or dep.observed != dep.generation
        dep.st_replicas, dep.st_updated, dep.st_ready = counts
        dep.observed = dep.generation
        revision = str(dep.revision)
        if (dep.annotations or {}).get("deployment.kubernetes.io/revision") != revision:
            dep.annotations = {"deployment.kubernetes.io/revision": revision}
            changed = True
        changed |= self._deployment_conditions(dep, new, progressed)
        if changed:
            self._emit("MODIFIED", dep)

    def _deployment_conditions(self, dep: DeploymentRec, new: ReplicaSetRec, progressed: bool) -> bool:
        now = self.now()
        available = dep.st_ready >= dep.replicas - _surge(dep.replicas)[1]
        changed = o.set_condition(dep.conditions, Condition(
            "Available", "True" if available else "False",
            "MinimumReplicasAvailable" if available else "MinimumReplicasUnavailable",
            "Deployment has minimum availability." if available else "Deployment does not have minimum availability.",
            now, now))
        done = dep.st_updated == dep.replicas == dep.st_ready == dep.st_replicas
        current = dep.conditions.get("Progressing")
        if done:
            cond = Condition("Progressing", "True", "NewReplicaSetAvailable",
                             f'ReplicaSet "{new.name}" has successfully progressed.', now, now)
        elif progressed or current is None or current.status == "True":
            cond = Condition("Progressing", "True", "ReplicaSetUpdated",
                             f'ReplicaSet "{new.name}" is progressing.', now, now)
        else:
            return changed
        cond_changed = o.set_condition(dep.conditions, cond)
        if not done and (progressed or cond_changed):
            dep.progress_epoch += 1
            self._after(PROGRESS_DEADLINE, partial(self._progress_deadline, dep, dep.progress_epoch, new))
        return cond_changed or changed

    def _progress_deadline(self, dep: DeploymentRec, epoch: int, new: ReplicaSetRec) -> None:
        if dep.progress_epoch != epoch or not self._exists(dep):
            return
        progressing = dep.conditions.get("Progressing")
        if progressing is None or progressing.reason != "ReplicaSetUpdated":
            return
        now = self.now()
        o.set_condition(dep.conditions, Condition("Progressing", "False", "ProgressDeadlineExceeded",
                                                  f'ReplicaSet "{new.name}" has timed out progressing.', now, now))
        self._emit("MODIFIED", dep)

    # DaemonSet -------------------------------------------------------------------------------------

    def _sync_daemonset(self, ds: DaemonSetRec) -> None:
        nodes, ds.check_nodes = ds.check_nodes, {}
        for node_name in nodes:
            if ("", node_name) in self._nodes and node_name not in ds.by_node:
                name = self._fresh_pod_name(ds.namespace, ds.name)
                pod = self._new_pod(ds, ds.namespace, name, ds.template, generate=f"{ds.name}-",
                                    target_node=node_name)
                ds.by_node[node_name] = pod
                self._submit(pod)
        status = (len(self._nodes), ds.n_active, ds.n_ready, ds.generation)
        if status != (ds.desired, ds.st_current, ds.st_ready, ds.observed):
            ds.desired, ds.st_current, ds.st_ready, ds.observed = status
            self._emit("MODIFIED", ds)

    # StatefulSet -----------------------------------------------------------------------------------

    def _sync_statefulset(self, ss: StatefulSetRec) -> None:
        """OrderedReady: create ordinal i only when 0..i-1 are Running and Ready; remove from the top."""
        for i in range(ss.replicas):
            pod = ss.pods.get(f"{ss.name}-{i}")
            if pod is None:
                self._submit(_statefulset_pod(self, ss, i))
                break
            if pod.deleted_at is not None or not pod.ready:
                break
        else:
            extra = sorted((p for p in ss.pods.values() if _ordinal(p.name) >= ss.replicas),
                           key=lambda p: -_ordinal(p.name))
            if extra and all(p.deleted_at is None for p in extra):
                self._delete_pod(extra[0])
        status = (ss.n_active, ss.n_ready, ss.generation)
        if status != (ss.st_replicas, ss.st_ready, ss.observed):
            ss.st_replicas, ss.st_ready, ss.observed = status
            self._emit("MODIFIED", ss)

    # Job -------------------------------------------------------------------------------------------

    def _create_job(self, namespace: str, name: str, completions: int, parallelism: int, seconds: float,
                    ttl: int | None) -> None:
        self._ensure_namespace(namespace)
        job = _job(self, namespace, name, completions, parallelism, seconds, ttl)
        self._emit("ADDED", job)
        self._touch(job)

    def _sync_job(self, job: JobRec) -> None:
        finished = False
        if job.completed is None:
            want = min(job.parallelism, job.completions - job.n_succeeded) - job.n_active
            for _ in range(max(want, 0)):
                name = self._fresh_pod_name(job.namespace, job.name)
                self._submit(self._new_pod(job, job.namespace, name, job.template, generate=f"{job.name}-"))
            if job.n_succeeded >= job.completions and job.n_active == 0:
                self._finish_job(job)
                finished = True
        status = (job.n_active, job.n_succeeded, job.n_failed, job.n_ready)
        if status != (job.st_active, job.st_succeeded, job.st_failed, job.st_ready) or finished:
            job.st_active, job.st_succeeded, job.st_failed, job.st_ready = status
            self._emit("MODIFIED", job)

    def _finish_job(self, job: JobRec) -> None:
        now = self.now()
        job.completed = now
        message = "Reached expected number of succeeded pods"
        for kind in ("SuccessCriteriaMet", "Complete"):
            job.conditions[kind] = Condition(kind, "True", "CompletionsReached", message, now, now)
        if job.ttl is not None:
            self._after(float(job.ttl), partial(self._delete_job, job))

    def _delete_job(self, job: JobRec) -> None:
        """TTL-after-finished: the Job goes, and the garbage collector removes its pods."""
        if not self._exists(job):
            return
        self._emit("DELETED", job)
        for pod in list(job.pods.values()):
            self._after(self._rng.uniform(0.1, 1.0), partial(self._delete_pod, pod, None, None))

    # ------------------------------------------------------------------------------------ nodes

    def _node_fail(self, node: NodeRec, reachable: bool) -> None:
        node.epoch += 1
        if reachable:
            self._set_node_ready(node, "False", "KubeletNotReady", CNI_NOT_READY)
            self._emit("MODIFIED", node)
            delay = self._rng.uniform(0.5, NODE_CONTROLLER_DELAY)
            self._after(delay, partial(self._node_lost, node, NOT_READY_TAINT, node.epoch))
        else:
            node.kubelet_up = False
            self._after(NODE_MONITOR_GRACE, partial(self._node_unknown, node, node.epoch))

    def _set_node_ready(self, node: NodeRec, status: str, reason: str, message: str) -> None:
        now = self.now()
        if node.ready != status:
            node.ready_since = now
        node.ready, node.ready_reason, node.ready_message = status, reason, message
        if node.kubelet_up:
            node.heartbeat = now

    def _node_unknown(self, node: NodeRec, epoch: int) -> None:
        """The node lifecycle controller: the kubelet missed its grace period."""
        if node.epoch != epoch or not self._exists(node):
            return
        self._set_node_ready(node, "Unknown", *o.NODE_UNKNOWN)
        node.pressure, node.pressure_since = "Unknown", self.now()
        self._emit("MODIFIED", node)
        self._node_lost(node, UNREACHABLE_TAINT, epoch)

    def _node_lost(self, node: NodeRec, taint_key: str, epoch: int) -> None:
        """Taint the node NoSchedule + NoExecute, mark its pods not ready, schedule taint-based evictions."""
        if node.epoch != epoch or not self._exists(node):
            return
        now = self.now()
        execute = Taint(taint_key, "NoExecute", added=now)
        node.taints = (*tuple(t for t in node.taints if t.key != taint_key), Taint(taint_key, "NoSchedule"), execute)
        self._emit("MODIFIED", node)
        for pod in list(node.pods.values()):
            if pod.ready and pod.deleted_at is None:
                pod.ready, pod.ready_since = False, now
                self._emit("MODIFIED", pod)
                self._warn(pod, "NodeNotReady", "Node is not ready", "node-controller")
            seconds = _toleration_seconds(pod, execute)
            if seconds is not None and pod.deleted_at is None:
                self._after(float(seconds), partial(self._evict, pod, pod.token, node, epoch))

    def _evict(self, pod: PodRec, token: int, node: NodeRec, epoch: int) -> None:
        if pod.token != token or node.epoch != epoch or not self._exists(pod):
            return
        now = self.now()
        cond = Condition("DisruptionTarget", "True", "DeletionByTaintManager",
                         "Taint manager: deleting due to NoExecute taint", now)
        self._delete_pod(pod, None, cond)

    def _node_recover(self, node: NodeRec) -> None:
        node.epoch += 1
        node.kubelet_up = True
        if node.pressure != "False":
            node.pressure, node.pressure_since = "False", self.now()
        self._set_node_ready(node, "True", "KubeletReady", "kubelet is posting ready status")
        self._emit("MODIFIED", node)
        self._after(self._rng.uniform(0.5, NODE_CONTROLLER_DELAY), partial(self._untaint, node, node.epoch))
        self._after(self._rng.uniform(1.0, 3.0), partial(self._kubelet_resync, node, node.epoch))

    def _untaint(self, node: NodeRec, epoch: int) -> None:
        if node.epoch != epoch or not self._exists(node):
            return
        kept = tuple(t for t in node.taints if t.key not in (NOT_READY_TAINT, UNREACHABLE_TAINT))
        if kept != node.taints:
            node.taints = kept
            self._emit("MODIFIED", node)
        self._kick_scheduler()

    def _kubelet_resync(self, node: NodeRec, epoch: int) -> None:
        """A kubelet back on line: finish pending kills, start accepted pods, report readiness again."""
        if node.epoch != epoch or not self._exists(node) or not node.kubelet_up:
            return
        for pod in list(node.pods.values()):
            if pod.deleted_at is not None:
                self._after(self._rng.uniform(0.2, 1.0), partial(self._kill, pod, 0))
            elif pod.accepted_at is None:
                self._after(self._rng.uniform(0.2, 1.0), partial(self._kubelet_accept, pod, pod.token))
            elif not pod.ready and not pod.terminal:
                self._refresh_ready(pod)
                if pod.ready:
                    self._emit("MODIFIED", pod)

    def _cordon(self, node: NodeRec, cordoned: bool) -> None:
        if node.unschedulable == cordoned:
            return
        node.unschedulable = cordoned
        others = tuple(t for t in node.taints if t.key != UNSCHEDULABLE_TAINT)
        node.taints = others + ((Taint(UNSCHEDULABLE_TAINT, "NoSchedule"),) if cordoned else ())
        self._emit("MODIFIED", node)
        if not cordoned:
            self._kick_scheduler()

    def _take_node_index(self) -> int:
        self._node_index += 1
        return self._node_index - 1

    def _next_worker_number(self) -> int:
        self._node_count += 1
        while ("", f"worker-{self._node_count}") in self._nodes:
            self._node_count += 1
        return self._node_count

    def _join_node(self, name: str, zone: str | None) -> None:
        node = _make_node(self, name, control_plane=False, zone=zone or ZONES[len(self._nodes) % 3],
                          created=self.now())
        self._set_node_ready(node, "False", "KubeletNotReady", CNI_NOT_READY)
        node.taints = (Taint(NOT_READY_TAINT, "NoSchedule"),)
        self._add_node_record(node)
        self._after(8.0, partial(self._node_recover, node))

    def _add_node_record(self, node: NodeRec) -> None:
        self._emit("ADDED", node)
        self._ring.append(node.name)
        lease = LeaseRec(name=node.name, namespace="kube-node-lease", uid=self._uid(), created=node.created,
                         owner=OwnerRef("v1", "Node", node.name, node.uid, controller=False),
                         holder=node.name, duration=40, renewed=self.now())
        self._emit("ADDED", lease)
        for ds in self._daemonsets.values():
            ds.check_nodes[node.name] = None
            self._touch(ds)
        if self.lease_renewals:
            self._after(NODE_LEASE_PERIOD * self._rng.random(), partial(self._renew_node_lease, node))
            self._after(NODE_STATUS_PERIOD * self._rng.random(), partial(self._node_heartbeat, node))
        self._kick_scheduler()

    def _remove_node(self, node: NodeRec) -> None:
        node.epoch += 1
        self._emit("DELETED", node)
        self._ring.remove(node.name)
        lease = self._leases.get(("kube-node-lease", node.name))
        if lease is not None:
            self._emit("DELETED", lease)
        for ds in self._daemonsets.values():
            self._touch(ds)
        for pod in list(node.pods.values()):  # pod GC: orphaned pods are force-deleted
            self._after(self._rng.uniform(0.5, 2.0), partial(self._delete_pod, pod, 0, None))

    def _ensure_mirror(self, node: NodeRec, tpl: PodTemplate) -> None:
        """The kubelet recreates a deleted mirror pod for a static pod that still runs."""
        component = dict(tpl.labels)["component"]
        if self._exists(node) and (("kube-system", f"{component}-{node.name}") not in self._pods):
            pod = _static_pod(self, node, component, self.now())
            self._settle(pod, node, self.now())

    def _ensure_namespace(self, namespace: str) -> None:
        if ("", namespace) not in self._store["Namespace"]:
            self._emit("ADDED", _namespace(self, namespace, self.now()))

    # ------------------------------------------------------------------------------------ leases

    def _renew_node_lease(self, node: NodeRec) -> None:
        if not self._exists(node):
            return
        lease = self._leases.get(("kube-node-lease", node.name))
        if lease is not None and node.kubelet_up:
            lease.renewed = self.now()
            self._emit("MODIFIED", lease)
        self._after(NODE_LEASE_PERIOD, partial(self._renew_node_lease, node))

    def _node_heartbeat(self, node: NodeRec) -> None:
        if not self._exists(node):
            return
        if node.kubelet_up:
            node.heartbeat = self.now()
            self._emit("MODIFIED", node)
        self._after(NODE_STATUS_PERIOD, partial(self._node_heartbeat, node))

    def _renew_leader(self, key: Key, node_name: str, period: float) -> None:
        lease = self._leases.get(key)
        node = self._nodes.get(("", node_name))
        if lease is None:
            return
        if node is not None and node.kubelet_up:
            lease.renewed = self.now()
            self._emit("MODIFIED", lease)
        self._after(period, partial(self._renew_leader, key, node_name, period))


# ---------------------------------------------------------------------------------------------- helpers


def _surge(replicas: int) -> tuple[int, int]:
    """(maxSurge, maxUnavailable) for 25 % / 25 %: surge rounds up, unavailable down, never both 0."""
    surge, unavailable = math.ceil(replicas * 0.25), math.floor(replicas * 0.25)
    return (surge, 1) if surge == 0 and unavailable == 0 else (surge, unavailable)


def _toleration_seconds(pod: PodRec, taint: Taint) -> int | None:
    """How long the pod may stay on a node with this NoExecute taint: 0 now, None for ever."""
    matching = [t for t in pod.template.pod_tolerations() if t.tolerates(taint)]
    if not matching:
        return 0
    if any(t.seconds is None for t in matching):
        return None
    return min(t.seconds for t in matching if t.seconds is not None)


def _pull_error(image: str) -> str:
    ref = o.normalize_image(image)
    return (f'rpc error: code = NotFound desc = failed to pull and unpack image "{ref}": '
            f'failed to resolve reference "{ref}": {ref}: not found')


def _go_duration(seconds: int) -> str:
    minutes, secs = divmod(seconds, 60)
    return f"{minutes}m{secs}s" if minutes else f"{secs}s"


def _ordinal(pod_name: str) -> int:
    return int(pod_name.rsplit("-", 1)[1])


# ---------------------------------------------------------------------------------------------- builders


def _namespace(c: FakeCluster, name: str, created: float) -> NamespaceRec:
    return NamespaceRec(name=name, uid=c._uid(), created=created, labels={"kubernetes.io/metadata.name": name})


def _make_node(c: FakeCluster, name: str, *, control_plane: bool, zone: str, created: float) -> NodeRec:
    index = c._take_node_index()
    labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": "standard-4",
        "topology.kubernetes.io/region": REGION,
        "topology.kubernetes.io/zone": f"{REGION}{zone}",
    }
    if control_plane:
        labels["node-role.kubernetes.io/control-plane"] = ""
        labels["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
    else:
        labels["node-pool"] = "general"
    return NodeRec(
        name=name, uid=c._uid(), created=created, labels=labels,
        annotations={
            "kubeadm.alpha.kubernetes.io/cri-socket": "unix:///run/containerd/containerd.sock",
            "node.alpha.kubernetes.io/ttl": "0",
            "volumes.kubernetes.io/controller-managed-attach-detach": "true",
        },
        index=index, control_plane=control_plane,
        internal_ip=f"172.18.{index // 250}.{index % 250 + 2}",
        pod_cidr=f"10.{64 + index // 256}.{index % 256}.0/24",
        cpu=4000, memory=16 * o.GI - 200 * o.MI, alloc_cpu=3800, alloc_memory=15 * o.GI,
        ready_since=created + 20, pressure_since=created, heartbeat=c.now(),
        taints=(Taint(CONTROL_PLANE_TAINT, "NoSchedule"),) if control_plane else (),
        boot_id=c._uid(), system_uuid=c._uid(),
    )


def _static_pod(c: FakeCluster, node: NodeRec, component: str, at: float) -> PodRec:
    tpl = o.static_pod_template(component)
    config_hash = o.sha256_hex("static", node.name, component)[:32]
    pod = c._new_pod(None, "kube-system", f"{component}-{node.name}", tpl)
    pod.owner = OwnerRef("v1", "Node", node.name, node.uid)
    pod.mirror = True
    pod.annotations = {
        "kubernetes.io/config.hash": config_hash,
        "kubernetes.io/config.mirror": config_hash,
        "kubernetes.io/config.seen": o.rfc3339(at).replace("Z", ".000000000Z"),
        "kubernetes.io/config.source": "file",
    }
    if component == "kube-apiserver":
        pod.annotations["kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint"] = \
            f"{node.internal_ip}:6443"
    return pod


def _replicaset(c: FakeCluster, dep: DeploymentRec, h: str, replicas: int) -> ReplicaSetRec:
    tpl = replace(dep.template, labels=(*dep.template.labels, ("pod-template-hash", h)))
    labels = dict(tpl.labels)
    rs = ReplicaSetRec(
        name=f"{dep.name}-{h}", namespace=dep.namespace, uid=c._uid(), created=c.now(), labels=labels,
        owner=OwnerRef("apps/v1", "Deployment", dep.name, dep.uid), generation=1,
        selector={**dep.selector, "pod-template-hash": h}, template=tpl, pod_labels=labels,
        replicas=replicas, revision=dep.revision, deployment=dep,
    )
    c._annotate_rs(rs, dep)
    return rs


def _deployment(c: FakeCluster, namespace: str, name: str, tpl: PodTemplate, replicas: int, created: float,
                labels: dict[str, str] | None = None) -> DeploymentRec:
    return DeploymentRec(name=name, namespace=namespace, uid=c._uid(), created=created, generation=1,
                         labels=labels if labels is not None else dict(tpl.labels), replicas=replicas,
                         selector=dict(tpl.labels), template=tpl)


def _statefulset_pod(c: FakeCluster, ss: StatefulSetRec, i: int) -> PodRec:
    name = f"{ss.name}-{i}"
    labels = {**ss.pod_labels, "apps.kubernetes.io/pod-index": str(i),
              "statefulset.kubernetes.io/pod-name": name}
    claims = () if ss.claim is None else (Volume(ss.claim[0], "persistentVolumeClaim", f"{ss.claim[0]}-{name}"),)
    return c._new_pod(ss, ss.namespace, name, ss.template, labels=labels, generate=f"{ss.name}-",
                      extra_volumes=claims, subdomain=ss.service_name)


def _job(c: FakeCluster, namespace: str, name: str, completions: int, parallelism: int, seconds: float,
         ttl: int | None) -> JobRec:
    uid = c._uid()
    selector = {"batch.kubernetes.io/controller-uid": uid}
    pod_labels = {**selector, "batch.kubernetes.io/job-name": name, "controller-uid": uid, "job-name": name}
    tpl = replace(o.job_template(seconds), labels=tuple(pod_labels.items()))
    return JobRec(name=name, namespace=namespace, uid=uid, created=c.now(), generation=1,
                  labels={"batch.kubernetes.io/job-name": name, "job-name": name}, selector=selector,
                  template=tpl, pod_labels=pod_labels, completions=completions, parallelism=parallelism,
                  ttl=ttl, started=c.now())


def _build(c: FakeCluster, workers: int, pods_per_node: int) -> None:
    """The default cluster, settled: nothing pending, every pod Running (no events: nobody watches yet)."""
    _Builder(c, workers, pods_per_node).build()


class _Builder:
    def __init__(self, c: FakeCluster, workers: int, pods_per_node: int) -> None:
        self.c = c
        self.workers = workers
        self.pods_per_node = pods_per_node
        self.now = c.now()
        self.born = self.now - 3 * 86400  # the cluster was installed three days ago

    def build(self) -> None:
        c = self.c
        for ns in ("default", "kube-node-lease", "kube-public", "kube-system"):
            c._emit("ADDED", _namespace(c, ns, self.born))
        cp = _make_node(c, "control-plane-1", control_plane=True, zone="a", created=self.born)
        self._add_node(cp)
        self._control_plane(cp)
        for i in range(self.workers):
            node = _make_node(c, f"worker-{i + 1}", control_plane=False, zone=ZONES[i % 3],
                              created=self.born + 90 + i * 0.05)
            self._add_node(node)
        c._node_count = self.workers
        self._daemonsets(cp.name)
        self._deployment("kube-system", "coredns", o.coredns_template(), 2, self.born + 40,
                         {"k8s-app": "kube-dns"})
        self._deployment("default", "users-deployment", o.users_template(), 2, self.born + 7200, {})
        self._users_db()
        self._extras()
        self._first_syncs()

    def _add_node(self, node: NodeRec) -> None:
        node.heartbeat = self.now - NODE_STATUS_PERIOD * self.c._rng.random()
        self.c._add_node_record(node)
        lease = self.c._leases[("kube-node-lease", node.name)]
        lease.renewed = self.now - NODE_LEASE_PERIOD * self.c._rng.random()
        lease.created = node.created

    def _control_plane(self, cp: NodeRec) -> None:
        c = self.c
        for k, component in enumerate(("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler")):
            c._settle(_static_pod(c, cp, component, self.born + 10 + k), cp, self.born + 10 + k)
        for component in ("kube-controller-manager", "kube-scheduler"):
            self._leader_lease(component, cp.name)
        ident = o.safe_encode(o.sha256_hex("apiserver", cp.name)[:26]).lower()
        lease = LeaseRec(name=f"apiserver-{ident}", namespace="kube-system", uid=c._uid(), created=self.born + 12,
                         labels={"apiserver.kubernetes.io/identity": "kube-apiserver",
                                 "kubernetes.io/hostname": cp.name},
                         holder=f"apiserver-{ident}_{c._uid()}", duration=3600,
                         renewed=self.now - APISERVER_LEASE_PERIOD * c._rng.random(), acquired=self.born + 12)
        c._emit("ADDED", lease)
        self._renew(lease.key, cp.name, APISERVER_LEASE_PERIOD)

    def _leader_lease(self, component: str, node: str) -> None:
        c = self.c
        lease = LeaseRec(name=component, namespace="kube-system", uid=c._uid(), created=self.born + 15,
                         holder=f"{node}_{c._uid()}", duration=15,
                         renewed=self.now - LEADER_RENEW_PERIOD * c._rng.random(), acquired=self.born + 15,
                         transitions=0)
        c._emit("ADDED", lease)
        self._renew(lease.key, node, LEADER_RENEW_PERIOD)

    def _renew(self, key: Key, node: str, period: float) -> None:
        if self.c.lease_renewals:
            phase = period * self.c._rng.random()
            self.c._after(phase, partial(self.c._renew_leader, key, node, period))

    def _daemonsets(self, control_plane: str) -> None:
        c = self.c
        for name, base in (("kube-proxy", o.kube_proxy_template()),
                           ("kindnet", o.kindnet_template(control_plane))):
            revision = ("controller-revision-hash", base.hash()[:10])
            tpl = replace(base, labels=(*base.labels, revision))
            ds = DaemonSetRec(name=name, namespace="kube-system", uid=c._uid(), created=self.born + 30,
                              generation=1, labels=dict(base.labels), selector=dict(base.labels),
                              template=tpl, pod_labels=dict(tpl.labels))
            c._emit("ADDED", ds)
            for node in list(c._nodes.values()):
                pod = c._new_pod(ds, ds.namespace, c._fresh_pod_name(ds.namespace, name), tpl,
                                 generate=f"{name}-", target_node=node.name)
                ds.by_node[node.name] = pod
                c._settle(pod, node, max(node.created, ds.created) + 5)
            ds.check_nodes.clear()

    def _deployment(self, namespace: str, name: str, tpl: PodTemplate, replicas: int, created: float,
                    labels: dict[str, str] | None) -> None:
        c = self.c
        if ("", namespace) not in c._store["Namespace"]:
            c._emit("ADDED", _namespace(c, namespace, created - 60))
        dep = _deployment(c, namespace, name, tpl, replicas, created, labels)
        dep.revision = 1
        c._emit("ADDED", dep)
        rs = _replicaset(c, dep, tpl.hash(), replicas)
        rs.created = created
        dep.replica_sets.append(rs)
        c._emit("ADDED", rs)
        self._fill(rs, replicas, created)

    def _fill(self, rs: ReplicaSetRec, replicas: int, created: float) -> None:
        c = self.c
        for j in range(replicas):
            pod = c._new_pod(rs, rs.namespace, c._fresh_pod_name(rs.namespace, rs.name), rs.template,
                             generate=f"{rs.name}-")
            node = c._pick_node(pod)
            if node is None:
                pod.created = created
                c._submit(pod)
            else:
                c._settle(pod, node, created + 1 + (j * 7.919) % 3600)

    def _users_db(self) -> None:
        c = self.c
        tpl = o.users_db_template()
        ss = StatefulSetRec(name="users-db", namespace="default", uid=c._uid(), created=self.born + 7000,
                            generation=1, labels={"app": "users-db"}, selector={"app": "users-db"},
                            replicas=1, service_name="users-db", claim=("data", "10Gi"), template=tpl)
        tpl = replace(tpl, labels=(*tpl.labels, ("controller-revision-hash", ss.revision)))
        ss.template, ss.pod_labels = tpl, dict(tpl.labels)
        c._emit("ADDED", ss)
        pod = _statefulset_pod(c, ss, 0)
        node = c._pick_node(pod)
        if node is None:
            c._submit(pod)
        else:
            c._settle(pod, node, ss.created + 5)

    def _extras(self) -> None:
        """pods_per_node filler pods per worker, spread round-robin over a few namespaces and deployments."""
        total = self.workers * self.pods_per_node
        if not total:
            return
        c = self.c
        nodes = [n for n in c._nodes.values() if not n.control_plane]
        count = len(o.EXTRA_WORKLOADS)
        j = 0
        for k, (ns, name, image, cpu, memory) in enumerate(o.EXTRA_WORKLOADS):
            replicas = total // count + (1 if k < total % count else 0)
            tpl = o.extra_template(name, image, cpu, memory)
            created = self.born + 3600 + 600 * k
            if ("", ns) not in c._store["Namespace"]:
                c._emit("ADDED", _namespace(c, ns, created - 60))
            dep = _deployment(c, ns, name, tpl, replicas, created)
            dep.revision = 1
            c._emit("ADDED", dep)
            rs = _replicaset(c, dep, tpl.hash(), replicas)
            rs.created = created
            dep.replica_sets.append(rs)
            c._emit("ADDED", rs)
            for _ in range(replicas):
                self._place_extra(rs, nodes[j % len(nodes)], created + (j * 0.37) % 7200)
                j += 1

    def _place_extra(self, rs: ReplicaSetRec, node: NodeRec, at: float) -> None:
        c = self.c
        pod = c._new_pod(rs, rs.namespace, c._fresh_pod_name(rs.namespace, rs.name), rs.template,
                         generate=f"{rs.name}-")
        if c._misfit(pod, node):
            pod.created = at
            c._submit(pod)
        else:
            c._settle(pod, node, at)

    def _first_syncs(self) -> None:
        """Bring every controller's status in line with its pods before anyone lists."""
        c = self.c
        for table in (c._store["ReplicaSet"], c._deployments, c._daemonsets, c._statefulsets):
            for rec in list(table.values()):
                assert isinstance(rec, (ControllerRec, DeploymentRec))
                c._sync(rec)
