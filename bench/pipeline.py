"""Server-side pipeline benchmark: fake cluster → ClusterStore → deltas → JSON. No browser, no Django.

For each size (workers × pods per node), in a fresh child process (so peak RSS is per size):

  * build the FakeCluster (wall and CPU time, RSS growth);
  * first list (``FakeSource.start`` → ``FakeCluster.list_all``: the fake's cost) and the initial load into the
    ClusterStore (``ClusterRuntime.start`` minus the list: the product's cost);
  * full state serialisation as the state endpoint / websocket does it (``ClusterRuntime.state_json``:
    snapshot + orjson), bytes and time, median of 3;
  * steady churn through the real ``ClusterRuntime.step`` (tick 0.25 s, speed 1, for ``--seconds`` simulated
    seconds) at each ``--rates`` (target watch events/s of the churn scenario; lease renewals and node status
    posts come on top, as in the product). CPU time (``time.process_time``) is split into
      - fake: ``FakeSource.poll`` (the simulation advancing; a real cluster would cost the API server, not us);
      - product: the rest of ``step`` — store.apply for every event, take_delta, orjson of the delta;
        take_delta and the delta's orjson are also reported on their own.
    "server CPU per 1,000 cluster events" = product CPU / events × 1000 (fake's cost reported separately).
    Delta bytes per second = bytes of delta messages / simulated seconds = websocket bytes/s per client.

    python bench/pipeline.py --sizes 100,1000 --rates 100,1000 --json bench/out/pipeline.json
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import zlib
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TICK = 0.25


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1048576


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _since(t: tuple[float, float]) -> dict[str, float]:
    w, c = _clock()
    return {"wallS": round(w - t[0], 3), "cpuS": round(c - t[1], 3)}


def _pctl(xs: list[float], q: float) -> float:
    if not xs:
        return 0.0
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def measure_size(
    workers: int, ppn: int, rates: list[float], seconds: float, quiet_seconds: float, seed: int
) -> dict[str, Any]:
    import orjson

    import clusterviz.live as live_mod
    from clusterviz.clock import ManualClock
    from clusterviz.fake import FakeCluster
    from clusterviz.fake.scenarios import Churn
    from clusterviz.live import ClusterRuntime
    from clusterviz.sources import FakeSource

    out: dict[str, Any] = {
        "workers": workers,
        "podsPerNode": ppn,
        "loadavgStart": [round(x, 2) for x in os.getloadavg()],
    }
    rss0 = _rss_mb()

    # -- build ---------------------------------------------------------------------------------------------
    t = _clock()
    cluster = FakeCluster(
        seed=seed, clock=ManualClock(start=1_750_000_000.0), workers=workers, pods_per_node=ppn, scenario="quiet"
    )
    out["build"] = {**_since(t), "rssGrowthMB": round(_rss_mb() - rss0, 1), "peakRssMB": round(_peak_mb(), 1)}
    out["objects"] = {"nodes": cluster.count("Node"), "pods": cluster.count("Pod"), "leases": cluster.count("Lease")}

    # -- the runtime, with timers around the fake source, take_delta and the delta's orjson ------------------
    acc: Counter[str] = Counter()

    class TimedSource(FakeSource):
        def start(self):  # type: ignore[no-untyped-def]
            t0 = time.process_time()
            w0 = time.perf_counter()
            try:
                relisted = super().start()
            finally:
                acc["startCpu"] += time.process_time() - t0
                acc["startWall"] += time.perf_counter() - w0
            # The source may hand over lazy iterables that the store consumes (streamed first list): time the
            # fake's side of every item (to_api) so that it is not counted as the store's load.
            return type(relisted)({kind: _timed_iter(items) for kind, items in relisted.objects.items()})

        def poll(self, elapsed: float):  # type: ignore[no-untyped-def]
            t0 = time.process_time()
            changes = super().poll(elapsed)
            acc["pollCpu"] += time.process_time() - t0
            acc["events"] += len(changes)
            for c in changes:
                acc["kind:" + getattr(c, "kind", type(c).__name__)] += 1
            return changes

    def _timed_iter(items: Any) -> Any:
        it = iter(items)
        while True:
            t0 = time.process_time()
            w0 = time.perf_counter()
            try:
                item = next(it)
            except StopIteration:
                return
            finally:
                acc["startCpu"] += time.process_time() - t0
                acc["startWall"] += time.perf_counter() - w0
            yield item

    class TimedOrjson:
        """Stands in for the orjson module inside clusterviz.live to time the delta's serialisation."""

        OPT_SORT_KEYS = orjson.OPT_SORT_KEYS

        @staticmethod
        def dumps(obj: Any, *a: Any, **k: Any) -> bytes:
            t0 = time.process_time()
            b = orjson.dumps(obj, *a, **k)
            acc["dumpsCpu"] += time.process_time() - t0
            return b

    source = TimedSource(cluster, speed=1.0)
    runtime = ClusterRuntime("demo", source, publish=None, tick=TICK)  # type: ignore[arg-type]
    store = runtime.store
    real_take_delta = store.take_delta

    def timed_take_delta():  # type: ignore[no-untyped-def]
        t0 = time.process_time()
        d = real_take_delta()
        acc["takeDeltaCpu"] += time.process_time() - t0
        return d

    store.take_delta = timed_take_delta  # type: ignore[method-assign]

    rss1 = _rss_mb()
    t = _clock()
    runtime.start()
    total = _since(t)
    out["firstList"] = {
        "wallS": round(acc["startWall"], 3),
        "cpuS": round(acc["startCpu"], 3),
        "note": "fake: FakeSource.start + producing every listed object (to_api), streamed or not",
    }
    out["storeLoad"] = {
        "wallS": round(total["wallS"] - acc["startWall"], 3),
        "cpuS": round(total["cpuS"] - acc["startCpu"], 3),
        "rssGrowthMB": round(_rss_mb() - rss1, 1),
        "note": "product: ClusterStore.load (mapping, indexes) + first take_delta, fake's share excluded",
    }
    acc.clear()

    # -- full state serialisation (what the state endpoint and the websocket's first message cost) ------------
    ser = []
    body = b""
    for _ in range(3):
        runtime._state_cache = {}  # the cache would make repeats free
        t = _clock()
        body = runtime.state_json()
        ser.append(_since(t))
    t = _clock()
    snap = store.snapshot()
    snap_t = _since(t)
    del snap
    t = _clock()
    gz = len(zlib.compress(body, 6))
    out["stateJson"] = {
        "bytes": len(body),
        "MB": round(len(body) / 1048576, 1),
        "zlib6Bytes": gz,
        "zlibMs": round(_since(t)["wallS"] * 1000),
        "wallSMedian": statistics.median(s["wallS"] for s in ser),
        "cpuSMedian": statistics.median(s["cpuS"] for s in ser),
        "runs": len(ser),
        "snapshotOnlyWallS": snap_t["wallS"],
    }
    out["peakRssAfterStateMB"] = round(_peak_mb(), 1)
    del body

    # -- steady phases -------------------------------------------------------------------------------------
    class StoppableChurn(Churn):
        stopped = False

        def _tick(self) -> None:
            if not self.stopped:
                super()._tick()

    real_orjson = live_mod.orjson
    live_mod.orjson = TimedOrjson  # type: ignore[assignment]
    phases = []
    try:
        plan: list[tuple[str, float, float]] = [("quiet", 0.0, quiet_seconds)] if quiet_seconds > 0 else []
        plan += [(f"churn{int(r)}", r, seconds) for r in rates]
        for name, rate, secs in plan:
            churn = None
            if rate > 0:
                churn = StoppableChurn(rate)
                churn.start(cluster)
            # settle: one tick so that the churn's first actions are inside the window
            runtime.step(TICK)
            acc.clear()
            ticks = round(secs / TICK)
            delta_bytes = 0
            deltas = 0
            tick_wall: list[float] = []
            pod_upserts = pod_removes = node_upserts = 0
            gc_before = sum(s["collections"] for s in gc.get_stats())
            c0 = time.process_time()
            w0 = time.perf_counter()
            for _ in range(ticks):
                tw = time.perf_counter()
                msg = runtime.step(TICK)
                tick_wall.append(time.perf_counter() - tw)
                if msg is not None:
                    delta_bytes += len(msg.encode())
                    deltas += 1
                    d = orjson.loads(msg)
                    pod_upserts += len(d["pods"]["upsert"])
                    pod_removes += len(d["pods"]["remove"])
                    node_upserts += len(d["nodes"]["upsert"])
            cpu = time.process_time() - c0
            wall = time.perf_counter() - w0
            # (the orjson.loads above is the bench's own work; product CPU is computed from step() CPU only)
            if churn is not None:
                churn.stopped = True
            events = acc["events"]
            poll = acc["pollCpu"]
            phases.append(
                {
                    "phase": name,
                    "targetChurnEventsPerS": rate,
                    "simSeconds": secs,
                    "ticks": ticks,
                    "events": events,
                    "eventsPerS": round(events / secs, 1),
                    "eventsByKind": {k[5:]: v for k, v in sorted(acc.items()) if k.startswith("kind:")},
                    "deltas": deltas,
                    "podUpserts": pod_upserts,
                    "podRemoves": pod_removes,
                    "nodeUpserts": node_upserts,
                    "deltaBytes": delta_bytes,
                    "deltaBytesPerS": round(delta_bytes / secs),
                    "meanDeltaBytes": round(delta_bytes / deltas) if deltas else 0,
                    "_cpuTotal": cpu,
                    "_poll": poll,
                    "takeDeltaCpuS": round(acc["takeDeltaCpu"], 3),
                    "deltaDumpsCpuS": round(acc["dumpsCpu"], 3),
                    "tickWallMsP50": round(_pctl(tick_wall, 0.5) * 1000, 1),
                    "tickWallMsP95": round(_pctl(tick_wall, 0.95) * 1000, 1),
                    "tickWallMsMax": round(max(tick_wall) * 1000, 1),
                    "wallS": round(wall, 2),
                    "gcCollections": sum(s["collections"] for s in gc.get_stats()) - gc_before,
                    "loadavg": [round(x, 2) for x in os.getloadavg()],
                }
            )
    finally:
        live_mod.orjson = real_orjson
    out["phases"] = phases
    out["peakRssMB"] = round(_peak_mb(), 1)
    return out


