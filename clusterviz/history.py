"""A cluster's history as pure functions: rebuild a moment, compare two moments, find what happened.

Storage keeps periodic full states (checkpoints) and the deltas published between them. A moment is the
latest checkpoint before it plus that checkpoint's deltas up to the moment, merged exactly as a browser
merges them (upsert and remove by key, take seq, revision, source and control plane). Everything here works
on the wire shapes of :mod:`clusterviz.wire`, so what is stored is what the live map was allowed to show.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NotRequired, TypedDict

from clusterviz.grouping import with_reasons
from clusterviz.mapping import pod_failing
from clusterviz.wire import (
    SUMMARY_FIELDS,
    ChangeEvent,
    ChangeKind,
    ClusterState,
    Delta,
    NodeView,
    ObjectRef,
    ObjectView,
    PodSummary,
    Process,
    object_key,
)

STATUS_CLASSES = ("running", "pending", "succeeded", "failed", "terminating", "unknown")
SCALABLE_OWNERS = frozenset({"Deployment", "StatefulSet", "ReplicaSet", "DaemonSet"})
COLLAPSE_AFTER = 20
"""More events of one kind in one delta than this become one summary event (a node failing takes 110 pods)."""


def pod_key(pod: Mapping[str, Any]) -> tuple[str, str]:
    return (str(pod["namespace"]), str(pod["name"]))


def sort_state(state: ClusterState) -> ClusterState:
    """The state with nodes by name and pods by namespace/name, the order every stored state has."""
    return {
        **state,
        "nodes": sorted(state["nodes"], key=lambda n: n["name"]),
        "pods": sorted(state["pods"], key=pod_key),
    }


def for_the_map(pods: Iterable[Mapping[str, Any]]) -> list[PodSummary]:
    """Pods as the map draws them: history keeps containers and volumes, the map's states never carry them.
    A pod recorded (or imported) before pods carried ``failing`` gets it by the same rule the live pods do."""
    return [_with_failing({k: p[k] for k in SUMMARY_FIELDS if k in p}) for p in pods]


def _with_failing(pod: dict[str, Any]) -> PodSummary:
    if "failing" not in pod:
        pod["failing"] = pod_failing(pod.get("status", ""), pod.get("statusClass", ""))
    return pod  # type: ignore[return-value]


def objects_for_the_map(objects: Iterable[ObjectView]) -> list[ObjectView]:
    """Objects as the map reads them: a Service recorded before its excluded pods carried their reason gets it
    by the same rule as a live one."""
    return [with_reasons(o) if o["kind"] == "Service" else o for o in objects]


def map_state(state: Mapping[str, Any]) -> dict[str, Any]:
    """A stored state as the replaying map loads it (see :func:`for_the_map`, :func:`objects_for_the_map`)."""
    mapped = {**state, "pods": for_the_map(state["pods"])}
    if "objects" in state:
        mapped["objects"] = objects_for_the_map(state["objects"])
    return mapped


def map_delta(delta: Delta) -> Delta:
    mapped: Delta = {**delta, "pods": {**delta["pods"], "upsert": for_the_map(delta["pods"]["upsert"])}}
    objects = delta.get("objects")
    if objects is not None:
        mapped["objects"] = {**objects, "upsert": objects_for_the_map(objects["upsert"])}
    return mapped


# -- rebuilding ------------------------------------------------------------------------------------------------


class Replayer:
    """A state being rebuilt: keyed maps, so applying thousands of deltas costs no re-sorting until the end."""

    def __init__(self, state: ClusterState) -> None:
        self.base = state
        self.seq = state["seq"]
        self.revision = state["revision"]
        self.at = state["at"]
        self.source = state["source"]
        self.control_plane: list[Process] = state["controlPlane"]
        self.nodes: dict[str, NodeView] = {n["name"]: n for n in state["nodes"]}
        self.pods: dict[str, PodSummary] = {p["uid"]: p for p in state["pods"]}
        self.objects: dict[str, ObjectView] = {object_key(o): o for o in state.get("objects", [])}

    def apply(self, delta: Delta) -> bool:
        """Merge one delta; False (and nothing changed) when the state already covers its seq."""
        if delta["seq"] <= self.seq:
            return False
        for name in delta["nodes"]["remove"]:
            self.nodes.pop(name, None)
        for node in delta["nodes"]["upsert"]:
            self.nodes[node["name"]] = node
        for uid in delta["pods"]["remove"]:
            self.pods.pop(uid, None)
        for pod in delta["pods"]["upsert"]:
            self.pods[pod["uid"]] = pod
        objects = delta.get("objects")
        if objects is not None:
            for key in objects["remove"]:
                self.objects.pop(key, None)
            self.objects.update((object_key(o), o) for o in objects["upsert"])
        self.seq, self.revision, self.at = delta["seq"], delta["revision"], delta["at"]
        self.source = delta["source"]
        if "controlPlane" in delta:
            self.control_plane = delta["controlPlane"]
        return True

    def state(self) -> ClusterState:
        return {
            "cluster": self.base["cluster"],
            "revision": self.revision,
            "seq": self.seq,
            "at": self.at,
            "source": self.source,
            "controlPlane": self.control_plane,
            "nodes": [self.nodes[n] for n in sorted(self.nodes)],
            "pods": sorted(self.pods.values(), key=pod_key),
            "objects": [self.objects[k] for k in sorted(self.objects)],
        }


def apply_delta(state: ClusterState, delta: Delta) -> ClusterState:
    """What a browser does with one delta (a delta the state already covers changes nothing)."""
    replayer = Replayer(state)
    if not replayer.apply(delta):
        return state
    return replayer.state()


class GapError(ValueError):
    """The deltas after a checkpoint are not consecutive: the moment cannot be rebuilt exactly."""


def rebuild(checkpoint: ClusterState, deltas: Iterable[Delta], at: float | None = None) -> ClusterState:
    """The state at ``at`` (None: after every delta): the checkpoint plus its consecutive deltas up to then.

    Deltas the checkpoint already covers are skipped; a missing seq raises :class:`GapError`.
    """
    replayer = Replayer(checkpoint)
    for delta in deltas:
        if at is not None and delta["at"] > at:
            break
        if delta["seq"] <= replayer.seq:
            continue
        if delta["seq"] != replayer.seq + 1:
            raise GapError(f"seq {replayer.seq + 1} is missing (next stored is {delta['seq']})")
        replayer.apply(delta)
    state = replayer.state()
    if at is not None and at > state["at"]:
        state["at"] = at
    return state


# -- diff ------------------------------------------------------------------------------------------------------


class NodeChange(TypedDict):
    name: str
    field: str  # ready, unschedulable
    before: str
    after: str


class PodRef(TypedDict):
    namespace: str
    name: str
    node: str | None
    status: str


class PodStatusChange(TypedDict):
    namespace: str
    name: str
    node: str | None
    before: str
    after: str


class PodMove(TypedDict):
    namespace: str
    name: str
    before: str | None
    after: str | None


class Diff(TypedDict):
    nodesAdded: list[str]
    nodesRemoved: list[str]
    nodesChanged: list[NodeChange]
    podsAdded: list[PodRef]
    podsRemoved: list[PodRef]
    podsStatusChanged: list[PodStatusChange]
    podsMoved: list[PodMove]


def _ref(pod: PodSummary) -> PodRef:
    return {"namespace": pod["namespace"], "name": pod["name"], "node": pod["node"], "status": pod["status"]}


def _node_changes(a: NodeView, b: NodeView) -> list[NodeChange]:
    changes: list[NodeChange] = []
    if a["ready"] != b["ready"]:
        changes.append({"name": a["name"], "field": "ready", "before": a["ready"], "after": b["ready"]})
    if a["unschedulable"] != b["unschedulable"]:
        before, after = ("cordoned" if x else "schedulable" for x in (a["unschedulable"], b["unschedulable"]))
        changes.append({"name": a["name"], "field": "unschedulable", "before": before, "after": after})
    return changes


def diff(a: ClusterState, b: ClusterState) -> Diff:
    """What differs from moment ``a`` to moment ``b``: nodes by name, pods by namespace/name, sorted."""
    nodes_a = {n["name"]: n for n in a["nodes"]}
    nodes_b = {n["name"]: n for n in b["nodes"]}
    pods_a = {pod_key(p): p for p in a["pods"]}
    pods_b = {pod_key(p): p for p in b["pods"]}
    common = sorted(pods_a.keys() & pods_b.keys())
    return {
        "nodesAdded": sorted(nodes_b.keys() - nodes_a.keys()),
        "nodesRemoved": sorted(nodes_a.keys() - nodes_b.keys()),
        "nodesChanged": [
            c for n in sorted(nodes_a.keys() & nodes_b.keys()) for c in _node_changes(nodes_a[n], nodes_b[n])
        ],
        "podsAdded": [_ref(pods_b[k]) for k in sorted(pods_b.keys() - pods_a.keys())],
        "podsRemoved": [_ref(pods_a[k]) for k in sorted(pods_a.keys() - pods_b.keys())],
        "podsStatusChanged": [
            {
                "namespace": k[0],
                "name": k[1],
                "node": pods_b[k]["node"],
                "before": pods_a[k]["status"],
                "after": pods_b[k]["status"],
            }
            for k in common
            if pods_a[k]["status"] != pods_b[k]["status"]
        ],
        "podsMoved": [
            {"namespace": k[0], "name": k[1], "before": pods_a[k]["node"], "after": pods_b[k]["node"]}
            for k in common
            if pods_a[k]["node"] != pods_b[k]["node"]
        ],
    }


def diff_size(d: Diff) -> int:
    lists: list[list[Any]] = list(d.values())  # type: ignore[arg-type]
    return sum(len(v) for v in lists)


# -- tracking: timeline events and chart samples ---------------------------------------------------------------

EventKind = ChangeKind
TimelineEvent = ChangeEvent
Args = dict[str, str | int | None]
Owner = tuple[str, str, str]  # namespace, kind, name


@dataclass(frozen=True, slots=True)
class _Pod:
    key: tuple[str, str]
    status: str
    status_class: str
    node: str | None
    owner: Owner | None
    restarts: int
    revision: int | None
    images: tuple[str, ...] | None  # the app containers' images; None when the pod came without containers
    message: str
    detail: str  # why its first failing container failed ("app: OOMKilled, exit code 137"); "" when unknown


@dataclass(frozen=True, slots=True)
class _Node:
    ready: str
    requested_cpu: int
    requested_memory: int
    allocatable_cpu: int
    allocatable_memory: int
    used_cpu: int | None  # None: no metrics source
    used_memory: int | None


def _images(pod: Mapping[str, Any]) -> tuple[str, ...] | None:
    containers = pod.get("containers")
    if containers is None:
        return None
    return tuple(c["image"] for c in containers if not c["init"])


def _failure_detail(pod: Mapping[str, Any]) -> str:
    for c in pod.get("containers") or ():
        if c["state"] == "terminated" and c["exitCode"]:
            return f"{c['name']}: {c['reason']}, exit code {c['exitCode']}"
        last = c["lastState"]
        if c["state"] == "waiting" and last is not None and last["exitCode"]:
            return f"{c['name']}: {c['reason']}, last exit {last['reason']} (code {last['exitCode']})"
    return ""


def _slim_pod(pod: Mapping[str, Any]) -> _Pod:
    owner = pod["owner"]
    owner_key = (pod["namespace"], owner["kind"], owner["name"]) if owner else None
    return _Pod(
        pod_key(pod),
        pod["status"],
        pod["statusClass"],
        pod["node"],
        owner_key,
        pod["restarts"],
        pod.get("revision"),
        _images(pod),
        pod["message"] if pod["node"] is None else "",
        _failure_detail(pod) if pod["statusClass"] == "failed" else "",
    )


def _slim_node(node: NodeView) -> _Node:
    req, alloc, used = node["requested"], node["allocatable"], node.get("usage")
    return _Node(
        node["ready"],
        req["cpu"],
        req["memory"],
        alloc["cpu"],
        alloc["memory"],
        used["cpu"] if used else None,
        used["memory"] if used else None,
    )


class NodeSample(TypedDict):
    ready: bool
    cpuRequested: int
    memoryRequested: int
    cpuAllocatable: int
    memoryAllocatable: int
    cpuUsed: NotRequired[int | None]  # absent in samples recorded before use was measured
    memoryUsed: NotRequired[int | None]


class Sample(TypedDict):
    at: float
    pods: dict[str, int]  # by status class
    nodes: int
    nodesReady: int
    restarts: int  # sum over the pods present
    perNode: dict[str, NodeSample]


def _counted_owner(pod: _Pod | None) -> Owner | None:
    if pod is None or pod.owner is None or pod.owner[1] not in SCALABLE_OWNERS or pod.status_class == "terminating":
        return None
    return pod.owner


@dataclass(frozen=True, slots=True)
class Rollout:
    """A Deployment's pods moving to a new ReplicaSet revision: how far it got."""

    revision: int
    new: int  # pods of the new revision
    ready: int  # of them, running and ready
    old: int  # pods of older revisions still there

    @property
    def done(self) -> bool:
        return self.old == 0 and self.ready == self.new


