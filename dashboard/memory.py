"""Give big buffers back to the system once they are freed.

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
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os

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
