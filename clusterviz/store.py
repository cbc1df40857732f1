"""The cluster model: the views of one cluster, kept up to date from watch events, and the deltas between ticks.

The store holds only views (the allow-listed projection made by :mod:`clusterviz.mapping`), never raw API
objects, so nothing a cluster sends beyond that list stays in memory. Every change marks what it touched;
:meth:`ClusterStore.take_delta` turns the marks into one idempotent delta (upserts and removals), so a delta
applied twice, or after a state that already contains it, changes nothing.
"""

from __future__ import annotations

import sys
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import orjson

from clusterviz.events import RawObject, WarningEvents, WatchEvent
from clusterviz.grouping import GROUP_KINDS, Groups
from clusterviz.mapping import (
    LeaseView,
    map_lease,
    map_node,
    map_node_conditions,
    map_pod,
    map_pod_conditions,
    revision_annotation,
)
from clusterviz.nodetable import NodeTableEncoder, node_table_fields
from clusterviz.podtable import PodTableEncoder, details_table, kept_json, table_fields
from clusterviz.processes import control_plane_processes, kubelet_reporting, lease_freshness, node_agents
from clusterviz.wire import (
    SUMMARY_FIELDS,
    ChangeEvent,
    ClusterState,
    Delta,
    NodeCondition,
    NodeView,
    ObjectView,
    OwnerView,
    PodCondition,
    PodSummary,
    PodView,
    Process,
    Resources,
    ResourceUsage,
    SourceStatus,
    WarningEvent,
)

NODE_LEASE_NAMESPACE = "kube-node-lease"
SYSTEM_NAMESPACE = "kube-system"
TERMINAL_PHASES = frozenset({"Succeeded", "Failed"})
RECHECK_SECONDS = 5.0
"""How often health that depends on time alone (lease freshness) is re-evaluated without any event."""
USAGE_TOLERANCE = 0.05
USAGE_MIN_CPU = 5  # millicores
USAGE_MIN_MEMORY = 4 << 20  # bytes
"""A measured usage replaces the shown one only when it moved by more than 5% (and at least 5m CPU or 4 MiB):
metrics wobble on every scrape, and re-sending 150,000 pods every poll for noise would swamp deltas and history."""


def summarize(pod: PodView) -> PodSummary:
    """The map's projection of a pod: everything but containers and volumes."""
    return {k: pod[k] for k in SUMMARY_FIELDS}  # type: ignore[literal-required,return-value]


PodFormat = Literal["objects", "table", "full"]
POD_FORMATS: tuple[PodFormat, ...] = ("objects", "table", "full")
"""How a state writes its pods: ``"pods": [PodSummary, …]`` (the default), ``"podTable"`` (see podtable), or
``"pods": [PodView, …]`` with containers and volumes (``"full"``, for exports; never cached)."""


def pod_format(value: object) -> PodFormat:
    """A pod format by name (``None`` and ``""`` mean the default); ValueError for anything else."""
    if value is None or value == "":
        return "objects"
    for fmt in POD_FORMATS:
        if value == fmt:
            return fmt
    raise ValueError(f"unknown pod format {str(value)[:40]!r}: use one of {', '.join(POD_FORMATS)}")


@dataclass(frozen=True, slots=True)
class StateJson:
    """The state's JSON in pieces (see :meth:`ClusterStore.state_json_parts`)."""

    head: bytes  # "{", the fields before the nodes, and '"nodes":[' or the node table's fields
    nodes: list[bytes]  # node objects or the node table's rows
    mid: bytes  # after the last node, before the first pod: '],"pods":[' or the pod table's fields
    pods: list[bytes]
    tail: bytes  # after the last pod: "]}" or "]}}"

    def join(self) -> bytes:
        """The JSON in one copy of the pods (80 MB at 150,000 pods): the rest is glued to the first and last."""
        head = b"".join((self.head, b",".join(self.nodes), self.mid))
        pods = self.pods
        if len(pods) < 2:
            return b"".join((head, *pods, self.tail))
        first, last = pods[0], pods[-1]
        pods[0], pods[-1] = head + first, last + self.tail
        try:
            return b",".join(pods)
        finally:
            pods[0], pods[-1] = first, last


@dataclass(frozen=True)
class HistoryStateJson:
    """A history checkpoint's state in pieces (see :meth:`ClusterStore.history_state_parts`)."""

    state: StateJson
    pods: list[PodView]  # in the rows' order

    def join(self) -> bytes:
        """The state with ``"podDetails"`` (:func:`clusterviz.podtable.details_table`) before its last brace.

        Encoding 150,000 pods' containers and volumes takes seconds. Called after the owner's lock is released,
        that time no longer holds up every tick: a pod's view is never changed in place (see
        :meth:`ClusterStore._share`), so the views listed under the lock are still the ones the state was made of."""
        state = self.state
        details = details_table(self.pods)
        return replace(state, tail=state.tail[:-1] + b',"podDetails":' + details + b"}").join()


def _summary_fragment(pod: PodView) -> bytes:
    return kept_json(summarize(pod))


