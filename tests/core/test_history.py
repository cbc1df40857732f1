"""History as pure functions: rebuilding moments, diffs, timeline events, chart series, moments in text."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
import pytest

from clusterviz.clock import ManualClock
from clusterviz.fake import FakeCluster
from clusterviz.history import (
    COLLAPSE_AFTER,
    GapError,
    Tracker,
    apply_delta,
    diff,
    diff_size,
    events_between,
    for_the_map,
    format_moment,
    parse_moment,
    rebuild,
    series,
)
from clusterviz.live import ClusterRuntime
from clusterviz.sources import FakeSource
from clusterviz.wire import ClusterState, Delta


async def _drop(text: str, record: str | None = None) -> None:
    return None


@dataclass
class Recording:
    """A fake cluster's runtime, its first state and every delta it published, one simulated second apart."""

    runtime: ClusterRuntime
    first: ClusterState
    deltas: list[Delta] = field(default_factory=list)
    states: dict[int, ClusterState] = field(default_factory=dict)  # the true state after each seq

    def run(self, seconds: int, script: Callable[[FakeCluster], Any] | None = None) -> None:
        source = self.runtime.source
        assert isinstance(source, FakeSource)
        if script is not None:
            source.script(script)
        for _ in range(seconds):
            text = self.runtime.step(1.0)
            if text is not None:
                delta = orjson.loads(text)
                del delta["type"]
                self.deltas.append(delta)
                self.states[delta["seq"]] = orjson.loads(self.runtime.state_json())

    def state(self) -> ClusterState:
        state: ClusterState = orjson.loads(self.runtime.state_json())
        return state

    def full(self) -> ClusterState:
        """The state with whole pods (containers and volumes), as exports and history keep it."""
        state: ClusterState = orjson.loads(self.runtime.state_json(b"", "full"))
        return state


def record(seed: int = 3, workers: int = 3) -> Recording:
    cluster = FakeCluster(seed=seed, clock=ManualClock(start=1_700_000_000.0), workers=workers, scenario="quiet")
    runtime = ClusterRuntime("demo", FakeSource(cluster), _drop)
    runtime.start()
    return Recording(runtime, orjson.loads(runtime.state_json()))


@pytest.fixture(scope="module")
def busy() -> Recording:
    """Scale up, crash a pod, lose a worker and get it back."""
    rec = record()
    rec.run(20, lambda c: c.scale("default", "users-deployment", 5))
    rec.run(30, lambda c: c.crash_loop("default", c.pods_of("default", "users-deployment-")[0]))
    rec.run(60, lambda c: c.set_node_ready(c.workers()[0], False))
    rec.run(30, lambda c: c.set_node_ready(c.workers()[0], True))
    return rec


def comparable(state: ClusterState) -> dict[str, Any]:
    return {k: state[k] for k in ("seq", "revision", "controlPlane", "nodes", "pods", "source")}  # type: ignore[literal-required]


# -- rebuilding --------------------------------------------------------------------------------------------------


