"""What one namespace-scoped websocket costs the others: the event loop's longest stall while it takes its first
state, with the scope's filter in a worker thread (dashboard.access.websocket.scoped_send) and, for comparison,
run on the event loop as before issue 14 (a worker thread is no better: orjson and the filter hold the GIL).

The state is bench/history.py's synthetic cluster (nodes x 30 pods, 20 namespaces) in the table form the pages
ask for; the viewer is scoped to one namespace. A ticker coroutine measures the loop's longest gap.

    .venv/bin/python bench/scoped_filter.py --nodes 5000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


async def longest_stall(work: Any) -> tuple[float, float]:
    """(seconds the work took, the loop's longest gap meanwhile) with a ticker asking for 5 ms sleeps."""
    gaps: list[float] = []
    done = asyncio.Event()

    async def tick() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0.05)
    start = time.perf_counter()
    await work()
    took = time.perf_counter() - start
    done.set()
    await ticker
    return took, max(gaps)


async def main(nodes: int) -> None:
    from history import Cluster

    from clusterviz.podtable import table_state_json
    from dashboard.access.scope import Scope
    from dashboard.access.websocket import scoped_send

    state = Cluster(nodes=nodes, pods_per_node=30, seed=3, whole=False).state()
    text = b'{"type":"state",' + table_state_json(state)[1:]
    message = {"type": "websocket.send", "text": text.decode()}
    namespace = state["pods"][0]["namespace"]
    scope = Scope.of([], [namespace])
    sent: list[Any] = []

    async def deliver(m: Any) -> None:
        sent.append(m)

    async def in_thread() -> None:
        await scoped_send(deliver, scope)(message)

    async def on_loop() -> None:
        scope.filter_message(message["text"], {})

    print(
        f"{len(state['pods'])} pods, state {len(text) / 1e6:.1f} MB, scoped to {namespace!r}, load {os.getloadavg()[0]:.1f}"
    )
    for name, work in (("filter process (now)", in_thread), ("event loop (before)", on_loop)):
        took, stall = await longest_stall(work)
        print(f"{name:22} filter {took:6.2f} s   longest event-loop gap {stall * 1000:7.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nodes", type=int, default=5000)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
    import django

    django.setup()
    asyncio.run(main(args.nodes))