def _pod_order_key(uid: str, pod: PodView) -> tuple[str, str, str]:
    return (pod["namespace"], pod["name"], uid)


def usage_moved(old: ResourceUsage | None, new: ResourceUsage | None) -> bool:
    """Whether ``new`` differs enough from the shown ``old`` to be shown (appearing or vanishing always does)."""
    if old is None or new is None:
        return old is not new
    cpu, memory = old["cpu"], old["memory"]
    cpu_moved = abs(new["cpu"] - cpu) > max(USAGE_MIN_CPU, USAGE_TOLERANCE * cpu)
    return cpu_moved or abs(new["memory"] - memory) > max(USAGE_MIN_MEMORY, USAGE_TOLERANCE * memory)


def _usage_of(value: Mapping[str, int]) -> ResourceUsage:
    return {"cpu": max(0, int(value.get("cpu", 0))), "memory": max(0, int(value.get("memory", 0)))}


def _zero() -> Resources:
    return {"cpu": 0, "memory": 0, "pods": 0}


def _counts_toward_requests(pod: PodView) -> bool:
    return pod["node"] is not None and pod["phase"] not in TERMINAL_PHASES


def _is_agent_pod(pod: PodView) -> bool:
    owner = pod["owner"]
    return pod["namespace"] == SYSTEM_NAMESPACE or (owner is not None and owner["kind"] == "DaemonSet")


def _controlled_by(pod: PodView, replicaset: tuple[str, str], deployment: str) -> bool:
    """Whether a pod belongs to ``replicaset``: its owner is still the ReplicaSet, or it was resolved to the
    Deployment and carries the ReplicaSet's pod-template-hash (a Deployment names its ReplicaSets
    ``<deployment>-<pod-template-hash>``)."""
    namespace, name = replicaset
    owner = pod["owner"]
    if owner is None or pod["namespace"] != namespace:
        return False
    if owner["kind"] == "ReplicaSet":
        return owner["name"] == name
    hashed = pod["labels"].get("pod-template-hash")
    return owner["kind"] == "Deployment" and owner["name"] == deployment and name == f"{deployment}-{hashed}"


def _is_control_plane_pod(pod: PodView) -> bool:
    return pod["namespace"] == SYSTEM_NAMESPACE and pod["labels"].get("tier") == "control-plane"


def _keep_if(index: dict[Any, None], key: Any, keep: bool) -> None:
    """Keep ``key`` in the ordered set ``index`` if ``keep`` (where it was, or last), else drop it."""
    if keep:
        index.setdefault(key)
    else:
        index.pop(key, None)


@dataclass
class _Marks:
    """What changed since the last delta."""

    nodes: set[str] = field(default_factory=set)
    removed_nodes: set[str] = field(default_factory=set)
    pods: set[str] = field(default_factory=set)
    removed_pods: set[str] = field(default_factory=set)
    control_plane: bool = False


