"""Give big buffers back to the system once they are freed.

A state at 150,000 pods is ~30 MB (80 MB as objects), and every client that connects gets its own copies on the
way out (daphne encodes it, autobahn frames it, Twisted buffers it until the socket drains). glibc serves
allocations above its mmap threshold with mmap and returns them on free, but it raises that threshold to the
size of each such block freed, up to 32 MB: after the first few states, 30 MB buffers come from the heap and
the heap stays at its high-water mark. Measured with 50 websocket clients on 32,000 pods: 523 MB kept after
they got their states, against 315 MB with the threshold fixed at 1 MiB (BENCHMARKS.md, section 5.4).

``fix_mmap_threshold()`` fixes it (``mallopt(M_MMAP_THRESHOLD, …)``, which also turns off the raising) unless
``MALLOC_MMAP_THRESHOLD_`` is set in the environment.

glibc also gives each thread that allocates its own arena (up to 8 per core), and memory freed in one arena serves
no other. The watcher runs a reflector thread per kind, the recorder one more, and each list of 150,000 pods leaves
its arena holding what it freed. ``limit_arenas()`` sets ``M_ARENA_MAX`` to 2 unless ``MALLOC_ARENA_MAX`` is set:
at 150,000 real pods with history on the process then held 1,071-1,130 MB instead of 1,471-1,673 MB, and peaked at
1,390 MB instead of 1,691-1,714 MB (BENCHMARKS.md §19). Both do nothing where the C library is not glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os

M_MMAP_THRESHOLD = -3  # glibc's malloc.h
M_ARENA_MAX = -8
THRESHOLD = 1 << 20
ARENAS = 2

log = logging.getLogger(__name__)


def fix_mmap_threshold(threshold: int = THRESHOLD) -> bool:
    """True when glibc accepted the threshold; False elsewhere, or when the environment already sets it."""
    return "MALLOC_MMAP_THRESHOLD_" not in os.environ and _mallopt(M_MMAP_THRESHOLD, threshold)


def limit_arenas(arenas: int = ARENAS) -> bool:
    """True when glibc accepted the arena limit; False elsewhere, or when the environment already sets it.
    Call it before the threads start: an arena made before stays."""
    return "MALLOC_ARENA_MAX" not in os.environ and _mallopt(M_ARENA_MAX, arenas)


def _mallopt(param: int, value: int) -> bool:
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
    accepted = bool(mallopt(param, value))
    if not accepted:
        log.debug("mallopt(%d, %d) was refused", param, value)
    return accepted
