"""Simulated time: the clock and the one queue of timed actions that every component schedules on.

Actions run in (time, insertion) order, so the same calls in the same order give the same run."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable

from clusterviz.clock import ManualClock

Action = Callable[[], None]


class Timeline:
    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self._heap: list[tuple[float, int, Action]] = []
        self._seq = itertools.count()

    def now(self) -> float:
        return self.clock.now()

    def after(self, delay: float, action: Action) -> None:
        heapq.heappush(self._heap, (self.clock.now() + delay, next(self._seq), action))

    def schedule(self, delay: float, action: Action) -> None:
        """Like after(), for scripts: a negative delay means now."""
        self.after(max(delay, 0.0), action)

    def pending(self) -> int:
        return len(self._heap)

    def run_until(self, target: float) -> None:
        heap = self._heap
        while heap and heap[0][0] <= target:
            at, _, action = heapq.heappop(heap)
            self._move_to(at)
            action()
        self._move_to(target)

    def _move_to(self, t: float) -> None:
        now = self.clock.now()
        if t > now:
            self.clock.advance(t - now)
