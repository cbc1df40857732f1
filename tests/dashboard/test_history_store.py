"""The recorder and its storage: every moment rebuilt exactly, across checkpoints, gaps and restarts; retention;
imports that refuse bad input and change nothing. Runs on SQLite here and on PostgreSQL in tests/postgres."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson
import pytest

from clusterviz import export
from clusterviz.export import SnapshotError
from clusterviz.fake import FakeCluster
from clusterviz.history import Sample as ChartSample
from clusterviz.store import PodFormat
from clusterviz.wire import ClusterState
from dashboard.history.recorder import Recorder
from dashboard.history.store import HistoryConfig, HistoryError, HistoryStore, ImportRefused, unpack
from dashboard.models import ChangeBlock, Checkpoint, ImportedSnapshot, Sample, TimelineEvent
from tests.core.test_history import Recording, comparable, record

CONFIG = HistoryConfig(checkpoint_seconds=30.0, flush_seconds=3600.0, sample_seconds=10.0)


@dataclass
class Feed:
    """A fake cluster's runtime whose messages go to a recorder, with the true state after every seq."""

    rec: Recording
    recorder: Recorder
    truth: dict[float, ClusterState] = field(default_factory=dict)  # at → state, after every delta
    texts: list[str] = field(default_factory=list)
    whole: bool = True  # the recorder gets the record form (pods with containers), as a server's does

    def state(self) -> ClusterState:
        state: ClusterState = orjson.loads(self.rec.runtime.state_json(b"", "full" if self.whole else "objects"))
        return state

    def run(
        self, seconds: int, script: Callable[[FakeCluster], Any] | None = None, *, lose: set[int] = frozenset()
    ) -> None:  # type: ignore[assignment]
        if script is not None:
            self.rec.runtime.source.script(script)  # type: ignore[attr-defined]
        for _ in range(seconds):
            messages = self.rec.runtime.step_messages(1.0)
            if messages is None:
                continue
            text = messages[1] if self.whole else messages[0]
            self.texts.append(text)
            delta = orjson.loads(text)
            self.truth[delta["at"]] = self.state()
            if delta["seq"] not in lose:
                self.recorder.handle("demo", text)
        self.recorder.flush()


Form = PodFormat | Literal["history"]


def feed(store: HistoryStore, config: HistoryConfig = CONFIG, seed: int = 3, pods: Form = "history") -> Feed:
    """``pods``: the form of the runtime's state the recorder checkpoints. The server uses the history form
    (the pod table plus each pod's containers and volumes) and records deltas whose pods carry them too;
    checkpoints written in the object or table form by earlier versions, with the map's deltas, must rebuild
    as well."""
    rec = record(seed=seed)

    def state_of(cluster: str) -> bytes:
        return rec.runtime.history_state_json() if pods == "history" else rec.runtime.state_json(b"", pods)

    recorder = Recorder(store, config, state_of, lambda cluster: rec.runtime.history_sample())
    recorder.handle("demo", rec.runtime.heartbeat_message())  # as in a server: heartbeats come before changes
    return Feed(rec, recorder, whole=pods == "history")


def story(f: Feed) -> None:
    f.run(20, lambda c: c.scale("default", "users-deployment", 5))
    f.run(30, lambda c: c.crash_loop("default", c.pods_of("default", "users-deployment-")[0]))
    f.run(60, lambda c: c.set_node_ready(c.workers()[0], False))
    f.run(30, lambda c: c.set_node_ready(c.workers()[0], True))


def assert_every_moment_rebuilds(store: HistoryStore, f: Feed) -> None:
    moments = sorted(f.truth)
    assert len(moments) >= 15
    for at in moments:
        assert comparable(store.state_at("demo", at).state) == comparable(f.truth[at]), at


def run_story(using: str = "default", pods: Form = "history") -> tuple[HistoryStore, Feed]:
    store = HistoryStore(using)
    f = feed(store, pods=pods)
    story(f)
    return store, f


