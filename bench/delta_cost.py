"""Web-process CPU per delta per websocket client, at several cluster sizes (issue 12: "cost as the work grows").

    python bench/delta_cost.py --sizes 100,1000,5000 --clients 20 --window 30 --json bench/out/delta-cost.json

For each size (workers x --pods-per-node), the real server (manage.py runserver, inline: the fake cluster's churn
scenario, tick 0.25 s) is started as bench/e2e_browser.py starts it. One websocket client takes its state and reads
deltas for --window s (phase A); then --clients more take their state, and once all have it, all read deltas for
--window s (phase B). The server's CPU (utime + stime from /proc) is read around each window, and each client
counts the deltas and their bytes. Both windows contain the runtime's own work (fake cluster, store, deltas), so

    web CPU per delta per client = (CPU_B / s - CPU_A / s) / (extra clients x deltas per s per client)

is what one more client costs per delta: the channel layer's group send, the consumer, daphne's framing. Flat
across sizes means O(changes); growing with the size would mean per-client work on the whole model.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from e2e_browser import DjangoServer, proc_mem_mb

OUT = Path(__file__).resolve().parent / "out"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime


class Client:
    def __init__(self) -> None:
        self.deltas = 0
        self.bytes = 0
        self.counting = False
        self.has_state = asyncio.Event()

    async def run(self, session: Any, url: str, origin: str, stop: asyncio.Event) -> None:
        import aiohttp

        async with session.ws_connect(url, max_msg_size=0, origin=origin) as ws:
            await ws.receive()  # the state
            self.has_state.set()
            while not stop.is_set():
                msg = await ws.receive()
                if msg.type != aiohttp.WSMsgType.TEXT:
                    return
                if self.counting and msg.data.startswith('{"type":"delta"'):
                    self.deltas += 1
                    self.bytes += len(msg.data)


async def window(server: DjangoServer, clients: list[Client], seconds: float) -> dict[str, Any]:
    for c in clients:
        c.deltas = c.bytes = 0
        c.counting = True
    cpu, t = cpu_seconds(server.proc.pid), time.monotonic()
    await asyncio.sleep(seconds)
    cpu, wall = cpu_seconds(server.proc.pid) - cpu, time.monotonic() - t
    for c in clients:
        c.counting = False
    deltas = sum(c.deltas for c in clients)
    return {
        "clients": len(clients),
        "wallS": round(wall, 2),
        "cpuS": round(cpu, 2),
        "deltasPerClientPerS": round(deltas / len(clients) / wall, 2),
        "bytesPerDelta": round(sum(c.bytes for c in clients) / max(deltas, 1)),
    }


async def measure(server: DjangoServer, extra: int, seconds: float) -> dict[str, Any]:
    import aiohttp

    url = server.url("/ws/clusters/demo/?pods=table").replace("http://", "ws://")
    origin, stop = server.url(""), asyncio.Event()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None)) as session:
        clients = [Client()]
        tasks = [asyncio.create_task(clients[0].run(session, url, origin, stop))]
        await asyncio.wait_for(clients[0].has_state.wait(), 900)
        a = await window(server, clients, seconds)
        more = [Client() for _ in range(extra)]
        tasks += [asyncio.create_task(c.run(session, url, origin, stop)) for c in more]
        await asyncio.wait_for(asyncio.gather(*(c.has_state.wait() for c in more)), 900)
        b = await window(server, clients + more, seconds)
        stop.set()
        for task in tasks:
            task.cancel()
    extra_cpu_per_s = b["cpuS"] / b["wallS"] - a["cpuS"] / a["wallS"]
    per_delta = extra_cpu_per_s / (extra * b["deltasPerClientPerS"]) if b["deltasPerClientPerS"] else None
    return {
        "A": a,
        "B": b,
        "webCpuPerDeltaPerClientMs": None if per_delta is None else round(per_delta * 1000, 3),
        "rss": proc_mem_mb(server.proc.pid),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100,1000,5000", help="workers, comma separated")
    ap.add_argument("--pods-per-node", type=int, default=30)
    ap.add_argument("--clients", type=int, default=20, help="clients added for phase B")
    ap.add_argument("--window", type=float, default=30.0)
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "sizes": {}}
    for workers in (int(s) for s in args.sizes.split(",")):
        load = os.getloadavg()
        server = DjangoServer(workers, args.pods_per_node, "churn", 0.25, OUT / f"delta-cost-{workers}.log", 1 << 30)
        try:
            run = asyncio.run(measure(server, args.clients, args.window))
        finally:
            server.close()
        run.update(pods=workers * args.pods_per_node, loadavgStart=load, loadavgEnd=os.getloadavg())
        result["sizes"][workers] = run
        print(json.dumps({workers: run}), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main()