def _obj(kind: str, namespace: str, name: str) -> ObjectRef:
    return {"kind": kind, "namespace": namespace, "name": name}  # type: ignore[typeddict-item]


def _pod_obj(key: tuple[str, str]) -> list[ObjectRef]:
    return [_obj("Pod", *key)]


@dataclass
class Tracker:
    """A slim mirror of one cluster (a few fields per object) that turns deltas into timeline events.

    The history timeline and the map's feed both come from here: one detection of what happened."""

    pods: dict[str, _Pod] = field(default_factory=dict)
    nodes: dict[str, _Node] = field(default_factory=dict)
    owners: Counter[Owner] = field(default_factory=Counter)  # live pods per scalable owner
    revisions: dict[Owner, Counter[int]] = field(default_factory=dict)  # a Deployment's live pods by revision
    ready: dict[Owner, Counter[int]] = field(default_factory=dict)  # of them, those running and ready
    images: dict[tuple[Owner, int], tuple[str, ...]] = field(default_factory=dict)  # what a revision runs
    rolling: dict[Owner, Rollout] = field(default_factory=dict)  # rollouts in progress, as last told
    newest: dict[Owner, int] = field(default_factory=dict)  # each Deployment's newest revision, as last seen
    endpoints: dict[str, frozenset[str]] = field(default_factory=dict)  # a Service's ready endpoints, by key

    @classmethod
    def of(cls, state: ClusterState) -> Tracker:
        tracker = cls()
        for pod in state["pods"]:
            tracker._set_pod(pod["uid"], _slim_pod(pod))
        tracker.nodes = {n["name"]: _slim_node(n) for n in state["nodes"]}
        services = [o for o in state.get("objects", []) if o["kind"] == "Service"]
        tracker.endpoints = {object_key(o): _ready_endpoints(o) for o in services}
        for owner in list(tracker.revisions):
            rollout = tracker.rollout_of(owner)
            if rollout is not None:
                tracker.newest[owner] = rollout.revision
            if rollout is not None and not rollout.done:
                tracker.rolling[owner] = rollout
        return tracker

    def _count(self, pod: _Pod, sign: int) -> None:
        owner = _counted_owner(pod)
        if owner is None:
            return
        self.owners[owner] += sign
        if owner[1] != "Deployment" or pod.revision is None:
            return
        self.revisions.setdefault(owner, Counter())[pod.revision] += sign
        if pod.status_class == "running":
            self.ready.setdefault(owner, Counter())[pod.revision] += sign
        if sign > 0 and pod.images:
            self.images[(owner, pod.revision)] = pod.images

    def _set_pod(self, uid: str, pod: _Pod | None) -> _Pod | None:
        old = self.pods.pop(uid, None)
        if old is not None:
            self._count(old, -1)
        if pod is not None:
            self.pods[uid] = pod
            self._count(pod, 1)
        return old

    def rollouts(self) -> dict[str, int]:
        """The Deployments rolling out ("namespace/name") and the revision each rolls out to: their pods of an
        older revision are the old ones."""
        return {f"{ns}/{name}": r.revision for (ns, _, name), r in sorted(self.rolling.items())}

    def rollout_of(self, owner: Owner) -> Rollout | None:
        """The Deployment's pods against its newest revision (None when it has no pod with a revision)."""
        revisions = {r: n for r, n in self.revisions.get(owner, Counter()).items() if n > 0}
        if not revisions:
            return None
        newest = max(revisions)
        ready = self.ready.get(owner, Counter())[newest]
        return Rollout(newest, revisions[newest], ready, sum(revisions.values()) - revisions[newest])

    def apply(self, delta: Delta) -> list[TimelineEvent]:
        """Merge a delta into the mirror and return what happened in it, collapsed when there is a lot."""
        out: list[TimelineEvent] = []
        at, seq = delta["at"], delta["seq"]

        def event(kind: EventKind, subject: str, text: str, args: Args, refs: list[ObjectRef], key: str = "") -> None:
            item: TimelineEvent = {"at": at, "seq": seq, "kind": kind, "subject": subject, "text": text}
            item["args"], item["refs"] = args, refs
            if key:
                item["key"] = key
            out.append(item)

        self._nodes_events(delta, event)
        self._endpoint_events(delta, event)
        before: dict[Owner, int] = {}

        def remember(pod: _Pod | None) -> None:
            if pod is not None and pod.owner is not None and pod.owner[1] in SCALABLE_OWNERS:
                before.setdefault(pod.owner, self.owners[pod.owner])

        for uid in delta["pods"]["remove"]:
            remember(self.pods.get(uid))
            self._set_pod(uid, None)
        for pod in delta["pods"]["upsert"]:
            new = _slim_pod(pod)
            remember(self.pods.get(pod["uid"]))
            remember(new)
            self._pod_events(self._set_pod(pod["uid"], new), new, event)
        for owner in sorted(before):
            if not self._rollout_events(owner, event) and before[owner] != self.owners[owner]:
                ns, kind, name = owner
                after = self.owners[owner]
                args: Args = {"kind": kind, "owner": f"{ns}/{name}", "before": before[owner], "after": after}
                text = f"{kind} {ns}/{name}: {before[owner]} → {after} pods"
                event("scaled", f"{ns}/{name}", text, args, [_obj(kind, ns, name)])
            if self.owners[owner] <= 0:
                del self.owners[owner]
        return collapse(out)

    def _pod_events(self, old: _Pod | None, new: _Pod, event: Any) -> None:
        name = "/".join(new.key)
        refs = _pod_obj(new.key)
        was_failing = old is not None and pod_failing(old.status, old.status_class)
        killed = old is not None and old.status_class == "terminating"  # deleted, then stopped: not a failure
        if pod_failing(new.status, new.status_class) and not was_failing and not killed:  # Error → CrashLoop: one
            detail = f" ({new.detail})" if new.detail else ""
            args: Args = {"pod": name, "status": new.status, "detail": new.detail}
            event("pod-failed", name, f"Pod {name} is {new.status}{detail}", args, refs)
        if new.message and (old is None or old.message != new.message):
            args = {"pod": name, "message": new.message}
            event("unschedulable", name, f"Pod {name} cannot be scheduled: {new.message}", args, refs)
        if old is not None and old.images is not None and new.images is not None and old.images != new.images:
            before, after = ", ".join(old.images), ", ".join(new.images)
            args = {"pod": name, "before": before, "after": after}
            event("image-changed", name, f"Pod {name} changed image: {before} → {after}", args, refs)

    def _rollout_events(self, owner: Owner, event: Any) -> bool:
        """Tell a Deployment's rollout (started, progress, done); True when the owner is rolling out, so its
        changing pod count is the rollout's progress, not scaling."""
        if owner[1] != "Deployment":
            return False
        told, now = self.rolling.get(owner), self.rollout_of(owner)
        previous = self.newest.get(owner)
        if now is not None:
            self.newest[owner] = now.revision
        newer = now is not None and previous is not None and now.revision > previous  # even all in one delta
        if now is None or (told is None and now.old == 0 and not newer):
            self.rolling.pop(owner, None)
            return told is not None
        if told == now:
            return True
        ns, _, name = owner
        image = ", ".join(self.images.get((owner, now.revision), ())) or "?"
        args: Args = {
            "deployment": f"{ns}/{name}",
            "image": image,
            "revision": now.revision,
            "ready": now.ready,
            "new": now.new,
            "old": now.old,
        }
        subject = f"{ns}/{name}"
        key = f"rollout:{ns}/{name}:{now.revision}"
        refs = [_obj("Deployment", ns, name)]
        if now.done:
            text = f"Deployment {subject} rolled out to {image} (revision {now.revision}): {now.ready} pods ready"
            event("rolled-out", subject, text, args, refs, key)
            self.rolling.pop(owner, None)
            return True
        text = (
            f"Rollout of Deployment {subject} to {image}, revision {now.revision}: "
            f"{now.ready}/{now.new} new pods ready, {now.old} old left"
        )
        event("rollout", subject, text, args, refs, key)
        self.rolling[owner] = now
        return True

    def _endpoint_events(self, delta: Delta, event: Any) -> None:
        """A Service whose ready endpoints changed: which pods now receive its traffic, which stopped."""
        objects = delta.get("objects") or {"upsert": [], "remove": []}
        for key in objects["remove"]:
            self.endpoints.pop(key, None)
        for service in (o for o in objects["upsert"] if o["kind"] == "Service"):
            key, now = object_key(service), _ready_endpoints(service)
            old = self.endpoints.get(key)
            self.endpoints[key] = now
            if old is None or old == now:
                continue
            subject = f"{service['namespace']}/{service['name']}"
            added, removed = _names(now - old), _names(old - now)
            args: Args = {"service": subject, "before": len(old), "after": len(now), "added": added, "removed": removed}
            change = "; ".join(filter(None, (added and f"+{added}", removed and f"-{removed}")))
            text = f"Service {subject}: {len(old)} → {len(now)} ready endpoints ({change})"
            event("endpoints", subject, text, args, [_obj("Service", service["namespace"], service["name"])])

    def _nodes_events(self, delta: Delta, event: Any) -> None:
        for name in delta["nodes"]["remove"]:
            if self.nodes.pop(name, None) is not None:
                event("node-removed", name, f"Node {name} left the cluster", {"node": name}, [_obj("Node", "", name)])
        for node in delta["nodes"]["upsert"]:
            old, new = self.nodes.get(node["name"]), _slim_node(node)
            self.nodes[node["name"]] = new
            name = node["name"]
            refs = [_obj("Node", "", name)]
            if old is None:
                event("node-added", name, f"Node {name} joined the cluster", {"node": name}, refs)
            elif old.ready == "True" and new.ready != "True":
                args: Args = {"node": name, "ready": new.ready}
                event("node-not-ready", name, f"Node {name} became NotReady (Ready={new.ready})", args, refs)
            elif old.ready != "True" and new.ready == "True":
                event("node-ready", name, f"Node {name} is Ready again", {"node": name}, refs)

    def sample(self, at: float) -> Sample:
        by_class = Counter(p.status_class for p in self.pods.values())
        per_node: dict[str, NodeSample] = {
            name: {
                "ready": n.ready == "True",
                "cpuRequested": n.requested_cpu,
                "memoryRequested": n.requested_memory,
                "cpuAllocatable": n.allocatable_cpu,
                "memoryAllocatable": n.allocatable_memory,
                "cpuUsed": n.used_cpu,
                "memoryUsed": n.used_memory,
            }
            for name, n in sorted(self.nodes.items())
        }
        return {
            "at": at,
            "pods": {c: by_class.get(c, 0) for c in STATUS_CLASSES},
            "nodes": len(self.nodes),
            "nodesReady": sum(1 for n in self.nodes.values() if n.ready == "True"),
            "restarts": sum(p.restarts for p in self.pods.values()),
            "perNode": per_node,
        }