# -- recording and rebuilding ------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("pods", ["history", "objects", "table"])
def test_every_recorded_moment_rebuilds_exactly_across_checkpoints(pods: Form) -> None:
    store, f = run_story(pods=pods)
    stored = [unpack(cp.blob) for cp in Checkpoint.objects.all()]
    assert all(("podTable" in state) == (pods != "objects") for state in stored), "checkpoints keep the form given"
    assert all(("podDetails" in state) == (pods == "history") for state in stored)
    assert Checkpoint.objects.count() >= 4  # 140 s of cluster time, a checkpoint every 30 s
    assert ChangeBlock.objects.count() >= 4
    assert_every_moment_rebuilds(store, f)
    lo, hi = store.bounds("demo") or (0, 0)
    assert lo == f.rec.first["at"] and hi == max(f.truth)


@pytest.mark.django_db
def test_checkpoints_segment_the_stream_consecutively() -> None:
    run_story()
    for cp in Checkpoint.objects.all():
        seqs = [(b.first_seq, b.last_seq) for b in cp.blocks.order_by("first_seq")]
        expected = cp.seq + 1
        for first, last in seqs:
            assert first == expected
            expected = last + 1


@pytest.mark.django_db
@pytest.mark.parametrize("pods", ["history", "objects", "table"])
def test_a_lost_message_starts_a_new_segment_and_loses_no_moment(pods: Form) -> None:
    store = HistoryStore()
    f = feed(store, pods=pods)
    f.run(20, lambda c: c.scale("default", "users-deployment", 5))
    lost = orjson.loads(f.texts[-1])["seq"] + 2
    before = Checkpoint.objects.count()
    f.run(40, lambda c: c.crash_loop("default", c.pods_of("default", "users-deployment-")[0]), lose={lost})
    assert Checkpoint.objects.count() > before
    assert Checkpoint.objects.filter(seq__gte=lost).exists()
    for at, state in f.truth.items():
        rebuilt = store.state_at("demo", at).state
        assert rebuilt["seq"] != lost, "the lost delta cannot be a stored moment"
        if rebuilt["seq"] == state["seq"]:
            assert comparable(rebuilt) == comparable(state)


@pytest.mark.django_db
def test_a_change_too_big_for_a_delta_is_recorded_as_a_checkpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    """The runtime publishes a heartbeat ahead of the stream instead of a huge delta; the recorder stores the
    state it leads to as a new checkpoint, so the moment after it rebuilds exactly."""
    from clusterviz.live import ClusterRuntime

    store = HistoryStore()
    f = feed(store)
    f.run(10, lambda c: c.scale("default", "users-deployment", 3))
    before = Checkpoint.objects.count()
    monkeypatch.setattr(ClusterRuntime, "resync_over", 2)
    f.rec.runtime.source.script(lambda c: c.scale("default", "users-deployment", 9))  # type: ignore[attr-defined]
    for _ in range(5):
        text = f.rec.runtime.step(1.0)
        if text is not None:
            f.recorder.handle("demo", text)
            if orjson.loads(text)["type"] == "heartbeat":
                break
    else:
        raise AssertionError("the big change came as a delta")
    heartbeat = orjson.loads(text)
    f.recorder.flush()  # no delta after the heartbeat yet: it alone must have started the new segment
    assert Checkpoint.objects.count() > before
    assert Checkpoint.objects.filter(seq__gte=heartbeat["seq"]).exists()
    truth = f.state()
    assert comparable(store.state_at("demo", truth["at"]).state) == comparable(truth)


