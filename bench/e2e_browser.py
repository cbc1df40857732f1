"""End-to-end benchmark through the real server: daphne (manage.py runserver --noreload) → websocket → map.js.

For one size (workers × pods per node) it starts the server on a free loopback port with a temporary SQLite
database and the fake cluster (scenario churn by default: ~50 churn events/s plus lease renewals and node
status posts), then drives /clusters/demo/ in headless Chromium:

  * cold first render: the first navigation, which also makes the server build the fake cluster, list it and
    load the store (the page view waits for that), then websocket state → JSON.parse → apply → draw;
  * warm first render (median of --warm runs, each a fresh browser context): the runtime is already running;
    navigation start → ``document.body.dataset.rendered == "1"`` (recorded in the page by a MutationObserver,
    so no polling latency), with the state message's arrival time and map.js's own breakdown;
  * churn window (--window s after the first render, on a page with Playwright's websocket listener): websocket
    bytes/s received (``ws.on("framereceived")``), delta messages, ``window.clusterviz.stats`` sampled at every
    delta (lastDeltaMs = apply + redraw), long tasks, server process CPU (/proc/<pid>/stat);
  * 1 % delta, the frontend_render.py way: in the page, fetch the real state from the state endpoint, build
    deltas changing the status of 1 % of its pods, then time JSON.parse + window.clusterviz.applyDelta + the
    next frame's redraw (median of --deltas runs). The seq is taken from the page's model right before the
    apply, so the live deltas go on cleanly afterwards (the server's delta with the same seq is dropped);
  * JS heap after GC (CDP), server RSS, errors in the page and in the server log.

    python bench/e2e_browser.py --workers 1000 --json bench/out/e2e-1000.json
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROME_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
]
CLUSTER = "demo"
CLK_TCK = os.sysconf("SC_CLK_TCK")

INIT_JS = r"""
(() => {
  const B = window.__bench = { wsMsgs: [], longTasks: [], renderedAt: null, samples: [] };
  const NativeWS = window.WebSocket;
  function BenchWS(url, protocols) {
    const s = protocols === undefined ? new NativeWS(url) : new NativeWS(url, protocols);
    B.wsCreatedAt = performance.now();
    s.addEventListener('message', (ev) => {   // registered before map.js's onmessage: runs first
      const n = typeof ev.data === 'string' ? ev.data.length : ev.data.byteLength;
      if (B.wsMsgs.length < 100000) B.wsMsgs.push([performance.now(), n, typeof ev.data === 'string' ? ev.data.slice(9, 14) : '']);
    });
    return s;
  }
  BenchWS.prototype = NativeWS.prototype;
  for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) BenchWS[k] = NativeWS[k];
  window.WebSocket = BenchWS;
  try {
    new PerformanceObserver((l) => { for (const e of l.getEntries()) B.longTasks.push([e.startTime, e.duration]); })
      .observe({ type: 'longtask', buffered: true });
  } catch (e) {}
  new MutationObserver(() => {
    if (B.renderedAt === null && document.body && document.body.dataset.rendered === '1') B.renderedAt = performance.now();
  }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-rendered'] });
})();
"""

FIRST_RENDER_INFO_JS = """
() => {
  const B = window.__bench, cv = window.clusterviz, nav = performance.getEntriesByType('navigation')[0] || {};
  const first = B.wsMsgs[0] || [null, 0, ''];
  return {
    renderedAtMs: B.renderedAt, htmlResponseEndMs: nav.responseEnd, domContentLoadedMs: nav.domContentLoadedEventEnd,
    wsCreatedAtMs: B.wsCreatedAt, stateArrivedAtMs: first[0], stateChars: first[1], firstMsgType: first[2],
    stateApply: cv.stats.stateApply, lastStateApplyMs: cv.stats.lastStateApplyMs, firstDrawMs: cv.stats.lastRenderMs,
    mode: cv.stats.mode, nodes: cv.state.nodes.size, pods: cv.state.pods.size, seq: cv.state.seq,
    longTasksBeforeRender: B.longTasks.filter(t => t[0] <= B.renderedAt).map(t => Math.round(t[1])),
  };
}
"""

START_SAMPLING_JS = """
() => {
  const B = window.__bench, cv = window.clusterviz;
  B.samples = []; B.windowStart = performance.now(); B.lastDeltas = cv.stats.deltas; B.lastRenders = cv.stats.renders;
  B.deltasAtStart = cv.stats.deltas; B.rendersAtStart = cv.stats.renders; B.resyncsAtStart = cv.stats.resyncs || 0;
  B.msgIndexAtStart = B.wsMsgs.length; B.longIndexAtStart = B.longTasks.length;
  const tick = () => {
    if (cv.stats.renders !== B.lastRenders && cv.stats.deltas !== B.lastDeltas) {
      B.samples.push({ deltaMs: cv.stats.lastDeltaMs, applyMs: cv.stats.lastDeltaApplyMs, drawMs: cv.stats.lastDrawMs,
                       deltas: cv.stats.deltas - B.lastDeltas });
      B.lastDeltas = cv.stats.deltas;
    }
    B.lastRenders = cv.stats.renders;
    B.rafId = requestAnimationFrame(tick);
  };
  B.rafId = requestAnimationFrame(tick);
}
"""

STOP_SAMPLING_JS = """
() => {
  const B = window.__bench, cv = window.clusterviz;
  cancelAnimationFrame(B.rafId);
  const end = performance.now();
  const msgs = B.wsMsgs.slice(B.msgIndexAtStart);
  const lts = B.longTasks.slice(B.longIndexAtStart);
  return { seconds: (end - B.windowStart) / 1000, samples: B.samples, deltasApplied: cv.stats.deltas - B.deltasAtStart,
           renders: cv.stats.renders - B.rendersAtStart, resyncs: (cv.stats.resyncs || 0) - B.resyncsAtStart,
           lastResync: cv.stats.lastResync || null, inPageMsgs: msgs.length, inPageChars: msgs.reduce((a, m) => a + m[1], 0),
           msgTypes: msgs.reduce((a, m) => { a[m[2]] = (a[m[2]] || 0) + 1; return a; }, {}),
           longTasks: lts.length, longTaskMsTotal: lts.reduce((a, t) => a + t[1], 0), longTaskMsMax: lts.reduce((a, t) => Math.max(a, t[1]), 0),
           indicator: window.clusterviz.indicator() };
}
"""

# The frontend_render.py delta approach on the real state: 1 % of the pods change status, seq follows the page.
DELTA_SETUP_JS = """
async (stateUrl) => {
  const text = await (await fetch(stateUrl, { headers: { Accept: 'application/json' } })).text();
  const st = JSON.parse(text);
  window.__bench.realState = st;
  return { stateBytes: text.length, pods: st.pods.length, nodes: st.nodes.length };
}
"""

DELTA_RUN_JS = """
async ([fraction, seed]) => {
  const st = window.__bench.realState, cv = window.clusterviz, pods = st.pods;
  let x = seed >>> 0 || 1;  // xorshift: deterministic choice of pods
  const rnd = () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 4294967296; };
  const choices = [['running', 'Running', 'Running'], ['pending', 'ContainerCreating', 'Pending'], ['failed', 'CrashLoopBackOff', 'Running'],
                   ['terminating', 'Terminating', 'Running'], ['succeeded', 'Completed', 'Succeeded']];
  const k = Math.max(1, Math.floor(pods.length * fraction));
  const picked = new Set();
  while (picked.size < k) picked.add(Math.floor(rnd() * pods.length));
  const ups = [];
  for (const i of picked) {
    const p = pods[i], c = choices[Math.floor(rnd() * choices.length)];
    // (a pod the live stream removed since the fetch is re-added rather than changed: rare, same cost)
    ups.push(Object.assign({}, p, { statusClass: c[0], failing: c[0] === 'failed', status: c[1], phase: c[2], restarts: p.restarts + (c[0] === 'failed' ? 1 : 0) }));
  }
  const text = JSON.stringify({ type: 'delta', cluster: st.cluster, seq: 0, revision: 0, at: st.at, source: st.source,
                                nodes: { upsert: [], remove: [] }, pods: { upsert: ups, remove: [] } });
  await new Promise(r => setTimeout(r, 30));
  await new Promise(r => requestAnimationFrame(() => r()));   // start right after a frame, like a websocket message
  const t0 = performance.now();
  const obj = JSON.parse(text);
  const t1 = performance.now();
  obj.seq = cv.state.seq + 1; obj.revision = cv.state.revision + 1;   // synchronous: no live delta can interleave
  const res = cv.applyDelta(obj);
  const t2 = performance.now();
  await new Promise(r => requestAnimationFrame(() => r()));
  return { result: res, bytes: text.length, upserts: ups.length, parseMs: t1 - t0, applyMs: t2 - t1, drawMs: cv.stats.lastDrawMs,
           mainThreadMs: (t1 - t0) + (t2 - t1) + cv.stats.lastDrawMs, statsDeltaMs: cv.stats.lastDeltaMs };
}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def proc_mem_mb(pid: int) -> dict[str, float]:
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS", "VmHWM")):
                k, v = line.split(":")
                out[k + "MB"] = round(int(v.split()[0]) / 1024, 1)
    return out


