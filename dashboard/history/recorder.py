"""The history recorder and the storage it writes: every published delta, batched, off the event loop.

:class:`Recorder` is a hub listener: on the event loop it only queues the message text (O(1)); one writer
thread parses, batches deltas into change blocks, takes checkpoints (every CLUSTERVIZ_CHECKPOINT_SECONDS of
cluster time and on any gap or restart of the stream, from the runtime's cached state JSON), keeps the timeline
events the runtime told in each delta's feed and the runtime's chart samples, and enforces retention by age and
by size. The live map never waits for the database, and the recorder keeps no copy of the cluster of its own.

It writes through :class:`dashboard.history.store.HistoryStore`.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from django.conf import settings
from django.db import close_old_connections

from clusterviz.history import Sample, TimelineEvent
from clusterviz.wire import Delta
from dashboard.history.store import HistoryConfig, HistoryStore

log = logging.getLogger(__name__)
StateOf = Callable[[str], bytes]
SampleOf = Callable[[str], Sample]
MAX_BLOCK_BYTES = 4 * 1024 * 1024
"""A change block is written early once its deltas reach this many bytes of JSON."""


_NODES_START = (b',"nodes":[', b',"nodeTable":{')
"""How a state's nodes begin: as objects, or as a table (the table form, which the recorder is given at scale)."""


def _head_of(raw: bytes) -> dict[str, Any] | None:
    """The fields of a state's JSON before its nodes, parsed without the rest (tens of MB at 150,000 pods).

    ``,"nodes":[`` (or ``,"nodeTable":{``) cannot stand inside a string value (a quote in a JSON string is
    escaped), and no field before it has a key of that name, so its first occurrence starts the nodes."""
    found = [at for at in (raw.find(start) for start in _NODES_START) if at >= 0]
    if not found:
        return None
    cut = min(found)
    try:
        head = orjson.loads(raw[:cut] + b"}")
    except orjson.JSONDecodeError:
        return None
    return head if isinstance(head, dict) else None


# -- recording -------------------------------------------------------------------------------------------------


@dataclass
class _Track:
    """What the recorder knows of one cluster's stream."""

    checkpoint: int
    checkpoint_at: float
    last_seq: int  # the stored segment covers every seq up to here
    seen_seq: int  # the last seq received (the stream's own order; a drop means the runtime restarted)
    told_seq: int  # the last seq whose feed (the runtime's events) was kept
    last_sample_at: float = float("-inf")
    covered: tuple[int, int] = (0, 0)  # (after, through]: deltas queued before the checkpoint's newer state
    deltas: list[Delta] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)
    events: list[TimelineEvent] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    pending_bytes: int = 0


