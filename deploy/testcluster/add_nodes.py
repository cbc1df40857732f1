#!/usr/bin/env python3
"""Helper of add-nodes.sh (python3 standard library only): create N kwok nodes in parallel, wait until Ready.

    add_nodes.py APISERVER_URL PKI_DIR N

Environment (set by add-nodes.sh): NODE_PREFIX, NODE_TAINT, NODE_CPU, NODE_MEMORY, NODE_PODS, READY_TIMEOUT,
ADD_NODES_PARALLEL.

* Names are PREFIX<i> with the lowest unused indexes: one list call finds the existing names, then
  ADD_NODES_PARALLEL threads (default 16), each on its own keep-alive HTTPS connection, POST the nodes. A 409
  (created meanwhile by someone else) moves on to the next unused index.
* Readiness: one list of all nodes, repeated every second, counting the created nodes with Ready=True.
  It fails if that count does not grow for READY_TIMEOUT seconds (default 60).
* Prints the created names, one a line, in index order; progress goes to stderr.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import ssl
import sys
import threading
import time
from urllib.parse import urlsplit


def say(msg: str) -> None:
    print(f"[testcluster {time.strftime('%H:%M:%S', time.gmtime())}] {msg}", file=sys.stderr, flush=True)


class Client:
    """One keep-alive connection; reconnects once on a broken connection."""

    def __init__(self, url: str, ctx: ssl.SSLContext) -> None:
        u = urlsplit(url)
        self.host, self.port, self.ctx = u.hostname, u.port or 443, ctx
        self.conn: http.client.HTTPSConnection | None = None

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=60)
            try:
                headers = {"Content-Type": "application/json", "Accept": "application/json"}
                self.conn.request(method, path, body, headers)
                r = self.conn.getresponse()
                return r.status, r.read()
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")


def node_body(name: str) -> bytes:
    cpu = os.environ.get("NODE_CPU") or "32"
    mem = os.environ.get("NODE_MEMORY") or "256Gi"
    pods = os.environ.get("NODE_PODS") or "110"
    taints = []
    if os.environ.get("NODE_TAINT") == "1":
        taints = [{"key": "kwok.x-k8s.io/node", "value": "fake", "effect": "NoSchedule"}]
    res = {"cpu": cpu, "memory": mem, "pods": pods}
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": name,
                "annotations": {"node.alpha.kubernetes.io/ttl": "0", "kwok.x-k8s.io/node": "fake"},
                "labels": {
                    "kubernetes.io/hostname": name,
                    "kubernetes.io/os": "linux",
                    "kubernetes.io/arch": "amd64",
                    "type": "kwok",
                },
            },
            "spec": {"taints": taints},
            "status": {"allocatable": res, "capacity": res},
        }
    ).encode()


def list_nodes(client: Client) -> list[dict]:
    status, body = client.request("GET", "/api/v1/nodes")
    if status != 200:
        raise SystemExit(f"testcluster: listing nodes: HTTP {status}: {body[:300]!r}")
    return json.loads(body)["items"]


def is_ready(node: dict) -> bool:
    return any(
        c.get("type") == "Ready" and c.get("status") == "True" for c in node.get("status", {}).get("conditions") or []
    )


def main() -> None:
    url, pki, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    prefix = os.environ.get("NODE_PREFIX") or "kwok-node-"
    parallel = max(1, int(os.environ.get("ADD_NODES_PARALLEL") or "16"))
    ready_timeout = float(os.environ.get("READY_TIMEOUT") or "60")
    ctx = ssl.create_default_context(cafile=os.path.join(pki, "ca.crt"))
    ctx.load_cert_chain(os.path.join(pki, "admin.crt"), os.path.join(pki, "admin.key"))

    main_client = Client(url, ctx)
    pat = re.compile(re.escape(prefix) + r"(\d+)$")
    taken = set()
    for node in list_nodes(main_client):
        m = pat.match(node["metadata"]["name"])
        if m:
            taken.add(int(m.group(1)))

    lock = threading.Lock()
    next_index = [0]
    inflight = [0]
    created: list[int] = []
    errors: list[str] = []
    t0 = time.monotonic()

    def claim() -> int | None:
        with lock:
            if errors or len(created) + inflight[0] >= n:
                return None
            i = next_index[0]
            while i in taken:
                i += 1
            taken.add(i)
            next_index[0] = i + 1
            inflight[0] += 1
            return i

    def worker() -> None:
        client = Client(url, ctx)
        while True:
            i = claim()
            if i is None:
                return
            name = f"{prefix}{i}"
            try:
                status, body = client.request("POST", "/api/v1/nodes", node_body(name))
            except Exception as e:
                status, body = 0, repr(e).encode()
            with lock:
                inflight[0] -= 1
                if status == 201:
                    created.append(i)
                elif status != 409:  # 409: exists already, claim() picks the next unused index
                    errors.append(f"creating node {name}: HTTP {status}: {body[:300]!r}")

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(min(parallel, max(n, 1)))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise SystemExit("testcluster: " + errors[0])
    say(f"created {len(created)} nodes in {time.monotonic() - t0:.1f}s ({parallel} parallel)")

    want = {f"{prefix}{i}" for i in created}
    best, last_progress = -1, time.monotonic()
    while want:
        ready = sum(1 for node in list_nodes(main_client) if node["metadata"]["name"] in want and is_ready(node))
        if ready >= len(want):
            break
        if ready > best:
            best, last_progress = ready, time.monotonic()
        elif time.monotonic() - last_progress > ready_timeout:
            raise SystemExit(
                f"testcluster: timed out: {ready}/{len(want)} new nodes Ready, no progress for {ready_timeout:.0f}s"
            )
        time.sleep(1)
    say(f"{len(want)} nodes Ready after {time.monotonic() - t0:.1f}s")
    sys.stdout.write("".join(f"{prefix}{i}\n" for i in sorted(created)))


if __name__ == "__main__":
    main()
