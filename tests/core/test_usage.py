"""Measured usage (metrics.k8s.io) in the store: only what moved is marked, and it survives watch events."""

from __future__ import annotations

import orjson

from clusterviz.clock import ManualClock
from clusterviz.events import WatchEvent
from clusterviz.fake import FakeCluster
from clusterviz.live import ClusterRuntime, Usage
from clusterviz.store import ClusterStore, usage_moved
from clusterviz.wire import SourceStatus
from tests.core.handed import HandedSource
from tests.dashboard.conftest import apply_delta

SOURCE: SourceStatus = {"kind": "fake", "state": "live", "reason": "", "lastEventAt": None, "resourceVersion": ""}
MI = 1 << 20


def loaded() -> tuple[FakeCluster, ClusterStore]:
    cluster = FakeCluster(seed=2, clock=ManualClock(), scenario="quiet")
    store = ClusterStore("demo", SOURCE)
    objects, _ = cluster.list_all()
    store.load(objects, cluster.clock.now())
    store.take_delta()
    return cluster, store


def test_without_metrics_every_usage_is_unknown() -> None:
    _, store = loaded()
    state = store.snapshot()
    assert state["nodes"] and state["pods"]
    assert all(n["usage"] is None for n in state["nodes"]) and all(p["usage"] is None for p in state["pods"])
    assert not store.usage_available


def test_set_usage_marks_only_the_nodes_and_pods_whose_usage_moved() -> None:
    _, store = loaded()
    node = store.snapshot()["nodes"][0]["name"]
    pods = store.snapshot()["pods"]
    a, b = (pods[0]["namespace"], pods[0]["name"]), (pods[1]["namespace"], pods[1]["name"])
    store.set_usage({node: {"cpu": 400, "memory": 800 * MI}}, {a: {"cpu": 100, "memory": 64 * MI}})
    delta = store.take_delta()
    assert delta is not None
    assert [n["name"] for n in delta["nodes"]["upsert"]] == [node]
    assert delta["nodes"]["upsert"][0]["usage"] == {"cpu": 400, "memory": 800 * MI}
    assert [(p["namespace"], p["name"]) for p in delta["pods"]["upsert"]] == [a]
    assert delta["pods"]["upsert"][0]["usage"] == {"cpu": 100, "memory": 64 * MI}
    assert store.pod(*a)["usage"] == {"cpu": 100, "memory": 64 * MI}  # type: ignore[index]

    # The same again, and wobble within 5%: nothing to send.
    store.set_usage({node: {"cpu": 410, "memory": 801 * MI}}, {a: {"cpu": 102, "memory": 65 * MI}})
    assert store.take_delta() is None

    # Pod b appears, pod a moves a lot, the node's usage is unchanged.
    store.set_usage(
        {node: {"cpu": 410, "memory": 801 * MI}}, {a: {"cpu": 300, "memory": 64 * MI}, b: {"cpu": 5, "memory": MI}}
    )
    delta = store.take_delta()
    assert delta is not None and delta["nodes"]["upsert"] == []
    assert sorted((p["namespace"], p["name"]) for p in delta["pods"]["upsert"]) == sorted([a, b])

    # Metrics gone (metrics-server uninstalled): everything that had usage becomes unknown, once.
    store.set_usage({}, {}, available=False, reason="metrics-server not installed")
    delta = store.take_delta()
    assert delta is not None
    assert [n["usage"] for n in delta["nodes"]["upsert"]] == [None]
    assert [p["usage"] for p in delta["pods"]["upsert"]] == [None, None]
    assert store.usage_reason == "metrics-server not installed"
    store.set_usage({}, {}, available=False, reason="metrics-server not installed")
    assert store.take_delta() is None


def test_usage_survives_watch_events_and_relists() -> None:
    cluster, store = loaded()
    pod = store.snapshot()["pods"][0]
    key = (pod["namespace"], pod["name"])
    store.set_usage({}, {key: {"cpu": 50, "memory": 10 * MI}})
    store.take_delta()
    objects, _ = cluster.list_all()
    store.load(objects, cluster.clock.now())  # the same objects again: the mapping's usage None must not win
    assert store.take_delta() is None
    assert store.pod(*key)["usage"] == {"cpu": 50, "memory": 10 * MI}  # type: ignore[index]
    raw = next(p for p in objects["Pod"] if (p["metadata"]["namespace"], p["metadata"]["name"]) == key)
    changed = {**raw, "metadata": {**raw["metadata"], "labels": {"new": "label"}}}
    store.apply(WatchEvent("MODIFIED", "Pod", changed), cluster.clock.now())
    assert store.pod(*key)["usage"] == {"cpu": 50, "memory": 10 * MI}  # type: ignore[index]


def test_deltas_and_the_cached_state_json_carry_usage() -> None:
    _, store = loaded()
    client = store.snapshot()
    store.state_json_parts().join()  # fill the per-view JSON caches, so a stale one would show
    names = [n["name"] for n in client["nodes"]]
    pods = [(p["namespace"], p["name"]) for p in client["pods"]]
    for step in range(1, 4):
        store.set_usage(
            {n: {"cpu": 100 * step * (i + 1), "memory": step * 100 * MI} for i, n in enumerate(names)},
            {k: {"cpu": 10 * step, "memory": step * 20 * MI} for k in pods[::2]},
        )
        delta = store.take_delta()
        assert delta is not None
        client = apply_delta(client, dict(delta))
    state = store.snapshot()
    assert client["nodes"] == state["nodes"] and client["pods"] == state["pods"]
    assert orjson.loads(store.state_json_parts().join()) == orjson.loads(orjson.dumps(state))


def test_usage_moved() -> None:
    assert usage_moved(None, {"cpu": 0, "memory": 0}) and usage_moved({"cpu": 0, "memory": 0}, None)
    assert not usage_moved(None, None)
    assert not usage_moved({"cpu": 1000, "memory": 1 << 30}, {"cpu": 1049, "memory": (1 << 30) + 50 * MI})
    assert usage_moved({"cpu": 1000, "memory": 1 << 30}, {"cpu": 1051, "memory": 1 << 30})
    assert not usage_moved({"cpu": 1, "memory": MI}, {"cpu": 6, "memory": 5 * MI})  # tiny values: absolute floor


def test_the_runtime_hands_usage_to_the_store() -> None:
    cluster = FakeCluster(seed=2, clock=ManualClock(), scenario="quiet")

    async def publish(_: str) -> None:
        return None

    objects, _ = cluster.list_all()
    node = objects["Node"][0]["metadata"]["name"]
    source = HandedSource(cluster, [Usage({node: {"cpu": 250, "memory": 300 * MI}}, {})])
    runtime = ClusterRuntime("demo", source, publish)  # type: ignore[arg-type]
    runtime.start()
    message = runtime.step(0.25)
    assert message is not None
    delta = orjson.loads(message)
    assert [(n["name"], n["usage"]) for n in delta["nodes"]["upsert"]] == [(node, {"cpu": 250, "memory": 300 * MI})]
    source.changes = [Usage({}, {}, available=False, reason="metrics-server not installed")]
    delta = orjson.loads(runtime.step(0.25) or "{}")
    assert [n["usage"] for n in delta["nodes"]["upsert"]] == [None]
    assert runtime.read(lambda s: (s.usage_available, s.usage_reason)) == (False, "metrics-server not installed")
