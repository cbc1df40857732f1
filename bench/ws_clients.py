"""Memory of the web process while many websocket clients take their first state at once.

    python bench/ws_clients.py --workers 5000 --clients 50 --json bench/out/ws-clients-5000.json

Starts the real server on the fake cluster (as bench/e2e_browser.py does: manage.py runserver, inline mode),
connects one client (the runtime starts and lists), then ``--clients`` aiohttp clients at the same moment, each
reading its state message and staying connected for ``--hold`` seconds; then all leave. The server's VmRSS and
VmHWM (peak) are read from /proc after the first client, after all got their state, and after they left.
``--pods`` picks the state's pod format (``table``, what the pages ask for, or ``objects``). ``--stagger`` spreads
the clients' connects (one every S seconds) and ``--stall`` makes each leave its socket unread for S seconds after
connecting, as a slow link does: under churn each then starts at another version.

    python bench/ws_clients.py --workers 5000 --clients 50 --stagger 0.5 --stall 15
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from e2e_browser import DjangoServer, proc_mem_mb, wait_for_pods

OUT = Path(__file__).resolve().parent / "out"


async def _clients(
    server: DjangoServer, n: int, fmt: str, hold: float, stagger: float = 0.0, stall: float = 0.0
) -> dict[str, Any]:
    import aiohttp

    url = server.url(f"/ws/clusters/demo/?pods={fmt}").replace("http://", "ws://")
    origin = server.url("")
    out: dict[str, Any] = {}
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None)) as session:
        async with session.ws_connect(url, max_msg_size=0, origin=origin) as ws:
            first = await ws.receive()
            out["stateBytes"] = len(first.data)
        out["afterOneClient"] = proc_mem_mb(server.proc.pid)
        sizes: list[int] = []
        seqs: list[int] = []  # the version each state describes: how many states the server made for the 50
        failures: list[str] = []
        all_in = asyncio.Event()

        async def one(i: int) -> None:
            await asyncio.sleep(i * stagger)
            try:
                async with session.ws_connect(url, max_msg_size=0, origin=origin) as ws:
                    if stall:  # a slow link: the server holds what the socket does not take meanwhile
                        ws._conn.transport.pause_reading()  # type: ignore[union-attr]
                        await asyncio.sleep(stall)
                        ws._conn.transport.resume_reading()  # type: ignore[union-attr]
                    msg = await ws.receive()
                    if msg.type == aiohttp.WSMsgType.TEXT:
                        sizes.append(len(msg.data))
                        seq = re.search(r'"seq":(\d+)', msg.data[:512])
                        seqs.append(int(seq.group(1)) if seq else -1)
                    else:
                        failures.append(f"{msg.type.name}: {msg.data!r} {msg.extra!r}"[:200])
                    if len(sizes) + len(failures) == n:
                        all_in.set()
                    await asyncio.sleep(hold)
            except Exception as error:  # counted, not hidden: a client that failed is not waited for
                failures.append(repr(error)[:200])
                if len(sizes) + len(failures) == n:
                    all_in.set()

        t = time.monotonic()
        tasks = [asyncio.create_task(one(i)) for i in range(n)]
        peak = asyncio.create_task(_peak_rss(server.proc.pid, all_in))
        await asyncio.wait_for(all_in.wait(), 1800)
        out["allStatesS"] = round(time.monotonic() - t, 1)
        out["statesReceived"] = len(sizes)
        out["distinctStateVersions"] = len(set(seqs))
        out["failures"] = failures
        out["afterAllStates"] = proc_mem_mb(server.proc.pid)
        out["peakRssWhileJoiningMB"] = await peak
        await asyncio.gather(*tasks)
    await asyncio.sleep(3)
    out["afterAllLeft"] = proc_mem_mb(server.proc.pid)
    return out


async def _peak_rss(pid: int, done: asyncio.Event) -> float:
    """The largest VmRSS seen every 0.2 s until ``done`` (VmHWM keeps the process's peak since its start)."""
    peak = 0.0
    while not done.is_set():
        peak = max(peak, proc_mem_mb(pid)["VmRSSMB"])
        await asyncio.sleep(0.2)
    return peak


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, default=5000)
    ap.add_argument("--pods-per-node", type=int, default=30)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--pods", choices=("table", "objects"), default="table")
    ap.add_argument("--hold", type=float, default=5.0)
    ap.add_argument(
        "--scenario", default="churn", help="the fake cluster's (churn: a new version every tick; quiet: one version)"
    )
    ap.add_argument("--stagger", type=float, default=0.0, help="seconds between one client's connect and the next's")
    ap.add_argument(
        "--stall", type=float, default=0.0, help="seconds each client leaves its socket unread after connecting"
    )
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "workers": args.workers,
        "clients": args.clients,
        "pods": args.pods,
        "scenario": args.scenario,
        "staggerS": args.stagger,
        "stallS": args.stall,
        "mallocEnv": os.environ.get("MALLOC_MMAP_THRESHOLD_", "(unset: dashboard/memory.py fixes it at 1 MiB)"),
        "loadavgStart": os.getloadavg(),
    }
    server = DjangoServer(args.workers, args.pods_per_node, args.scenario, 0.25, OUT / "ws-clients-server.log", 1 << 30)
    try:
        result["afterStart"] = proc_mem_mb(server.proc.pid)
        # every pod listed before the first client: a state of a cluster still listing is empty (and small)
        result["podsListedS"] = wait_for_pods(server, args.workers * args.pods_per_node, 1800)
        result.update(asyncio.run(_clients(server, args.clients, args.pods, args.hold, args.stagger, args.stall)))
    finally:
        server.close()
    result["loadavgEnd"] = os.getloadavg()
    print(json.dumps(result, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main()
