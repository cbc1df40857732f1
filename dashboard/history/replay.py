"""Where a replayed state comes from: a stored moment of a recorded cluster, or an imported snapshot.

The replay pages and panels read these states as the live ones read the runtime's; nothing here is live.
"""

from __future__ import annotations

import time
from typing import Any

from django.http import Http404

from clusterviz import export
from clusterviz.wire import ClusterState
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


def replayed_object(cluster: str, kind: str, key: tuple[str, ...]) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    state = replayed_state(cluster, None)
    if state is None or not state["history"]["imported"]:
        raise Http404(f"no imported snapshot named {cluster!r}")
    if kind == "node":
        node = next((n for n in state["nodes"] if n["name"] == key[0]), None)
        return node, state
    pod = next((p for p in state["pods"] if (p["namespace"], p["name"]) == key), None)
    return pod, state
