"""The live pipeline of one cluster: source → store → published messages, one tick at a time.

A runtime owns its store; all work on the store happens in a worker thread under one lock, so neither a
slow source nor a large cluster ever blocks the event loop that serves browsers. Messages leave as JSON
text through an injected ``publish`` coroutine (the Django shell passes the Channels layer's group_send).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol, TypeVar

import orjson

from clusterviz.events import RawObject, WatchEvent
from clusterviz.history import Sample, Tracker
from clusterviz.store import POD_FORMATS, ClusterStore, PodFormat
from clusterviz.wire import Delta, SourceStatus

log = logging.getLogger(__name__)
T = TypeVar("T")
StateVersion = tuple[int, int, int]
"""(runtime, revision, seq) of the model a state describes: equal versions, identical bytes. ``runtime`` tells
runtimes of the same cluster apart (a watcher's successor, a restart), whose revisions start again."""
FEED_SIZE = 50
"""How many of the latest changes the runtime keeps for the map's feed (every state carries them)."""


class Publish(Protocol):
    """Sends a message to the cluster's browsers; ``record`` is the same message for history, its pods whole
    views with containers and volumes (the browsers' deltas carry pod summaries only)."""

    def __call__(self, text: str, record: str | None = None) -> Awaitable[None]: ...


STATE_MESSAGE_FIELDS = b'"type":"state",'
"""What turns the state into the websocket's first message: ``{"type": "state", ...ClusterState}``."""
FIRST_LIST_WAIT = 1.0
"""Seconds a page, socket or query waits for a cluster's first list before it is served what there is (an empty
model whose source says it is connecting, and why): the bundled cluster lists in milliseconds, and an API server
that never answers must not hold up the first page."""


@dataclass(frozen=True, slots=True)
class Relisted:
    """A source listed everything afresh (first sync, or recovery from 410 Gone): replace the model."""

    objects: Mapping[str, Iterable[RawObject]]  # each iterable is consumed once, before the next poll


@dataclass(frozen=True, slots=True)
class ControlPlaneEvidence:
    """Health evidence gathered outside the watches (e.g. a real API server's /readyz), by process name.

    Each replaces the previous evidence as a whole.
    """

    evidence: Mapping[str, list[tuple[str, str]]]


@dataclass(frozen=True, slots=True)
class Usage:
    """Measured CPU (millicores) and memory (bytes) from metrics.k8s.io, polled (it cannot be watched).

    Each replaces the previous usage as a whole. ``available`` False (no metrics-server) is normal: every
    usage becomes unknown and ``reason`` says why.
    """

    nodes: Mapping[str, dict[str, int]]  # node name → {"cpu", "memory"}
    pods: Mapping[tuple[str, str], dict[str, int]]  # (namespace, name) → {"cpu", "memory"}
    available: bool = True
    reason: str = ""


Change = WatchEvent | Relisted | ControlPlaneEvidence | Usage


class Source(Protocol):
    """Where a cluster's objects come from: the fake simulation or a real API server's watches."""

    def start(self) -> Relisted:
        """Connect and list everything once."""
        ...

    def poll(self, elapsed: float) -> list[Change]:
        """What happened since the last poll (``elapsed`` seconds of real time ago); never blocks long."""
        ...

    def now(self) -> float:
        """The source's clock: what "now" means for the cluster's timestamps."""
        ...

    def status(self) -> SourceStatus: ...

    def stop(self) -> None: ...


class ClusterRuntime:
    """Ticks one cluster: polls its source, applies the changes, publishes one coalesced delta per tick."""

    resync_over = 10_000
    """A tick that changed more pods than this publishes a heartbeat with its seq instead of the delta: clients,
    now behind, load the state (see :meth:`step`)."""

    def __init__(
        self,
        name: str,
        source: Source,
        publish: Publish,
        *,
        tick: float = 0.25,
        heartbeat: float = 2.0,
        listed: Callable[[], None] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.name = name
        self.source = source
        self.publish = publish
        self.listed = listed or (lambda: None)
        """Called after each full list is loaded (the first, and every relist), outside the lock: the moment most
        of what the process holds has just been made and will live long (see dashboard/memory.py)."""
        self.tick = tick
        self.heartbeat = heartbeat
        self._monotonic, self._sleep = monotonic, sleep  # the loop's clock and its wait (see run)
        self.store = ClusterStore(name, source.status())
        self._lock = threading.Lock()
        self._start_lock = threading.Lock()  # one start at a time; readers never wait for it
        self._started_event = threading.Event()
        self._state_cache: dict[tuple[bytes, PodFormat], tuple[StateVersion, bytes]] = {}
        self._instance = time.time_ns()
        self._started = False
        self.tracker = Tracker()  # what changed, told in the feed: the history timeline's own detection

    # -- access from other threads and coroutines ----------------------------------------------------------

    def read(self, fn: Callable[[ClusterStore], T]) -> T:
        """Run ``fn`` on the store under the lock (blocking; call it from a thread, not the event loop)."""
        with self._lock:
            if not self._started:  # still connecting: the source's own word on why
                self.store.set_source(self.source.status())
            return fn(self.store)

    async def aread(self, fn: Callable[[ClusterStore], T]) -> T:
        return await asyncio.to_thread(self.read, fn)

    def state_json(self, first_fields: bytes = b"", pods: PodFormat = "objects") -> bytes:
        """The full state as JSON bytes (``orjson.dumps(store.snapshot())``), cached until the model changes.

        The store keeps every pod's and node's JSON, so under the lock this only serialises what changed
        since the last state and collects the pieces; the join (80 MB at 150,000 pods) happens after the lock
        is released, so ticks and other readers wait milliseconds, not a whole serialisation.
        ``first_fields`` goes before the state's own fields (see :meth:`state_message`); ``pods="table"``
        writes the pods as a table (see :mod:`clusterviz.podtable`).
        """
        if pods not in POD_FORMATS:
            raise ValueError(f"unknown pod format {pods!r}")
        if pods == "full":
            return self._full_state_json(first_fields)
        return self.state_entry(first_fields, pods)[1]

    def state_version(self) -> StateVersion:
        """The version :meth:`state_json` would be made at now. Milliseconds under the lock."""
        with self._lock:
            return self._current_version()

    def _current_version(self) -> StateVersion:
        store = self.store
        if not self._started:  # still connecting: the source's own word on why
            store.set_source(self.source.status())
        store.refresh()
        return (self._instance, store.revision, store.seq)

    def state_entry(self, first_fields: bytes = b"", pods: PodFormat = "objects") -> tuple[StateVersion, bytes]:
        """:meth:`state_json` (objects or table) with the version it describes: the same bytes object for as long
        as that version lasts, so every caller shares it. ``pods="full"`` is made anew each time (exports)."""
        if pods == "full":
            version = self.state_version()
            return version, self._full_state_json(first_fields)
        kind = (first_fields, pods)
        with self._lock:
            version = self._current_version()
            cached = self._state_cache.get(kind)
            if cached is not None and cached[0] == version:
                return cached
            parts = self.store.state_json_parts(first_fields, pods)
        data = parts.join()
        with self._lock:  # a state of an older version is of no use to anybody: it goes
            cache = self._state_cache = {k: v for k, v in self._state_cache.items() if v[0] == version}
            cache[kind] = (version, data)
        return version, data

    def _full_state_json(self, first_fields: bytes) -> bytes:
        """The state with whole pod views (for exports): not cached, serialised outside the lock."""
        state = self.read(lambda store: store.snapshot(containers=True))
        data = orjson.dumps(state)
        return b"{" + first_fields + data[1:]

    def history_state_json(self) -> bytes:
        """The state as history checkpoints keep it: the table form plus every pod's containers and volumes. The lock
        is held only to list the pieces; the seconds of encoding the pods' details (150,000 pods) come after it."""
        with self._lock:
            self.store.refresh()
            parts = self.store.history_state_parts()
        return parts.join()

    def history_sample(self) -> Sample:
        """The history chart's sample of this moment (pods by status class, nodes, restarts, each node's numbers),
        from the tracker that tells the feed: copied under the lock (its entries never change), counted after."""
        with self._lock:
            at, pods, nodes = self.store.now, dict(self.tracker.pods), dict(self.tracker.nodes)
        return Tracker(pods=pods, nodes=nodes).sample(at)

    async def astate_json(self, pods: PodFormat = "objects") -> bytes:
        return await asyncio.to_thread(self.state_json, b"", pods)

    def state_message(self, pods: PodFormat = "objects") -> str:
        """The websocket's first message as text, ``{"type":"state",...}``: one join and one decode."""
        return self.state_json(STATE_MESSAGE_FIELDS, pods).decode()

    async def astate_message(self, pods: PodFormat = "objects") -> str:
        return await asyncio.to_thread(self.state_message, pods)

    # -- the loop ------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Connect the source and load its first full list (blocking).

        The source connects outside the store's lock: until its first list is loaded, readers get the empty
        model with the source's status (connecting, and why), at once, whatever the API server does."""
        with self._start_lock:
            if self._started:
                return
            first = self.source.start()
            with self._lock:
                self.store.load(first.objects, self.source.now())
                self.store.set_source(self.source.status())
                self.store.take_delta()  # the first list is the state, not a delta
                self.tracker = Tracker.of(self.store.snapshot(containers=True))
                self.store.rollouts = self.tracker.rollouts()
                self._started = True
            self._started_event.set()
        self.listed()

    def wait_started(self, timeout: float) -> bool:
        """Wait at most ``timeout`` seconds for :meth:`start` (run by someone else) to load the first list."""
        return self._started_event.wait(timeout)

    async def awaited_start(self, timeout: float) -> bool:
        return await asyncio.to_thread(self.wait_started, timeout)

    def step(self, elapsed: float) -> str | None:
        """Poll, apply, and return the tick's delta message as JSON text, or None when nothing changed."""
        messages = self.step_messages(elapsed)
        return None if messages is None else messages[0]

    def step_messages(self, elapsed: float) -> tuple[str, str] | None:
        """Poll, apply, and return the tick's message for browsers and the same for history (see :class:`Publish`),
        or None when nothing changed."""
        with self._lock:
            delta, record, relisted = self._take_changes(elapsed)
        if relisted:
            self.listed()
        if record is None:
            return None
        if delta is None:  # too many pods changed for a delta (see _take_changes)
            beat = orjson.dumps({"type": "heartbeat", "seq": record["seq"], "source": record["source"]}).decode()
            return beat, beat
        for told in ("feed", "rollouts"):
            if told in record:
                delta[told] = record[told]
        return orjson.dumps({"type": "delta", **delta}).decode(), orjson.dumps({"type": "delta", **record}).decode()

    def _take_changes(self, elapsed: float) -> tuple[Delta | None, Delta | None, bool]:
        """Under the lock: the source's changes into the store, and the tick's delta (browsers') and record
        (history's, whole pod views) if anything changed; and whether a full list came among the changes.

        A tick that changed more than ``resync_over`` pods (a list that arrived late: the first list of 150,000
        pods outlasts the start; or a relist after a long outage) has a record and no delta: as a delta it would
        be the whole state again in its larger form, for every client and for history, and summarising every pod
        for it cost 15 MB at 32,000 pods (bench/checkpoint_memory.py) only to be thrown away. A heartbeat ahead
        of the clients' seq makes each fetch the (table) state instead; the tracker still learns every pod from
        the record."""
        store, relisted = self.store, False
        for change in self.source.poll(elapsed):
            now = self.source.now()
            if isinstance(change, Relisted):
                relisted = True
                store.load(change.objects, now)
            elif isinstance(change, ControlPlaneEvidence):
                store.set_control_plane_evidence(change.evidence)
            elif isinstance(change, Usage):
                store.set_usage(change.nodes, change.pods, available=change.available, reason=change.reason)
            else:
                store.apply(change, now)
        store.now = self.source.now()
        store.set_source(self.source.status())
        whole = store.pods_changed() > self.resync_over
        delta = store.take_delta(summaries=not whole)
        if delta is None:
            return None, None, relisted
        self._state_cache = {}  # states of the version before: of no use now (28 MB each at 150,000 pods)
        if whole:  # its pods are the whole views already: the record, and no delta
            self._tell(delta)
            return None, delta, relisted
        views = store.views(p["uid"] for p in delta["pods"]["upsert"])
        record: Delta = {**delta, "pods": {**delta["pods"], "upsert": views}}  # type: ignore[typeddict-item]
        self._tell(record)
        return delta, record, relisted

    def _tell(self, record: Delta) -> None:
        """The delta's changes into the feed (under the lock): the tracker's events, a rollout's progress
        replacing its earlier entry."""
        events = self.tracker.apply(record)
        rollouts = self.tracker.rollouts()
        if rollouts != self.store.rollouts:
            self.store.rollouts = record["rollouts"] = rollouts
        if not events:
            return
        record["feed"] = events
        keys = {e["key"] for e in events if "key" in e}
        kept = [e for e in self.store.feed if e.get("key") not in keys] if keys else self.store.feed
        self.store.feed = [*kept, *events][-FEED_SIZE:]

    def heartbeat_message(self) -> str:
        with self._lock:
            return orjson.dumps({"type": "heartbeat", "seq": self.store.seq, "source": self.store.source}).decode()

    async def run(self) -> None:
        """Tick forever (until cancelled), a tick every ``tick`` s from the last one's start: the time a tick
        takes is not added to the wait for the next (a change waits one tick at most, while ticks keep up).
        One failing tick is logged, never fatal."""
        await asyncio.to_thread(self.start)
        last = self._monotonic()
        last_sent = last
        while True:
            await self._sleep(max(0.0, last + self.tick - self._monotonic()))
            now = self._monotonic()
            try:
                messages = await asyncio.to_thread(self.step_messages, now - last)
            except Exception:
                log.exception("cluster %s: tick failed", self.name)
                messages = None
            last = now
            if messages is None and now - last_sent >= self.heartbeat:
                beat = self.heartbeat_message()
                messages = (beat, beat)
            if messages is not None:
                await self.publish(*messages)
                last_sent = now
