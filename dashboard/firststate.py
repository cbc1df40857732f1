"""One first state for all: built once per version, format and scope, shared by every client that asks.

At 150,000 pods a first state is ~28 MB (table) to ~80 MB (objects). Every websocket and every state request
used to get copies of its own (a decode to text, daphne's encode, autobahn's framing, Twisted's buffer: ~27 MB
per client at once, BENCHMARKS.md §5.4). Here a state is immutable bytes, kept per (cluster, frame, pod format,
scope) for as long as the model's version (revision, seq) is the same; clients asking meanwhile get the same
object, and a build in flight is awaited rather than repeated. A namespace-scoped viewer gets its scope's own
bytes, filtered once per version in the filter process (:func:`dashboard.access.scope.scoped_state`): never the
bytes of a wider scope.

The version is asked for first (milliseconds; in external mode a small query to the watcher): a client joined
its group before it asks, so a state of that version or a later one misses none of its deltas.

A websocket client may also take an older state, when this process holds the deltas from it up to the client's
version (:meth:`FirstStates.join`, :mod:`dashboard.recent`): under churn the version changes every tick, and without
that every client joining a tick later got a new state of its own.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from clusterviz.live import StateVersion
from clusterviz.store import PodFormat
from dashboard.access.scope import EVERYTHING, Scope, Seen, scoped_state
from dashboard.recent import RecentDeltas
from dashboard.remote import Frame


class StateSource(Protocol):
    """What a cluster offers (:class:`dashboard.remote.LocalCluster` or :class:`~dashboard.remote.RemoteCluster`)."""

    name: str

    async def state_version(self) -> StateVersion: ...

    async def state_entry(self, frame: Frame, pods: PodFormat) -> tuple[StateVersion, bytes]: ...


@dataclass(frozen=True, slots=True, eq=False)
class FirstState:
    version: StateVersion
    data: bytes
    """Immutable: every client of this version and scope is sent this very object."""
    seen: Seen | None = None
    """A narrowed scope's pods in it (to filter the deltas that follow); None for the whole cluster."""
    etag: str = ""


@dataclass(frozen=True, slots=True)
class Joined:
    """What a joining websocket client is sent: a shared state, then the deltas that bring it up to the version
    the client asked at (the group brings the ones after)."""

    state: FirstState
    deltas: tuple[str, ...] = ()


Key = tuple[str, Frame, PodFormat, Scope]
Filter = Callable[[Scope, bytes], Awaitable[tuple[bytes, Seen]]]


def etag(key: Key, version: StateVersion) -> str:
    """Names the version and the view, not the viewer's identity (a hash of the scope's namespaces)."""
    _, frame, pods, scope = key
    view = hashlib.blake2s(repr((sorted(scope.namespaces or ()), frame, pods)).encode(), digest_size=6).hexdigest()
    return '"' + ".".join(map(str, version)) + f'.{view}"'


class FirstStates:
    """The shared first states of this process (one per key: a new version replaces the old)."""

    def __init__(self, scoped_filter: Filter | None = None) -> None:
        self._entries: dict[Key, FirstState] = {}
        self._building: dict[Key, tuple[StateVersion, asyncio.Future[FirstState]]] = {}
        self._filter = scoped_filter or filter_in_process

    async def get(
        self, source: StateSource, frame: Frame, pods: PodFormat, scope: Scope = EVERYTHING
    ) -> FirstState:
        """The state for a viewer of ``scope``, of the source's current version or a later one."""
        version = await source.state_version()
        whole_key = (source.name, frame, pods, EVERYTHING)
        whole = await self._once(whole_key, version, lambda: self._whole(source, frame, pods))
        if not scope.narrowed:
            return whole
        key = (source.name, frame, pods, scope)
        return await self._once(key, whole.version, lambda: self._scoped(key, whole))

    async def join(
        self, source: StateSource, frame: Frame, pods: PodFormat, scope: Scope, recent: RecentDeltas | None
    ) -> Joined:
        """:meth:`get` for a websocket client, who may take the newest state made or being made (of the same
        runtime, not ahead of its version) when ``recent`` holds the deltas from it to that version."""
        version = await source.state_version()
        whole_key = (source.name, frame, pods, EVERYTHING)
        joined = await self._caught_up(whole_key, version, recent)
        if joined is None:
            joined = Joined(await self._once(whole_key, version, lambda: self._whole(source, frame, pods)))
        if not scope.narrowed:
            return joined
        key = (source.name, frame, pods, scope)
        whole = joined.state
        return Joined(await self._once(key, whole.version, lambda: self._scoped(key, whole)), joined.deltas)

    async def _caught_up(self, key: Key, version: StateVersion, recent: RecentDeltas | None) -> Joined | None:
        if recent is None or (made := self._made_before(key, version)) is None:
            return None
        state = await made
        deltas = await recent.wait_since(state.version[2], version[2])
        return None if deltas is None else Joined(state, tuple(deltas))

    def _made_before(self, key: Key, version: StateVersion) -> Awaitable[FirstState] | None:
        """The newest state of this key made or being made at the runtime of ``version`` and not after it."""
        building = self._building.get(key)
        if building is not None and _before(building[0], version):
            return asyncio.shield(building[1])
        entry = self._entries.get(key)
        if entry is not None and _before(entry.version, version):
            return _ready(entry)
        return None

    def entries(self) -> int:
        return len(self._entries)

    async def _once(self, key: Key, version: StateVersion, build: Callable[[], Awaitable[FirstState]]) -> FirstState:
        entry = self._entries.get(key)
        if entry is not None and entry.version == version:
            return entry
        building = self._building.get(key)
        if building is None or building[0] != version:
            # a task of its own: a client that leaves while it waits does not cancel the others' state
            building = (version, asyncio.ensure_future(self._build(key, build)))
            self._building[key] = building
        return await asyncio.shield(building[1])

    async def _build(self, key: Key, build: Callable[[], Awaitable[FirstState]]) -> FirstState:
        try:
            entry = await build()
            self._entries[key] = entry
            return entry
        finally:
            if self._building.get(key, (None, None))[1] is asyncio.current_task():
                del self._building[key]

    async def _whole(self, source: StateSource, frame: Frame, pods: PodFormat) -> FirstState:
        version, data = await source.state_entry(frame, pods)
        return FirstState(version, data, None, etag((source.name, frame, pods, EVERYTHING), version))

    async def _scoped(self, key: Key, whole: FirstState) -> FirstState:
        data, seen = await self._filter(key[3], whole.data)
        return FirstState(whole.version, data, seen, etag(key, whole.version))


def _before(made: StateVersion, version: StateVersion) -> bool:
    """Whether a state made at ``made`` can be brought up to ``version`` by deltas: the same runtime, no later."""
    return made[0] == version[0] and made[2] <= version[2]


async def _ready(state: FirstState) -> FirstState:
    return state


async def filter_in_process(scope: Scope, data: bytes) -> tuple[bytes, Seen]:
    """In the filter process: orjson and the filter hold the GIL for seconds at 150,000 pods."""
    from dashboard.access.websocket import filter_processes

    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(filter_processes(), scoped_state, scope, data)


first_states = FirstStates()
