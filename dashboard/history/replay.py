"""Where a replayed state comes from: a stored moment of a recorded cluster, or an imported snapshot.

The replay pages and panels read these states as the live ones read the runtime's; nothing here is live.
:func:`answer` gives a panel (see :mod:`dashboard.panels`) the same data from a replayed state as the runtime's
query gives it from the live one.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from clusterviz import export
from clusterviz.grouping import pods_of, services_of
from clusterviz.wire import ClusterState, object_key
from dashboard.history.store import HistoryError, HistoryStore


def replay_state(name: str, doc: export.Snapshot) -> ClusterState:
    """An imported snapshot as the state of a read-only replay cluster: its own name, marked not live."""
    state = doc["state"]
    when = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(doc["at"]))
    return {
        **state,
        "cluster": name,
        "source": {
            "kind": "replay",
            "state": "stale",
            "reason": f"imported snapshot of {doc['cluster']} at {when} — not live",
            "lastEventAt": doc["at"],
            "resourceVersion": state["source"].get("resourceVersion", ""),
        },
    }


def replayed_state(cluster: str, at: float | None) -> dict[str, Any] | None:
    store = HistoryStore()
    imported = store.imported(cluster)
    if imported is not None:
        row, doc = imported
        return {**replay_state(cluster, doc), "history": {"checkpoint": 0, "imported": True, "at": row.at}}
    if at is None:
        bounds = store.bounds(cluster)
        if bounds is None:
            return None
        at = bounds[1]
    try:
        moment = store.state_at(cluster, at)
    except HistoryError:
        return None
    return {**moment.state, "history": {"checkpoint": moment.checkpoint, "imported": False, "at": at}}


_CACHE_SIZE = 4
_cache: OrderedDict[tuple[str, float | None], dict[str, Any] | None] = OrderedDict()
_cache_lock = threading.Lock()


def cached_state(cluster: str, at: float | None) -> dict[str, Any] | None:
    """:func:`replayed_state`, remembering the last few: a replay's panels ask for the same moment again and
    again (each click, each re-render while it plays). A past moment never changes; "latest" (None) does."""
    key = (cluster, at)
    with _cache_lock:
        if at is not None and key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    state = replayed_state(cluster, at)
    with _cache_lock:
        _cache[key] = state
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return state


def answer(state: Mapping[str, Any], kind: str, args: Mapping[str, Any]) -> dict[str, Any] | None:
    """What the runtime's panel query would have answered at the replayed moment, from what history keeps:
    the map's views (node conditions without their reasons, pods as summaries unless containers were kept).
    Warning events, leases and metrics are not part of history: they come back empty."""
    at = state["history"]["at"]
    if kind == "node":
        node = next((n for n in state["nodes"] if n["name"] == args["name"]), None)
        pods = [p for p in state["pods"] if node is not None and p["node"] == node["name"]]
        return None if node is None else {"node": node, "pods": pods, "conditions": [], "events": [], "at": at}
    if kind == "pod":
        key = (args["namespace"], args["name"])
        pod = next((p for p in state["pods"] if (p["namespace"], p["name"]) == key), None)
        node = next((n for n in state["nodes"] if pod is not None and n["name"] == pod["node"]), None)
        if pod is None:
            return None
        services = [s["name"] for s in services_of(pod, state.get("objects", []))]
        return {"pod": pod, "node": node, "services": services, "events": [], "at": at}
    if kind == "object":
        return _object(state, args, at)
    process = _process(state, str(args["name"]), args.get("node"))
    return None if process is None else {"process": process, "at": at}


def _object(state: Mapping[str, Any], args: Mapping[str, Any], at: float) -> dict[str, Any] | None:
    """An object of the moment (a snapshot from before objects were kept has none: the panel says so)."""
    objects = {object_key(o): o for o in state.get("objects", [])}
    view = objects.get(f"{args['kind']}/{args.get('namespace') or ''}/{args['name']}")
    if view is None:
        return None
    volume = objects.get(f"PersistentVolume//{view['volume']}") if view["kind"] == "PersistentVolumeClaim" else None
    return {"object": view, "pods": pods_of(view, state["pods"]), "volume": volume, "events": [], "at": at}


def _process(state: Mapping[str, Any], name: str, node: str | None) -> dict[str, Any] | None:
    candidates = list(state["controlPlane"])
    if node:
        candidates += [a for n in state["nodes"] if n["name"] == node for a in n["agents"]]
    matches = [p for p in candidates if p["name"] == name and (not node or p.get("node") in (node, None))]
    return matches[0] if matches else None
