"""Peak memory of parsing a snapshot import (what the web process does with an upload), by snapshot size.

For each pod count it writes an export of a synthetic cluster (bench/history.py's ``Cluster``) to a file, then
parses and validates it in a fresh Python process (``clusterviz.export.parse``, as ``/clusters/import`` and
``manage.py import_snapshot`` do) and reports that process's peak RSS against the file's uncompressed size.
The chart's ``importMaxMB`` and the web pod's memory limit are sized from the ratio (BENCHMARKS.md §6).

    .venv/bin/python bench/import_memory.py --pods 30000,90000
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PARSE = """
import resource, sys
from clusterviz import export
data = open(sys.argv[1], "rb").read()
doc = export.parse(data, max_bytes=4 * 1024**3)
print(len(doc["state"]["pods"]), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def write_export(pods: int, path: Path) -> int:
    from history import Cluster

    from clusterviz import export

    state = Cluster(nodes=pods // 30, pods_per_node=30, seed=3).state()
    data = export.dumps(export.document(state, exported_at=time.time()))  # type: ignore[arg-type]
    path.write_bytes(data)
    return len(data)


def parse_peak(path: Path) -> tuple[int, int]:
    """(pods parsed, peak RSS in kB) of a fresh interpreter that parses the file."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    out = subprocess.run([sys.executable, "-c", PARSE, str(path)], env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"parsing {path} failed:\n{out.stderr[-2000:]}")
    pods, peak = out.stdout.split()
    return int(pods), int(peak)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pods", default="30000,90000", help="comma-separated pod counts")
    args = parser.parse_args()
    print(f"load {os.getloadavg()[0]:.1f}")
    print("| pods | JSON MB | parse peak RSS MB | RSS / JSON |")
    print("|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for pods in (int(p) for p in args.pods.split(",")):
            path = Path(tmp) / f"export-{pods}.json"
            size = write_export(pods, path)
            parsed, peak_kb = parse_peak(path)
            print(f"| {parsed:,} | {size / 1e6:.1f} | {peak_kb / 1024:.0f} | {peak_kb * 1024 / size:.1f}× |")
    print(f"bench process peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
