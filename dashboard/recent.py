"""The deltas this web process saw lately, per cluster: so a client that joins while the cluster changes takes a
first state already made (a few versions old) and the deltas since, instead of a state of its own version.

Under churn the model's version changes every tick. A first state per version meant a new 28 MB state for every
client that joined a tick later than the one before, each alive until its client had read it: 50 clients joining
at 150,000 pods cost the web process +568 MB (BENCHMARKS.md §12.2). With the deltas since a state kept here, one
state serves every client that joins while the deltas since it are at hand
(:meth:`dashboard.firststate.FirstStates.join`).

A :class:`Tap` is a member of the cluster's group like any browser's consumer: it keeps what the group carried, in
seq order and without holes (a lost message starts the record again), bounded in count and bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections import deque

from channels.layers import BaseChannelLayer, get_channel_layer

log = logging.getLogger(__name__)

MAX_DELTAS = 1000
"""At a tick of 0.25 s: four minutes of a cluster that changes every tick."""
MAX_BYTES = 8 * 1024 * 1024
"""Well under what a socket may hold unread (CLUSTERVIZ_WS_MAX_OUTBOUND_BYTES, 16 MiB), as a joining client
gets them behind its state."""
WAIT_SECONDS = 2.0
"""How long a joining client waits for the deltas up to its version to come through the group, before it takes a
state of its own version instead."""
RETRY_SECONDS = 5.0

_HEAD = re.compile(r'\{"type":"(delta|heartbeat)",(?:"cluster":"[^"]*",)?"seq":(\d+)[,}]')
"""The start of a delta or heartbeat message (cluster names are validated: no quotes), read without parsing the
rest of a message that may hold thousands of pods."""


def head(text: str) -> tuple[str, int] | None:
    """(type, seq) of a delta or heartbeat message, or None for anything else."""
    match = _HEAD.match(text, 0, 256)
    return (match.group(1), int(match.group(2))) if match else None


class RecentDeltas:
    """One cluster's last delta messages with consecutive seq."""

    def __init__(self, max_deltas: int = MAX_DELTAS, max_bytes: int = MAX_BYTES) -> None:
        self._deltas: deque[tuple[int, str]] = deque()
        self._bytes = 0
        self.seen = -1
        """The highest seq any message carried (a heartbeat carries the model's): what has been published."""
        self._max_deltas, self._max_bytes = max_deltas, max_bytes
        self._arrived = asyncio.Event()

    def __len__(self) -> int:
        return len(self._deltas)

    @property
    def last(self) -> int | None:
        return self._deltas[-1][0] if self._deltas else None

    def offer(self, text: str) -> None:
        """A message the group carried: a delta is kept; a heartbeat ahead of the last delta means one that was
        never sent as a delta (a tick too large for one), so the record starts again."""
        seen = head(text)
        if seen is None:
            return
        kind, seq = seen
        if kind == "delta":
            self.add(seq, text)
            return
        if self.last is not None and seq > self.last:
            self.clear()
        self._published(seq)

    def add(self, seq: int, text: str) -> None:
        last = self.last
        if last is not None and seq != last + 1:
            # a hole (what came before it can no longer bring a state up to date), or a numbering that started
            # again (the group carries each message once)
            self.clear()
        self._deltas.append((seq, text))
        self._bytes += len(text)
        while len(self._deltas) > self._max_deltas or (self._bytes > self._max_bytes and len(self._deltas) > 1):
            self._bytes -= len(self._deltas.popleft()[1])
        self._published(seq)

    def _published(self, seq: int) -> None:
        """A message with ``seq`` came: wake whoever waits for it."""
        self.seen = max(self.seen, seq)
        self._arrived.set()
        self._arrived = asyncio.Event()

    def clear(self) -> None:
        self._deltas.clear()
        self._bytes = 0

    def since(self, after: int, upto: int) -> list[str] | None:
        """The deltas after seq ``after`` up to ``upto``, or None when not all of them are here."""
        if upto <= after:
            return []
        if not self._deltas or self._deltas[0][0] > after + 1 or self._deltas[-1][0] < upto:
            return None
        return [text for seq, text in self._deltas if after < seq <= upto]

    async def wait_since(self, after: int, upto: int, timeout: float = WAIT_SECONDS) -> list[str] | None:
        """:meth:`since`, waiting up to ``timeout`` for the deltas up to ``upto`` to arrive (a delta is published
        just after the model's seq moves); at once None when they came and are not all here."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (found := self.since(after, upto)) is None and self.seen < upto:
            left = deadline - loop.time()
            if left <= 0:
                return None
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), left)
        return found


class Tap:
    """A member of one cluster's group that keeps its deltas (one per cluster and process)."""

    def __init__(self, group: str, layer: BaseChannelLayer | None = None) -> None:
        self.group = group
        self.recent = RecentDeltas()
        self._layer = layer
        self._channel: str | None = None
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def joined(self) -> RecentDeltas | None:
        """Make sure the tap is in the group (a member from now on: called before a client asks for its
        version); None without a channel layer. Each call renews the membership, which a layer may expire."""
        layer = self._layer or get_channel_layer()
        if layer is None:
            return None
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._loop is not loop:
            self.recent = RecentDeltas()  # a record of its own loop, from now on
            self._channel, self._loop = await layer.new_channel(), loop
            self._task = loop.create_task(self._run(layer), name=f"tap-{self.group}")
        try:
            await layer.group_add(self.group, self._channel)
        except Exception:  # e.g. Redis restarting: the tap's record cannot be trusted; clients build their own
            self.recent.clear()
            return None
        return self.recent

    async def _run(self, layer: BaseChannelLayer) -> None:
        channel = self._channel
        while True:
            try:
                message = await layer.receive(channel)
            except Exception as error:  # a lost message makes a hole: start the record again (a cancel ends the task)
                log.warning("tap %s: cannot receive from the channel layer: %r", self.group, error)
                self.recent.clear()
                await asyncio.sleep(RETRY_SECONDS)
                continue
            text = message.get("text")
            if isinstance(text, str):
                self.recent.offer(text)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        self._task = None


_taps: dict[str, Tap] = {}


def tap(group: str) -> Tap:
    """The tap of a cluster's group in this process."""
    if group not in _taps:
        _taps[group] = Tap(group)
    return _taps[group]


async def stop_taps() -> None:
    for each in list(_taps.values()):
        await each.stop()