class ClusterStore:
    """The model of one cluster. Not thread-safe: its owner serialises access."""

    RESORT_OVER = 5_000
    """Above this many pods changed since the last state, the state's pod order is rebuilt, not patched."""

    def __init__(self, name: str, source: SourceStatus) -> None:
        self.name = name
        self.source = source
        self.revision = 0
        self.seq = 0
        self.now = 0.0
        self._node_base: dict[str, NodeView] = {}
        self._node_conditions: dict[str, list[NodeCondition]] = {}  # with reasons and times, for the panel
        self._pod_conditions: dict[str, tuple[PodCondition, ...]] = {}  # by uid, for the panel; shared (_share)
        self.warnings = WarningEvents()
        self.groups = Groups()  # workloads, Services and their endpoints, claims, volumes
        self._nodes: dict[str, NodeView] = {}
        self._pods: dict[str, PodView] = {}
        self._pod_uid: dict[tuple[str, str], str] = {}
        self._pods_by_node: dict[str, set[str]] = {}
        self._agent_pods_by_node: dict[str, set[str]] = {}
        # What the control plane's composition reads, kept apart so that composing it (every few seconds, and
        # whenever a leader lease renews) does not scan every pod and lease: ordered sets (dicts of None).
        self._control_plane_pods: dict[str, None] = {}
        self._control_plane_nodes: dict[str, None] = {}
        self._system_leases: dict[tuple[str, str], None] = {}
        self._requested: dict[str, Resources] = {}
        self._replicaset_owner: dict[tuple[str, str], str | None] = {}
        self._replicaset_revision: dict[tuple[str, str], int | None] = {}
        self._leases: dict[tuple[str, str], LeaseView] = {}
        self._namespaces: set[str] = set()
        self._control_plane: list[Process] = []
        self._control_plane_evidence: dict[str, list[tuple[str, str]]] = {}
        self._node_usage: dict[str, ResourceUsage] = {}  # measured (metrics.k8s.io), as shown
        self._pod_usage: dict[tuple[str, str], ResourceUsage] = {}  # by (namespace, name), as shown
        self.usage_available = False  # whether metrics.k8s.io answered at the last poll
        self.usage_reason = ""  # why it did not ("metrics-server not installed"); "" when never asked
        self.feed: list[ChangeEvent] = []  # what just happened, newest last: kept by the runtime (see ClusterRuntime)
        self.rollouts: dict[str, int] = {}  # Deployment → the revision it rolls out to, kept by the runtime too
        self._marks = _Marks()
        self._pending_nodes: dict[str, NodeView] = {}  # derived node views changed since the last delta
        self._pending_cp = False
        self._composed_bucket: dict[str, str] = {}  # the node lease's freshness when the node view was made
        self._last_recheck = float("-inf")
        # The state's JSON, kept in pieces so that a full state does not serialise 150,000 pods again: each
        # pod's and node's orjson bytes (made on demand, dropped whenever the view changes), and the pods'
        # order (namespace, name, uid), re-sorted lazily from what was added and removed since the last state.
        self._node_json: dict[str, bytes] = {}
        self._node_rows: dict[str, bytes] = {}  # the table format's, against the values of _node_table
        self._node_table = NodeTableEncoder()
        # Each pod format has its own list, in the order of _pod_order, made when a state of that format is
        # first asked for; the table format's rows index into the values of _table.
        self._pod_order: list[tuple[str, str, str]] = []  # sorted
        self._pod_json: dict[PodFormat, list[bytes | None]] = {}
        self._pod_json_stale: set[str] = set()  # uids of pods added or changed since the last state
        self._table = PodTableEncoder()
        self._shared: dict[tuple[object, ...], Any] = {}  # see _share
        self._order_added: set[tuple[str, str, str]] = set()
        self._order_removed: set[tuple[str, str, str]] = set()

    # -- the OwnerResolver protocol of clusterviz.mapping ---------------------------------------------------

    def deployment_of(self, namespace: str, replicaset: str) -> str | None:
        return self._replicaset_owner.get((namespace, replicaset))

    def revision_of(self, namespace: str, replicaset: str) -> int | None:
        return self._replicaset_revision.get((namespace, replicaset))

    # -- reading -------------------------------------------------------------------------------------------

    @property
    def namespaces(self) -> list[str]:
        return sorted(self._namespaces | {p["namespace"] for p in self._pods.values()})

    def node(self, name: str) -> NodeView | None:
        self._refresh_derived()
        return self._nodes.get(name)

    def pod(self, namespace: str, name: str) -> PodView | None:
        uid = self._pod_uid.get((namespace, name))
        return self._pods.get(uid) if uid else None

    def node_conditions(self, name: str) -> list[NodeCondition]:
        """The node's conditions with their reason, message and times (the map's NodeView has statuses only)."""
        return self._node_conditions.get(name, [])

    def node_lease(self, name: str) -> LeaseView | None:
        """The node's heartbeat lease (kube-node-lease), whose renewals say the kubelet is alive."""
        return self._leases.get((NODE_LEASE_NAMESPACE, name))

    def pod_conditions(self, namespace: str, name: str) -> list[PodCondition]:
        """The pod's conditions with their reasons (the PodView keeps what history and exports share)."""
        uid = self._pod_uid.get((namespace, name))
        return list(self._pod_conditions.get(uid, ())) if uid else []

    def _keep_conditions(self, uid: str, raw: RawObject) -> None:
        """Most pods have the same conditions (all True, no reason): one shared tuple for all of them."""
        shared = self._shared
        conditions = tuple(shared.setdefault(("condition", *c.values()), c) for c in map_pod_conditions(raw))
        key = ("conditions", *(tuple(c.values()) for c in conditions))
        self._pod_conditions[uid] = shared.setdefault(key, conditions)

    def object_view(self, kind: str, namespace: str, name: str) -> ObjectView | None:
        """A workload, Service, claim or volume as the state has it (see :mod:`clusterviz.grouping`)."""
        self._refresh_derived()
        return self.groups.get(kind, namespace, name)

    def pods_in(self, namespace: str) -> list[PodView]:
        return self.groups.pods_in(namespace)

    def object_views(self) -> list[ObjectView]:
        self._refresh_derived()
        return self.groups.views()

    def warnings_about(self, kind: str, namespace: str, name: str) -> list[WarningEvent]:
        """The Warning events about an object, newest first."""
        return self.warnings.about(kind, namespace, name)

    def pods_on(self, node: str) -> list[PodView]:
        pods = (self._pods[uid] for uid in self._pods_by_node.get(node, ()))
        return sorted(pods, key=lambda p: (p["namespace"], p["name"]))

    def unscheduled_pods(self) -> list[PodView]:
        return sorted((p for p in self._pods.values() if p["node"] is None), key=lambda p: (p["namespace"], p["name"]))

    @property
    def control_plane(self) -> list[Process]:
        self._refresh_derived()
        return self._control_plane

    def process(self, name: str, node: str | None = None) -> Process | None:
        self._refresh_derived()
        candidates: Iterable[Process] = self._control_plane
        if node:
            view = self._nodes.get(node)
            candidates = [*self._control_plane, *(view["agents"] if view else [])]
        matches = [p for p in candidates if p["name"] == name and (not node or p["node"] in (node, None))]
        return matches[0] if matches else None

    def counts(self) -> dict[str, int]:
        return {"nodes": len(self._nodes), "pods": len(self._pods)}

    def snapshot(self, containers: bool = False) -> ClusterState:
        """The whole model as the state endpoint returns it (flushes pending derived views first); with
        ``containers`` its pods are whole views, containers and volumes included, as exports and history keep them."""
        self._refresh_derived()
        nodes = [self._nodes[n] for n in sorted(self._nodes)]
        pods = [self._pods[uid] for uid in sorted(self._pods, key=lambda uid: _pod_order_key(uid, self._pods[uid]))]
        shown = pods if containers else [summarize(p) for p in pods]
        return {**self._head(), "nodes": nodes, "pods": shown}  # type: ignore[typeddict-item]

    def views(self, uids: Iterable[str]) -> list[PodView]:
        """The whole views of these pods (each must be in the model)."""
        return [self._pods[uid] for uid in uids]

    def history_state_parts(self) -> HistoryStateJson:
        """The table form's state (see :meth:`state_json_parts`) and the pods in its rows' order, whose containers
        and volumes go after it as ``"podDetails"`` when the caller joins them: what a history checkpoint keeps.
        The map's own state never carries them. Milliseconds: the details are encoded by the join."""
        pods = self._pods
        return HistoryStateJson(self.state_json_parts(b"", "table"), [pods[key[2]] for key in self._pod_order])

    def _head(self) -> dict[str, object]:
        """A state's fields before its nodes, in their order (the snapshot and its JSON share them)."""
        return {
            "cluster": self.name,
            "revision": self.revision,
            "seq": self.seq,
            "at": self.now,
            "source": self.source,
            "controlPlane": self._control_plane,
            "feed": self.feed,
            "rollouts": self.rollouts,
            "objects": self.groups.views(),
        }

    def refresh(self) -> None:
        """Bring the derived views (nodes, control plane) up to date; reading methods do it themselves."""
        self._refresh_derived()

    def state_json_parts(self, first_fields: bytes = b"", pods: PodFormat = "objects") -> StateJson:
        """``orjson.dumps(self.snapshot())`` in pieces: ``.join()`` of them is exactly those bytes, or with
        ``pods="table"`` the same state with ``"podTable"`` (see :mod:`clusterviz.podtable`) for ``"pods"`` and
        ``"nodeTable"`` (see :mod:`clusterviz.nodetable`) for ``"nodes"``.

        ``first_fields`` (e.g. ``b'"type":"state",'``) goes in front of the state's own fields: that makes the
        websocket's first message without another copy of the state. Pods and nodes come from the per-view
        cache, so this costs orjson of only what changed since the last call plus collecting references to
        the cached fragments, not a serialisation of the whole model. The join (80 MB at 150,000 pods) is left
        to the caller, which can do it after releasing the owner's lock: the pieces are immutable bytes.
        """
        self._refresh_derived()
        head = b"{" + first_fields + orjson.dumps(self._head())[1:-1]
        frags = self._pod_fragments(pods).copy()  # a copy: the join runs outside the lock while ticks go on
        if pods == "table":
            rows = self._node_rows_in_order()  # before the values they were encoded with
            mid, tail = table_fields(self._table)
            nodes_head = head + b',"nodeTable":' + node_table_fields(self._node_table)
            return StateJson(nodes_head, rows, b"]}" + mid, frags, tail)  # type: ignore[arg-type]
        node_json = self._node_json
        nodes = [node_json.get(n) or self._node_fragment(n) for n in sorted(self._nodes)]
        return StateJson(head + b',"nodes":[', nodes, b'],"pods":[', frags, b"]}")  # type: ignore[arg-type]

    def _node_fragment(self, name: str) -> bytes:
        data = self._node_json[name] = kept_json(self._nodes[name])
        return data

    def _node_rows_in_order(self) -> list[bytes]:
        """Every node's row of the table form, by name; a table of values grown past twice what the rows used
        at its last reset starts again (as the pods' does)."""
        table, rows = self._node_table, self._node_rows
        if table.overgrown():
            table.reset()
            rows.clear()
        fresh = not rows
        out = [rows.get(n) or self._node_row(n) for n in sorted(self._nodes)]
        if fresh:
            table.mark_used()
        return out

    def _node_row(self, name: str) -> bytes:
        data = self._node_rows[name] = self._node_table.row(self._nodes[name])
        return data

    def _forget_node_json(self, name: str) -> None:
        self._node_json.pop(name, None)
        self._node_rows.pop(name, None)

    def _pod_fragments(self, fmt: PodFormat) -> list[bytes | None]:
        """Every pod's JSON in format ``fmt``, by (namespace, name, uid); only what changed since the last
        call is encoded (the order is patched with a binary search per pod, or re-sorted after a relist)."""
        self._sync_pod_order()
        frags = self._pod_json.get(fmt)
        if fmt == "table" and (frags is None or self._table.overgrown()):
            self._table.reset()  # every row is encoded again against a fresh table of values
            frags = None
        fresh = frags is None
        if frags is None:
            frags = self._pod_json[fmt] = [None] * len(self._pod_order)
        order, pods = self._pod_order, self._pods
        encode = self._table.row if fmt == "table" else _summary_fragment
        i = -1
        try:
            while True:  # list.index finds the gaps at C speed: a state under churn costs no per-pod work
                i = frags.index(None, i + 1)
                frags[i] = encode(pods[order[i][2]])
        except ValueError:
            pass
        if fmt == "table" and fresh:
            self._table.mark_used()
        return frags

    def _sync_pod_order(self) -> None:
        """Apply what was added, removed and changed since the last call to the order and to every format's
        list (a changed pod's entries become None, to be encoded again when a state of that format is made)."""
        added, removed, stale = self._order_added, self._order_removed, self._pod_json_stale
        if not (added or removed or stale):
            return
        pods, order, lists = self._pods, self._pod_order, self._pod_json
        if len(added) + len(removed) + len(stale) > self.RESORT_OVER:  # a (re)list or the first state
            gone = removed | {_pod_order_key(uid, pods[uid]) for uid in stale if uid in pods}
            kept = {key: i for i, key in enumerate(order) if key not in gone}
            new_order = sorted(kept.keys() | added | (gone - removed))
            for fmt, frags in lists.items():
                lists[fmt] = [frags[kept[key]] if key in kept else None for key in new_order]
            self._pod_order = new_order
        else:
            for key in removed:
                i = bisect_left(order, key)
                if i < len(order) and order[i] == key:
                    del order[i]
                    for frags in lists.values():
                        del frags[i]
            for key in added:
                i = bisect_left(order, key)
                order.insert(i, key)
                for frags in lists.values():
                    frags.insert(i, None)
            for uid in stale:  # every added pod is stale too
                pod = pods.get(uid)
                if pod is not None:
                    i = bisect_left(order, _pod_order_key(uid, pod))
                    for frags in lists.values():
                        frags[i] = None
        self._order_added, self._order_removed, self._pod_json_stale = set(), set(), set()

    # -- writing -------------------------------------------------------------------------------------------

    def set_source(self, source: SourceStatus) -> None:
        if source != self.source:
            self.source = source
            self.revision += 1

    def set_control_plane_evidence(self, evidence: Mapping[str, list[tuple[str, str]]]) -> None:
        """Evidence gathered outside the watch (e.g. /readyz of a real API server), by process name."""
        if dict(evidence) != self._control_plane_evidence:
            self._control_plane_evidence = dict(evidence)
            self._marks.control_plane = True
            self.revision += 1

    def set_usage(
        self,
        nodes: Mapping[str, Mapping[str, int]],
        pods: Mapping[tuple[str, str], Mapping[str, int]],
        *,
        available: bool = True,
        reason: str = "",
    ) -> None:
        """Measured usage (a whole poll of metrics.k8s.io); marks only the nodes and pods whose shown usage
        moved (see :func:`usage_moved`). Unavailable metrics make every usage unknown (None)."""
        self.usage_available = available
        self.usage_reason = "" if available else reason
        if not available:
            nodes, pods = {}, {}
        node_usage = self._node_usage
        for name in node_usage.keys() | nodes.keys():
            old = node_usage.get(name)
            new = _usage_of(nodes[name]) if name in nodes else None
            if usage_moved(old, new):
                if new is None:
                    del node_usage[name]
                else:
                    node_usage[name] = new
                self._touch_node(name)
        pod_usage = self._pod_usage
        for key in pod_usage.keys() | pods.keys():
            old = pod_usage.get(key)
            new = _usage_of(pods[key]) if key in pods else None
            if not usage_moved(old, new):
                continue
            if new is None:
                del pod_usage[key]
            else:
                pod_usage[key] = new
            uid = self._pod_uid.get(key)
            pod = self._pods.get(uid) if uid is not None else None
            if uid is not None and pod is not None:
                self._set_pod(uid, {**pod, "usage": new}, pod)
                self._marks.pods.add(uid)
                self.revision += 1

    def load(self, objects: Mapping[str, Iterable[RawObject]], now: float) -> None:
        """Replace the whole model with a fresh list (first sync or relist), marking only what differs."""
        self.now = now
        present: dict[str, set[tuple[str, str]]] = {}
        # Owners before pods, so each pod's owner resolves on first sight.
        for kind, items in sorted(objects.items(), key=lambda item: item[0] == "Pod"):
            present[kind] = set()
            for obj in items:
                event = WatchEvent("ADDED", kind, obj)
                present[kind].add(event.key)
                self.apply(event, now)
        self._forget_missing(present)

    def _forget_missing(self, present: Mapping[str, set[tuple[str, str]]]) -> None:
        """After a relist: whatever the list no longer has was deleted while we were not watching."""
        if "Pod" in present:
            for key in [k for k in self._pod_uid if k not in present["Pod"]]:
                self._remove_pod(self._pod_uid[key])
        if "Node" in present:
            for name in [n for n in self._node_base if ("", n) not in present["Node"]]:
                self._remove_node(name)
        if "ReplicaSet" in present:
            for key in [k for k in self._replicaset_owner if k not in present["ReplicaSet"]]:
                del self._replicaset_owner[key]
                self._replicaset_revision.pop(key, None)
        if "Lease" in present:
            for key in [k for k in self._leases if k not in present["Lease"]]:
                self._remove_lease(key)
        if "Namespace" in present:
            self._namespaces &= {name for _, name in present["Namespace"]}
        if "Event" in present:
            self.warnings.keep_only(present["Event"])
        for kind in GROUP_KINDS & present.keys():
            self.groups.keep_only(kind, present[kind])

    def apply(self, event: WatchEvent, now: float) -> None:
        self.now = now
        handler = _HANDLERS.get(event.kind)
        if handler is not None:
            handler(self, event)
        if event.kind in GROUP_KINDS:
            self.groups.apply(event)
            self.revision += 1

    def _on_node(self, event: WatchEvent) -> None:
        name = event.key[1]
        if event.type == "DELETED":
            self._remove_node(name)
            return
        self._node_conditions[name] = map_node_conditions(event.object)
        view = map_node(event.object)
        if self._node_base.get(name) != view:
            self._node_base[name] = view
            self._touch_node(name)
            _keep_if(self._control_plane_nodes, name, view["controlPlane"])
            if view["controlPlane"]:
                self._marks.control_plane = True

    def _on_pod(self, event: WatchEvent) -> None:
        meta = event.object.get("metadata") or {}
        key = event.key
        uid = meta.get("uid") or self._pod_uid.get(key) or f"{key[0]}/{key[1]}"
        if event.type == "DELETED":
            self._remove_pod(self._pod_uid.get(key, uid))
            return
        view = self._share(map_pod(event.object, self))
        view["usage"] = self._pod_usage.get(key)
        self._keep_conditions(uid, event.object)
        old = self._pods.get(uid)
        if old == view:
            return
        old_uid = self._pod_uid.get(key)
        if old_uid is not None and old_uid != uid:  # same name, new pod (e.g. a StatefulSet pod recreated)
            self._remove_pod(old_uid)
        if old is not None:
            self._unindex_pod(uid, old)
        self._set_pod(uid, view, old)
        self._pod_uid[key] = uid
        self._index_pod(uid, view)
        self._marks.pods.add(uid)
        self._marks.removed_pods.discard(uid)
        self.revision += 1

    def _share(self, view: PodView) -> PodView:
        """The view with the parts it has in common with other pods made the same objects as theirs.

        The pods of one Deployment have equal labels, owner and requests, and every pod repeats its namespace,
        node, status, volume, container and image names: one object for each (a shared dict, an interned
        string) instead of one per pod took a quarter off a pod's memory in the fake's demo. Views are never
        changed in place (a change makes a new view), so sharing is safe. The table of shared dicts is cleared
        when it has grown well past the number of pods.
        """
        shared = self._shared
        if len(shared) > 2 * len(self._pods) + 10_000:
            shared.clear()
        intern = sys.intern
        view["namespace"] = intern(view["namespace"])
        node = view["node"]
        if node is not None:
            view["node"] = intern(node)
        view["status"] = intern(view["status"])
        labels = view["labels"]
        if labels:
            view["labels"] = shared.setdefault(("labels", *labels.items()), labels)
        owner = view["owner"]
        if owner is not None:
            view["owner"] = shared.setdefault(("owner", owner["kind"], owner["name"]), owner)
        requests = view["requests"]
        view["requests"] = shared.setdefault(("requests", requests["cpu"], requests["memory"]), requests)
        for volume in view["volumes"]:
            volume["name"] = intern(volume["name"])
        for container in view["containers"]:
            container["name"] = intern(container["name"])
            container["image"] = intern(container["image"])
        return view

    def _on_replicaset(self, event: WatchEvent) -> None:
        if event.type == "DELETED":
            self._replicaset_owner.pop(event.key, None)
            self._replicaset_revision.pop(event.key, None)
            return
        meta = event.object.get("metadata") or {}
        refs = meta.get("ownerReferences") or []
        owner = next((r.get("name") for r in refs if r.get("controller") and r.get("kind") == "Deployment"), None)
        revision = revision_annotation(meta)
        known = event.key in self._replicaset_owner
        changed = revision != self._replicaset_revision.get(event.key)
        self._replicaset_owner[event.key] = owner
        self._replicaset_revision[event.key] = revision
        if owner is not None and (not known or changed):  # a rollback gives an old ReplicaSet a new revision
            self._resolve_late_owner(event.key, owner, revision)

    def _resolve_late_owner(self, replicaset: tuple[str, str], deployment: str, revision: int | None) -> None:
        """Watches of different kinds race: a pod may arrive before its ReplicaSet. Resolve it now."""
        owner: OwnerView = {"kind": "Deployment", "name": deployment}
        for uid, pod in list(self._pods.items()):
            if _controlled_by(pod, replicaset, deployment) and (pod["owner"], pod["revision"]) != (owner, revision):
                self._set_pod(uid, {**pod, "owner": owner, "revision": revision}, pod)
                self._marks.pods.add(uid)
                self.revision += 1

    def _on_lease(self, event: WatchEvent) -> None:
        namespace = event.key[0]
        if namespace not in (NODE_LEASE_NAMESPACE, SYSTEM_NAMESPACE):
            return
        if event.type == "DELETED":
            self._remove_lease(event.key)
            return
        lease = map_lease(event.object)
        if self._leases.get(event.key) != lease:
            self._leases[event.key] = lease
            _keep_if(self._system_leases, event.key, namespace == SYSTEM_NAMESPACE)
            self._touch_lease(event.key)

    def _on_event(self, event: WatchEvent) -> None:
        """A Warning event: kept for the panels, and its object re-sent in the next delta, so that an open panel
        (which follows the deltas touching its object) shows it."""
        ref = self.warnings.apply(event, self.now)
        if ref is None:
            return
        kind, namespace, name = ref
        self.revision += 1
        uid = self._pod_uid.get((namespace, name)) if kind == "Pod" else None
        if uid is not None:
            self._marks.pods.add(uid)
        elif kind == "Node" and name in self._nodes:
            self._pending_nodes[name] = self._nodes[name]

    def _on_namespace(self, event: WatchEvent) -> None:
        if event.type == "DELETED":
            self._namespaces.discard(event.key[1])
        else:
            self._namespaces.add(event.key[1])

    # -- indexes -------------------------------------------------------------------------------------------

    def _index_pod(self, uid: str, pod: PodView) -> None:
        node = pod["node"]
        if node is None:
            return
        self._pods_by_node.setdefault(node, set()).add(uid)
        if _is_agent_pod(pod):
            self._agent_pods_by_node.setdefault(node, set()).add(uid)
        if _counts_toward_requests(pod):
            self._add_requests(node, pod["requests"], 1)
        self._touch_node(node)
        if _is_control_plane_pod(pod):
            self._marks.control_plane = True

    def _unindex_pod(self, uid: str, pod: PodView) -> None:
        node = pod["node"]
        if node is None:
            return
        self._pods_by_node.get(node, set()).discard(uid)
        self._agent_pods_by_node.get(node, set()).discard(uid)
        if _counts_toward_requests(pod):
            self._add_requests(node, pod["requests"], -1)
        self._touch_node(node)
        if _is_control_plane_pod(pod):
            self._marks.control_plane = True

    def _add_requests(self, node: str, requests: Resources, sign: int) -> None:
        total = self._requested.setdefault(node, _zero())
        total["cpu"] += sign * requests["cpu"]
        total["memory"] += sign * requests["memory"]
        total["pods"] += sign

    def _set_pod(self, uid: str, view: PodView, old: PodView | None) -> None:
        """Every change of ``self._pods`` goes through here or :meth:`_remove_pod` (keeps the JSON cache right)."""
        self._pods[uid] = view
        self._pod_json_stale.add(uid)
        _keep_if(self._control_plane_pods, uid, _is_control_plane_pod(view))
        self.groups.pod_changed(old, view)
        if old is None or old["namespace"] != view["namespace"] or old["name"] != view["name"]:
            if old is not None:
                self._unorder(_pod_order_key(uid, old))
            key = _pod_order_key(uid, view)
            if key in self._order_removed:
                self._order_removed.discard(key)
            else:
                self._order_added.add(key)

    def _unorder(self, key: tuple[str, str, str]) -> None:
        if key in self._order_added:
            self._order_added.discard(key)
        else:
            self._order_removed.add(key)

    def _remove_pod(self, uid: str) -> None:
        pod = self._pods.pop(uid, None)
        self._pod_conditions.pop(uid, None)
        if pod is None:
            return
        self._control_plane_pods.pop(uid, None)
        self._pod_json_stale.discard(uid)
        self.groups.pod_changed(pod, None)
        self._unorder(_pod_order_key(uid, pod))
        self._unindex_pod(uid, pod)
        key = (pod["namespace"], pod["name"])
        if self._pod_uid.get(key) == uid:
            del self._pod_uid[key]
        self._marks.pods.discard(uid)
        self._marks.removed_pods.add(uid)
        self.revision += 1

    def _remove_node(self, name: str) -> None:
        base = self._node_base.pop(name, None)
        if base is None:
            return
        self._node_conditions.pop(name, None)
        self._control_plane_nodes.pop(name, None)
        self._nodes.pop(name, None)
        self._forget_node_json(name)
        self._composed_bucket.pop(name, None)
        self._marks.nodes.discard(name)
        self._marks.removed_nodes.add(name)
        if base["controlPlane"]:
            self._marks.control_plane = True
        self.revision += 1

    def _remove_lease(self, key: tuple[str, str]) -> None:
        self._system_leases.pop(key, None)
        if self._leases.pop(key, None) is not None:
            self._touch_lease(key)

    def _touch_lease(self, key: tuple[str, str]) -> None:
        namespace, name = key
        if namespace == NODE_LEASE_NAMESPACE:
            self._touch_node(name)
        else:
            self._marks.control_plane = True
            self.revision += 1

    def _touch_node(self, name: str) -> None:
        if name in self._node_base:
            self._marks.nodes.add(name)
            self._marks.removed_nodes.discard(name)
            self.revision += 1

    # -- derived views -------------------------------------------------------------------------------------

    def _lease_bucket(self, name: str) -> str:
        lease = self._leases.get((NODE_LEASE_NAMESPACE, name))
        return "none" if lease is None else lease_freshness(lease, self.now)

    def _nodes_whose_lease_aged(self) -> list[str]:
        """Nodes whose lease went from fresh to overdue (or further) with no event: the only views that time
        alone changes. Recomposing all 5,000 nodes every few seconds instead stalled ticks for 0.4 s."""
        return [name for name in self._node_base if self._lease_bucket(name) != self._composed_bucket.get(name)]

    def _compose_node(self, name: str) -> NodeView:
        base = self._node_base[name]
        agent_pods = [self._pods[uid] for uid in sorted(self._agent_pods_by_node.get(name, ()))]
        lease = self._leases.get((NODE_LEASE_NAMESPACE, name))
        self._composed_bucket[name] = self._lease_bucket(name)
        view: NodeView = {
            **base,
            "requested": dict(self._requested.get(name, _zero())),  # type: ignore[typeddict-item]
            "usage": self._node_usage.get(name),
        }
        reporting = kubelet_reporting(view, lease, self.now)
        view["reporting"], view["lastReportedAt"] = reporting
        view["agents"] = node_agents(view, agent_pods, lease, self.now, reporting)
        return view

    def _compose_control_plane(self) -> list[Process]:
        nodes = [self._nodes[name] for name in self._control_plane_nodes if name in self._nodes]
        system_pods = [self._pods[uid] for uid in self._control_plane_pods]
        leases = [self._leases[key] for key in self._system_leases]
        extra = self._control_plane_evidence or None
        observed = bool(self._node_base)  # every cluster has nodes: none seen means nothing was listed yet
        return control_plane_processes(nodes, system_pods, leases, self.now, extra, observed)  # type: ignore[arg-type]

    def _recheck_due(self) -> bool:
        """Lease freshness changes with time alone, so it is re-evaluated every few seconds."""
        if self.now - self._last_recheck < RECHECK_SECONDS:
            return False
        self._last_recheck = self.now
        return True

    def _refresh_derived(self) -> None:
        """Recompute the marked nodes and the control plane, remembering what changed for the next delta."""
        marks = self._marks
        if self._recheck_due():
            marks.nodes.update(self._nodes_whose_lease_aged())
            marks.control_plane = True
        for name in marks.nodes:
            if name not in self._node_base:
                continue
            view = self._compose_node(name)
            if self._nodes.get(name) != view:
                self._nodes[name] = view
                self._forget_node_json(name)
                self._pending_nodes[name] = view
        marks.nodes.clear()
        self.groups.refresh()
        if marks.control_plane:
            processes = self._compose_control_plane()
            self._pending_cp = self._pending_cp or processes != self._control_plane
            self._control_plane = processes
            marks.control_plane = False

    def pods_changed(self) -> int:
        """How many pods the next delta upserts."""
        return len(self._marks.pods)

    def take_delta(self, summaries: bool = True) -> Delta | None:
        """Everything that changed since the last delta, as one message with the next seq; None if nothing.
        With ``summaries=False`` the pods upserted are the store's own whole views, not the map's projection of
        them (nothing is copied: for a tick whose pods only history's tracker reads)."""
        self._refresh_derived()
        marks = self._marks
        nodes = {name: view for name, view in self._pending_nodes.items() if name in self._nodes}
        views = self.views(sorted(marks.pods))
        objects = self.groups.take()
        if not (nodes or marks.removed_nodes or marks.pods or marks.removed_pods or self._pending_cp or objects):
            return None
        self.seq += 1
        delta: Delta = {
            "cluster": self.name,
            "seq": self.seq,
            "revision": self.revision,
            "at": self.now,
            "source": self.source,
            "nodes": {"upsert": [nodes[n] for n in sorted(nodes)], "remove": sorted(marks.removed_nodes)},
            "pods": {
                "upsert": [summarize(v) for v in views] if summaries else views,  # type: ignore[typeddict-item]
                "remove": sorted(marks.removed_pods),
            },
        }
        if self._pending_cp:
            delta["controlPlane"] = self._control_plane
        if objects is not None:
            delta["objects"] = {"upsert": objects[0], "remove": objects[1]}
        self._marks = _Marks()
        self._pending_nodes = {}
        self._pending_cp = False
        return delta


_HANDLERS = {
    "Node": ClusterStore._on_node,
    "Pod": ClusterStore._on_pod,
    "ReplicaSet": ClusterStore._on_replicaset,
    "Lease": ClusterStore._on_lease,
    "Namespace": ClusterStore._on_namespace,
    "Event": ClusterStore._on_event,
}
