from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from dashboard import hub as hub_module


@pytest.fixture(autouse=True)
def fresh_hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[hub_module.Hub]:
    """Every test gets its own clusters, so runtimes never outlive the event loop that runs them."""
    fresh = hub_module.Hub()
    monkeypatch.setattr(hub_module, "hub", fresh)
    for module in ("dashboard.views", "dashboard.consumers"):
        monkeypatch.setattr(f"{module}.hub", fresh)
    yield fresh


@pytest.fixture
async def running_hub(fresh_hub: hub_module.Hub) -> AsyncIterator[hub_module.Hub]:
    yield fresh_hub
    await fresh_hub.stop()


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
    return {
        **state,
        "seq": delta["seq"],
        "revision": delta["revision"],
        "source": delta["source"],
        "controlPlane": delta.get("controlPlane", state["controlPlane"]),
        "nodes": [nodes[n] for n in sorted(nodes)],
        "pods": sorted(pods.values(), key=lambda p: (p["namespace"], p["name"])),
    }
