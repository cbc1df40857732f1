"""Namespace and cluster scoping of what a viewer receives: the state, the deltas, the websocket frames.

A viewer scoped to namespaces sees the cluster's nodes and control-plane health (the machinery everyone
shares) but only the pods of its namespaces; in process records the ``pod`` field and the evidence lose
every reference to a pod of another namespace (kube-system's static pods, DaemonSet pods).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

from clusterviz.podtable import decode_pod_table

Json = dict[str, Any]
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

    def filter_state(self, state: Json) -> Json:
        """A ClusterState (or a websocket "state" message) with only the pods this scope may see.

        A state whose pods come as a table (``?pods=table``) comes back with them as objects: the table's
        shared values would name namespaces, owners and labels of pods this viewer may not see, and a viewer
        narrowed to some namespaces has few pods anyway.
        """
        if not self.narrowed:
            return state
        table = state.get("podTable")
        pods = decode_pod_table(table) if table is not None else state.get("pods", [])
        state = {k: v for k, v in state.items() if k != "podTable"}
        return {
            **state,
            "pods": self.pods(pods),  # type: ignore[arg-type]
            "nodes": [self._node(n) for n in state.get("nodes", [])],
            "controlPlane": [self._process(p) for p in state.get("controlPlane", [])],
        }

    def filter_delta(self, delta: Json, visible: set[str]) -> Json:
        """A Delta for this scope. ``visible`` holds the pod uids this viewer has; it is kept up to date.

        Removals name only uids, so a removal is passed on only for a pod the viewer was shown.
        """
        if not self.narrowed:
            return delta
        pods = delta.get("pods", {"upsert": [], "remove": []})
        upsert = self.pods(pods.get("upsert", []))
        visible.update(p["uid"] for p in upsert)
        remove = [uid for uid in pods.get("remove", []) if uid in visible]
        visible.difference_update(remove)
        out = {**delta, "pods": {"upsert": upsert, "remove": remove}}
        nodes = delta.get("nodes", {"upsert": [], "remove": []})
        out["nodes"] = {**nodes, "upsert": [self._node(n) for n in nodes.get("upsert", [])]}
        if "controlPlane" in delta:
            out["controlPlane"] = [self._process(p) for p in delta["controlPlane"]]
        return out

    def _hide(self, text: str) -> str:
        def replace(match: re.Match[str]) -> str:
            return match.group(0) if self.sees_namespace(match.group(1)) else HIDDEN_POD

        return POD_REFERENCE.sub(replace, text)

    def _process(self, process: Json) -> Json:
        pod = process.get("pod") or ""
        return {
            **process,
            "pod": pod if pod and self.sees_namespace(pod.split("/", 1)[0]) else None,
            "evidence": [self._hide(e) for e in process.get("evidence", [])],
        }

    def _node(self, node: Json) -> Json:
        if "agents" not in node:
            return node
        return {**node, "agents": [self._process(a) for a in node["agents"]]}

    def process(self, process: Json) -> Json:
        """A process record (control-plane or node agent) without pods of other namespaces (panels use it)."""
        return self._process(process) if self.narrowed else process

    def node(self, node: Json) -> Json:
        """A node view whose agents name no pod of another namespace (panels use it)."""
        return self._node(node) if self.narrowed else node

    def filter_message(self, text: str, visible: set[str]) -> str:
        """A websocket frame as this scope may receive it (heartbeats and unknown types pass unchanged)."""
        if not self.narrowed:
            return text
        message = orjson.loads(text)
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "state":
            filtered = self.filter_state(message)
            visible.clear()
            visible.update(p["uid"] for p in filtered["pods"])
        elif kind == "delta":
            filtered = self.filter_delta(message, visible)
        else:
            return text
        return orjson.dumps(filtered).decode()


EVERYTHING = Scope()