@pytest.mark.django_db
@pytest.mark.parametrize("pods", ["history", "table", "objects"])
def test_a_checkpoint_is_stored_as_the_runtime_joined_it_never_parsed_and_written_again(
    pods: Form, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 150,000 pods a checkpoint's state is ~50 MB: the recorder reads only the fields before its nodes (as
    objects or as a table) and stores the runtime's bytes as they are."""
    store = HistoryStore()
    given: list[bytes | None] = []
    write = store.write_checkpoint

    def spy(cluster: str, state: Any, raw: bytes | None = None) -> int:
        given.append(raw)
        return write(cluster, state, raw)

    monkeypatch.setattr(store, "write_checkpoint", spy)
    f = feed(store, pods=pods)
    f.run(3, lambda c: c.scale("default", "users-deployment", 3))
    assert given, "no checkpoint was written"
    assert all(raw is not None for raw in given), "a checkpoint's state was parsed and encoded again"
    (row,) = Checkpoint.objects.all()
    assert unpack(row.blob) == orjson.loads(given[0]), "stored as the runtime joined it"


@pytest.mark.django_db
def test_a_recorder_behind_the_runtime_checkpoints_once_and_skips_the_deltas_its_checkpoint_covers() -> None:
    """At 160,000 pods the recorder's thread falls behind the runtime: a checkpoint then takes a state newer than
    the deltas still queued. Those are in the checkpoint already, not a sign of a restarted runtime: each of them
    started a fresh checkpoint of its own (most of a core at that size, BENCHMARKS §20)."""
    store = HistoryStore()
    f = feed(store)
    queued = []
    source: Any = f.rec.runtime.source
    source.script(lambda c: c.scale("default", "users-deployment", 6))
    for i in range(50):  # the runtime runs on; nothing reaches the recorder yet
        if i == 25:
            source.script(lambda c: c.crash_loop("default", c.pods_of("default", "users-deployment-")[0]))
        messages = f.rec.runtime.step_messages(1.0)
        if messages is not None:
            queued.append(messages[1])
    assert len(queued) > 10
    before = Checkpoint.objects.count()
    for text in queued:  # then it catches up: its 30-s checkpoint takes the runtime's state, 50 s on
        f.recorder.handle("demo", text)
    f.recorder.flush()
    assert Checkpoint.objects.count() == before + 1, "one checkpoint, none for the deltas it covers"
    f.run(20, lambda c: c.scale("default", "users-deployment", 4))
    at = max(f.truth)
    assert comparable(store.state_at("demo", at).state) == comparable(f.truth[at]), "and the stream goes on"


@pytest.mark.django_db
def test_a_restarted_runtime_starts_a_new_segment() -> None:
    store = HistoryStore()
    f = feed(store)
    f.run(20, lambda c: c.scale("default", "users-deployment", 4))
    again = record(seed=9)  # a new runtime: its seq starts over
    f.recorder.state_of = lambda cluster: again.runtime.history_state_json()
    f.rec = again
    f.run(20, lambda c: c.scale("default", "users-deployment", 3))
    latest = Checkpoint.objects.order_by("-id").first()
    assert latest is not None and latest.seq < 5
    at = max(f.truth)
    assert comparable(store.state_at("demo", at).state) == comparable(f.truth[at])


@pytest.mark.django_db
def test_events_and_samples_are_stored() -> None:
    store, f = run_story()
    kinds = set(TimelineEvent.objects.values_list("kind", flat=True))
    assert {"scaled", "pod-failed", "node-not-ready", "node-ready"} <= kinds
    events = store.events("demo", 0, max(f.truth))
    assert [e["at"] for e in events] == sorted(e["at"] for e in events)
    samples = store.samples("demo", 0, max(f.truth))
    assert len(samples) == Sample.objects.count() >= 5  # taken on change, at most one per 10 s
    worker = f.rec.first["nodes"][1]["name"]
    assert any(not s["perNode"][worker]["ready"] for s in samples)
    assert samples[-1]["pods"]["running"] >= 5


@pytest.mark.django_db
def test_the_timeline_keeps_what_the_map_s_feed_told_once_each_across_checkpoints() -> None:
    store, f = run_story()
    assert Checkpoint.objects.count() >= 3  # the story crosses periodic checkpoints
    told = [
        (e["at"], e["seq"], e["kind"], e["subject"], e["text"])
        for t in f.texts
        for e in orjson.loads(t).get("feed", [])
    ]
    assert told, "the story's deltas tell events"
    kept = [(e["at"], e["seq"], e["kind"], e["subject"], e["text"]) for e in store.events("demo", 0, max(f.truth))]
    assert kept == told


