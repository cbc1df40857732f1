"""Sources of cluster objects other than a real API server: the bundled fake cluster."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import Literal, TypeVar

from clusterviz.clock import Clock, SystemClock
from clusterviz.events import WATCHED_KINDS, WatchEvent
from clusterviz.fake import FakeCluster
from clusterviz.live import Change, Relisted
from clusterviz.wire import SourceStatus

Script = Callable[[FakeCluster], list[WatchEvent]]
A = TypeVar("A")


class FakeSource:
    """Feeds a :class:`FakeCluster` to a runtime, advancing its simulated clock by real elapsed time times speed.

    Scripted changes (from tests, or the map's "learn" buttons) are queued from any thread and carried out
    inside the next poll, on the runtime's worker thread, so the simulation is only ever touched there.
    """

    def __init__(self, cluster: FakeCluster, speed: float = 1.0, wall: Clock | None = None) -> None:
        self.cluster = cluster
        self.speed = speed
        self.wall = wall
        self._polled = False
        self._scripts: deque[Script] = deque()
        self._guard = threading.Lock()
        self._last_event_at: float | None = None

    def start(self) -> Relisted:
        self._catch_up()
        # Streamed, not listed: at 150,000 pods a full list of dicts costs gigabytes the store never needs.
        objects = {kind: self.cluster.iter_list(kind)[0] for kind in WATCHED_KINDS}
        self._last_event_at = self.cluster.clock.now()
        return Relisted(objects)

    def _catch_up(self) -> None:
        """A simulation whose clock started at the wall clock lives through the time its own building took
        (minutes at 5,000 nodes) before it is listed, so its changes carry the times they happen at."""
        lag = self._lag()
        if lag > 0:
            self.cluster.advance(lag)  # what it changes is in the list that follows

    def _lag(self) -> float:
        return self.wall.now() - self.cluster.clock.now() if self.wall is not None else 0.0

    def _step(self, elapsed: float) -> float:
        """How far the simulation moves in this poll: at speed 1 on a wall clock, up to the wall clock's now (the
        runtime's elapsed time counts from its tick's start, and a tick may wait seconds for the store: summed, the
        simulation ran ahead of the wall by that long, 0.5-2.4 s at 5,000 nodes); else by the elapsed time times
        the speed, the first poll also living through the loading of its list."""
        step, first = elapsed * self.speed, not self._polled
        self._polled = True
        if self.wall is not None and self.speed == 1.0:
            return max(self._lag(), 0.0)
        return max(step, self._lag()) if first else step

    def script(self, action: Script) -> None:
        with self._guard:
            self._scripts.append(action)

    def ask(self, action: Callable[[FakeCluster], tuple[list[WatchEvent], A]]) -> Future[A]:
        """Like script(), for an action that also answers something (what a button did): the answer arrives
        in the future once the next poll has run the action (its exception, if it raised)."""
        future: Future[A] = Future()

        def run(cluster: FakeCluster) -> list[WatchEvent]:
            try:
                events, answer = action(cluster)
            except Exception as error:  # the caller hears of it; the runtime's tick goes on
                future.set_exception(error)
                return []
            future.set_result(answer)
            return events

        self.script(run)
        return future

    def poll(self, elapsed: float) -> list[Change]:
        changes: list[Change] = []
        with self._guard:
            scripts = list(self._scripts)
            self._scripts.clear()
        for action in scripts:
            changes.extend(action(self.cluster))
        changes.extend(self.cluster.advance(self._step(elapsed)))
        # What a watcher of a real cluster would hear: the kinds it watches (the fake serves more).
        changes = [c for c in changes if not isinstance(c, WatchEvent) or c.kind in WATCHED_KINDS]
        if changes:
            self._last_event_at = self.cluster.clock.now()
        return changes

    def now(self) -> float:
        return self.cluster.clock.now()

    def status(self) -> SourceStatus:
        return {
            "kind": "fake",
            "state": "live",
            "reason": "",
            "lastEventAt": self._last_event_at,
            "resourceVersion": self.cluster.resource_version,
        }

    def stop(self) -> None:
        with self._guard:
            self._scripts.clear()


class BrokenSource:
    """A cluster that cannot be watched at all (e.g. a broken kubeconfig): it shows the error, nothing else."""

    def __init__(self, kind: Literal["fake", "kubernetes", "replay"], reason: str, now: Clock | None = None) -> None:
        self.kind: Literal["fake", "kubernetes", "replay"] = kind
        self.reason = reason
        self.clock: Clock = now or SystemClock()

    def start(self) -> Relisted:
        return Relisted({})

    def poll(self, elapsed: float) -> list[Change]:
        return []

    def now(self) -> float:
        return self.clock.now()

    def status(self) -> SourceStatus:
        return {"kind": self.kind, "state": "error", "reason": self.reason, "lastEventAt": None, "resourceVersion": ""}

    def stop(self) -> None:
        pass