def _ready_endpoints(service: Any) -> frozenset[str]:
    return frozenset(e["pod"] or e["address"] for e in service["endpoints"] if e["ready"])


def _names(names: frozenset[str], shown: int = 5) -> str:
    """A few names of a set, "a, b and 3 more" beyond ``shown``."""
    first = sorted(names)[:shown]
    more = len(names) - len(first)
    return ", ".join(first) + (f" and {more} more" if more else "")


def collapse(events: list[TimelineEvent]) -> list[TimelineEvent]:
    """Keep at most COLLAPSE_AFTER events of a kind per delta; the rest become one counting event."""
    by_kind = Counter(e["kind"] for e in events)
    out: list[TimelineEvent] = []
    summarized: set[str] = set()
    for e in events:
        if by_kind[e["kind"]] <= COLLAPSE_AFTER:
            out.append(e)
        elif e["kind"] not in summarized:
            summarized.add(e["kind"])
            text = f"{by_kind[e['kind']]} x {e['kind']} (e.g. {e['text']})"
            args = {**e.get("args", {}), "count": by_kind[e["kind"]]}
            out.append({**e, "subject": f"{by_kind[e['kind']]} objects", "text": text, "args": args})
    return out


def events_between(before: ClusterState, deltas: Sequence[Delta]) -> list[TimelineEvent]:
    tracker = Tracker.of(before)
    return [e for d in deltas for e in tracker.apply(d)]


