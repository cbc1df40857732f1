"""The story of a change: what the timeline and the map's feed say happened, from one detection (Tracker).

Run against the fake cluster, whose controllers behave as Kubernetes' do (a rolling update scales the new
ReplicaSet up and the old one down; deleted pods are Terminating, then killed, then gone)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import pytest

from clusterviz.fake import FakeCluster
from clusterviz.history import Tracker
from clusterviz.live import FEED_SIZE
from clusterviz.wire import ChangeEvent
from tests.core.test_history import record

USERS = ("default", "users-deployment")
NEW_IMAGE = "my-repo/users-application:2.0"


class Story:
    """A fake cluster's runtime; every event its feed told, in order."""

    def __init__(self, seed: int = 3) -> None:
        self.rec = record(seed=seed)
        self.events: list[ChangeEvent] = []
        self.deltas: list[dict[str, Any]] = []

    def run(self, seconds: int, script: Callable[[FakeCluster], Any] | None = None) -> list[ChangeEvent]:
        if script is not None:
            self.rec.runtime.source.script(script)  # type: ignore[attr-defined]
        told: list[ChangeEvent] = []
        for _ in range(seconds):
            messages = self.rec.runtime.step_messages(1.0)
            if messages is not None:
                delta = orjson.loads(messages[0])
                self.deltas.append(delta)
                told.extend(delta.get("feed", []))
        self.events.extend(told)
        return told

    def kinds(self, events: list[ChangeEvent] | None = None) -> list[str]:
        return [e["kind"] for e in (self.events if events is None else events)]


@pytest.fixture(scope="module")
def rollout() -> Story:
    story = Story()
    story.run(5)
    story.run(90, lambda c: c.rolling_update(*USERS, NEW_IMAGE))
    return story


def test_a_rollout_is_told_as_a_rollout_with_image_revision_and_progress(rollout: Story) -> None:
    told = [e for e in rollout.events if e["kind"] in ("rollout", "rolled-out")]
    assert told, rollout.kinds()
    first, last = told[0], told[-1]
    assert first["text"].startswith(f"Rollout of Deployment default/users-deployment to {NEW_IMAGE}, revision 2: ")
    expected = {"deployment": "default/users-deployment", "image": NEW_IMAGE, "revision": 2}
    assert first["args"] == {**first["args"], **expected}
    assert first["refs"] == [{"kind": "Deployment", "namespace": "default", "name": "users-deployment"}]
    assert last["kind"] == "rolled-out" and last["args"]["old"] == 0 and last["args"]["ready"] == 2
    assert last["text"] == f"Deployment default/users-deployment rolled out to {NEW_IMAGE} (revision 2): 2 pods ready"
    progress = [(e["args"]["ready"], e["args"]["old"]) for e in told]
    assert progress == sorted(progress, key=lambda p: (p[0], -p[1])), "new pods only get ready, old ones only go"
    assert {e["key"] for e in told} == {"rollout:default/users-deployment:2"}


def test_a_rollout_is_neither_scaling_nor_failing(rollout: Story) -> None:
    """Not "scaled 2 → 3, 3 → 2", and an old pod stopped because it was deleted is not a failed pod."""
    assert "scaled" not in rollout.kinds()
    assert "pod-failed" not in rollout.kinds()


def test_the_map_tells_old_pods_from_new_by_revision(rollout: Story) -> None:
    during = [d for d in rollout.deltas if any(e["kind"] == "rollout" for e in d.get("feed", []))]
    upserts = [p for d in rollout.deltas for p in d["pods"]["upsert"]]
    revisions = {p["revision"] for p in upserts if p["name"].startswith("users-deployment-")}
    assert during and revisions == {1, 2}
    told = [d["rollouts"] for d in rollout.deltas if "rollouts" in d]
    assert told == [{"default/users-deployment": 2}, {}], "rolling out to revision 2, then done"
    state = rollout.rec.state()
    users = [p for p in state["pods"] if p["name"].startswith("users-deployment-")]
    assert {p["revision"] for p in users} == {2} and state["rollouts"] == {}


def test_the_feed_keeps_one_entry_per_rollout_and_travels_in_the_state(rollout: Story) -> None:
    feed = rollout.rec.state()["feed"]
    rollouts = [e for e in feed if e.get("key") == "rollout:default/users-deployment:2"]
    assert len(rollouts) == 1 and rollouts[0]["kind"] == "rolled-out"
    assert len(feed) <= FEED_SIZE


