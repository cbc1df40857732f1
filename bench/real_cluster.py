"""Benchmark against a real control plane (deploy/testcluster: etcd + kube-apiserver + kcm + scheduler + kwok).

Issue #6. Phases (each records the load average):

  setup   start.sh in WORKDIR (extra QPS for kcm/scheduler), add-nodes.sh N (NODE_PODS=40), one namespace
          `bench` with 100 Deployments whose replicas add up to 30 pods per node, wait until Running;
  sync    initial sync: KubeSource + ClusterRuntime.start() (every first list loaded into the ClusterStore), in a
          fresh child process, against `kubectl get pods -A -o json > /dev/null`; median of --runs each;
  load    API server load: apiserver /metrics (apiserver_request_total, apiserver_response_sizes_sum,
          apiserver_watch_events_sizes_sum) over --load-window s for (a) baseline: nothing of ours connected,
          (b) a 5-s full poller (GET /api/v1/pods + /api/v1/nodes, as kube-ops-view), (c) the dashboard server only;
          (b) and (c) are reported minus (a);
  churn   the real dashboard (manage.py runserver --noreload, CLUSTERVIZ_KUBECONFIG=WORKDIR/admin.kubeconfig) with
          --clients websocket clients (aiohttp, one child process); a patcher PATCHes label cvb=<id> on random
          pods at --rate/s; latency = client receive time − PATCH response time, for every (client, patch) pair;
          server CPU and RSS from /proc over the window.

    python bench/real_cluster.py --workdir /tmp/cvbench-real --nodes 1000 --json bench/out/real-1000.json
    python bench/real_cluster.py --workdir /tmp/cvbench-real --reuse ...   # cluster already set up
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import random
import re
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TC = ROOT / "deploy" / "testcluster"
CLK_TCK = os.sysconf("SC_CLK_TCK")
sys.path.insert(0, str(ROOT))


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def log(*a: Any) -> None:
    print(f"[real {datetime.now(UTC):%H:%M:%S} load {loadavg()}]", *a, file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------------------------- API access
class Api:
    def __init__(self, workdir: Path) -> None:
        env = dict(line.split("=", 1) for line in (workdir / "cluster.env").read_text().split())
        self.url = env["APISERVER_URL"]
        self.ctx = ssl.create_default_context(cafile=str(workdir / "pki/ca.crt"))
        self.ctx.load_cert_chain(str(workdir / "pki/admin.crt"), str(workdir / "pki/admin.key"))

    def get(self, path: str, timeout: float = 120) -> bytes:
        with urllib.request.urlopen(self.url + path, context=self.ctx, timeout=timeout) as r:
            return r.read()

    def session(self) -> Any:
        import http.client

        host, port = self.url.removeprefix("https://").split(":")
        return http.client.HTTPSConnection(host, int(port), context=self.ctx, timeout=30)


def metrics(api: Api) -> dict[str, float]:
    """Summed counters: requests by verb/resource, response bytes by verb/resource, watch event bytes by resource."""
    out: dict[str, float] = {}
    for line in api.get("/metrics").decode().splitlines():
        if line.startswith("#"):
            continue
        m = re.match(r"^(apiserver_request_total|apiserver_response_sizes_sum|apiserver_watch_events_sizes_sum|apiserver_watch_events_total)\{(.*)\} (\S+)$", line)
        if not m:
            continue
        name, labels, value = m.groups()
        lab = dict(re.findall(r'(\w+)="([^"]*)"', labels))
        key = f"{name}|{lab.get('verb', 'WATCH')}|{lab.get('resource', '')}"
        out[key] = out.get(key, 0.0) + float(value)
    return out


def summarise_window(before: dict[str, float], after: dict[str, float], seconds: float) -> dict[str, Any]:
    diff = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    req = sum(v for k, v in diff.items() if k.startswith("apiserver_request_total|"))
    resp = sum(v for k, v in diff.items() if k.startswith("apiserver_response_sizes_sum|"))
    watch = sum(v for k, v in diff.items() if k.startswith("apiserver_watch_events_sizes_sum|"))
    by = {k: round(v / seconds, 2) for k, v in sorted(diff.items()) if v and k.startswith("apiserver_request_total|")}
    return {
        "seconds": seconds,
        "requestsPerS": req / seconds,
        "responseBytesPerS": resp / seconds,
        "watchEventBytesPerS": watch / seconds,
        "requestsPerSByVerbResource": by,
    }


# ----------------------------------------------------------------------------------------------- setup
def setup(workdir: Path, nodes: int, ppn: int, deployments: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    env = {
        **os.environ,
        "KCM_EXTRA_ARGS": "--kube-api-qps=500 --kube-api-burst=1000 --concurrent-replicaset-syncs=10",
        "SCHEDULER_EXTRA_ARGS": "--kube-api-qps=500 --kube-api-burst=1000",
    }
    t = time.monotonic()
    subprocess.run([str(TC / "start.sh"), str(workdir)], env=env, check=True, stdout=subprocess.DEVNULL)
    out["startS"] = time.monotonic() - t
    t = time.monotonic()
    subprocess.run(
        [str(TC / "add-nodes.sh"), str(workdir), str(nodes)],
        env={**env, "NODE_PODS": str(max(110, ppn + 10))}, check=True, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    out["addNodesS"] = time.monotonic() - t
    kenv = {**os.environ, "KUBECONFIG": str(workdir / "admin.kubeconfig")}
    subprocess.run(["kubectl", "create", "namespace", "bench"], env=kenv, check=True, stdout=subprocess.DEVNULL)
    per = nodes * ppn // deployments
    docs = "".join(
        f"---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web-{i}, namespace: bench}}\n"
        f"spec:\n  replicas: {per}\n  selector: {{matchLabels: {{app: web-{i}}}}}\n"
        f"  template:\n    metadata: {{labels: {{app: web-{i}}}}}\n"
        f"    spec:\n      containers: [{{name: c, image: nginx}}]\n"
        for i in range(deployments)
    )
    t = time.monotonic()
    subprocess.run(["kubectl", "apply", "-f", "-"], input=docs.encode(), env=kenv, check=True, stdout=subprocess.DEVNULL)
    out["applyS"] = time.monotonic() - t
    out["runningS"] = wait_running(Api(workdir), nodes * ppn, t)
    return out


def count_running(api: Api) -> tuple[int, int]:
    data = json.loads(api.get("/api/v1/namespaces/bench/pods"))
    phases = [p.get("status", {}).get("phase") for p in data["items"]]
    return sum(1 for p in phases if p == "Running"), len(phases)


def wait_running(api: Api, want: int, t0: float, timeout: float = 1800) -> float:
    while True:
        running, total = count_running(api)
        log(f"running {running}/{total} (want {want}) after {time.monotonic() - t0:.0f}s")
        if running >= want:
            return time.monotonic() - t0
        if time.monotonic() - t0 > timeout:
            return float("nan")
        time.sleep(15)


# ----------------------------------------------------------------------------------------------- 1. sync
def sync_once(kubeconfig: str, q: Any) -> None:
    from clusterviz.kube import KubeSource, load_cluster
    from clusterviz.live import ClusterRuntime

    async def noop(_: str) -> None:
        return None

    t = time.monotonic()
    c0 = time.process_time()
    source = KubeSource("real", load_cluster(kubeconfig), start_timeout=900)  # wait for every first list
    runtime = ClusterRuntime("real", source, noop)
    runtime.start()
    wall = time.monotonic() - t
    cpu = time.process_time() - c0
    pods = runtime.read(lambda s: len(s.snapshot()["pods"]))
    rss = int(re.search(r"VmHWM:\s+(\d+)", Path("/proc/self/status").read_text()).group(1)) / 1024
    source.stop()
    q.put({"wallS": wall, "cpuS": cpu, "pods": pods, "peakRssMb": rss})


def measure_sync(workdir: Path, runs: int) -> dict[str, Any]:
    kubeconfig = str(workdir / "admin.kubeconfig")
    kube, ours = [], []
    for i in range(runs):
        t = time.monotonic()
        subprocess.run(
            "kubectl get pods -A -o json > /dev/null", shell=True, check=True, env={**os.environ, "KUBECONFIG": kubeconfig}
        )
        kube.append(time.monotonic() - t)
        ctx = mp.get_context("spawn")
        q = ctx.Queue()
        p = ctx.Process(target=sync_once, args=(kubeconfig, q))
        p.start()
        ours.append(q.get(timeout=600))
        p.join()
        log(f"sync run {i}: kubectl {kube[-1]:.2f}s clusterviz {ours[-1]}")
    k = statistics.median(kube)
    o = statistics.median(r["wallS"] for r in ours)
    return {"kubectlS": kube, "clustervizRuns": ours, "kubectlMedianS": k, "clustervizMedianS": o, "ratio": o / k,
            "loadavg": loadavg()}


# ----------------------------------------------------------------------------------------------- 2. server
def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    def __init__(self, workdir: Path, tick: float, log_path: Path) -> None:
        self.tmp = tempfile.TemporaryDirectory(prefix="clusterviz-real-")
        self.port = free_port()
        env = {
            **os.environ,
            "DEBUG": "1",
            "SQLITE_PATH": str(Path(self.tmp.name) / "db.sqlite3"),
            "CLUSTERVIZ_KUBECONFIG": str(workdir / "admin.kubeconfig"),
            "CLUSTERVIZ_CLUSTER_NAME": "real",
            "CLUSTERVIZ_ANONYMOUS_READ": "1",
            "CLUSTERVIZ_HISTORY": "0",
            "CLUSTERVIZ_TICK": str(tick),
            "PYTHONUNBUFFERED": "1",
            "DJANGO_SETTINGS_MODULE": "dashboard.settings",
        }
        py = sys.executable
        subprocess.run([py, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)
        self.log = open(log_path, "w")  # noqa: SIM115
        big = str(512 * 1024 * 1024)
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(
            [py, "manage.py", "runserver", "--noreload", "--websocket-max-message-size", big,
             "--websocket-max-frame-size", big, f"127.0.0.1:{self.port}"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited; see {log_path}")
            try:
                urllib.request.urlopen(self.url("/api/v1/clusters"), timeout=2).read()
                break
            except Exception:
                time.sleep(0.2)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def first_state(self) -> tuple[float, int]:
        """Time from process start until the state endpoint returns the full state; its size."""
        while True:
            try:
                data = urllib.request.urlopen(self.url("/api/v1/clusters/real/state"), timeout=300).read()
                st = json.loads(data)
                if len(st.get("pods", [])) > 0:
                    return time.monotonic() - self.t0, len(st["pods"])
            except Exception:
                pass
            time.sleep(0.5)

    def cpu_s(self) -> float:
        f = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / CLK_TCK

    def mem_mb(self) -> dict[str, float]:
        s = Path(f"/proc/{self.proc.pid}/status").read_text()
        return {k: int(re.search(rf"{k}:\s+(\d+)", s).group(1)) / 1024 for k in ("VmRSS", "VmHWM")}

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        self.tmp.cleanup()


# ----------------------------------------------------------------------------------------------- clients
LABEL = re.compile(r'"cvb":"(\d+)"')


def clients_main(url: str, n: int, seconds: float, q: Any, ready: Any) -> None:
    import aiohttp

    async def one(i: int, session: Any, recv: list[tuple[int, int, float]], states: list[float]) -> None:
        async with session.ws_connect(url, max_msg_size=0, origin=url.replace("ws://", "http://").split("/ws/")[0]) as ws:
            async for msg in ws:
                now = time.time()
                if msg.type != aiohttp.WSMsgType.TEXT:
                    break
                text = msg.data
                if text.startswith('{"type":"state"') or '"type":"state"' in text[:200]:
                    states.append(now)
                    continue
                for m in LABEL.finditer(text):
                    recv.append((i, int(m.group(1)), now))

    async def main() -> None:
        recv: list[tuple[int, int, float]] = []
        states: list[float] = []
        timeout = aiohttp.ClientTimeout(total=None)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            tasks = [asyncio.create_task(one(i, session, recv, states)) for i in range(n)]
            while len(states) < n:
                await asyncio.sleep(0.2)
                if all(t.done() for t in tasks):
                    break
            ready.set()
            await asyncio.sleep(seconds)
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        q.put({"states": len(states), "recv": recv})

    asyncio.run(main())


# ----------------------------------------------------------------------------------------------- churn
def patcher(api: Api, pods: list[str], rate: float, seconds: float, sent: dict[int, float], threads: int = 4) -> None:
    """PATCH label cvb=<id> on random pods at ``rate``/s in total; sent[id] = time.time() at the 2xx response."""
    stop = time.monotonic() + seconds
    counter = iter(range(1, 10**9))
    lock = threading.Lock()

    def work(k: int) -> None:
        conn = api.session()
        rng = random.Random(k)
        period = threads / rate
        nxt = time.monotonic() + k * period / threads
        while time.monotonic() < stop:
            with lock:
                pid = next(counter)
            name = rng.choice(pods)
            body = json.dumps({"metadata": {"labels": {"cvb": str(pid)}}})
            try:
                conn.request("PATCH", f"/api/v1/namespaces/bench/pods/{name}", body,
                             {"Content-Type": "application/merge-patch+json"})
                r = conn.getresponse()
                r.read()
                if r.status == 200:
                    sent[pid] = time.time()
            except Exception:
                conn = api.session()
            nxt += period
            d = nxt - time.monotonic()
            if d > 0:
                time.sleep(d)

    ts = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100 * len(xs)))] if xs else float("nan")


def run(args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(args.workdir)
    out: dict[str, Any] = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "nodes": args.nodes,
                           "loadavgStart": loadavg(), "tick": args.tick, "clients": args.clients, "rate": args.rate}
    if not args.reuse:
        out["setup"] = setup(workdir, args.nodes, args.pods_per_node, args.deployments)
    api = Api(workdir)
    running, total = count_running(api)
    nodes = len(json.loads(api.get("/api/v1/nodes"))["items"])
    out["cluster"] = {"nodes": nodes, "benchPods": total, "benchPodsRunning": running, "loadavg": loadavg()}
    log("cluster", out["cluster"])
    if "sync" in args.phases:
        out["sync"] = measure_sync(workdir, args.runs)
        log("sync", {k: v for k, v in out["sync"].items() if k != "clustervizRuns"})
    if "load" in args.phases:
        w = args.load_window
        m0 = metrics(api)
        time.sleep(w)
        m1 = metrics(api)
        base = summarise_window(m0, m1, w)
        base["loadavg"] = loadavg()
        # poller: GET pods + nodes every 5 s
        polled = 0
        t = time.monotonic()
        m0 = metrics(api)
        polls = int(w // 5)
        for i in range(polls):
            nxt = t + 5 * (i + 1)
            polled += len(api.get("/api/v1/pods")) + len(api.get("/api/v1/nodes"))
            time.sleep(max(0, nxt - time.monotonic()))
        m1 = metrics(api)
        elapsed = time.monotonic() - t  # a full list can take longer than 5 s under load
        poll = summarise_window(m0, m1, elapsed)
        poll["polls"] = polls
        poll["bytesPerPoll"] = polled / polls
        poll["clientBytesPerS"] = polled / elapsed
        poll["bytesPerSAt5s"] = polled / polls / 5
        poll["loadavg"] = loadavg()
        out["load"] = {"baseline": base, "poller": poll}
    server = Server(workdir, args.tick, Path(args.json).with_suffix(".server.log") if args.json else Path("/tmp/real-server.log"))
    try:
        first_s, first_pods = server.first_state()
        out["serverFirstState"] = {"s": first_s, "pods": first_pods, "mem": server.mem_mb(), "loadavg": loadavg()}
        log("server first state", out["serverFirstState"])
        if "load" in args.phases:
            time.sleep(5)  # the first list is over; measure the steady watch
            w = args.load_window
            m0 = metrics(api)
            c0 = server.cpu_s()
            time.sleep(w)
            m1 = metrics(api)
            cv = summarise_window(m0, m1, w)
            cv["serverCpuPct"] = 100 * (server.cpu_s() - c0) / w
            cv["loadavg"] = loadavg()
            out["load"]["clusterviz"] = cv
            log("load", json.dumps(out["load"], indent=1))
        if "churn" in args.phases:
            pods = [p["metadata"]["name"] for p in json.loads(api.get("/api/v1/namespaces/bench/pods"))["items"]]
            ctx = mp.get_context("spawn")
            q, ready = ctx.Queue(), ctx.Event()
            ws_url = server.url("/ws/clusters/real/").replace("http://", "ws://")
            total_s = args.window + 10
            cp = ctx.Process(target=clients_main, args=(ws_url, args.clients, total_s, q, ready))
            cp.start()
            ready.wait(600)
            log("clients connected")
            sent: dict[int, float] = {}
            c0, m0 = server.cpu_s(), metrics(api)
            t = time.monotonic()
            samples = []
            th = threading.Thread(target=patcher, args=(api, pods, args.rate, args.window, sent))
            th.start()
            while th.is_alive():
                samples.append(server.mem_mb()["VmRSS"])
                th.join(1)
            wall = time.monotonic() - t
            cpu = server.cpu_s() - c0
            m1 = metrics(api)
            res = q.get(timeout=600)
            cp.join()
            lat = [(ts - sent[pid]) * 1000 for (_, pid, ts) in res["recv"] if pid in sent]
            # a pod's label seen again in later deltas (another change of the same pod) counts once: first arrival
            first: dict[tuple[int, int], float] = {}
            for (i, pid, ts) in res["recv"]:
                if pid in sent and (i, pid) not in first:
                    first[(i, pid)] = (ts - sent[pid]) * 1000
            lat = list(first.values())
            expected = len(sent) * args.clients
            out["churn"] = {
                "windowS": wall,
                "patchesOk": len(sent),
                "patchRatePerS": len(sent) / wall,
                "clientsWithState": res["states"],
                "deliveries": len(lat),
                "expectedDeliveries": expected,
                "latencyMs": {"p50": pct(lat, 50), "p90": pct(lat, 90), "p99": pct(lat, 99), "max": max(lat, default=float("nan"))},
                "serverCpuPct": 100 * cpu / wall,
                "serverRssMb": {"max": max(samples), "median": statistics.median(samples)},
                "serverMem": server.mem_mb(),
                "apiserver": summarise_window(m0, m1, wall),
                "loadavg": loadavg(),
            }
            log("churn", json.dumps(out["churn"], indent=1))
    finally:
        server.close()
    out["loadavgEnd"] = loadavg()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workdir", default="/tmp/cvbench-real")
    ap.add_argument("--reuse", action="store_true", help="the cluster in WORKDIR is up and populated")
    ap.add_argument("--nodes", type=int, default=1000)
    ap.add_argument("--pods-per-node", type=int, default=30)
    ap.add_argument("--deployments", type=int, default=100)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--phases", default="sync,load,churn")
    ap.add_argument("--load-window", type=float, default=60)
    ap.add_argument("--window", type=float, default=60)
    ap.add_argument("--rate", type=float, default=100)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--tick", type=float, default=0.25)
    ap.add_argument("--stop", action="store_true", help="stop.sh WORKDIR at the end")
    ap.add_argument("--json")
    args = ap.parse_args()
    try:
        out = run(args)
    finally:
        if args.stop:
            subprocess.run([str(TC / "stop.sh"), args.workdir], check=False)
    text = json.dumps(out, indent=1)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