def chromium_version() -> str:
    try:
        out = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=30).stdout
        return out.strip().splitlines()[0] if out.strip() else ""
    except Exception as e:
        return f"unknown ({e})"


class DjangoServer:
    def __init__(
        self,
        workers: int,
        ppn: int,
        scenario: str,
        tick: float,
        log_path: Path,
        ws_max_bytes: int,
        kubeconfig: str | None = None,
    ) -> None:
        self.tmp = tempfile.TemporaryDirectory(prefix="clusterviz-bench-")
        self.port = free_port()
        self.env = {
            **os.environ,
            "DEBUG": "1",
            "SQLITE_PATH": str(Path(self.tmp.name) / "db.sqlite3"),
            "CLUSTERVIZ_FAKE_WORKERS": str(workers),
            "CLUSTERVIZ_FAKE_PODS_PER_NODE": str(ppn),
            "CLUSTERVIZ_FAKE_SCENARIO": scenario,
            "CLUSTERVIZ_TICK": str(tick),
            "PYTHONUNBUFFERED": "1",
            # the map without logging in (as `make run` on the fake cluster); ignored by builds without access
            "CLUSTERVIZ_ANONYMOUS_READ": "1",
            "DJANGO_SETTINGS_MODULE": "dashboard.settings",
        }
        if kubeconfig:  # a real cluster instead of the fake one, named CLUSTER; no history (as real_cluster.py)
            self.env.update(
                CLUSTERVIZ_KUBECONFIG=kubeconfig,
                CLUSTERVIZ_CLUSTER_NAME=CLUSTER,
                CLUSTERVIZ_FAKE_ENABLED="0",
                CLUSTERVIZ_HISTORY="0",
            )
        self.log_path = log_path
        py = sys.executable
        subprocess.run([py, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=self.env, check=True)
        self.log = open(log_path, "w")  # noqa: SIM115 - held open for the server process's lifetime, closed in stop()
        # daphne caps websocket messages at 1 MiB by default; the state message is larger from about 2,000 pods on
        # (100 workers × 30 pods: 1.6 MB), and then the page never renders (see BENCHMARKS.md). The bench
        # raises the cap on the command line (--ws-max-bytes 0 keeps daphne's default, to reproduce).
        extra = (
            []
            if not ws_max_bytes
            else ["--websocket-max-message-size", str(ws_max_bytes), "--websocket-max-frame-size", str(ws_max_bytes)]
        )
        self.proc = subprocess.Popen(
            [py, "manage.py", "runserver", "--noreload", *extra, f"127.0.0.1:{self.port}"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 120
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited ({self.proc.returncode}); log:\n{log_path.read_text()[-3000:]}")
            try:
                urllib.request.urlopen(self.url("/api/v1/clusters"), timeout=2).read()
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        self.tmp.cleanup()

    def log_problems(self) -> list[str]:
        text = self.log_path.read_text(errors="replace")
        lines = text.splitlines()
        bad = [
            i
            for i, line in enumerate(lines)
            if re.search(r"Traceback|ERROR|Error|exception|WARNING|took too long", line)
        ]
        return [f"{len(bad)} matching lines", *[lines[i][:300] for i in bad][:20]]


def _r(x: Any, nd: int = 1) -> Any:
    if isinstance(x, float):
        return round(x, nd)
    if isinstance(x, dict):
        return {k: _r(v, nd) for k, v in x.items()}
    if isinstance(x, list):
        return [_r(v, nd) for v in x]
    return x


def state_endpoint(server: DjangoServer, runs: int = 3) -> dict[str, Any]:
    out: dict[str, Any] = {}
    variants = (
        ("identity", "", {}),
        ("gzip", "", {"Accept-Encoding": "gzip"}),
        ("table", "?pods=table", {}),
        ("tableGzip", "?pods=table", {"Accept-Encoding": "gzip"}),
    )
    for label, query, headers in variants:
        times, size = [], 0
        for _ in range(runs):
            req = urllib.request.Request(server.url(f"/api/v1/clusters/{CLUSTER}/state{query}"), headers=headers)
            t = time.perf_counter()
            with urllib.request.urlopen(req, timeout=600) as r:
                body = r.read()
            times.append(time.perf_counter() - t)
            size = len(body)
        out[label] = {"bytes": size, "secondsMedian": round(statistics.median(times), 3), "runs": runs}
    return out


def wait_for_pods(server: DjangoServer, expect: int, timeout_s: float) -> float:
    t0 = time.perf_counter()
    while True:
        with urllib.request.urlopen(server.url(f"/api/v1/clusters/{CLUSTER}/state?pods=table"), timeout=600) as r:
            pods = len(json.loads(r.read())["podTable"]["rows"])
        if pods >= expect:
            return round(time.perf_counter() - t0, 1)
        if time.perf_counter() - t0 > timeout_s:
            raise RuntimeError(f"only {pods} of {expect} pods listed after {timeout_s:g} s")
        time.sleep(2)


def open_page(
    browser: Any, server: DjangoServer, errors: list[str], on_ws: Any = None, timeout_s: float = 600
) -> tuple[Any, Any, float]:
    ctx = browser.new_context(viewport={"width": 1600, "height": 1000}, device_scale_factor=1.0)
    ctx.add_init_script(INIT_JS)
    page = ctx.new_page()
    page.set_default_timeout(timeout_s * 1000)
    page.on("pageerror", lambda e: errors.append("pageerror: " + str(e)[:300]))
    page.on(
        "console",
        lambda m: errors.append(f"console.{m.type}: {m.text[:300]}") if m.type in ("error", "warning") else None,
    )
    if on_ws is not None:
        page.on("websocket", on_ws)
    t = time.perf_counter()
    page.goto(server.url(f"/clusters/{CLUSTER}/"), wait_until="commit", timeout=timeout_s * 1000)
    page.wait_for_function(
        "() => window.__bench && window.__bench.renderedAt !== null", timeout=timeout_s * 1000, polling=50
    )
    return ctx, page, time.perf_counter() - t


BASELINE_PATH = "/__bench_baseline"
BASELINE_HTML = """<!doctype html><meta charset="utf-8"><title>baseline</title><body style="margin:0">
<canvas id="c" width="1600" height="1000"></canvas><script>
(async () => {
  const text = await (await fetch(STATE_URL)).text();
  const t0 = performance.now();
  const st = JSON.parse(text);
  const t1 = performance.now();
  const t = st.podTable, n = t ? t.rows.length : st.pods.length;
  const colour = {running: '#2e7d32', pending: '#f9a825', failed: '#c62828', succeeded: '#546e7a'};
  const g = document.getElementById('c').getContext('2d'), cols = Math.ceil(Math.sqrt(n * 1.6)), w = 1600 / cols;
  for (let i = 0; i < n; i++) {
    g.fillStyle = colour[t ? t.values[t.rows[i][6]] : st.pods[i].statusClass] || '#888';  // a field read per pod
    g.fillRect((i % cols) * w, Math.floor(i / cols) * w, w * 0.8, w * 0.8);
  }
  requestAnimationFrame(() => { window.__baseline = {renderedAtMs: performance.now(), stateFetchedAtMs: t0,
    parseMs: t1 - t0, fetchedToRenderedMs: performance.now() - t0, stateChars: text.length, pods: n}; });
})();
</script>"""
"""The practical limit of this browser (issue 12): a page that only fetches the state (the same pod format, from the
same server), parses it and fills one rectangle per pod. Its renderedAtMs counts from its navigation, as the map's."""


def baseline_render(browser: Any, server: DjangoServer, timeout_s: float = 600) -> dict[str, Any]:
    ctx = browser.new_context(viewport={"width": 1600, "height": 1000}, device_scale_factor=1.0)
    page = ctx.new_page()
    body = BASELINE_HTML.replace("STATE_URL", json.dumps(f"/api/v1/clusters/{CLUSTER}/state?pods=table"))
    page.route(server.url(BASELINE_PATH), lambda route: route.fulfill(status=200, content_type="text/html", body=body))
    page.goto(server.url(BASELINE_PATH), wait_until="commit", timeout=timeout_s * 1000)
    page.wait_for_function("() => window.__baseline !== undefined", timeout=timeout_s * 1000, polling=50)
    info = page.evaluate("() => window.__baseline")
    ctx.close()
    return _r(info)


def first_render_info(page: Any, wall_s: float) -> dict[str, Any]:
    info = page.evaluate(FIRST_RENDER_INFO_JS)
    info["wallSecondsPython"] = wall_s
    if info.get("stateArrivedAtMs") is not None and info.get("renderedAtMs") is not None:
        info["stateArrivalToRenderedMs"] = info["renderedAtMs"] - info["stateArrivedAtMs"]
        info["navToStateArrivalMs"] = info["stateArrivedAtMs"]
    return _r(info)


def run(args: argparse.Namespace) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    out: dict[str, Any] = {
        "benchmark": "e2e_browser",
        "workers": args.workers,
        "podsPerNode": args.pods_per_node,
        "scenario": args.scenario,
        "tick": args.tick,
        "dateUtc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "chromium": chromium_version(),
        "loadavgStart": [round(x, 2) for x in os.getloadavg()],
    }
    log_path = Path(args.log or (ROOT / "bench" / "out" / f"e2e-server-{args.workers}.log"))
    log_path.parent.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    out["wsMaxBytes"] = args.ws_max_bytes or "daphne default (1 MiB)"
    out["serverEnv"] = {k: os.environ.get(k, "(default)") for k in ("CLUSTERVIZ_HISTORY",)}
    out["serverEnv"]["CLUSTERVIZ_ANONYMOUS_READ"] = "1"
    if args.kubeconfig:
        global CLUSTER
        CLUSTER = "real"
        out["kubeconfig"] = args.kubeconfig
    server = DjangoServer(
        args.workers, args.pods_per_node, args.scenario, args.tick, log_path, args.ws_max_bytes, args.kubeconfig
    )
    out["serverUpSeconds"] = round(time.perf_counter() - t, 2)
    if args.kubeconfig:
        # KubeSource serves what it has after 15 s; a big pod list arrives later (as a relist). Every render
        # measured below must be of the whole cluster, so wait for it (the cold render then is not measured).
        out["podsListedS"] = wait_for_pods(server, args.expect_pods, args.render_timeout)
    errors: list[str] = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS, headless=True)
            # -- cold: the first visitor also pays for the runtime start ---------------------------------
            cpu0 = proc_cpu_s(server.proc.pid)
            ctx, page, wall = open_page(browser, server, errors, timeout_s=args.render_timeout)
            cold = first_render_info(page, wall)
            cold["serverCpuSeconds"] = round(proc_cpu_s(server.proc.pid) - cpu0, 2)
            cold["loadavg"] = [round(x, 2) for x in os.getloadavg()]
            out["cold"] = cold
            out["serverMemAfterStart"] = proc_mem_mb(server.proc.pid)
            ctx.close()
            print(f"e2e {args.workers}: cold first render {cold['renderedAtMs']} ms", file=sys.stderr, flush=True)
            # -- warm first renders -------------------------------------------------------------------
            warm: list[dict[str, Any]] = []
            baselines: list[dict[str, Any]] = []  # alternating with the warm renders, same browser, same server
            for i in range(args.warm):
                ctx, page, wall = open_page(browser, server, errors)
                w = first_render_info(page, wall)
                w["loadavg"] = [round(x, 2) for x in os.getloadavg()]
                warm.append(w)
                ctx.close()
                baselines.append(baseline_render(browser, server))
                print(
                    f"e2e {args.workers}: warm first render {i + 1}: {w['renderedAtMs']} ms",
                    file=sys.stderr,
                    flush=True,
                )
            out["warm"] = warm
            keys = (
                "renderedAtMs",
                "navToStateArrivalMs",
                "stateArrivalToRenderedMs",
                "lastStateApplyMs",
                "firstDrawMs",
            )
            out["warmMedian"] = {
                k: round(statistics.median(w[k] for w in warm if w.get(k) is not None), 1)
                for k in keys
                if any(w.get(k) is not None for w in warm)
            }
            out["warmMedian"]["runs"] = len(warm)
            out["baseline"] = baselines
            if baselines:
                base = statistics.median(b["renderedAtMs"] for b in baselines)
                out["baselineMedianRenderedAtMs"] = round(base, 1)
                out["warmOverBaseline"] = round(out["warmMedian"]["renderedAtMs"] / base, 2)
            out["warmMedian"]["stateChars"] = warm[0]["stateChars"] if warm else None
            # -- churn window: websocket bytes, deltas, stats --------------------------------------------
            frames: list[tuple[float, int]] = []
            state = {"armed": False}

            def on_ws(ws: Any) -> None:
                def rec(payload: Any) -> None:
                    if state["armed"]:
                        frames.append(
                            (time.monotonic(), len(payload.encode() if isinstance(payload, str) else payload))
                        )

                ws.on("framereceived", rec)

            ctx, page, wall = open_page(browser, server, errors, on_ws=on_ws)
            page.wait_for_timeout(1000)  # let the state's aftermath (buffered deltas) pass
            cpu0, w0 = proc_cpu_s(server.proc.pid), time.monotonic()
            page.evaluate(START_SAMPLING_JS)
            state["armed"] = True
            page.wait_for_timeout(args.window * 1000)
            state["armed"] = False
            win = page.evaluate(STOP_SAMPLING_JS)
            cpu1, w1 = proc_cpu_s(server.proc.pid), time.monotonic()
            samples = win.pop("samples")
            dms = [s["deltaMs"] for s in samples]
            secs = w1 - w0
            win.update(
                {
                    "wsFrames": len(frames),
                    "wsBytes": sum(n for _, n in frames),
                    "wsBytesPerS": round(sum(n for _, n in frames) / args.window),
                    "lastDeltaMsMedian": round(statistics.median(dms), 1) if dms else None,
                    "lastDeltaMsP95": round(sorted(dms)[int(0.95 * (len(dms) - 1))], 1) if dms else None,
                    "lastDeltaMsMax": round(max(dms), 1) if dms else None,
                    "deltaApplyMsMedian": round(statistics.median(s["applyMs"] for s in samples), 2)
                    if samples
                    else None,
                    "deltaDrawMsMedian": round(statistics.median(s["drawMs"] for s in samples), 2) if samples else None,
                    "samples": len(samples),
                    "serverCpuPercent": round(100 * (cpu1 - cpu0) / secs, 1),
                    "loadavg": [round(x, 2) for x in os.getloadavg()],
                }
            )
            out["churnWindow"] = _r(win)
            print(
                f"e2e {args.workers}: churn window {win['wsBytesPerS']} B/s, lastDeltaMs median {win['lastDeltaMsMedian']}",
                file=sys.stderr,
                flush=True,
            )
            # -- 1 % delta, harness style --------------------------------------------------------------------
            setup = page.evaluate(DELTA_SETUP_JS, f"/api/v1/clusters/{CLUSTER}/state")
            runs = [page.evaluate(DELTA_RUN_JS, [args.fraction, 12345 + i]) for i in range(args.deltas)]
            mt = [r["mainThreadMs"] for r in runs]
            out["delta1pct"] = _r(
                {
                    "upserts": runs[0]["upserts"] if runs else 0,
                    "bytes": runs[0]["bytes"] if runs else 0,
                    "runs": len(runs),
                    "results": sorted({r["result"] for r in runs}),
                    "mainThreadMsMedian": statistics.median(mt) if mt else None,
                    "mainThreadMsMax": max(mt) if mt else None,
                    "parseMsMedian": statistics.median(r["parseMs"] for r in runs) if runs else None,
                    "applyMsMedian": statistics.median(r["applyMs"] for r in runs) if runs else None,
                    "drawMsMedian": statistics.median(r["drawMs"] for r in runs) if runs else None,
                    "stateFetched": setup,
                    "loadavg": [round(x, 2) for x in os.getloadavg()],
                    "all": [
                        {k: r[k] for k in ("mainThreadMs", "parseMs", "applyMs", "drawMs", "result")} for r in runs
                    ],
                }
            )
            out["delta1pct"]["fraction"] = args.fraction
            print(
                f"e2e {args.workers}: 1% delta median {out['delta1pct']['mainThreadMsMedian']} ms",
                file=sys.stderr,
                flush=True,
            )
            page.evaluate("() => { delete window.__bench.realState; }")
            cdp = page.context.new_cdp_session(page)
            cdp.send("HeapProfiler.collectGarbage")
            heap = cdp.send("Runtime.getHeapUsage")
            out["heapUsedMB"] = round(heap["usedSize"] / 1048576, 1)
            out["heapTotalMB"] = round(heap["totalSize"] / 1048576, 1)
            out["indicator"] = page.evaluate("() => window.clusterviz.indicator()")
            ctx.close()
            browser.close()
        out["stateEndpoint"] = state_endpoint(server, runs=args.state_runs)
        out["serverMemEnd"] = proc_mem_mb(server.proc.pid)
    finally:
        out["errors"] = errors[:40]
        out["serverLogProblems"] = server.log_problems()
        out["serverLog"] = str(log_path)
        server.close()
    out["loadavgEnd"] = [round(x, 2) for x in os.getloadavg()]
    return out


def summary_row(r: dict[str, Any]) -> str:
    c, w, ch, d = r.get("cold", {}), r.get("warmMedian", {}), r.get("churnWindow", {}), r.get("delta1pct", {})
    return (
        f"| {r['workers']} | {c.get('pods', '')} | {c.get('renderedAtMs', '')} | {w.get('renderedAtMs', '')} (n={w.get('runs', '')}) | "
        f"{w.get('navToStateArrivalMs', '')} / {w.get('stateArrivalToRenderedMs', '')} | {d.get('mainThreadMsMedian', '')} (n={d.get('runs', '')}) | "
        f"{ch.get('lastDeltaMsMedian', '')} / {ch.get('lastDeltaMsMax', '')} | {ch.get('wsBytesPerS', ''):,} | {ch.get('serverCpuPercent', '')} | "
        f"{r.get('heapUsedMB', '')} | {' '.join(str(x) for x in r.get('loadavgStart', []))} |"
    )


SUMMARY_HEAD = (
    "| workers | pods | cold first render ms | warm first render ms (median) | warm: nav→state msg / state msg→rendered ms | "
    "1 % delta main-thread ms (median) | live lastDeltaMs median / max | ws bytes/s | server CPU % | JS heap MB | load avg at start |\n"
    "|---:|---:|---:|---:|---|---:|---|---:|---:|---:|---|"
)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, default=100)
    ap.add_argument(
        "--kubeconfig", help="a real cluster (named 'real') instead of the fake; the churn window then samples its own"
    )
    ap.add_argument("--expect-pods", type=int, default=1, help="with --kubeconfig: wait until this many are listed")
    ap.add_argument("--pods-per-node", type=int, default=30)
    ap.add_argument("--scenario", default="churn")
    ap.add_argument("--tick", type=float, default=0.25)
    ap.add_argument("--warm", type=int, default=3, help="warm first renders (median)")
    ap.add_argument("--window", type=float, default=20.0, help="seconds of the churn window")
    ap.add_argument("--deltas", type=int, default=5, help="1%% deltas to time")
    ap.add_argument("--fraction", type=float, default=0.01)
    ap.add_argument("--state-runs", type=int, default=3)
    ap.add_argument(
        "--ws-max-bytes",
        type=int,
        default=1 << 30,
        help="daphne --websocket-max-message-size/--websocket-max-frame-size (0: daphne's 1 MiB default)",
    )
    ap.add_argument("--render-timeout", type=float, default=600, help="seconds to wait for a first render")
    ap.add_argument("--log", help="server log path (default bench/out/e2e-server-<workers>.log)")
    ap.add_argument("--json", help="write results here")
    args = ap.parse_args(argv)
    out = run(args)
    text = json.dumps(out, indent=2)
    print(SUMMARY_HEAD)
    print(summary_row(out))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(text + "\n")
    return out


if __name__ == "__main__":
    main()
