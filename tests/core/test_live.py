"""The runtime's tick: what it publishes when a change is too big to be a delta."""

from __future__ import annotations

import sys
import threading
from typing import Any

import orjson
import pytest

from clusterviz.clock import ManualClock
from clusterviz.fake import FakeCluster
from clusterviz.live import ClusterRuntime, Relisted
from clusterviz.podtable import decode_pod_table
from clusterviz.wire import SourceStatus
from tests.core.handed import LIVE, HandedSource
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
    assert set(runtime.tracker.pods) == {p["uid"] for p in client["pods"]}, "the feed's tracker learns them either way"


class SlowToList(HandedSource):
    """A source whose first list waits until the test lets it go (an API server that does not answer)."""

    def __init__(self, cluster: FakeCluster) -> None:
        super().__init__(cluster)
        self.answer = threading.Event()
        self.listed = False
        self.reason = "waiting for the first answer"

    def start(self) -> Relisted:
        self.answer.wait()
        self.listed = True
        return super().start()

    def status(self) -> SourceStatus:
        if self.listed:
            return LIVE
        return {**LIVE, "state": "connecting", "reason": self.reason}


def test_readers_get_the_empty_model_and_why_at_once_while_the_first_list_waits() -> None:
    cluster = FakeCluster(seed=5, clock=ManualClock(), workers=2, pods_per_node=3, scenario="quiet")
    source = SlowToList(cluster)
    runtime = ClusterRuntime("slow", source, lambda text: None)  # type: ignore[arg-type]
    source.reason = "connection refused"  # the reason moves on while the first list is awaited
    starting = threading.Thread(target=runtime.start, daemon=True)
    starting.start()
    try:
        state = orjson.loads(runtime.state_json())  # would wait for the list if start held the store's lock
        assert not source.listed, "answered while the source was still waiting"
        assert (state["nodes"], state["pods"]) == ([], [])
        assert state["source"]["state"] == "connecting"
        assert state["source"]["reason"] == "connection refused"
        assert runtime.read(lambda store: store.source["reason"]) == "connection refused"
        assert not runtime.wait_started(0)
    finally:
        source.answer.set()
    assert runtime.wait_started(30)
    starting.join(30)
    state = orjson.loads(runtime.state_json())
    assert state["source"]["state"] == "live" and len(state["nodes"]) == 3


def test_ticks_go_on_while_a_history_checkpoint_encodes_its_pods_and_the_checkpoint_keeps_its_moment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import clusterviz.store as store_module

    cluster = FakeCluster(seed=5, clock=ManualClock(), workers=4, pods_per_node=5, scenario="quiet")
    source = HandedSource(cluster)
    runtime = ClusterRuntime("c", source, lambda text: None)  # type: ignore[arg-type]
    runtime.start()
    before = runtime.read(lambda store: store.snapshot(containers=True))
    encode, ticked = store_module.details_table, threading.Event()

    def details_while_a_tick_runs(pods: Any) -> bytes:
        source.changes = list(cluster.scale("default", "users-deployment", 6))  # new pods, in the next tick
        tick = threading.Thread(target=lambda: (runtime.step(0.25), ticked.set()), daemon=True)
        tick.start()
        tick.join(10)  # a checkpoint that held the store's lock here would keep the tick waiting
        return encode(pods)

    monkeypatch.setattr(store_module, "details_table", details_while_a_tick_runs)
    checkpoint: dict[str, Any] = orjson.loads(runtime.history_state_json())
    assert ticked.is_set(), "a tick had to wait for the checkpoint's pods to be encoded"
    assert runtime.read(lambda store: store.seq) > checkpoint["seq"] == before["seq"]
    from clusterviz.podtable import unpack_pods

    unpack_pods(checkpoint)
    assert checkpoint["pods"] == before["pods"], "the checkpoint is the state of its seq, with each pod's details"
    assert len([p for p in checkpoint["pods"] if p["name"].startswith("users-deployment")]) == 2


class SlowTicks(HandedSource):
    """A source whose every poll takes ``work`` s of a test's clock, and which records the elapsed time it is given."""

    def __init__(self, cluster: FakeCluster, clock: list[float], work: float) -> None:
        super().__init__(cluster)
        self.clock, self.work, self.elapsed = clock, work, list[float]()

    def poll(self, elapsed: float) -> list[object]:
        self.elapsed.append(elapsed)
        self.clock[0] += self.work
        return super().poll(elapsed)


async def test_a_tick_starts_every_tick_seconds_whatever_the_last_one_took() -> None:
    import asyncio

    clock, waits = [1000.0], list[float]()
    cluster = FakeCluster(seed=5, clock=ManualClock(), workers=2, pods_per_node=3, scenario="quiet")
    source = SlowTicks(cluster, clock, work=0.1)

    async def publish(text: str, record: str | None = None) -> None:
        pass

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock[0] += seconds
        if len(waits) > 6:
            raise asyncio.CancelledError

    runtime = ClusterRuntime("c", source, publish, tick=0.25, monotonic=lambda: clock[0], sleep=sleep)
    with pytest.raises(asyncio.CancelledError):
        await runtime.run()
    assert waits[0] == 0.25
    assert waits[1:] == pytest.approx([0.15] * 6), "the wait is what is left of the tick after the work"
    assert source.elapsed == pytest.approx([0.25] * 6), "each tick moves the source by one tick"


def test_the_runtime_says_when_a_full_list_was_loaded_and_only_then() -> None:
    cluster = FakeCluster(seed=5, clock=ManualClock(), workers=2, pods_per_node=3, scenario="quiet")
    source, listed = HandedSource(cluster), list[int]()
    runtime = ClusterRuntime("c", source, lambda text: None, listed=lambda: listed.append(runtime.store.seq))  # type: ignore[arg-type]
    runtime.start()
    assert len(listed) == 1, "the first list"
    source.changes = list(cluster.scale("default", "users-deployment", 3))
    runtime.step(0.25)
    assert len(listed) == 1, "a tick of changes is no full list"
    source.changes = [Relisted(cluster.list_all()[0])]
    runtime.step(0.25)
    assert len(listed) == 2, "a relist"


def test_a_state_is_shared_while_its_version_lasts_and_let_go_once_the_model_moves_on() -> None:
    cluster = FakeCluster(seed=5, clock=ManualClock(), workers=4, pods_per_node=5, scenario="quiet")
    source = HandedSource(cluster)
    runtime = ClusterRuntime("c", source, lambda text: None)  # type: ignore[arg-type]
    runtime.start()
    first = runtime.state_json(b"", "table")
    assert runtime.state_json(b"", "table") is first, "every client of one version gets the same bytes"
    held = sys.getrefcount(first)
    source.changes = list(cluster.scale("default", "users-deployment", 6))
    assert runtime.step(0.25) is not None
    assert sys.getrefcount(first) == held - 1, "the runtime keeps no state of an older version (28 MB at 150,000 pods)"
    assert runtime.state_json(b"", "table") != first
