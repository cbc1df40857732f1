"""The state's two pod formats side by side: bytes, server time, and the browser's parse and decode time.

    python bench/state_formats.py --workers 5000 --pods-per-node 32 --json bench/out/state-formats.json

For each format (``objects``, ``table``) it loads the fake cluster into a ClusterStore and measures:

* server: the first ``state_json_parts`` (every pod encoded), a second one after 1 % of the pods changed
  (what a client connecting under churn costs), and the join; median of ``--repeat``;
* browser (headless Chromium, Debian's ``chromium``): the state is served as a file by a local HTTP server
  and fetched as text by a page, which then times ``JSON.parse`` and ``podsOf`` + ``nodesOf`` from
  ``static/clusterviz/podtable.js`` (the page's own decoders) — median of ``--repeat``, after one warm-up.

No daphne and no websocket: section 2 of BENCHMARKS.md (``bench/e2e_browser.py``) measures the whole path.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from e2e_browser import CHROME_ARGS, CHROMIUM, chromium_version  # noqa: E402
from pipeline import machine  # noqa: E402

from clusterviz.clock import ManualClock  # noqa: E402
from clusterviz.fake import FakeCluster  # noqa: E402
from clusterviz.store import POD_FORMATS, ClusterStore, PodFormat  # noqa: E402
from clusterviz.wire import SourceStatus  # noqa: E402

SOURCE: SourceStatus = {"kind": "fake", "state": "live", "reason": "", "lastEventAt": None, "resourceVersion": ""}

PAGE = """<!doctype html><meta charset="utf-8"><script type="module">import { nodesOf, podsOf } from "./podtable.js"; window.clustervizPods = { nodesOf, podsOf };</script>"""
MEASURE_JS = """async (name) => {
  const text = await (await fetch(name)).text();
  const t0 = performance.now();
  const st = JSON.parse(text);
  const t1 = performance.now();
  const pods = window.clustervizPods.podsOf(st);
  window.clustervizPods.nodesOf(st);
  const t2 = performance.now();
  const m = new Map();
  for (const p of pods) m.set(p.uid, p);
  const t3 = performance.now();
  return {parseMs: t1 - t0, decodeMs: t2 - t1, mapMs: t3 - t2, pods: pods.length, chars: text.length};
}"""


def server_side(workers: int, pods_per_node: int, repeat: int) -> tuple[dict[str, Any], dict[PodFormat, bytes]]:
    cluster = FakeCluster(seed=1, clock=ManualClock(), workers=workers, pods_per_node=pods_per_node, scenario="quiet")
    objects, _ = cluster.list_all()
    out: dict[str, Any] = {}
    data: dict[PodFormat, bytes] = {}
    for fmt in POD_FORMATS:
        store = ClusterStore("bench", SOURCE)
        store.load(objects, cluster.clock.now())
        t0 = time.perf_counter()
        parts = store.state_json_parts(b"", fmt)
        first = time.perf_counter() - t0
        again, joins = [], []
        pods = list(store._pods.values())
        for r in range(repeat):
            for pod in pods[r::100]:  # 1 % of the pods change: their rows are encoded again
                store._set_pod(pod["uid"], {**pod, "restarts": pod["restarts"] + 1}, pod)  # type: ignore[typeddict-item]
            t0 = time.perf_counter()
            parts = store.state_json_parts(b"", fmt)
            again.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            joined = parts.join()
            joins.append(time.perf_counter() - t0)
        data[fmt] = joined
        out[fmt] = {
            "bytes": len(joined),
            "firstPartsS": round(first, 3),
            "partsAfter1pctS": round(statistics.median(again), 4),
            "joinS": round(statistics.median(joins), 4),
            "pods": len(store._pods),
        }
    return out, data


def browser_side(data: dict[PodFormat, bytes], repeat: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "index.html").write_text(PAGE)
        (root / "podtable.js").write_bytes((ROOT / "static/clusterviz/podtable.js").read_bytes())
        for fmt, body in data.items():
            (root / f"{fmt}.json").write_bytes(body)
        handler = functools.partial(_QuietHandler, directory=tmp)
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{httpd.server_address[1]}/"
        out: dict[str, Any] = {}
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS)
                page = browser.new_page()
                page.goto(url + "index.html")
                for fmt in data:
                    page.evaluate(MEASURE_JS, f"{fmt}.json")  # warm-up
                    runs = [page.evaluate(MEASURE_JS, f"{fmt}.json") for _ in range(repeat)]
                    out[fmt] = {
                        key: round(statistics.median(r[key] for r in runs), 1)
                        for key in ("parseMs", "decodeMs", "mapMs")
                    } | {"runs": runs, "pods": runs[0]["pods"]}
                browser.close()
        finally:
            httpd.shutdown()
    return out


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, default=5000)
    ap.add_argument("--pods-per-node", type=int, default=32)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    result: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": machine(),
        "chromium": chromium_version(),
        "loadavgStart": os.getloadavg(),
        "workers": args.workers,
    }
    result["server"], data = server_side(args.workers, args.pods_per_node, args.repeat)
    result["browser"] = browser_side(data, args.repeat)
    result["loadavgEnd"] = os.getloadavg()
    print(
        f"{'format':8} {'MB':>7} {'first parts s':>13} {'parts 1% s':>10} {'join s':>7} {'parse ms':>9} {'decode ms':>9}"
    )
    for fmt in POD_FORMATS:
        s, b = result["server"][fmt], result["browser"][fmt]
        print(
            f"{fmt:8} {s['bytes'] / 1e6:7.1f} {s['firstPartsS']:13.2f} {s['partsAfter1pctS']:10.3f} {s['joinS']:7.3f}"
            f" {b['parseMs']:9.0f} {b['decodeMs']:9.0f}"
        )
    print(f"pods {result['server']['table']['pods']}, load {result['loadavgStart']} → {result['loadavgEnd']}")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main()