def test_the_deltas_rebuild_every_moment_exactly(busy: Recording) -> None:
    assert len(busy.deltas) >= 15
    for delta in busy.deltas[:: max(1, len(busy.deltas) // 12)]:
        moment = rebuild(busy.first, busy.deltas, at=delta["at"])
        assert moment["seq"] == delta["seq"]
        assert comparable(moment) == comparable(busy.states[delta["seq"]])


def test_a_moment_between_deltas_is_the_earlier_one_at_the_asked_time(busy: Recording) -> None:
    a, b = busy.deltas[5], busy.deltas[6]
    between = (a["at"] + b["at"]) / 2
    moment = rebuild(busy.first, busy.deltas, at=between)
    assert moment["seq"] == a["seq"]
    assert moment["at"] == between


def test_rebuilding_is_apply_delta_one_at_a_time(busy: Recording) -> None:
    state = busy.first
    for delta in busy.deltas[:15]:
        state = apply_delta(state, delta)
    assert comparable(state) == comparable(rebuild(busy.first, busy.deltas[:15]))


def test_deltas_the_checkpoint_covers_change_nothing(busy: Recording) -> None:
    checkpoint = busy.states[busy.deltas[10]["seq"]]
    assert apply_delta(checkpoint, busy.deltas[3]) is checkpoint
    assert comparable(rebuild(checkpoint, busy.deltas)) == comparable(rebuild(busy.first, busy.deltas))


def test_a_missing_delta_is_an_error_not_a_wrong_state(busy: Recording) -> None:
    broken = busy.deltas[:4] + busy.deltas[5:]
    with pytest.raises(GapError, match=f"seq {busy.deltas[4]['seq']} is missing"):
        rebuild(busy.first, broken)


def test_rebuilding_does_not_modify_its_inputs(busy: Recording) -> None:
    first, deltas = copy.deepcopy(busy.first), copy.deepcopy(busy.deltas)
    rebuild(busy.first, busy.deltas)
    assert busy.first == first and busy.deltas == deltas


# -- diff --------------------------------------------------------------------------------------------------------


def test_diff_finds_added_removed_changed_and_moved(busy: Recording) -> None:
    before = busy.first
    after = copy.deepcopy(before)
    users = [p for p in after["pods"] if p["name"].startswith("users-deployment-")]
    gone = users[0]
    after["pods"].remove(gone)
    users[1]["status"], users[1]["statusClass"] = "CrashLoopBackOff", "failed"
    users[1]["node"] = "elsewhere"
    after["pods"].append({**users[1], "uid": "new-uid", "name": "users-deployment-new"})
    worker = next(n for n in after["nodes"] if not n["controlPlane"])
    worker["ready"] = "False"
    worker["unschedulable"] = True
    after["nodes"].append({**worker, "name": "worker-new"})

    d = diff(before, after)
    assert d["nodesAdded"] == ["worker-new"]
    assert d["nodesRemoved"] == []
    assert [(c["name"], c["field"], c["before"], c["after"]) for c in d["nodesChanged"]] == [
        (worker["name"], "ready", "True", "False"),
        (worker["name"], "unschedulable", "schedulable", "cordoned"),
    ]
    assert [p["name"] for p in d["podsAdded"]] == ["users-deployment-new"]
    assert [p["name"] for p in d["podsRemoved"]] == [gone["name"]]
    assert [(p["name"], p["before"], p["after"]) for p in d["podsStatusChanged"]] == [
        (users[1]["name"], "Running", "CrashLoopBackOff")
    ]
    assert [(p["name"], p["after"]) for p in d["podsMoved"]] == [(users[1]["name"], "elsewhere")]
    assert diff_size(d) == 7
    assert diff_size(diff(after, after)) == 0


def test_diff_of_the_recording_shows_the_scale_up(busy: Recording) -> None:
    after = rebuild(busy.first, busy.deltas, at=busy.deltas[0]["at"] + 19)
    added = [p["name"] for p in diff(busy.first, after)["podsAdded"]]
    assert len([n for n in added if n.startswith("users-deployment-")]) == 3


# -- timeline events ---------------------------------------------------------------------------------------------


def test_events_tell_the_story(busy: Recording) -> None:
    events = events_between(busy.first, busy.deltas)
    kinds = [e["kind"] for e in events]
    worker = busy.first["nodes"][1]["name"]
    assert any(
        e["kind"] == "scaled" and e["subject"] == "default/users-deployment" and e["text"].endswith("2 → 5 pods")
        for e in events
    ), events
    assert any(e["kind"] == "pod-failed" and e["subject"].startswith("default/users-deployment-") for e in events)
    assert ("node-not-ready", worker) in [(e["kind"], e["subject"]) for e in events]
    assert kinds.index("node-ready") > kinds.index("node-not-ready")
    assert all(e["at"] == next(d["at"] for d in busy.deltas if d["seq"] == e["seq"]) for e in events)


def test_a_failure_is_reported_once_not_on_every_update(busy: Recording) -> None:
    events = events_between(busy.first, busy.deltas)
    failing = [e for e in events if e["kind"] == "pod-failed"]
    texts = [e["text"] for e in failing]
    assert failing and len(texts) == len(set(zip(texts, [e["seq"] for e in failing], strict=True)))
    statuses = {d["seq"]: {p["name"]: p["status"] for p in d["pods"]["upsert"]} for d in busy.deltas}
    for e in failing:  # each event is a pod that was not failing before (Error → CrashLoopBackOff is not new)
        name = e["subject"].split("/", 1)[1]
        earlier = [s[name] for q, s in statuses.items() if q < e["seq"] and name in s]
        assert not earlier or earlier[-1] in ("Running", "Pending", "ContainerCreating"), (e, earlier)


def _delta(seq: int, upsert: list[dict[str, Any]], remove: list[str] | None = None) -> Delta:
    return {
        "cluster": "demo",
        "seq": seq,
        "revision": seq,
        "at": float(seq),
        "source": {"kind": "fake", "state": "live", "reason": "", "lastEventAt": None, "resourceVersion": ""},
        "nodes": {"upsert": [], "remove": []},
        "pods": {"upsert": upsert, "remove": remove or []},  # type: ignore[typeddict-item]
    }


def test_many_failures_at_once_become_one_event(busy: Recording) -> None:
    template = busy.first["pods"][0]
    crashed = [
        {**template, "uid": f"u{i}", "name": f"p{i}", "status": "Error", "statusClass": "failed"}
        for i in range(COLLAPSE_AFTER + 5)
    ]
    events = Tracker.of(busy.first).apply(_delta(busy.first["seq"] + 1, crashed))
    failed = [e for e in events if e["kind"] == "pod-failed"]
    assert len(failed) == 1
    assert failed[0]["text"].startswith(f"{COLLAPSE_AFTER + 5} x pod-failed")


def test_samples_count_what_the_state_holds(busy: Recording) -> None:
    state = busy.state()
    sample = Tracker.of(state).sample(state["at"])
    assert sample["nodes"] == len(state["nodes"])
    assert sample["nodesReady"] == sum(1 for n in state["nodes"] if n["ready"] == "True")
    assert sum(sample["pods"].values()) == len(state["pods"])
    assert sample["pods"]["running"] == sum(1 for p in state["pods"] if p["statusClass"] == "running")
    assert sample["restarts"] == sum(p["restarts"] for p in state["pods"])
    node = state["nodes"][1]
    assert sample["perNode"][node["name"]]["cpuRequested"] == node["requested"]["cpu"]


def test_the_mirror_follows_the_deltas(busy: Recording) -> None:
    tracker = Tracker.of(busy.first)
    for delta in busy.deltas:
        tracker.apply(delta)
    final = busy.state()
    assert tracker.sample(0) == {**Tracker.of(final).sample(0)}


# -- series ------------------------------------------------------------------------------------------------------


def test_series_take_the_last_sample_of_each_step(busy: Recording) -> None:
    tracker = Tracker.of(busy.first)
    samples = [
        tracker.sample(100.0),
        {**tracker.sample(130.0), "restarts": 7},
        {**tracker.sample(150.0), "restarts": 9},
    ]
    s = series(samples, 90.0, 160.0, 20.0)
    assert s["t"] == [90.0, 110.0, 130.0, 150.0]
    assert s["restarts"] == [None, 0, 7, 9]
    assert s["nodes"][1] == len(busy.first["nodes"])
    name = busy.first["nodes"][0]["name"]
    assert s["perNode"][name]["cpuAllocatable"][0] is None
    assert s["perNode"][name]["cpuAllocatable"][3] == busy.first["nodes"][0]["allocatable"]["cpu"]
    with pytest.raises(ValueError):
        series(samples, 10.0, 5.0, 1.0)


# -- moments -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1735787100", 1735787100.0),
        ("1735787100.5", 1735787100.5),
        ("2025-01-02T03:05:00Z", 1735787100.0),
        ("2025-01-02T03:05:00", 1735787100.0),
        ("2025-01-02 03:05:00", 1735787100.0),
        ("2025-01-02T05:05:00+02:00", 1735787100.0),
        ("2025-01-02T05:05:00 02:00", 1735787100.0),  # a "+" in a URL query decodes to a space
        ("2025-01-02 05:05:00 02:00", 1735787100.0),
    ],
)
def test_moments_parse_from_epoch_and_iso(text: str, expected: float) -> None:
    assert parse_moment(text) == expected