@pytest.mark.django_db
def test_chart_samples_are_the_runtime_s_counts_of_their_moment() -> None:
    store, f = run_story()
    samples = store.samples("demo", 0, max(f.truth))
    assert samples[-1]["at"] <= max(f.truth)
    truth = f.truth[max(a for a in f.truth if a <= samples[-1]["at"])]
    running = sum(1 for p in truth["pods"] if p["statusClass"] == "running")
    assert samples[-1]["pods"]["running"] == running
    assert samples[-1]["nodes"] == len(truth["nodes"])


@pytest.mark.django_db
def test_moments_before_the_history_are_not_invented() -> None:
    store, f = run_story()
    with pytest.raises(HistoryError):
        store.state_at("demo", f.rec.first["at"] - 1)
    with pytest.raises(HistoryError):
        store.state_at("elsewhere", max(f.truth))


@pytest.mark.django_db
def test_deltas_between_continue_a_segment_or_ask_for_a_resync() -> None:
    store, f = run_story()
    moments = sorted(f.truth)
    start = store.state_at("demo", moments[2])
    same = [at for at in moments if store.state_at("demo", at).checkpoint == start.checkpoint]
    deltas = store.deltas_between("demo", start.checkpoint, start.state["seq"], same[-1])
    assert deltas and deltas[0]["seq"] == start.state["seq"] + 1
    assert store.deltas_between("demo", start.checkpoint, start.state["seq"], moments[-1]) is None


# -- retention ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_retention_by_age_keeps_the_window_rebuildable() -> None:
    store, f = run_story()
    newest = max(f.truth)
    dropped = store.enforce_retention(max_age_seconds=60, max_bytes=10**12, now=0)
    assert dropped >= 1
    cutoff = newest - 60
    for at in (a for a in f.truth if a >= cutoff):
        assert comparable(store.state_at("demo", at).state)["pods"] == comparable(f.truth[at])["pods"]
    assert Checkpoint.objects.filter(at__lte=cutoff).count() == 1
    assert not TimelineEvent.objects.filter(at__lt=cutoff).exists()
    assert not Sample.objects.filter(at__lt=cutoff).exists()


@pytest.mark.django_db
def test_retention_by_size_drops_the_oldest_segments_first() -> None:
    store, f = run_story()
    total = store.usage()
    newest = Checkpoint.objects.order_by("-at").first()
    assert newest is not None
    limit = total // 2
    store.enforce_retention(max_age_seconds=10**9, max_bytes=limit, now=0)
    assert store.usage() <= limit
    assert Checkpoint.objects.filter(pk=newest.pk).exists()
    at = max(f.truth)
    assert comparable(store.state_at("demo", at).state) == comparable(f.truth[at])
    oldest_left = Checkpoint.objects.order_by("at").first()
    assert oldest_left is not None and oldest_left.at > f.rec.first["at"]


@pytest.mark.django_db
def test_retention_never_drops_a_clusters_only_segment() -> None:
    store = HistoryStore()
    f = feed(store, HistoryConfig(checkpoint_seconds=10**6, flush_seconds=3600, sample_seconds=10))
    f.run(20, lambda c: c.scale("default", "users-deployment", 4))
    store.enforce_retention(max_age_seconds=1, max_bytes=1, now=10**10)
    assert Checkpoint.objects.count() == 1
    at = max(f.truth)
    assert comparable(store.state_at("demo", at).state) == comparable(f.truth[at])


