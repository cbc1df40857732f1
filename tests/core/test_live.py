"""The runtime's tick: what it publishes when a change is too big to be a delta."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from clusterviz.clock import ManualClock
from clusterviz.fake import FakeCluster
from clusterviz.live import ClusterRuntime, Relisted
from clusterviz.podtable import decode_pod_table
from tests.core.handed import HandedSource
from tests.merge import apply_delta


@pytest.mark.parametrize("resync_over", [10_000, 20])
def test_a_change_too_big_for_a_delta_sends_the_clients_for_the_state(
    resync_over: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ClusterRuntime, "resync_over", resync_over)
    cluster = FakeCluster(seed=5, clock=ManualClock(), workers=6, pods_per_node=10, scenario="quiet")
    source = HandedSource(cluster, hold_back={"Pod"})  # as when the pod list outlasts the start timeout
    runtime = ClusterRuntime("big", source, lambda text: None)  # type: ignore[arg-type]
    runtime.start()
    client: dict[str, Any] = orjson.loads(runtime.state_json())
    assert client["pods"] == []
    source.changes = [Relisted({"Pod": source.objects["Pod"]})]  # the pods arrive later, as a relist
    message = orjson.loads(runtime.step(0.25) or "{}")
    pods = len(source.objects["Pod"])
    assert pods > 20
    if resync_over >= pods:
        assert message["type"] == "delta" and len(message["pods"]["upsert"]) == pods
        client = apply_delta(client, message)
    else:
        assert message["type"] == "heartbeat" and "pods" not in message
        assert message["seq"] == client["seq"] + 1, "the heartbeat is ahead of the client: it resyncs"
        table = orjson.loads(runtime.state_json(b"", "table"))
        assert table["seq"] >= message["seq"]
        client = {**table, "pods": decode_pod_table(table["podTable"])}
    assert client["pods"] == orjson.loads(runtime.state_json())["pods"]
    assert len(client["pods"]) == pods
