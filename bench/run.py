"""Runs the benchmarks for every size and prints a markdown summary; `make bench` calls this.

    python bench/run.py                      # 100, 1000, 5000 workers × 30 pods: pipeline + end-to-end browser
    python bench/run.py --quick              # 100 workers only, fewer repeats
    python bench/run.py --sizes 100,1000 --only pipeline
    python bench/run.py --only formats       # bench/state_formats.py at the largest size

Writes bench/out/pipeline.json, bench/out/e2e-<workers>.json and bench/out/summary.json (bench/out/ is
gitignored). Load average is recorded with every result: other work on the machine changes the numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import e2e_browser  # noqa: E402
import pipeline  # noqa: E402
import state_formats  # noqa: E402

OUT = HERE / "out"
TARGET_FIRST_RENDER_MS = 2000.0  # 5,000 nodes / 150,000 pods
TARGET_DELTA_MS = 50.0  # 1 % delta, main thread


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100,1000,5000", help="workers, comma separated (30 pods each by default)")
    ap.add_argument("--pods-per-node", type=int, default=30)
    ap.add_argument("--quick", action="store_true", help="100 workers only, one pipeline run, short windows")
    ap.add_argument("--only", choices=("pipeline", "formats", "e2e"), help="run one of the benchmarks")
    ap.add_argument("--repeat", type=int, default=3, help="pipeline runs per size below 5,000 workers (median)")
    ap.add_argument("--window", type=float, default=20.0, help="seconds of the e2e churn window")
    args = ap.parse_args()
    sizes = [100] if args.quick else [int(s) for s in args.sizes.split(",") if s]
    OUT.mkdir(parents=True, exist_ok=True)
    summary: dict[str, Any] = {
        "dateUtc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {**pipeline.machine(), "chromium": e2e_browser.chromium_version()},
        "loadavgStart": [round(x, 2) for x in os.getloadavg()],
        "sizes": sizes,
    }
    failures: list[str] = []

    if args.only in (None, "pipeline"):
        pargs = [
            "--sizes",
            ",".join(map(str, sizes)),
            "--pods-per-node",
            str(args.pods_per_node),
            "--json",
            str(OUT / "pipeline.json"),
            "--repeat",
            str(1 if args.quick else args.repeat),
        ]
        if args.quick:
            pargs += ["--seconds", "20", "--quiet-seconds", "10"]
        print("## pipeline (server side)\n")
        try:
            pipeline.main(pargs)
        except Exception:
            failures.append("pipeline: " + traceback.format_exc(limit=3))
        print()

    if args.only in (None, "formats"):
        print("## the state's pod formats (objects / table)\n")
        try:
            biggest = max(sizes)
            fargs = ["--workers", str(biggest), "--pods-per-node", str(args.pods_per_node)]
            summary["stateFormats"] = state_formats.main([*fargs, "--json", str(OUT / f"state-formats-{biggest}.json")])
        except Exception:
            failures.append("state formats: " + traceback.format_exc(limit=3))
        print()

    if args.only in (None, "e2e"):
        rows = []
        for n in sizes:
            eargs = [
                "--workers",
                str(n),
                "--pods-per-node",
                str(args.pods_per_node),
                "--json",
                str(OUT / f"e2e-{n}.json"),
                "--window",
                str(5 if args.quick else args.window),
            ]
            if args.quick:
                eargs += ["--warm", "1", "--deltas", "3"]
            try:
                rows.append(e2e_browser.main(eargs))
            except Exception:
                failures.append(f"e2e {n}: " + traceback.format_exc(limit=3))
        print("\n## end to end (daphne → websocket → headless Chromium)\n")
        print(e2e_browser.SUMMARY_HEAD)
        for r in rows:
            print(e2e_browser.summary_row(r))
        big = [r for r in rows if r["workers"] >= 5000]
        for r in big:
            fr = r.get("warmMedian", {}).get("renderedAtMs")
            dm = r.get("delta1pct", {}).get("mainThreadMsMedian")
            print(
                f"\ntargets at {r['workers']} workers: warm first render {fr} ms "
                f"({'met' if fr is not None and fr <= TARGET_FIRST_RENDER_MS else 'NOT met'}, ≤ {TARGET_FIRST_RENDER_MS:.0f}); "
                f"1 % delta {dm} ms ({'met' if dm is not None and dm <= TARGET_DELTA_MS else 'NOT met'}, ≤ {TARGET_DELTA_MS:.0f})"
            )
        summary["e2e"] = [
            {
                k: r.get(k)
                for k in (
                    "workers",
                    "cold",
                    "warmMedian",
                    "churnWindow",
                    "delta1pct",
                    "heapUsedMB",
                    "stateEndpoint",
                    "errors",
                    "serverLogProblems",
                )
            }
            for r in rows
        ]
    summary["loadavgEnd"] = [round(x, 2) for x in os.getloadavg()]
    summary["failures"] = failures
    (OUT / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    for f in failures:
        print("\nFAILED: " + f, file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