# -- chart series ----------------------------------------------------------------------------------------------


NODE_SERIES = ("cpuRequested", "memoryRequested", "cpuAllocatable", "memoryAllocatable", "cpuUsed", "memoryUsed")


class Series(TypedDict):
    t: list[float]
    pods: dict[str, list[int | None]]
    nodes: list[int | None]
    nodesReady: list[int | None]
    restarts: list[int | None]
    perNode: dict[str, dict[str, list[int | None]]]


def _node_values(picked: Sequence[Sample | None], name: str, key: str) -> list[int | None]:
    values: list[int | None] = []
    for s in picked:
        node = s["perNode"].get(name) if s else None
        value = node.get(key) if node else None  # samples from before use was measured lack its keys
        values.append(value if isinstance(value, int) else None)
    return values


def series(samples: Sequence[Sample], start: float, end: float, step: float) -> Series:
    """Samples bucketed by ``step`` seconds from ``start``: each bucket shows the last sample at or before its
    end (None before the first sample). Samples must be sorted by time."""
    if step <= 0 or end < start:
        raise ValueError("step must be positive and end not before start")
    times: list[float] = []
    t = start
    while t <= end + 1e-9 and len(times) < 10_000:
        times.append(t)
        t += step
    picked: list[Sample | None] = []
    i, last = 0, None
    for t in times:
        while i < len(samples) and samples[i]["at"] <= t:
            last = samples[i]
            i += 1
        picked.append(last)
    node_names = sorted({n for s in picked if s for n in s["perNode"]})
    per_node = {name: {key: _node_values(picked, name, key) for key in NODE_SERIES} for name in node_names}
    return {
        "t": times,
        "pods": {c: [s["pods"].get(c, 0) if s else None for s in picked] for c in STATUS_CLASSES},
        "nodes": [s["nodes"] if s else None for s in picked],
        "nodesReady": [s["nodesReady"] if s else None for s in picked],
        "restarts": [s["restarts"] if s else None for s in picked],
        "perNode": per_node,
    }