@pytest.mark.parametrize("text", ["", "yesterday", "nan", "inf", "2025-13-01"])
def test_bad_moments_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_moment(text)


def test_moments_format_in_utc_and_read_back() -> None:
    assert format_moment(1735787100.9) == "2025-01-02 03:05:00 UTC"
    assert parse_moment(format_moment(1735787100.9)) == 1735787100.0


def test_measured_use_is_sampled_where_metrics_exist_and_none_elsewhere(busy: Recording) -> None:
    state = busy.state()
    measured, unmeasured = state["nodes"][0], state["nodes"][1]
    with_usage = {**state, "nodes": [{**measured, "usage": {"cpu": 250, "memory": 512 * 2**20}}, *state["nodes"][1:]]}
    sample = Tracker.of(with_usage).sample(state["at"])
    assert sample["perNode"][measured["name"]]["cpuUsed"] == 250
    assert sample["perNode"][measured["name"]]["memoryUsed"] == 512 * 2**20
    assert sample["perNode"][unmeasured["name"]]["cpuUsed"] is None
    s = series([sample], state["at"], state["at"], 1.0)
    assert s["perNode"][measured["name"]]["cpuUsed"] == [250]
    old = {
        **sample,
        "perNode": {n: {k: v for k, v in d.items() if "Used" not in k} for n, d in sample["perNode"].items()},
    }
    assert series([old], state["at"], state["at"], 1.0)["perNode"][measured["name"]]["cpuUsed"] == [None], (
        "samples recorded before use was measured still make a series"
    )


def test_a_pod_recorded_before_pods_carried_failing_is_replayed_with_it() -> None:
    recorded = [
        {"uid": "a", "status": "ImagePullBackOff", "statusClass": "pending", "containers": [], "volumes": []},
        {"uid": "b", "status": "Running", "statusClass": "running", "failing": False},
    ]
    replayed = for_the_map(recorded)
    assert [p["failing"] for p in replayed] == [True, False]
    assert "containers" not in replayed[0], "the map's pods never carry containers"
