"""The process's memory: big buffers given back to the system once freed; the long-lived objects kept out of
the cyclic garbage collector's way.

A state at 150,000 pods is ~30 MB (80 MB as objects), and every client that connects gets its own copies on the
way out (daphne encodes it, autobahn frames it, Twisted buffers it until the socket drains). glibc serves
allocations above its mmap threshold with mmap and returns them on free, but it raises that threshold to the
size of each such block freed, up to 32 MB: after the first few states, 30 MB buffers come from the heap and
the heap stays at its high-water mark. Measured with 50 websocket clients on 32,000 pods: 523 MB kept after
they got their states, against 315 MB with the threshold fixed at 1 MiB (BENCHMARKS.md, section 5.4).

``fix_mmap_threshold()`` fixes it (``mallopt(M_MMAP_THRESHOLD, …)``, which also turns off the raising) unless
``MALLOC_MMAP_THRESHOLD_`` is set in the environment. It does nothing where the C library is not glibc.

glibc also gives threads arenas of their own (up to 8 per core), and memory freed in one arena serves no other; the
watcher runs a reflector thread per kind. ``MALLOC_ARENA_MAX=2`` in the environment (the image and ``make run`` set
it) cut the process at 150,000 real pods with history on from 1.5-1.7 GB to 1.07-1.13 GB in one run, not in a
second (1.53-1.61 GB; BENCHMARKS.md §19). It
is left to the environment: ``mallopt(M_ARENA_MAX, 2)`` called from here, once Django was set up, changed nothing
in the same run (1.62 GB at the first state; why was not looked into).

:class:`Freezer`: Python's cyclic collector walks every tracked object of a generation when it collects it, and
the oldest generation is collected whenever it has grown by a quarter. A watcher's store at 150,000 pods is
about a million tracked objects (every pod's view, its lists and dicts): a walk of them took 0.9-1.4 s, and under
churn such a collection came every few seconds to minutes, holding the GIL throughout; every delta waits. The
objects made by a full list live until the next (a pod's view is replaced, never changed), so after each full
list, and every ``CLUSTERVIZ_GC_FREEZE_SECONDS`` after, the freezer collects what is garbage and moves what is left
to the permanent generation (``gc.freeze()``), which no collection walks. What churn makes after that is collected
as before, in walks of what changed since. Frozen objects are still freed when nothing refers to them; only a
reference cycle that dies frozen would wait: once every ``CLUSTERVIZ_GC_THAW_SECONDS`` the freezer thaws them all
before collecting (one long walk a day by default).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import os
import threading
import time
from collections.abc import Callable

M_MMAP_THRESHOLD = -3  # glibc's malloc.h
THRESHOLD = 1 << 20

log = logging.getLogger(__name__)


def fix_mmap_threshold(threshold: int = THRESHOLD) -> bool:
    """True when glibc accepted the threshold; False elsewhere, or when the environment already sets it."""
    if "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return False
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    accepted = bool(mallopt(M_MMAP_THRESHOLD, threshold))
    if not accepted:
        log.debug("mallopt(M_MMAP_THRESHOLD, %d) was refused", threshold)
    return accepted


class Freezer:
    """Collects, then freezes what is left (see the module's docstring): on :meth:`freeze`, and every ``every`` s
    from a thread of its own once the first freeze started it."""

    def __init__(self, every: float, thaw_every: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.every, self.thaw_every, self.clock = every, thaw_every, clock
        self._lock = threading.Lock()
        self._thawed_at = clock()
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()

    def freeze(self) -> None:
        with self._lock:
            started, thaw = time.perf_counter(), self.clock() - self._thawed_at >= self.thaw_every
            if thaw:
                gc.unfreeze()
                self._thawed_at = self.clock()
            collected = gc.collect()
            gc.freeze()
            log.info(
                "gc: %d objects frozen%s, %d collected, in %.2f s",
                gc.get_freeze_count(),
                " (all thawed first)" if thaw else "",
                collected,
                time.perf_counter() - started,
            )
        self._ensure_thread()

    def _ensure_thread(self) -> None:
        if self.every > 0 and not self._stopped.is_set() and (self._thread is None or not self._thread.is_alive()):
            self._thread = threading.Thread(target=self._run, name="clusterviz-gc-freezer", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stopped.wait(self.every):
            self.freeze()

    def stop(self) -> None:
        """End the thread (the objects frozen so far stay frozen)."""
        self._stopped.set()


_freezer: Freezer | None = None


def freeze_long_lived() -> None:
    """A runtime's hook after each full list (see ClusterRuntime.listed); off with CLUSTERVIZ_GC_FREEZE_SECONDS=0."""
    from django.conf import settings

    global _freezer
    if settings.CLUSTERVIZ_GC_FREEZE_SECONDS <= 0:
        return
    if _freezer is None:
        _freezer = Freezer(settings.CLUSTERVIZ_GC_FREEZE_SECONDS, settings.CLUSTERVIZ_GC_THAW_SECONDS)
    _freezer.freeze()
