"""The client's merge of a delta, written plainly for tests: upsert and remove by key, whatever the seq.

Unlike clusterviz.history.apply_delta (which skips a delta the state already covers), this applies every
delta it is given, so a test can show that applying one twice changes nothing.
"""

from __future__ import annotations

from typing import Any

from clusterviz.wire import object_key


def apply_delta(state: dict[str, Any], delta: dict[str, Any]) -> dict[str, Any]:
    """What a client does with a delta: upsert and remove by key, then take the delta's seq and revision."""
    nodes = {n["name"]: n for n in state["nodes"]}
    pods = {p["uid"]: p for p in state["pods"]}
    for name in delta["nodes"]["remove"]:
        nodes.pop(name, None)
    nodes.update({n["name"]: n for n in delta["nodes"]["upsert"]})
    for uid in delta["pods"]["remove"]:
        pods.pop(uid, None)
    pods.update({p["uid"]: p for p in delta["pods"]["upsert"]})
    objects = {object_key(o): o for o in state.get("objects", [])}
    for key in delta.get("objects", {}).get("remove", []):
        objects.pop(key, None)
    objects.update({object_key(o): o for o in delta.get("objects", {}).get("upsert", [])})
    return {
        **state,
        "seq": delta["seq"],
        "revision": delta["revision"],
        "source": delta["source"],
        "controlPlane": delta.get("controlPlane", state["controlPlane"]),
        "nodes": [nodes[n] for n in sorted(nodes)],
        "pods": sorted(pods.values(), key=lambda p: (p["namespace"], p["name"])),
        "objects": [objects[k] for k in sorted(objects)],
    }
