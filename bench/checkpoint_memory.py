"""What the watcher's big moments cost in memory: a history checkpoint, a state, a list that arrives late.

The watcher's RSS is set by its high-water mark (memory freed after a peak mostly stays with the process), so the
transients of these moments matter as much as what stays. Each is measured with tracemalloc in one process holding a
fake cluster of --workers nodes x 30 pods loaded into a ClusterRuntime, as the watcher holds a real one:

  checkpoint   ClusterRuntime.history_state_json() (the table state plus every pod's containers and volumes), then
               zlib as the history store compresses it
  table        the first table-form state (the web process's first state), then the same version again (shared)
  late list    a runtime started without the pods whose pod list arrives as a relist in a tick (a first list of
               150,000 pods outlasts the start's wait), ClusterRuntime.step()

    .venv/bin/python bench/checkpoint_memory.py --workers 1000
    .venv/bin/python bench/checkpoint_memory.py --workers 5000 --json bench/out/checkpoint-memory.json

Each row: the traced peak above what was traced before the step, what the step left allocated, and the result's size.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
import tracemalloc
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from clusterviz.clock import ManualClock  # noqa: E402
from clusterviz.fake import FakeCluster  # noqa: E402
from clusterviz.live import ClusterRuntime, Relisted  # noqa: E402
from tests.core.handed import HandedSource  # noqa: E402


def traced(name: str, fn: Callable[[], Any]) -> tuple[dict[str, Any], Any]:
    """Run ``fn`` under tracemalloc (already started): its peak and what it kept, in MB, and its result's size."""
    gc.collect()
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    started = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - started
    now, peak = tracemalloc.get_traced_memory()
    size = len(out) if isinstance(out, bytes | str) else None
    row = {"step": name, "peakMb": round((peak - before) / 1e6, 1), "keptMb": round((now - before) / 1e6, 1)}
    row.update(resultMb=None if size is None else round(size / 1e6, 1), s=round(seconds, 2))
    print(json.dumps(row), flush=True)
    return row, out


def runtime_of(cluster: FakeCluster, hold_back: tuple[str, ...] = ()) -> tuple[ClusterRuntime, HandedSource]:
    source = HandedSource(cluster, hold_back=hold_back)
    runtime = ClusterRuntime("bench", source, lambda text: None)  # type: ignore[arg-type]
    runtime.start()
    return runtime, source


def loaded_moments(cluster: FakeCluster) -> list[dict[str, Any]]:
    runtime, _ = runtime_of(cluster)
    rows = []
    row, raw = traced("checkpoint state", runtime.history_state_json)
    rows.append(row)
    rows.append(traced("checkpoint zlib", lambda: zlib.compress(raw, 6))[0])
    raw = b""  # let the checkpoint go before the next step
    rows.append(traced("table state", lambda: runtime.state_json(b"", "table"))[0])
    rows.append(traced("table state, same version", lambda: runtime.state_json(b"", "table"))[0])
    return rows


def late_list(cluster: FakeCluster) -> dict[str, Any]:
    runtime, source = runtime_of(cluster, hold_back=("Pod",))
    source.changes = [Relisted({"Pod": source.objects["Pod"]})]
    return traced("late pod list, one tick", lambda: runtime.step(0.25))[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, default=1000)
    ap.add_argument("--json")
    args = ap.parse_args()
    cluster = FakeCluster(seed=5, clock=ManualClock(), workers=args.workers, pods_per_node=30, scenario="quiet")
    pods = len(cluster.list_all()[0]["Pod"])
    print(f"{pods} pods, load {os.getloadavg()}", flush=True)
    tracemalloc.start()
    rows = loaded_moments(cluster)
    rows.append(late_list(cluster))
    result = {"workers": args.workers, "pods": pods, "rows": rows, "loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg())}
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