def child(args: argparse.Namespace) -> None:
    from clusterviz.live import ClusterRuntime

    real_step = ClusterRuntime.step
    marks: list[float] = []

    def step(self: ClusterRuntime, elapsed: float) -> str | None:
        t0 = time.process_time()
        try:
            return real_step(self, elapsed)
        finally:
            marks.append(time.process_time() - t0)

    ClusterRuntime.step = step  # type: ignore[method-assign]
    rates = [float(r) for r in args.rates.split(",") if r]
    res = _measure_with_marks(args, rates, marks)
    print("RESULT " + json.dumps(res))


def _measure_with_marks(args: argparse.Namespace, rates: list[float], marks: list[float]) -> dict[str, Any]:
    # measure_size calls runtime.step once to settle and then `ticks` times per phase; marks collects each
    # step's CPU. Reconstruct each phase's step CPU from the marks (settle step excluded).
    res = measure_size(args.child, args.pods_per_node, rates, args.seconds, args.quiet_seconds, args.seed)
    i = 0
    for ph in res["phases"]:
        i += 1  # settle step
        step_cpu = sum(marks[i : i + ph["ticks"]])
        i += ph["ticks"]
        events = max(ph["events"], 1)
        product = step_cpu - ph.pop("_poll")
        ph["fakeCpuS"] = round(step_cpu - product, 3)
        ph["productCpuS"] = round(product, 3)
        ph["storeApplyCpuS"] = round(product - ph["takeDeltaCpuS"] - ph["deltaDumpsCpuS"], 3)
        ph["productCpuMsPer1kEvents"] = round(product / events * 1e6, 1)
        ph["fakeCpuMsPer1kEvents"] = round(ph["fakeCpuS"] / events * 1e6, 1)
        ph["productCpuShareOfOneCore"] = round(product / ph["simSeconds"], 3)
        ph.pop("_cpuTotal", None)
    return res


