"""The wall under churn through the real server: frame time, JS heap, and the time from a change to the wall.

For one size (workers × pods per node, the fake cluster's churn scenario) it starts the server as
bench/e2e_browser.py does, opens /wall/demo/ in headless Chromium at 1920×1080 and, for --minutes:

  * every drawn frame: the wall's own draw time (``window.clusterviz.stats.drawMs``: layout and canvas calls);
  * every delta: change → wall, the time from the delta's ``at`` (the fake's clock, which follows the wall
    clock) to the end of the first frame that drew it, and receive → wall (from the websocket message to that
    frame). Frames are seen by a requestAnimationFrame loop, so both carry up to one frame (~16 ms) of slack;
  * every --sample seconds: the used JS heap after two forced garbage collections (CDP), long tasks.

    python bench/wall.py --workers 5000 --ppn 30 --minutes 10 --json bench/out/wall-5000.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from e2e_browser import CHROME_ARGS, CHROMIUM, CLUSTER, DjangoServer

INIT_JS = r"""
(() => {
  const B = window.__wallBench = { received: [], frames: [], changeMs: [], receiveMs: [], longTasks: 0 };
  const NativeWS = window.WebSocket;
  function BenchWS(url, protocols) {
    const s = protocols === undefined ? new NativeWS(url) : new NativeWS(url, protocols);
    s.addEventListener('message', (ev) => { // registered before wall.js's onmessage: runs first
      if (typeof ev.data !== 'string' || !ev.data.startsWith('{"type":"delta"') && !ev.data.includes('"type": "delta"')) return;
      const at = /"at":\s*([0-9.]+)/.exec(ev.data);
      B.received.push([performance.now(), at ? parseFloat(at[1]) * 1000 : NaN]);
    });
    return s;
  }
  BenchWS.prototype = NativeWS.prototype;
  Object.assign(BenchWS, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
  window.WebSocket = BenchWS;
  new PerformanceObserver((l) => { B.longTasks += l.getEntries().length; }).observe({ entryTypes: ['longtask'] });
  let draws = 0;
  const loop = () => {
    const cv = window.clusterviz;
    if (cv && cv.stats && cv.stats.draws !== draws) {
      draws = cv.stats.draws;
      const now = performance.now(), wall = Date.now();
      B.frames.push(cv.stats.drawMs);
      for (const [t, at] of B.received) { B.receiveMs.push(now - t); if (at === at) B.changeMs.push(wall - at); }
      B.received.length = 0;
    }
    requestAnimationFrame(loop);
  };
  requestAnimationFrame(loop);
})();
"""

TAKE_JS = """() => { const B = window.__wallBench; const out = {frames: B.frames, changeMs: B.changeMs,
  receiveMs: B.receiveMs, longTasks: B.longTasks, mode: window.clusterviz.stats.mode,
  tiles: window.clusterviz.stats.tiles, pods: window.clusterviz.state.pods.size, deltas: window.clusterviz.stats.deltas};
  B.frames = []; B.changeMs = []; B.receiveMs = []; B.longTasks = 0; return out; }"""


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def summary(values: list[float]) -> dict[str, Any]:
    return {"n": len(values), "p50": pct(values, 0.5), "p95": pct(values, 0.95), "max": pct(values, 1.0)}


def used_heap_mb(cdp: Any) -> float:
    cdp.send("HeapProfiler.collectGarbage")
    cdp.send("HeapProfiler.collectGarbage")
    return round(int(cdp.send("Runtime.getHeapUsage")["usedSize"]) / 2**20, 2)


def sample(page: Any, cdp: Any, started: float) -> dict[str, Any]:
    taken = page.evaluate(TAKE_JS)
    return {
        "t_s": round(time.monotonic() - started),
        "heapMB": used_heap_mb(cdp),
        "frameMs": summary(taken["frames"]),
        "changeToWallMs": summary(taken["changeMs"]),
        "receiveToWallMs": summary(taken["receiveMs"]),
        "longTasks": taken["longTasks"],
        "mode": taken["mode"],
        "tiles": taken["tiles"],
        "pods": taken["pods"],
        "deltas": taken["deltas"],
        "load": [round(x, 1) for x in os.getloadavg()],
    }


def expected_pods(args: argparse.Namespace) -> int:
    """Most of the workers' pods (churn keeps a few of them coming and going)."""
    return int(0.9 * args.workers * args.ppn) or 1


def run(args: argparse.Namespace) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    log = Path(args.json).with_suffix(".server.log") if args.json else Path("/tmp/wall-bench-server.log")
    log.parent.mkdir(parents=True, exist_ok=True)
    server = DjangoServer(args.workers, args.ppn, "churn", args.tick, log, 512 * 2**20)
    result: dict[str, Any] = {
        "bench": "wall",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "workers": args.workers,
        "ppn": args.ppn,
        "minutes": args.minutes,
        "loadStart": [round(x, 1) for x in os.getloadavg()],
    }
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS, headless=True)
            page = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
            page.add_init_script(INIT_JS)
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)[:300]))
            t0 = time.monotonic()
            page.goto(server.url(f"/wall/{CLUSTER}/"), timeout=900_000)
            page.wait_for_selector("body[data-rendered='1']", timeout=900_000)
            result["firstRenderS"] = round(time.monotonic() - t0, 1)
            # The minutes count from the moment the wall has the cluster's pods (at 5,000 nodes the fake's
            # building and first list take minutes, and a wall drawing "connecting" measures nothing).
            page.wait_for_function(
                f"() => window.clusterviz.state.pods.size >= {expected_pods(args)}", timeout=3_600_000, polling=1000
            )
            result["podsOnWallS"] = round(time.monotonic() - t0, 1)
            cdp = page.context.new_cdp_session(page)
            cdp.send("HeapProfiler.enable")
            started = time.monotonic()
            page.evaluate(TAKE_JS)  # drop the first render's frames
            samples = []
            while time.monotonic() - started < args.minutes * 60:
                page.wait_for_timeout(args.sample * 1000)
                samples.append(sample(page, cdp, started))
                print(json.dumps(samples[-1]), flush=True)
            result["samples"] = samples
            result["errors"] = errors
            browser.close()
    finally:
        server.close()
    heaps = [s["heapMB"] for s in result.get("samples", [])]
    if len(heaps) > 1:
        result["heapGrowthMB"] = round(max(heaps[1:]) - heaps[1], 2)
    result["loadEnd"] = [round(x, 1) for x in os.getloadavg()]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--ppn", type=int, default=0, help="extra pods per worker")
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--sample", type=float, default=30, help="seconds between heap samples")
    parser.add_argument("--tick", type=float, default=0.25)
    parser.add_argument("--json", default="")
    args = parser.parse_args()
    result = run(args)
    frames = [f for s in result.get("samples", []) for f in [s["frameMs"]["p50"]] if f is not None]
    print(json.dumps({k: v for k, v in result.items() if k != "samples"}, indent=1))
    if frames:
        print("median of per-sample frame p50:", statistics.median(frames), "ms")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
