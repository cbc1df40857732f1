"""What grows in the wall's JS heap under churn: two heap snapshots some minutes apart, compared by kind.

Starts the server as bench/e2e_browser.py does (fake cluster, scenario churn), opens /wall/demo/ in headless
Chromium at 1920×1080, waits until the wall has the pods and a minute more, then takes a heap snapshot (CDP, after
two forced collections), waits ``--minutes`` and takes another. Prints the kinds whose self size grew the most
(objects by constructor, strings by their value with digits folded, so that a thousand copies of ``amd64`` show as
one line), and the ones that shrank. BENCHMARKS.md §15 used it at 5,000 workers for 10 minutes.

    python bench/wall_heap.py --workers 5000 --minutes 10
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from e2e_browser import CHROME_ARGS, CHROMIUM, CLUSTER, DjangoServer

NAMED = ("object", "closure", "native", "hidden", "array", "code", "object shape")
STRINGS = ("string", "concatenated string", "sliced string")
Kind = tuple[str, str]


def take_snapshot(cdp: Any, path: Path) -> None:
    chunks: list[str] = []
    cdp.on("HeapProfiler.addHeapSnapshotChunk", lambda event: chunks.append(event["chunk"]))
    cdp.send("HeapProfiler.collectGarbage")
    cdp.send("HeapProfiler.collectGarbage")
    cdp.send("HeapProfiler.takeHeapSnapshot", {"reportProgress": False})
    path.write_text("".join(chunks))


def folded(text: str) -> str:
    """A string's value with hex runs and numbers folded: copies of one kind of value count together."""
    return re.sub(r"\d+", "N", re.sub(r"[0-9a-f]{5,}", "#", text[:40]))


def kinds(path: Path) -> tuple[Counter[Kind], Counter[Kind]]:
    """Self size and count per kind of node in a heap snapshot."""
    snap = json.loads(path.read_text())
    meta = snap["snapshot"]["meta"]
    fields, types, strings, nodes = meta["node_fields"], meta["node_types"][0], snap["strings"], snap["nodes"]
    width, ti, ni, si = len(fields), fields.index("type"), fields.index("name"), fields.index("self_size")
    size: Counter[Kind] = Counter()
    count: Counter[Kind] = Counter()
    for i in range(0, len(nodes), width):
        kind = types[nodes[i + ti]]
        name = strings[nodes[i + ni]]
        key = (kind, folded(name) if kind in STRINGS else name[:60] if kind in NAMED else "")
        size[key] += nodes[i + si]
        count[key] += 1
    return size, count


def compare(before: Path, after: Path, top: int) -> dict[str, Any]:
    (sa, ca), (sb, cb) = kinds(before), kinds(after)
    rows = sorted(((sb[k] - sa[k], cb[k] - ca[k], k) for k in set(sa) | set(sb)), reverse=True)
    as_row = lambda r: {"bytes": r[0], "nodes": r[1], "kind": r[2][0], "name": r[2][1]}  # noqa: E731
    return {
        "totalBefore": sum(sa.values()),
        "totalAfter": sum(sb.values()),
        "grew": [as_row(r) for r in rows[:top]],
        "shrank": [as_row(r) for r in rows[-top:]],
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="clusterviz-heap-"))
    server = DjangoServer(args.workers, args.ppn, "churn", 0.25, tmp / "server.log", 512 * 2**20)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS, headless=True)
            page = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
            page.goto(server.url(f"/wall/{CLUSTER}/"), timeout=900_000)
            want = int(0.9 * args.workers * args.ppn) or 1
            page.wait_for_function(
                f"() => window.clusterviz && window.clusterviz.state.pods.size >= {want}", timeout=900_000, polling=1000
            )
            page.wait_for_timeout(60_000)
            cdp = page.context.new_cdp_session(page)
            cdp.send("HeapProfiler.enable")
            take_snapshot(cdp, tmp / "before.heapsnapshot")
            page.wait_for_timeout(args.minutes * 60_000)
            take_snapshot(cdp, tmp / "after.heapsnapshot")
            browser.close()
    finally:
        server.close()
    result = compare(tmp / "before.heapsnapshot", tmp / "after.heapsnapshot", args.top)
    result.update(workers=args.workers, ppn=args.ppn, minutes=args.minutes, snapshots=str(tmp))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=5000)
    parser.add_argument("--ppn", type=int, default=30, help="extra pods per worker")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--top", type=int, default=25, help="how many kinds that grew (and shrank) to show")
    parser.add_argument("--json", default="")
    args = parser.parse_args()
    result = run(args)
    print(f"total self size {result['totalBefore']:,} -> {result['totalAfter']:,} bytes")
    for row in result["grew"]:
        print(f"{row['bytes']:>+12,} bytes {row['nodes']:>+8,} nodes  {row['kind']}: {row['name']}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
