"""How fast the server writes a first state to a websocket client that reads as fast as it can.

    python bench/first_state_send.py --workers 5000 --runs 6 --json bench/out/first-state-send.json

The same server as ``bench/e2e_browser.py`` (runserver on the fake cluster, churn, history on). A raw socket does
the websocket handshake for ``?pods=table`` and reads until 99 % of the state endpoint's bytes have come (under churn
a later version may be a few bytes smaller; the last 1 % is left out), nothing else: the time is the server's (the
shared state is made before the first measured run by a cold one). The browser reads slower than
this; what it costs there is ``e2e_browser.py``'s to measure.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import socket
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from e2e_browser import CLUSTER, DjangoServer
from pipeline import machine


def handshake(port: int) -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    return (
        f"GET /ws/clusters/{CLUSTER}/?pods=table HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Origin: http://127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode()


def read_state(port: int, size: int) -> dict[str, float]:
    """Connect, and read ``size`` bytes (the handshake's answer, then the state's frames)."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        t0 = time.perf_counter()
        sock.sendall(handshake(port))
        got, first = 0, None
        while got < size:
            data = sock.recv(1 << 20)
            if not data:
                raise RuntimeError(f"the server closed after {got} of {size} bytes")
            first = first if first is not None else time.perf_counter() - t0
            got += len(data)
        return {"firstByteMs": round((first or 0) * 1000, 1), "stateMs": round((time.perf_counter() - t0) * 1000, 1)}


def state_size(server: DjangoServer) -> int:
    """The state's bytes as the websocket sends them (the endpoint's, with its "type" field, give or take)."""
    import urllib.request

    with urllib.request.urlopen(server.url(f"/api/v1/clusters/{CLUSTER}/state?pods=table"), timeout=600) as r:
        return len(r.read())


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, default=5000)
    ap.add_argument("--pods-per-node", type=int, default=30)
    ap.add_argument("--runs", type=int, default=6)
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    log = Path(__file__).resolve().parent / "out" / f"first-state-send-server-{args.workers}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "machine": machine()}
    result["loadavgStart"] = os.getloadavg()
    server = DjangoServer(args.workers, args.pods_per_node, "churn", 0.25, log, 64 * 1024 * 1024)
    try:
        size = int(state_size(server) * 0.99)  # the state message's own bytes are a little more
        read_state(server.port, size)  # cold: the runtime's first list and the first shared state
        runs = []
        for _ in range(args.runs):
            runs.append(read_state(server.port, size))
            time.sleep(1)
    finally:
        server.close()
    result |= {"stateBytes": size, "runs": runs, "loadavgEnd": os.getloadavg()}
    result["stateMsMedian"] = statistics.median(r["stateMs"] for r in runs)
    print(f"{size / 1e6:.1f} MB: {[r['stateMs'] for r in runs]} ms, median {result['stateMsMedian']} ms")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main()