def test_scaling_outside_a_rollout_is_scaling() -> None:
    story = Story()
    told = story.run(20, lambda c: c.scale(*USERS, 4))
    scaled = [e for e in told if e["kind"] == "scaled"]
    assert scaled and scaled[-1]["args"]["after"] == 4 and "rollout" not in story.kinds(told)


def test_a_crash_is_a_failure_with_its_reason_and_exit_code() -> None:
    story = Story()
    told = story.run(40, lambda c: c.crash_loop("default", c.pods_of(*USERS)[0]))
    failed = [e for e in told if e["kind"] == "pod-failed"]
    assert failed and len({e["subject"] for e in failed}) == 1
    assert len(failed) < len([d for d in story.deltas if d["pods"]["upsert"]]), "Error → CrashLoopBackOff: once"
    assert failed[0]["args"]["status"] == "Error"
    assert failed[0]["args"]["detail"] == "users: Error, exit code 1"
    assert failed[0]["refs"][0]["kind"] == "Pod"


def test_an_unschedulable_pod_is_told_with_the_schedulers_message() -> None:
    story = Story()
    told = story.run(10, lambda c: c.add_unschedulable_pod("default", "too-big"))
    event = next(e for e in told if e["kind"] == "unschedulable")
    assert event["args"]["pod"] == "default/too-big"
    assert str(event["args"]["message"]).startswith("0/4 nodes are available: ")
    assert event["text"] == f"Pod default/too-big cannot be scheduled: {event['args']['message']}"
    assert story.kinds(story.run(10)).count("unschedulable") == 0, "told once, not on every retry"


def test_a_node_going_not_ready_and_back_links_to_the_node() -> None:
    story = Story()
    worker = story.rec.runtime.source.cluster.workers()[0]  # type: ignore[attr-defined]
    story.run(60, lambda c: c.set_node_ready(worker, False))
    story.run(30, lambda c: c.set_node_ready(worker, True))
    told = [e for e in story.events if e["kind"] in ("node-not-ready", "node-ready")]
    assert [e["kind"] for e in told] == ["node-not-ready", "node-ready"]
    assert all(e["refs"] == [{"kind": "Node", "namespace": "", "name": worker}] for e in told)


def test_an_image_changed_in_place_is_told() -> None:
    base = record().full()
    pod = next(p for p in base["pods"] if p["containers"] and p["node"])
    tracker = Tracker.of(base)
    changed = {**pod, "containers": [{**pod["containers"][-1], "image": "example/other:9"}]}
    delta = {**_delta(base["seq"] + 1), "pods": {"upsert": [changed], "remove": []}}
    events = tracker.apply(delta)  # type: ignore[arg-type]
    assert [e["kind"] for e in events] == ["image-changed"]
    assert events[0]["args"]["after"] == "example/other:9"


def _delta(seq: int) -> dict[str, Any]:
    source = {"kind": "fake", "state": "live", "reason": "", "lastEventAt": None, "resourceVersion": ""}
    return {"cluster": "demo", "seq": seq, "revision": seq, "at": float(seq), "source": source,
            "nodes": {"upsert": [], "remove": []}, "pods": {"upsert": [], "remove": []}}


def test_a_rollout_seen_in_one_delta_is_still_a_rollout() -> None:
    """After a gap (a checkpoint, a relist) old and new pods may never be seen together: still not scaling."""
    base = record().full()
    users = [p for p in base["pods"] if p["name"].startswith("users-deployment-")]
    new = [
        {**p, "uid": p["uid"] + "-2", "name": p["name"] + "x", "revision": 2,
         "containers": [{**c, "image": NEW_IMAGE} for c in p["containers"]]}
        for p in users
    ]
    delta = {**_delta(base["seq"] + 1), "pods": {"upsert": new, "remove": [p["uid"] for p in users]}}
    events = Tracker.of(base).apply(delta)  # type: ignore[arg-type]
    assert [e["kind"] for e in events] == ["rolled-out"]
    assert events[0]["args"] == {**events[0]["args"], "image": NEW_IMAGE, "revision": 2, "old": 0}
