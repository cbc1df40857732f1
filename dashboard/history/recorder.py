"""The history recorder and the storage it writes: every published delta, batched, off the event loop.

:class:`Recorder` is a hub listener: on the event loop it only queues the message text (O(1)); one writer
thread parses, batches deltas into change blocks, takes checkpoints (every CLUSTERVIZ_CHECKPOINT_SECONDS of
cluster time and on any gap or restart of the stream, from the runtime's cached state JSON), extracts
timeline events and chart samples, and enforces retention by age and by size. The live map never waits for
the database.

:class:`HistoryStore` reads and writes the rows of :mod:`dashboard.models` (``using`` picks the database, so
the same code runs on SQLite and PostgreSQL) and rebuilds any stored moment.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import orjson
from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import Max, Min, Sum

from clusterviz import export
from clusterviz.history import Sample, TimelineEvent, Tracker, rebuild
from clusterviz.podtable import decode_pod_table
from clusterviz.wire import ClusterState, Delta
from dashboard.models import ChangeBlock, Checkpoint, ImportedSnapshot
from dashboard.models import Sample as SampleRow
from dashboard.models import TimelineEvent as EventRow

log = logging.getLogger(__name__)
StateOf = Callable[[str], bytes]
MAX_BLOCK_BYTES = 4 * 1024 * 1024
"""A change block is written early once its deltas reach this many bytes of JSON."""


def pack(value: Any) -> bytes:
    return zlib.compress(orjson.dumps(value), 6)


def pack_json(raw: bytes) -> bytes:
    return zlib.compress(raw, 6)


def unpack(blob: bytes | memoryview) -> Any:
    return orjson.loads(zlib.decompress(bytes(blob)))


def _head_of(raw: bytes) -> dict[str, Any] | None:
    """The fields of a state's JSON before its nodes, parsed without the rest (tens of MB at 150,000 pods).

    ``,"nodes":[`` cannot stand inside a string value (a quote in a JSON string is escaped), and no field
    before it has a key of that name, so its first occurrence starts the nodes."""
    cut = raw.find(b',"nodes":[')
    if cut < 0:
        return None
    try:
        head = orjson.loads(raw[:cut] + b"}")
    except orjson.JSONDecodeError:
        return None
    return head if isinstance(head, dict) else None


def unpack_state(blob: bytes | memoryview) -> ClusterState:
    """A checkpoint's state with its pods as objects, whether it was stored with a pod table (as the recorder
    writes them now: a third of the bytes, stored as the runtime joined them) or with objects."""
    state = unpack(blob)
    table = state.pop("podTable", None)
    if table is not None:
        state["pods"] = decode_pod_table(table)
    return state


@dataclass(frozen=True)
class HistoryConfig:
    enabled: bool = True
    checkpoint_seconds: float = 600.0
    flush_seconds: float = 5.0
    sample_seconds: float = 60.0
    retention_hours: float = 48.0
    retention_bytes: int = 1024 * 1024 * 1024
    retention_check_seconds: float = 60.0
    import_max_bytes: int = export.DEFAULT_MAX_BYTES

    @classmethod
    def from_settings(cls) -> HistoryConfig:
        return cls(
            enabled=getattr(settings, "CLUSTERVIZ_HISTORY", True),
            checkpoint_seconds=getattr(settings, "CLUSTERVIZ_CHECKPOINT_SECONDS", 600.0),
            flush_seconds=getattr(settings, "CLUSTERVIZ_HISTORY_FLUSH_SECONDS", 5.0),
            sample_seconds=getattr(settings, "CLUSTERVIZ_SAMPLE_SECONDS", 60.0),
            retention_hours=getattr(settings, "CLUSTERVIZ_RETENTION_HOURS", 48.0),
            retention_bytes=int(getattr(settings, "CLUSTERVIZ_RETENTION_MB", 1024)) * 1024 * 1024,
            import_max_bytes=int(getattr(settings, "CLUSTERVIZ_IMPORT_MAX_MB", 512)) * 1024 * 1024,
        )


class HistoryError(LookupError):
    """No stored history covers what was asked for."""


class ImportRefused(ValueError):
    """An import that would clash with something that exists (its name); nothing was changed."""


# -- storage ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Moment:
    state: ClusterState
    checkpoint: int  # the segment the moment belongs to (deltas after it continue its seq)


class HistoryStore:
    """Rows of one database (``using``), in wire shapes."""

    def __init__(self, using: str = "default") -> None:
        self.using = using

    # writing
    def write_checkpoint(self, cluster: str, state: Mapping[str, Any], raw: bytes | None = None) -> int:
        """Store ``state`` (a ClusterState, its pods as objects or as a table); ``raw``, its JSON as the runtime
        made it, is stored as it is instead of serialising ``state`` again."""
        blob = pack_json(raw) if raw is not None else pack(state)
        row = Checkpoint.objects.using(self.using).create(
            cluster=cluster, at=state["at"], seq=state["seq"], revision=state["revision"], size=len(blob), blob=blob
        )
        return int(row.pk)

    def write_changes(
        self,
        checkpoint: int,
        cluster: str,
        deltas: Sequence[Delta],
        raw: Sequence[bytes],
        events: Sequence[TimelineEvent] = (),
        samples: Sequence[Sample] = (),
    ) -> None:
        """One block of consecutive deltas (``raw``: their JSON, to skip re-encoding) with their events."""
        with transaction.atomic(using=self.using):
            if deltas:
                blob = pack_json(b"[" + b",".join(raw) + b"]")
                ChangeBlock.objects.using(self.using).create(
                    checkpoint_id=checkpoint,
                    cluster=cluster,
                    first_seq=deltas[0]["seq"],
                    last_seq=deltas[-1]["seq"],
                    start_at=deltas[0]["at"],
                    end_at=deltas[-1]["at"],
                    count=len(deltas),
                    size=len(blob),
                    blob=blob,
                )
            EventRow.objects.using(self.using).bulk_create(
                EventRow(
                    cluster=cluster,
                    at=e["at"],
                    seq=e["seq"],
                    kind=e["kind"],
                    subject=e["subject"][:320],
                    text=e["text"][:1000],
                )
                for e in events
            )
            for sample in samples:
                blob = pack(sample)
                SampleRow.objects.using(self.using).create(cluster=cluster, at=sample["at"], size=len(blob), blob=blob)

    # reading
    def clusters(self) -> list[str]:
        return sorted(set(Checkpoint.objects.using(self.using).values_list("cluster", flat=True).distinct()))

    def bounds(self, cluster: str) -> tuple[float, float] | None:
        """The first and last recorded moment of a cluster, or None without history."""
        cps = Checkpoint.objects.using(self.using).filter(cluster=cluster).aggregate(lo=Min("at"), hi=Max("at"))
        if cps["lo"] is None:
            return None
        last = ChangeBlock.objects.using(self.using).filter(cluster=cluster).aggregate(hi=Max("end_at"))["hi"]
        return float(cps["lo"]), max(float(cps["hi"]), float(last or cps["hi"]))

    def _checkpoint_at(self, cluster: str, at: float) -> Checkpoint:
        row = Checkpoint.objects.using(self.using).filter(cluster=cluster, at__lte=at).order_by("-at", "-id").first()
        if row is None:
            raise HistoryError(f"no history of {cluster!r} at or before {at}")
        return row

    def _deltas(self, checkpoint: int, after_seq: int, until: float) -> Iterator[Delta]:
        blocks = (
            ChangeBlock.objects.using(self.using)
            .filter(checkpoint_id=checkpoint, last_seq__gt=after_seq, start_at__lte=until)
            .order_by("first_seq")
            .values_list("blob", flat=True)
        )
        for blob in blocks:
            for delta in unpack(blob):
                if delta["seq"] > after_seq and delta["at"] <= until:
                    yield delta

    def state_at(self, cluster: str, at: float) -> Moment:
        """The cluster as it was at ``at``: its checkpoint plus the deltas up to then."""
        row = self._checkpoint_at(cluster, at)
        state = rebuild(unpack_state(row.blob), self._deltas(int(row.pk), int(row.seq), at), at)
        return Moment(state, int(row.pk))

    def deltas_between(self, cluster: str, checkpoint: int, after_seq: int, until: float) -> list[Delta] | None:
        """The deltas after ``after_seq`` up to ``until`` when they continue segment ``checkpoint``; None when
        ``until`` lies in another segment (the caller then fetches the whole state)."""
        try:
            row = self._checkpoint_at(cluster, until)
        except HistoryError:
            return None
        if int(row.pk) != checkpoint:
            return None
        return list(self._deltas(checkpoint, after_seq, until))

    def events(self, cluster: str, start: float, end: float, limit: int = 2000) -> list[TimelineEvent]:
        rows = (
            EventRow.objects.using(self.using)
            .filter(cluster=cluster, at__gte=start, at__lte=end)
            .order_by("at", "id")
            .values("at", "seq", "kind", "subject", "text")[:limit]
        )
        return [dict(r) for r in rows]  # type: ignore[misc]

    def samples(self, cluster: str, start: float, end: float) -> list[Sample]:
        """Samples in [start, end], plus the last one before start (the value in force at start)."""
        rows = SampleRow.objects.using(self.using).filter(cluster=cluster)
        before = rows.filter(at__lt=start).order_by("-at").values_list("blob", flat=True).first()
        inside = rows.filter(at__gte=start, at__lte=end).order_by("at").values_list("blob", flat=True)
        return [unpack(b) for b in ([before] if before is not None else []) + list(inside)]

    def usage(self) -> int:
        """Bytes of history blobs in the database (what retention by size counts; imports excluded)."""
        total = 0
        for model in (Checkpoint, ChangeBlock, SampleRow):
            total += int(model.objects.using(self.using).aggregate(s=Sum("size"))["s"] or 0)
        return total

    # retention
    def enforce_retention(self, max_age_seconds: float, max_bytes: int, now: float) -> int:
        """Drop what is older than the window (keeping what rebuilding its first moment needs), then the oldest
        segments while over the size limit (never a cluster's newest). Returns the checkpoints dropped."""
        dropped = 0
        for cluster in self.clusters():
            bounds = self.bounds(cluster)
            cutoff = max(now, bounds[1] if bounds else 0.0) - max_age_seconds
            dropped += self._drop_before(cluster, cutoff)
        while self.usage() > max_bytes:
            oldest = self._oldest_droppable()
            if oldest is None:
                break
            self._drop_segment(oldest)
            dropped += 1
        return dropped

    def _drop_before(self, cluster: str, cutoff: float) -> int:
        cps = Checkpoint.objects.using(self.using).filter(cluster=cluster)
        base = cps.filter(at__lte=cutoff).order_by("-at", "-id").first()
        if base is None:
            return 0
        with transaction.atomic(using=self.using):
            _, per_model = cps.filter(at__lte=base.at).exclude(pk=base.pk).delete()
            EventRow.objects.using(self.using).filter(cluster=cluster, at__lt=cutoff).delete()
            SampleRow.objects.using(self.using).filter(cluster=cluster, at__lt=cutoff).delete()
        return int(per_model.get(Checkpoint._meta.label, 0))

    def _oldest_droppable(self) -> Checkpoint | None:
        newest = {
            c["cluster"]: c["id"] for c in Checkpoint.objects.using(self.using).values("cluster").annotate(id=Max("id"))
        }
        return Checkpoint.objects.using(self.using).exclude(pk__in=newest.values()).order_by("at", "id").first()

    def _drop_segment(self, row: Checkpoint) -> None:
        following = (
            Checkpoint.objects.using(self.using)
            .filter(cluster=row.cluster, at__gte=row.at)
            .exclude(pk=row.pk)
            .order_by("at", "id")
            .values_list("at", flat=True)
            .first()
        )
        until = float(following) if following is not None else row.at
        with transaction.atomic(using=self.using):
            row.delete(using=self.using)
            EventRow.objects.using(self.using).filter(cluster=row.cluster, at__lt=until).delete()
            SampleRow.objects.using(self.using).filter(cluster=row.cluster, at__lt=until).delete()

    # imported snapshots
    def import_snapshot(
        self, data: bytes, *, name: str | None, filename: str, max_bytes: int, taken: Sequence[str] = ()
    ) -> ImportedSnapshot:
        """Check a snapshot file and store it as replay cluster ``name`` (default: cluster-YYYYmmdd-HHMMSS).

        Raises SnapshotError (bad file) or ImportRefused (the name is taken); either way nothing changes."""
        doc = export.parse(data, max_bytes=max_bytes)
        name = name or default_import_name(doc["cluster"], doc["at"])
        if not export.CLUSTER_NAME.match(name):
            raise ImportRefused(f"{name[:80]!r} is not a valid cluster name (letters, digits, '.', '_', '-')")
        if name in taken:
            raise ImportRefused(f"a live cluster is already called {name!r}; choose another name")
        with transaction.atomic(using=self.using):
            if ImportedSnapshot.objects.using(self.using).filter(name=name).exists():
                raise ImportRefused(f"an imported snapshot is already called {name!r}; choose another name")
            blob = pack(doc)
            return ImportedSnapshot.objects.using(self.using).create(
                name=name,
                cluster=doc["cluster"],
                at=doc["at"],
                exported_at=doc["exportedAt"],
                imported_at=time.time(),
                filename=filename[:255],
                pods=len(doc["state"]["pods"]),
                nodes=len(doc["state"]["nodes"]),
                size=len(blob),
                blob=blob,
            )

    def imported_names(self) -> list[str]:
        return list(ImportedSnapshot.objects.using(self.using).order_by("name").values_list("name", flat=True))

    def imported(self, name: str) -> tuple[ImportedSnapshot, export.Snapshot] | None:
        row = ImportedSnapshot.objects.using(self.using).filter(name=name).first()
        return None if row is None else (row, unpack(row.blob))


def stored_snapshot(store: HistoryStore, cluster: str, at: float | None, exported_at: float) -> export.Snapshot:
    """The export document of a stored moment (None: the latest recorded) or of an imported snapshot."""
    imported = store.imported(cluster)
    if imported is not None:
        return {**imported[1], "exportedAt": exported_at}
    if at is None:
        bounds = store.bounds(cluster)
        if bounds is None:
            raise HistoryError(f"no history of {cluster!r} is stored")
        at = bounds[1]
    return export.document(store.state_at(cluster, at).state, at=at, exported_at=exported_at)


def default_import_name(cluster: str, at: float) -> str:
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(at))
    return f"{cluster[:40]}-{stamp}"


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


