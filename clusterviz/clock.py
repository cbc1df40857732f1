"""Clocks. The core never reads the wall clock itself: a clock is always injected."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the Unix epoch."""
        ...


class ManualClock:
    """A clock that moves only when told to: what tests and the fake cluster use."""

    def __init__(self, start: float = 1_767_225_600.0) -> None:  # 2026-01-01T00:00:00Z
        self._now = start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock does not go backwards")
        self._now += seconds


class SystemClock:
    """The wall clock, for the live runtime only."""

    def now(self) -> float:
        return time.time()