class Recorder:
    """Listens to every runtime's messages; writes history from one thread of its own."""

    def __init__(
        self,
        store: HistoryStore,
        config: HistoryConfig,
        state_of: StateOf,
        sample_of: SampleOf,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.config = config
        self.state_of = state_of
        self.sample_of = sample_of
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
            seq = int(message.get("seq") or 0)
            if track is None or seq > track.last_seq:
                self.checkpoint(cluster, received=seq)
            return
        if kind != "delta":
            return
        delta: Delta = message
        seq = delta["seq"]
        if track is not None and track.covered[0] < seq <= track.covered[1]:
            self._observe(cluster, track, delta)  # in the checkpoint already; its events still happened
            return
        if track is None or seq <= track.seen_seq:  # first sight, or the runtime started over
            track = self.checkpoint(cluster, received=seq)
        track.seen_seq = max(track.seen_seq, seq)
        if seq > track.last_seq + 1:  # a message was lost: start a new segment from the current state
            track = self.checkpoint(cluster, received=seq)
            if seq > track.last_seq + 1:
                log.warning("cluster %s: delta %d is newer than its state (seq %d)", cluster, seq, track.last_seq)
                return
        self._observe(cluster, track, delta)
        if seq == track.last_seq + 1:
            self._append(cluster, track, delta, text)
            if delta["at"] - track.checkpoint_at >= self.config.checkpoint_seconds:
                self.checkpoint(cluster, fresh=False, received=seq)

    def _observe(self, cluster: str, track: _Track, delta: Delta) -> None:
        """Timeline events, as the runtime told them in the delta's feed (one detection for the map and history),
        and a chart sample of the runtime's counts at most every ``sample_seconds``."""
        if delta["seq"] <= track.told_seq:
            return
        track.told_seq = delta["seq"]
        track.events.extend(delta.get("feed") or ())
        if delta["at"] - track.last_sample_at >= self.config.sample_seconds:
            self._sample(cluster, track, delta["at"])

    def _sample(self, cluster: str, track: _Track, at: float) -> None:
        """The runtime's sample of its own moment (a tick ahead at most); a failure loses the sample, not a delta."""
        track.last_sample_at = at
        self._safely(lambda: track.samples.append(self.sample_of(cluster)))

    def _append(self, cluster: str, track: _Track, delta: Delta, text: str) -> None:
        raw = text.encode()
        track.deltas.append(delta)
        track.raw.append(raw)
        track.pending_bytes += len(raw)
        track.last_seq = delta["seq"]
        if track.pending_bytes >= MAX_BLOCK_BYTES:
            self._flush_track(cluster, track)

    def checkpoint(self, cluster: str, *, fresh: bool = True, received: int = 0) -> _Track:
        """Write what is pending, then store the runtime's current state as a new segment's start.

        ``fresh``: the stream broke, so events are kept from this state on; otherwise every delta's events are
        kept (those the checkpoint covers too). ``received``: the
        last seq that reached this thread. A state newer than that covers the deltas still queued up to it:
        they are skipped, not taken for a runtime that started over."""
        old = self.tracks.get(cluster)
        if old is not None:
            self._flush_track(cluster, old)
        started = time.monotonic()
        raw = self.state_of(cluster)  # a pod table at scale (see _runtime_state); objects work as well
        state = _head_of(raw)  # cluster, revision, seq, at, ...: what a checkpoint's row needs, not the pods
        if state is None or state.get("cluster") != cluster:
            state = orjson.loads(raw)
            state["cluster"] = cluster
            pk = self.store.write_checkpoint(cluster, state)
        else:
            pk = self.store.write_checkpoint(cluster, state, raw)
        # an operator's (and bench/real_cluster.py's) measure of what a checkpoint costs at this cluster's size
        log.info("cluster %s: checkpoint %d, %d bytes, in %.2f s", cluster, pk, len(raw), time.monotonic() - started)
        going = None if fresh else old  # the stream went on: so does what was received and told
        seen = max(state["seq"], going.seen_seq if going else 0)
        track = _Track(pk, state["at"], state["seq"], seen, going.told_seq if going else state["seq"])
        if old is not None:
            track.last_sample_at = old.last_sample_at
        else:
            self._sample(cluster, track, state["at"])
        track.covered = (received, state["seq"])
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
    # Each pod's containers and volumes go beside the table (the map's state never carries them).
    return hub_module.hub.runtime(cluster).history_state_json()


def _runtime_sample(cluster: str) -> Sample:
    from dashboard import hub as hub_module

    return hub_module.hub.runtime(cluster).history_sample()


def recorder() -> Recorder:
    global _recorder
    if _recorder is None:
        _recorder = Recorder(HistoryStore(), HistoryConfig.from_settings(), _runtime_state, _runtime_sample)
    return _recorder


def install() -> Recorder | None:
    """Register the recorder with the hub (call once, from AppConfig.ready); no-op when history is off."""
    from dashboard import hub as hub_module

    if not getattr(settings, "CLUSTERVIZ_HISTORY", True):
        return None
    rec = recorder()
    hub_module.listen(rec.on_message)
    return rec