# -- recording -------------------------------------------------------------------------------------------------


@dataclass
class _Track:
    """What the recorder knows of one cluster's stream."""

    checkpoint: int
    checkpoint_at: float
    last_seq: int  # the stored segment covers every seq up to here
    seen_seq: int  # the last seq received (the stream's own order; a drop means the runtime restarted)
    tracker: Tracker
    tracker_seq: int  # the last seq the event mirror applied
    last_sample_at: float = float("-inf")
    deltas: list[Delta] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)
    events: list[TimelineEvent] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    pending_bytes: int = 0


class Recorder:
    """Listens to every runtime's messages; writes history from one thread of its own."""

    def __init__(
        self, store: HistoryStore, config: HistoryConfig, state_of: StateOf, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.store = store
        self.config = config
        self.state_of = state_of
        self.clock = clock
        self.tracks: dict[str, _Track] = {}
        self.queue: queue.SimpleQueue[tuple[str, str] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._last_flush = clock()
        self._last_retention = float("-inf")
        self.errors = 0

    # on the event loop
    async def on_message(self, cluster: str, text: str) -> None:
        """The hub listener: queue the text and return (no parsing, no I/O on the event loop)."""
        if not self.config.enabled or text.startswith('{"type":"state"'):
            return
        self.queue.put((cluster, text))
        self._ensure_thread()

    def _ensure_thread(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="clusterviz-recorder", daemon=True)
                self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Write what is pending and end the thread."""
        if self._thread is not None and self._thread.is_alive():
            self.queue.put(None)
            self._thread.join(timeout)

    def _run(self) -> None:
        try:
            while self.step(wait=0.5):
                pass
        finally:
            self._safely(self.flush)
            close_old_connections()

    def step(self, wait: float = 0.0) -> bool:
        """Handle one queued message (waiting up to ``wait`` s), flush and prune when due. False on stop."""
        try:
            item = self.queue.get(timeout=wait) if wait > 0 else self.queue.get_nowait()
        except queue.Empty:
            item = ("", "")
        if item is None:
            return False
        if item[0]:
            self._safely(lambda: self.handle(*item))
        now = self.clock()
        if now - self._last_flush >= self.config.flush_seconds:
            self._safely(self.flush)
        if now - self._last_retention >= self.config.retention_check_seconds:
            self._last_retention = now
            self._safely(self.enforce_retention)
        return True

    def drain(self) -> None:
        """Handle everything queued, in this thread, and flush (for tests and shutdown)."""
        while True:
            try:
                item = self.queue.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                self.handle(*item)
        self.flush()

    def _safely(self, fn: Callable[[], object]) -> None:
        try:
            fn()
        except Exception:
            self.errors += 1
            log.exception("history recorder failed")

    # in the writer thread
    def handle(self, cluster: str, text: str) -> None:
        message = orjson.loads(text)
        kind = message.pop("type", None)
        track = self.tracks.get(cluster)
        if kind == "heartbeat":
            # ahead of what was recorded: a change too big for a delta (see ClusterRuntime.step) happened
            if track is None or int(message.get("seq") or 0) > track.last_seq:
                self.checkpoint(cluster)
            return
        if kind != "delta":
            return
        delta: Delta = message
        seq = delta["seq"]
        if track is None or seq <= track.seen_seq:  # first sight, or the runtime started over
            track = self.checkpoint(cluster)
        track.seen_seq = max(track.seen_seq, seq)
        if seq > track.last_seq + 1:  # a message was lost: start a new segment from the current state
            track = self.checkpoint(cluster)
            if seq > track.last_seq + 1:
                log.warning("cluster %s: delta %d is newer than its state (seq %d)", cluster, seq, track.last_seq)
                return
        self._observe(track, delta)
        if seq == track.last_seq + 1:
            self._append(cluster, track, delta, text)
            if delta["at"] - track.checkpoint_at >= self.config.checkpoint_seconds:
                self.checkpoint(cluster, fresh=False)

    def _observe(self, track: _Track, delta: Delta) -> None:
        """Timeline events and chart samples, from the slim mirror (which may lag a fresh checkpoint)."""
        if delta["seq"] != track.tracker_seq + 1:
            return
        track.tracker_seq = delta["seq"]
        track.events.extend(track.tracker.apply(delta))
        if delta["at"] - track.last_sample_at >= self.config.sample_seconds:
            track.samples.append(track.tracker.sample(delta["at"]))
            track.last_sample_at = delta["at"]

    def _append(self, cluster: str, track: _Track, delta: Delta, text: str) -> None:
        raw = text.encode()
        track.deltas.append(delta)
        track.raw.append(raw)
        track.pending_bytes += len(raw)
        track.last_seq = delta["seq"]
        if track.pending_bytes >= MAX_BLOCK_BYTES:
            self._flush_track(cluster, track)

    def checkpoint(self, cluster: str, *, fresh: bool = True) -> _Track:
        """Write what is pending, then store the runtime's current state as a new segment's start.

        ``fresh``: the stream broke, so the event mirror restarts from this state too; otherwise the mirror
        keeps following the deltas (those the checkpoint covers still produce their events)."""
        old = self.tracks.get(cluster)
        if old is not None:
            self._flush_track(cluster, old)
        raw = self.state_of(cluster)  # a pod table at scale (see _runtime_state); objects work as well
        state = _head_of(raw)  # cluster, revision, seq, at, ...: the pods are parsed only if the mirror needs them
        if state is None or state.get("cluster") != cluster:
            state = orjson.loads(raw)
            state["cluster"] = cluster
            pk = self.store.write_checkpoint(cluster, state)
        else:
            pk = self.store.write_checkpoint(cluster, state, raw)
        if fresh or old is None:
            if "nodes" not in state:
                state = orjson.loads(raw)
            table = state.pop("podTable", None)  # the mirror needs the pods as objects: only for a new stream
            if table is not None:
                state["pods"] = decode_pod_table(table)
            tracker, tracker_seq = Tracker.of(cast(ClusterState, state)), state["seq"]
        else:
            tracker, tracker_seq = old.tracker, old.tracker_seq
        seen = max(state["seq"], old.seen_seq if old is not None and not fresh else 0)
        track = _Track(pk, state["at"], state["seq"], seen, tracker, tracker_seq)
        if old is not None:
            track.last_sample_at = old.last_sample_at
        else:
            track.samples.append(tracker.sample(state["at"]))
            track.last_sample_at = state["at"]
        self.tracks[cluster] = track
        return track

    def flush(self) -> None:
        self._last_flush = self.clock()
        for cluster, track in list(self.tracks.items()):
            self._flush_track(cluster, track)

    def _flush_track(self, cluster: str, track: _Track) -> None:
        if not (track.deltas or track.events or track.samples):
            return
        self.store.write_changes(track.checkpoint, cluster, track.deltas, track.raw, track.events, track.samples)
        track.deltas, track.raw, track.events, track.samples, track.pending_bytes = [], [], [], [], 0

    def enforce_retention(self) -> int:
        return self.store.enforce_retention(
            self.config.retention_hours * 3600, self.config.retention_bytes, time.time()
        )


# -- the process's recorder ------------------------------------------------------------------------------------

_recorder: Recorder | None = None


def _runtime_state(cluster: str) -> bytes:
    from dashboard import hub as hub_module  # the hub the process uses now (tests swap it)

    # The table form: a third of the bytes to compress and store, and far fewer Python objects to parse at
    # 150,000 pods; it also spares the watcher the object form's cache when no client asks for that.
    return hub_module.hub.runtime(cluster).state_json(b"", "table")


def recorder() -> Recorder:
    global _recorder
    if _recorder is None:
        _recorder = Recorder(HistoryStore(), HistoryConfig.from_settings(), _runtime_state)
    return _recorder


def install() -> Recorder | None:
    """Register the recorder with the hub (call once, from AppConfig.ready); no-op when history is off."""
    from dashboard import hub as hub_module

    if not getattr(settings, "CLUSTERVIZ_HISTORY", True):
        return None
    rec = recorder()
    hub_module.listen(rec.on_message)
    return rec


def imported_clusters() -> list[str]:
    """Names of the read-only replay clusters loaded from snapshot files."""
    return HistoryStore().imported_names()