def run_size(workers: int, args: argparse.Namespace) -> dict[str, Any]:
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        str(workers),
        "--pods-per-node",
        str(args.pods_per_node),
        "--rates",
        args.rates,
        "--seconds",
        str(args.seconds),
        "--quiet-seconds",
        str(args.quiet_seconds),
        "--seed",
        str(args.seed),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"child for {workers} workers failed (rc {proc.returncode}):\n{proc.stderr[-4000:]}")


def _median_runs(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Median of every numeric leaf over the runs (structure of the first run); lists are kept from run 0."""

    def merge(vals: list[Any]) -> Any:
        v0 = vals[0]
        if isinstance(v0, bool) or not isinstance(v0, (int, float, dict)):
            return v0
        if isinstance(v0, dict):
            return {k: merge([v.get(k) for v in vals if isinstance(v, dict) and k in v]) for k in v0}
        nums = [v for v in vals if isinstance(v, (int, float))]
        m = statistics.median(nums)
        return round(m, 3) if isinstance(m, float) else m

    out = merge(runs)
    out["phases"] = [merge([r["phases"][i] for r in runs]) for i in range(len(runs[0]["phases"]))]
    out["runs"] = len(runs)
    return out


def machine() -> dict[str, Any]:
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) // 1024
    import orjson

    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "memMB": mem,
        "python": sys.version.split()[0],
        "orjson": orjson.__version__,
        "dateUtc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def table(results: list[dict[str, Any]]) -> str:
    rows = [
        "| workers | pods | runs | build s | first list s (fake) | store load s | state JSON MB | state JSON s | peak RSS MB | load avg |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        rows.append(
            f"| {r['workers']} | {r['objects']['pods']} | {r.get('runs', 1)} | {r['build']['wallS']:.2f} | {r['firstList']['wallS']:.2f} | "
            f"{r['storeLoad']['wallS']:.2f} | {r['stateJson']['MB']} | {r['stateJson']['wallSMedian']:.2f} | {r['peakRssMB']:.0f} | "
            f"{' '.join(f'{x:.2f}' for x in r['loadavgStart'])} |"
        )
    rows += [
        "",
        "| workers | phase | events/s | product CPU ms / 1k events | fake CPU ms / 1k events | product CPU % of a core | "
        "apply / take_delta / orjson CPU s | delta bytes/s | tick wall p50 / p95 / max ms |",
        "|---:|---|---:|---:|---:|---:|---|---:|---|",
    ]
    for r in results:
        for p in r["phases"]:
            rows.append(
                f"| {r['workers']} | {p['phase']} | {p['eventsPerS']} | {p['productCpuMsPer1kEvents']} | {p['fakeCpuMsPer1kEvents']} | "
                f"{p['productCpuShareOfOneCore'] * 100:.1f} | {p['storeApplyCpuS']:.2f} / {p['takeDeltaCpuS']:.2f} / {p['deltaDumpsCpuS']:.2f} | "
                f"{p['deltaBytesPerS']:,} | {p['tickWallMsP50']} / {p['tickWallMsP95']} / {p['tickWallMsMax']} |"
            )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100,1000,5000", help="workers, comma separated")
    ap.add_argument("--pods-per-node", type=int, default=30)
    ap.add_argument("--rates", default="100,1000", help="churn target events/s, comma separated")
    ap.add_argument("--seconds", type=float, default=60.0, help="simulated seconds per churn phase")
    ap.add_argument("--quiet-seconds", type=float, default=20.0, help="simulated seconds of the quiet phase (0: skip)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per size (median reported)")
    ap.add_argument("--repeat-large", type=int, default=1, help="runs per size for sizes >= 5000 workers")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", help="write results here")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args)
        return []
    results = []
    for n in [int(s) for s in args.sizes.split(",") if s]:
        reps = args.repeat if n < 5000 else args.repeat_large
        runs = []
        for i in range(reps):
            print(
                f"pipeline: {n} workers, run {i + 1}/{reps} (load {os.getloadavg()[0]:.2f})…",
                file=sys.stderr,
                flush=True,
            )
            runs.append(run_size(n, args))
        res = _median_runs(runs) if len(runs) > 1 else {**runs[0], "runs": 1}
        res["allRuns"] = runs
        results.append(res)
    doc = {
        "benchmark": "pipeline",
        "machine": machine(),
        "args": {k: v for k, v in vars(args).items() if k != "child"},
        "medianOf": "runs per size (see each result's 'runs')",
        "results": results,
    }
    print(table(results))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(doc, indent=2) + "\n")
    return results


if __name__ == "__main__":
    main()
