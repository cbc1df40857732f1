"""Namespace and cluster scoping of what a viewer receives: the state, the deltas, the websocket frames.

A viewer scoped to namespaces sees the cluster's nodes and control-plane health (the machinery everyone
shares) but only the pods of its namespaces, and nothing computed from the others':

* a node's ``requested`` is the sum of the viewer's own pods on it, not the node's total;
* a node's agents are kubelet, the container runtime, kube-proxy and the DaemonSets of its own namespaces —
  not another namespace's DaemonSet names (a CNI, a log shipper) nor, through versions, their image tags;
* process records lose every reference to a pod of another namespace (kube-system's static pods, DaemonSet
  pods) in ``pod`` and the evidence;
* the feed keeps node events and the events about its own namespaces' objects;
* the page's pod total is not the cluster's (the map counts the pods it was sent).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

from clusterviz.nodetable import unpack_nodes
from clusterviz.podtable import decode_pod_table
from clusterviz.store import TERMINAL_PHASES

Json = dict[str, Any]
Seen = dict[str, Json]
"""The pods a narrowed socket was shown, by uid: their node, phase and requests (to sum a node's requests)."""
SHARED_AGENTS = frozenset({"kubelet", "container-runtime", "kube-proxy"})
"""Agents every node has, named by Kubernetes itself: shown to every viewer (without another namespace's pod)."""
POD_REFERENCE = re.compile(r"\bpod ([a-z0-9][-a-z0-9]*)/(\S+)")
HIDDEN_POD = "pod (outside your namespaces)"


@dataclass(frozen=True, slots=True)
class Scope:
    clusters: frozenset[str] | None = None  # None: every cluster
    namespaces: frozenset[str] | None = None  # None: every namespace

    @classmethod
    def of(cls, clusters: Iterable[str], namespaces: Iterable[str]) -> Scope:
        """From a token's lists, where an empty list means "all"."""
        c, n = frozenset(clusters), frozenset(namespaces)
        return cls(c or None, n or None)

    @property
    def narrowed(self) -> bool:
        """True when some pods must be hidden from this viewer."""
        return self.namespaces is not None

    def sees_cluster(self, cluster: str) -> bool:
        return self.clusters is None or cluster in self.clusters

    def sees_namespace(self, namespace: str) -> bool:
        return self.namespaces is None or namespace in self.namespaces

    def pods(self, pods: Iterable[Json]) -> list[Json]:
        return [p for p in pods if self.sees_namespace(p.get("namespace", ""))]

    def objects(self, objects: Iterable[Json]) -> list[Json]:
        """Workloads, Services and claims of this scope's namespaces; a PersistentVolume when its claim is."""
        return [o for o in objects if self.sees_namespace(_object_namespace(o))]

    def _object_changes(self, changes: Json) -> Json:
        removed = [k for k in changes.get("remove", []) if self._sees_key(str(k))]
        return {"upsert": self.objects(changes.get("upsert", [])), "remove": removed}

    def _sees_key(self, key: str) -> bool:
        kind, _, rest = key.partition("/")
        return kind == "PersistentVolume" or self.sees_namespace(rest.partition("/")[0])  # a gone PV names nothing

    def filter_state(self, state: Json) -> Json:
        """A ClusterState (or a websocket "state" message) with only the pods this scope may see.

        A state whose pods and nodes come as tables (``?pods=table``) comes back with them as objects: the table's
        shared values would name namespaces, owners and labels of pods this viewer may not see, and a viewer
        narrowed to some namespaces has few pods anyway.
        """
        if not self.narrowed:
            return state
        table = state.get("podTable")
        pods = self.pods(decode_pod_table(table) if table is not None else state.get("pods", []))  # type: ignore[arg-type]
        state = {k: v for k, v in state.items() if k != "podTable"}
        unpack_nodes(state)  # the node table's values are every node's: the scope's nodes come as objects
        requested = requests_by_node(pods)
        return {
            **state,
            "pods": pods,
            "nodes": [self._node(n, requested) for n in state.get("nodes", [])],
            "controlPlane": [self._process(p) for p in state.get("controlPlane", [])],
            **({"feed": self.feed(state["feed"])} if "feed" in state else {}),
            **({"objects": self.objects(state["objects"])} if "objects" in state else {}),
        }

    def filter_delta(self, delta: Json, seen: Seen) -> Json:
        """A Delta for this scope. ``seen`` holds the pods this viewer has; it is kept up to date.

        Removals name only uids, so a removal is passed on only for a pod the viewer was shown.
        """
        if not self.narrowed:
            return delta
        pods = delta.get("pods", {"upsert": [], "remove": []})
        upsert = self.pods(pods.get("upsert", []))
        seen.update((p["uid"], _requesting(p)) for p in upsert)
        remove = [uid for uid in pods.get("remove", []) if uid in seen]
        for uid in remove:
            del seen[uid]
        out = {**delta, "pods": {"upsert": upsert, "remove": remove}}
        nodes = delta.get("nodes", {"upsert": [], "remove": []})
        requested = requests_by_node(seen.values())
        out["nodes"] = {**nodes, "upsert": [self._node(n, requested) for n in nodes.get("upsert", [])]}
        if "controlPlane" in delta:
            out["controlPlane"] = [self._process(p) for p in delta["controlPlane"]]
        if "feed" in delta:
            out["feed"] = self.feed(delta["feed"])
        if "objects" in delta:
            out["objects"] = self._object_changes(delta["objects"])
        return out

    def feed(self, events: list[Json]) -> list[Json]:
        """Node events, and events whose every object is in this scope's namespaces (a summary naming pods of
        several namespaces, or none, is left out)."""
        if not self.narrowed:
            return events
        return [e for e in events if str(e.get("kind", "")).startswith("node-") or self._owns_refs(e)]

    def _owns_refs(self, event: Json) -> bool:
        refs = event.get("refs") or []
        return bool(refs) and all(r.get("namespace") and self.sees_namespace(r["namespace"]) for r in refs)

    def counts(self, counts: Json) -> Json:
        """The page's counts: without the cluster's pod total (the map counts the pods it was sent)."""
        return {**counts, "pods": None} if self.narrowed else counts

    def _hide(self, text: str) -> str:
        def replace(match: re.Match[str]) -> str:
            return match.group(0) if self.sees_namespace(match.group(1)) else HIDDEN_POD

        return POD_REFERENCE.sub(replace, text)

    def _process(self, process: Json) -> Json:
        pod = process.get("pod") or ""
        shown = bool(pod) and self.sees_namespace(pod.split("/", 1)[0])
        return {
            **process,
            "pod": pod if shown else None,
            "version": process.get("version") if shown or not pod else None,  # another namespace's image tag
            "evidence": [self._hide(e) for e in process.get("evidence", [])],
        }

    def _shows_agent(self, agent: Json) -> bool:
        pod = agent.get("pod") or ""
        return not pod or agent.get("name") in SHARED_AGENTS or self.sees_namespace(pod.split("/", 1)[0])

    def _node(self, node: Json, requested: dict[str, Json] | None = None) -> Json:
        out = {**node}
        if requested is not None and "requested" in node:
            out["requested"] = requested.get(node.get("name", ""), _zero())
        if "agents" in node:
            out["agents"] = [self._process(a) for a in node["agents"] if self._shows_agent(a)]
        return out

    def process(self, process: Json) -> Json:
        """A process record (control-plane or node agent) without pods of other namespaces (panels use it)."""
        return self._process(process) if self.narrowed else process

    def node(self, node: Json, pods: Iterable[Json] | None = None) -> Json:
        """A node view for panels: its agents and (given its pods) its requests, as :meth:`filter_state` has them."""
        if not self.narrowed:
            return node
        return self._node(node, requests_by_node(self.pods(pods)) if pods is not None else {})

    def filter_message(self, text: str, seen: Seen) -> str:
        """A websocket frame as this scope may receive it (heartbeats and unknown types pass unchanged)."""
        if not self.narrowed:
            return text
        message = orjson.loads(text)
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "state":
            filtered = self.filter_state(message)
            seen.clear()
            seen.update((p["uid"], _requesting(p)) for p in filtered["pods"])
        elif kind == "delta":
            filtered = self.filter_delta(message, seen)
        else:
            return text
        return orjson.dumps(filtered).decode()


def filter_state_frame(scope: Scope, text: str) -> tuple[str, Seen]:
    """A state frame as the scope may receive it, and the pods it then holds. Run in a process of its own by
    dashboard.access.websocket (this module imports nothing of Django, so a fresh process can run it)."""
    seen: Seen = {}
    return scope.filter_message(text, seen), seen


def _object_namespace(obj: Json) -> str:
    """An object's namespace; a PersistentVolume's is its claim's ("namespace/name"), none when unbound."""
    if obj.get("kind") == "PersistentVolume":
        return str(obj.get("claim") or "").partition("/")[0] if obj.get("claim") else "\0"
    return str(obj.get("namespace", ""))


def scoped_state(scope: Scope, data: bytes) -> tuple[bytes, Seen]:
    """A first state (the state endpoint's body, or the websocket's ``{"type":"state",...}``) as the scope may
    receive it, and the pods it then holds: what :mod:`dashboard.firststate` builds once per version and scope, in
    the filter process (see :func:`filter_state_frame`)."""
    filtered = scope.filter_state(orjson.loads(data))
    return orjson.dumps(filtered), {p["uid"]: _requesting(p) for p in filtered.get("pods", [])}


def _zero() -> Json:
    return {"cpu": 0, "memory": 0, "pods": 0}


def _requesting(pod: Json) -> Json:
    return {"node": pod.get("node"), "phase": pod.get("phase"), "requests": pod.get("requests") or _zero()}


def requests_by_node(pods: Iterable[Json]) -> dict[str, Json]:
    """What these pods request per node, counted as the store counts a node's requests (placed, not finished)."""
    totals: dict[str, Json] = {}
    for pod in pods:
        if pod.get("node") is None or pod.get("phase") in TERMINAL_PHASES:
            continue
        total = totals.setdefault(pod["node"], _zero())
        requests = pod.get("requests") or {}
        total["cpu"] += requests.get("cpu", 0)
        total["memory"] += requests.get("memory", 0)
        total["pods"] += 1
    return totals


EVERYTHING = Scope()
