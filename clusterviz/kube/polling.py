"""A daemon thread that asks the API server something every few seconds and emits what changed.

The control-plane probe (/readyz, /version) and the metrics poller (metrics.k8s.io) are both this: one round
of questions that never raises, a count of rounds, the last error, and an emit only when the answer changed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


class Poller(Generic[T]):
    """Subclasses give ``ask()`` (one round, never raises), ``broken()`` (what a bug in ``ask`` yields) and,
    if the pace depends on the answer, ``wait_after(answer)``."""

    thread_name = "poller"

    def __init__(self, emit: Callable[[T], None], interval: float) -> None:
        self._emit = emit
        self.interval = interval
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._last: T | None = None
        self._rounds = 0
        self._last_error = ""
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)

    def ask(self) -> T:
        raise NotImplementedError

    def broken(self) -> T:
        raise NotImplementedError

    def wait_after(self, answer: T) -> float:
        return self.interval

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()

    def join(self, timeout: float) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _note_error(self, cause: str) -> None:
        with self._lock:
            self._last_error = cause

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                answer = self.ask()
            except Exception:  # a bug here must not end the thread
                log.exception("%s failed", self.thread_name)
                answer = self.broken()
            with self._lock:
                self._rounds += 1
                changed = answer != self._last
                self._last = answer
            if changed:
                self._emit(answer)
            self._stopping.wait(self.wait_after(answer))