# -- moments in URLs and on the command line -------------------------------------------------------------------


_URL_PLUS = re.compile(r"(\d\d:\d\d(?::\d\d(?:\.\d+)?)?) (\d\d:?\d\d)$")


def parse_moment(text: str) -> float:
    """Epoch seconds from ``1735787100``, ``1735787100.5`` or ISO 8601 (``2025-01-02T03:05:00Z``; no zone = UTC)."""
    text = text.strip()
    if not text:
        raise ValueError("empty moment")
    try:
        value = float(text)
    except ValueError:
        pass
    else:
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"{text[:40]!r} is not a moment")
        return _in_range(value, text)
    text = re.sub(r"\s*UTC$", "Z", text)  # what format_moment writes reads back
    text = _URL_PLUS.sub(r"\1+\2", text)  # "…T03:05:00+02:00" in a URL arrives as "…T03:05:00 02:00"
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        raise ValueError(f"{text[:40]!r} is neither epoch seconds nor an ISO 8601 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return _in_range(moment.timestamp(), text)


LATEST_MOMENT = 253402300799.0
"""9999-12-31 23:59:59 UTC, the last second a moment can be written in (``1e20`` cannot be, nor shown)."""


def _in_range(value: float, text: str) -> float:
    if not 0 <= value <= LATEST_MOMENT:
        raise ValueError(f"{text[:40]!r} is outside 1970-01-01 to 9999-12-31")
    return value


def format_moment(at: float) -> str:
    """``2025-01-02 03:05:00 UTC`` (whole seconds)."""
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