# -- the listener and its thread ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_the_listener_only_queues_and_the_thread_writes() -> None:
    rec = record()
    recorder = Recorder(
        HistoryStore(),
        HistoryConfig(flush_seconds=0.0),
        lambda c: rec.runtime.state_json(),
        lambda c: rec.runtime.history_sample(),
    )
    rec.runtime.source.script(lambda c: c.scale("default", "users-deployment", 4))  # type: ignore[attr-defined]
    texts = [t for t in (rec.runtime.step(1.0) for _ in range(10)) if t]
    for text in texts:
        await recorder.on_message("demo", text)
    await recorder.on_message("demo", '{"type":"heartbeat","seq":1,"source":{}}')
    assert recorder._thread is not None and recorder._thread.is_alive()
    await asyncio.to_thread(recorder.stop)  # the thread handles what is queued, writes it and ends
    assert not recorder._thread.is_alive()
    assert recorder.errors == 0
    at = rec.state()["at"]  # the recorder's first checkpoint is the runtime's state when it got there
    state = await asyncio.to_thread(lambda: HistoryStore().state_at("demo", at).state)
    assert comparable(state) == comparable(rec.state())


@pytest.mark.django_db
async def test_history_off_records_nothing() -> None:
    def no_sample(cluster: str) -> ChartSample:
        raise AssertionError("history off takes no sample")

    recorder = Recorder(HistoryStore(), HistoryConfig(enabled=False), lambda c: b"{}", no_sample)
    await recorder.on_message("demo", '{"type":"delta","seq":1}')
    assert recorder.queue.empty()


# -- imports -----------------------------------------------------------------------------------------------------


def snapshot_bytes(state: ClusterState) -> bytes:
    return export.dumps(export.document(state, exported_at=state["at"] + 5))


@pytest.mark.django_db
def test_an_import_becomes_a_replay_cluster() -> None:
    state = record(seed=5).full()
    row = HistoryStore().import_snapshot(snapshot_bytes(state), name=None, filename="x.json", max_bytes=10**8)
    assert row.name.startswith("demo-") and row.pods == len(state["pods"])
    found = HistoryStore().imported(row.name)
    assert found is not None and found[1]["state"]["pods"] == state["pods"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("mutate", "error", "message"),
    [
        (lambda data: data[:-200], SnapshotError, "truncated"),
        (lambda data: data.replace(b"clusterviz.snapshot/v2", b"clusterviz.snapshot/v9"), SnapshotError, "v9"),
        (lambda data: b"garbage", SnapshotError, "not valid JSON"),
    ],
)
def test_bad_imports_change_nothing(mutate: Callable[[bytes], bytes], error: type[Exception], message: str) -> None:
    store = HistoryStore()
    state = record(seed=5).full()
    store.import_snapshot(snapshot_bytes(state), name="kept", filename="x.json", max_bytes=10**8)
    before = list(ImportedSnapshot.objects.values_list("name", "size"))
    with pytest.raises(error, match=message):
        store.import_snapshot(mutate(snapshot_bytes(state)), name="other", filename="y.json", max_bytes=10**8)
    assert list(ImportedSnapshot.objects.values_list("name", "size")) == before


@pytest.mark.django_db
def test_an_import_never_replaces_a_name_in_use() -> None:
    store = HistoryStore()
    state = record(seed=5).full()
    store.import_snapshot(snapshot_bytes(state), name="incident", filename="x.json", max_bytes=10**8)
    kept = ImportedSnapshot.objects.get(name="incident").blob
    with pytest.raises(ImportRefused, match="already called 'incident'"):
        store.import_snapshot(snapshot_bytes(state), name="incident", filename="x.json", max_bytes=10**8)
    with pytest.raises(ImportRefused, match="a live cluster is already called 'demo'"):
        store.import_snapshot(snapshot_bytes(state), name="demo", filename="x.json", max_bytes=10**8, taken=["demo"])
    with pytest.raises(ImportRefused, match="not a valid cluster name"):
        store.import_snapshot(snapshot_bytes(state), name="a/b", filename="x.json", max_bytes=10**8)
    assert ImportedSnapshot.objects.count() == 1
    assert bytes(ImportedSnapshot.objects.get(name="incident").blob) == bytes(kept)
