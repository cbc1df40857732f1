"""Benchmark against a real control plane (deploy/testcluster: etcd + kube-apiserver + kcm + scheduler + kwok).

Issue #6. Phases (each records the load average):

  setup   start.sh in WORKDIR unless a cluster is running there (extra QPS for kcm/scheduler, --kwok-parallelism
          kwok workers), add-nodes.sh up to --nodes (NODE_PODS=110), one namespace `bench` with 100 Deployments
          whose replicas add up to 30 pods per node, then wait until all pods exist and are Running ("settled");
          records each step's time, the used memory and the control plane's RSS. Run again with a larger --nodes
          (`--reuse --phases setup`) to grow the cluster. With --bare the pods are created bare instead, bound to
          the nodes by spec.nodeName, one Service per 1/100 of them (what 2 cores can bring to 150,000 Running);
  sync    initial sync: KubeSource + ClusterRuntime.start() (every first list loaded into the ClusterStore), in a
          fresh child process, against `kubectl get pods -A -o json > /dev/null`; median of --runs each;
  load    API server load: apiserver /metrics (apiserver_request_total, apiserver_response_sizes_sum,
          apiserver_watch_events_sizes_sum) over --load-window s for (a) baseline: nothing of ours connected,
          (b) a 5-s full poller (GET /api/v1/pods + /api/v1/nodes, as kube-ops-view), (c) the dashboard server only;
          (b) and (c) are reported minus (a);
  churn   the real dashboard (manage.py runserver --noreload, CLUSTERVIZ_KUBECONFIG=WORKDIR/admin.kubeconfig) with
          --clients websocket clients (aiohttp, one child process); a patcher PATCHes label cvb=<id> on random
          pods at --rate/s (open-loop schedule; --patch-threads keep-alive workers, by default enough for 0.5-s
          PATCHes at that rate; achieved rate, PATCH latency and lag behind the schedule are recorded); latency = client receive time − PATCH response time, for every (client, patch) pair;
          server CPU and RSS from /proc over the window.

    python bench/real_cluster.py --workdir /tmp/cvbench-real --nodes 1000 --json bench/out/real-1000.json
    python bench/real_cluster.py --workdir /tmp/cvbench-real --reuse ...   # cluster already set up
    python bench/real_cluster.py --workdir /tmp/cvbench-real --reuse --phases setup --nodes 5000   # grow it
    python bench/real_cluster.py --workdir /tmp/cvbench-real --reuse --wait-settled --phases sync --runs 3
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import math
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
import urllib.error
import urllib.parse
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

    def get(self, path: str, timeout: float = 600, accept: str = "application/json", tries: int = 3) -> bytes:
        """GET, tried again on a 5xx: an overloaded API server answers 504 while its watch cache lags."""
        req = urllib.request.Request(self.url + path, headers={"Accept": accept})
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=timeout) as r:
                return r.read()
        except urllib.error.HTTPError as e:
            if e.code < 500 or tries <= 1:
                raise
        time.sleep(5)
        return self.get(path, timeout, accept, tries - 1)

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
        m = re.match(
            r"^(apiserver_request_total|apiserver_response_sizes_sum|apiserver_watch_events_sizes_sum|apiserver_watch_events_total)\{(.*)\} (\S+)$",
            line,
        )
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
def cluster_up(workdir: Path) -> bool:
    """True if WORKDIR has a cluster whose apiserver answers /readyz."""
    if not (workdir / "cluster.env").exists() or not (workdir / "pids").exists():
        return False
    try:
        return Api(workdir).get("/readyz", timeout=10) == b"ok"
    except Exception:
        return False


def proc_rss_mb(workdir: Path) -> dict[str, float]:
    """VmRSS of each control-plane process recorded in WORKDIR/pids (MB)."""
    out: dict[str, float] = {}
    pids = workdir / "pids"
    for line in pids.read_text().splitlines() if pids.exists() else []:
        name, pid, _ = line.split()
        try:
            m = re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text())
        except OSError:
            continue
        if m:
            out[name] = round(int(m.group(1)) / 1024)
    return out


def mem_used_gb() -> float:
    info = dict(re.findall(r"^(\w+):\s+(\d+)", Path("/proc/meminfo").read_text(), re.M))
    return round((int(info["MemTotal"]) - int(info["MemAvailable"])) / 2**20, 2)


def count_nodes(api: Api) -> int:
    return len(json.loads(api.get("/api/v1/nodes?resourceVersion=0"))["items"])


def count_pods(api: Api, ns: str = "bench") -> int:
    """Number of pods in ``ns`` without listing them all: ``limit=1`` and the list's remainingItemCount."""
    data = json.loads(api.get(f"/api/v1/namespaces/{ns}/pods?limit=1"))
    return len(data["items"]) + int(data["metadata"].get("remainingItemCount") or 0)


def count_not_running(api: Api, ns: str = "bench") -> int:
    """Pods in ``ns`` whose phase is not Running: a field-selected list (remainingItemCount is not set for
    selected lists), as metadata only, from the watch cache."""
    sel = urllib.parse.quote("status.phase!=Running")
    data = json.loads(
        api.get(
            f"/api/v1/namespaces/{ns}/pods?fieldSelector={sel}&resourceVersion=0",
            accept="application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1",
        )
    )
    return len(data.get("items") or [])  # an empty list comes back as "items": null


def count_running(api: Api) -> tuple[int, int]:
    """(Running, total) pods in namespace bench; Running is -1 when the API server could not answer the selected
    list in time (at load ~15 with 25,000 pods it timed out, 2026-12-02)."""
    total = count_pods(api)
    try:
        return total - count_not_running(api), total
    except urllib.error.HTTPError:
        return -1, total


def deployment_counts(api: Api) -> tuple[int, int, int]:
    """Summed over the Deployments in bench: (spec.replicas, status.replicas, status.readyReplicas)."""
    items = json.loads(api.get("/apis/apps/v1/namespaces/bench/deployments"))["items"]
    return (
        sum(d["spec"].get("replicas", 0) for d in items),
        sum(d.get("status", {}).get("replicas", 0) for d in items),
        sum(d.get("status", {}).get("readyReplicas", 0) for d in items),
    )


def setup(args: argparse.Namespace) -> dict[str, Any]:
    """Start the cluster if WORKDIR has none running, grow it to --nodes nodes and --nodes × --pods-per-node pods
    (100 Deployments in namespace bench), and wait until all pods exist and (unless --no-settle) are Running.
    Calling it again with a larger --nodes grows the running cluster."""
    workdir, nodes, ppn, deployments = Path(args.workdir), args.nodes, args.pods_per_node, args.deployments
    out: dict[str, Any] = {"nodesTarget": nodes, "podsTarget": nodes * ppn}
    # What was seen at 1,000 nodes on 2 busy cores (2026-11-26):
    # * the scheduler missed its 10-s leader-election renew deadline and exited ("Leaderelection lost"), leaving the
    #   remaining pods Pending. A 60-s lease / 45-s renew deadline was not enough either: at 5,000 nodes, load ~18,
    #   both it and the KCM lost their leases and exited (2026-12-02): a 180-s lease / 150-s deadline (start.sh waits
    #   for their leases, so leader election stays on; restart-component.sh brings an exited one back);
    # * with the default plugins (system-default PodTopologySpread over ~400 scored nodes) the scheduler was
    #   CPU-bound at ~30 pods/s; without them and with qps 500 it sent more binds than the API server could answer
    #   (binds timed out after 60 s, the watch cache fell behind). So: no default spreading constraints,
    #   percentageOfNodesToScore 10, client qps = burst = 150 (a bind and an Event per pod).
    # * node lease renewals stalled for more than the 40-s grace period while the pods were being created, and the
    #   node lifecycle controller marked ~600 Running pods NotReady for good: the KCM gets a 120-s grace period
    #   (kwok still renews every NODE_LEASE_SECONDS/4 s, as a kubelet does).
    le = "--leader-elect-lease-duration=180s --leader-elect-renew-deadline=150s --leader-elect-retry-period=10s"
    #   At 5,000 nodes a 40-s lease is 500 renewals/s, more than these 2 cores serve: ~500 of 5,000 nodes went
    #   Unknown within 5 minutes (2026-12-02). So the lease grows with the nodes (lease_seconds) and the grace with it.
    lease = lease_seconds(args)
    grace = f"--node-monitor-grace-period={max(120, 2 * lease)}s"
    workdir.mkdir(parents=True, exist_ok=True)
    sched_conf = workdir / "kube-scheduler-bench.yaml"
    sched_conf.write_text(
        "apiVersion: kubescheduler.config.k8s.io/v1\n"
        "kind: KubeSchedulerConfiguration\n"
        f"clientConnection: {{kubeconfig: {workdir.resolve() / 'admin.kubeconfig'}, qps: 150, burst: 150}}\n"
        "leaderElection: {leaderElect: true, leaseDuration: 180s, renewDeadline: 150s, retryPeriod: 10s,\n"
        "  resourceLock: leases, resourceName: kube-scheduler, resourceNamespace: kube-system}\n"
        "percentageOfNodesToScore: 10\n"
        "profiles:\n"
        "- schedulerName: default-scheduler\n"
        "  pluginConfig:\n"
        "  - {name: PodTopologySpread, args: {defaultingType: List, defaultConstraints: []}}\n"
    )
    env = {
        **os.environ,
        "KCM_EXTRA_ARGS": os.environ.get("KCM_EXTRA_ARGS")
        or f"--kube-api-qps=500 --kube-api-burst=1000 --concurrent-replicaset-syncs=10 {le} {grace}",
        # with --config, kube-scheduler ignores its deprecated --kubeconfig/--kube-api-qps flags
        "SCHEDULER_EXTRA_ARGS": os.environ.get("SCHEDULER_EXTRA_ARGS") or f"--config={sched_conf.resolve()}",
        # kwok v0.8.0 has no client QPS limit; its throughput is its number of workers (start.sh)
        "KWOK_POD_PARALLELISM": os.environ.get("KWOK_POD_PARALLELISM") or str(args.kwok_parallelism),
        "KWOK_NODE_PARALLELISM": os.environ.get("KWOK_NODE_PARALLELISM") or str(args.kwok_parallelism),
        "KWOK_LEASE_PARALLELISM": os.environ.get("KWOK_LEASE_PARALLELISM") or str(args.kwok_parallelism),
        "NODE_LEASE_SECONDS": os.environ.get("NODE_LEASE_SECONDS") or str(lease),
    }
    if cluster_up(workdir):
        out["started"] = False
        log(f"cluster in {workdir} is up: growing it")
    else:
        t = time.monotonic()
        subprocess.run([str(TC / "start.sh"), str(workdir)], env=env, check=True, stdout=subprocess.DEVNULL)
        out["started"] = True
        out["startS"] = time.monotonic() - t
        out["kwokConfig"] = (workdir / "kwok-config.yaml").read_text()
    api = Api(workdir)
    have = count_nodes(api)
    out["nodesBefore"] = have
    t = time.monotonic()
    if nodes > have:
        subprocess.run(
            [str(TC / "add-nodes.sh"), str(workdir), str(nodes - have)],
            env={**env, "NODE_PODS": str(max(110, ppn + 10)), "READY_TIMEOUT": "300"},
            check=True,
            stdout=subprocess.DEVNULL,
        )
    out["addNodesS"] = time.monotonic() - t
    out["nodesAdded"] = max(0, nodes - have)
    log(f"nodes: {have} -> {count_nodes(api)} in {out['addNodesS']:.1f}s")
    kenv = {**os.environ, "KUBECONFIG": str(workdir / "admin.kubeconfig")}
    try:
        api.get("/api/v1/namespaces/bench")
    except urllib.error.HTTPError:
        subprocess.run(["kubectl", "create", "namespace", "bench"], env=kenv, check=True, stdout=subprocess.DEVNULL)
    out["podsBefore"] = count_pods(api)
    per = nodes * ppn // deployments
    t = time.monotonic()
    if args.bare:
        out["applyRetries"] = sum(apply_workload(bench_service(i), kenv) for i in range(deployments))
        out["bare"] = create_bare_pods(api, per, deployments, nodes, args.create_threads)
    else:
        out["applyRetries"] = sum(apply_workload(bench_workload(i, per), kenv) for i in range(deployments))
    out["applyS"] = time.monotonic() - t
    out.update(wait_settled(api, workdir, per * deployments, t, args.settle_timeout, settle=not args.no_settle))
    return out


def apply_workload(docs: str, kenv: dict[str, str], tries: int = 5) -> int:
    """``kubectl apply`` of one Deployment and its Service, again after a failure (an API server busy with a
    growing cluster answers a create with a server-side Timeout now and then: one apply of all 200 objects
    ended the setup on its first, 2026-12-02). Returns how many tries failed."""
    for failed in range(tries):
        done = subprocess.run(["kubectl", "apply", "-f", "-"], input=docs.encode(), env=kenv, capture_output=True)
        if done.returncode == 0:
            return failed
        log(f"kubectl apply failed ({done.stderr.decode(errors='replace').strip()[-200:]}); again in 5 s")
        time.sleep(5)
    raise RuntimeError(f"kubectl apply failed {tries} times")


def lease_seconds(args: argparse.Namespace) -> int:
    """kwok's node lease: --node-lease-seconds, or by default long enough that renewals (every quarter of it) stay
    at ~80/s however many nodes there are (40 s up to 800 nodes, 250 s at 5,000)."""
    return int(args.node_lease_seconds or max(40, args.nodes // 20))


def bench_workload(i: int, replicas: int) -> str:
    """Deployment web-<i> and a Service of the same name selecting its pods (port 80): the control plane's
    EndpointSlice controller then keeps real EndpointSlices for every pod, as issue #15's watcher sees them."""
    return (
        f"---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web-{i}, namespace: bench}}\n"
        f"spec:\n  replicas: {replicas}\n  selector: {{matchLabels: {{app: web-{i}}}}}\n"
        f"  template:\n    metadata: {{labels: {{app: web-{i}}}}}\n"
        f"    spec:\n      containers: [{{name: c, image: nginx, ports: [{{containerPort: 80}}]}}]\n"
        f"---\napiVersion: v1\nkind: Service\nmetadata: {{name: web-{i}, namespace: bench}}\n"
        f"spec:\n  selector: {{app: web-{i}}}\n  ports: [{{port: 80, targetPort: 80}}]\n"
    )


def bench_service(i: int) -> str:
    """Service web-<i> alone (the --bare setup: its pods are created one by one, without a Deployment)."""
    return bench_workload(i, 0).split("---\n")[-1]


def bare_pod(i: int, k: int, node: str) -> bytes:
    """Pod web-<i>-<k> of Service web-<i>, bound to ``node`` by spec.nodeName: no scheduler, no ReplicaSet."""
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": f"web-{i}-{k}", "namespace": "bench", "labels": {"app": f"web-{i}"}},
            "spec": {
                "nodeName": node,
                "containers": [{"name": "c", "image": "nginx", "ports": [{"containerPort": 80}]}],
            },
        }
    ).encode()


def post_pod(conn: Any, body: bytes) -> int:
    """POST one pod; the HTTP status (409: it exists already, from an earlier run)."""
    conn.request("POST", "/api/v1/namespaces/bench/pods", body, {"Content-Type": "application/json"})
    r = conn.getresponse()
    r.read()
    return int(r.status)


def create_bare_pods(api: Api, per: int, groups: int, nodes: int, threads: int) -> dict[str, Any]:
    """``groups`` × ``per`` pods bound round-robin to kwok-node-<n>, POSTed by ``threads`` keep-alive workers.

    Issue #15's figure asks for 150,000 Running pods. Through 100 Deployments on these 2 cores the ReplicaSet
    controller's pod informer fell ~100,000 revisions behind and the scheduler bound ~8 pods/s (BENCHMARKS §16):
    bare pods with spec.nodeName skip both, and kwok still runs them (the EndpointSlice controller still works).
    A failed POST (a 5xx or a timeout of a busy API server) is tried again up to 5 times."""
    todo = [(i, k) for i in range(groups) for k in range(per)]
    lock, counts, t = threading.Lock(), {"created": 0, "existed": 0, "retries": 0, "failed": 0}, time.monotonic()

    def work() -> None:
        conn = api.session()
        while True:
            with lock:
                if not todo:
                    return
                i, k = todo.pop()
            body = bare_pod(i, k, f"kwok-node-{(i * per + k) % nodes}")
            for attempt in range(6):
                try:
                    status = post_pod(conn, body)
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn, status = api.session(), 0
                if status in (201, 409):
                    break
                with lock:
                    counts["retries"] += 1
                time.sleep(min(5, 0.5 * 2**attempt))
            with lock:
                counts[{201: "created", 409: "existed"}.get(status, "failed")] += 1
                done = counts["created"] + counts["existed"]
            if done % 10_000 == 0:
                log(f"bare pods: {done} of {groups * per} after {time.monotonic() - t:.0f}s")

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return {**counts, "threads": threads, "createS": time.monotonic() - t}


def wait_settled(
    api: Api, workdir: Path, want: int, t0: float, timeout: float, settle: bool = True, every: float = 10
) -> dict[str, Any]:
    """Poll every ``every`` s until ``want`` pods exist in bench and, with ``settle``, all of them are Running.
    Cheap calls only: the pod count comes from a ``limit=1`` list, the Running check from a metadata-only list of the
    pods that are not Running. Times are seconds since ``t0`` at the first poll that saw the condition (so at most
    ``every`` s late); nan if ``timeout`` ran out."""
    out: dict[str, Any] = {"podsCreatedS": float("nan"), "settledS": float("nan")}
    samples = []
    while True:
        el = time.monotonic() - t0
        created, ready = count_pods(api), deployment_counts(api)[2]  # Deployment status.replicas lags behind
        rss, used = proc_rss_mb(workdir), mem_used_gb()
        samples.append({"s": round(el), "podsCreated": created, "ready": ready, "memUsedGb": used, "rssMb": rss})
        log(f"pods {created}/{want} created, {ready} ready after {el:.0f}s; used {used} GB; rss {rss}")
        if created >= want and out["podsCreatedS"] != out["podsCreatedS"]:
            out["podsCreatedS"] = el
        if created >= want and not settle:
            break
        if created >= want:
            # Count phases on the pods themselves: readyReplicas can stay short for good, because the node lifecycle
            # controller marks pods NotReady when a node's lease renewals stall, and kwok never sets Ready again.
            not_running = count_not_running(api)
            log(f"pods not Running: {not_running}")
            if not_running == 0 and count_pods(api) == want:
                out["settledS"] = time.monotonic() - t0
                break
        if el > timeout:
            log(f"timed out after {el:.0f}s")
            break
        time.sleep(every)
    running, total = count_running(api)
    out.update(
        {
            "readyReplicas": deployment_counts(api)[2],
            "podsRunning": running,
            "podsTotal": total,
            "memUsedGb": mem_used_gb(),
            "rssMb": proc_rss_mb(workdir),
            "loadavg": loadavg(),
            "progress": samples,
        }
    )
    return out


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
    # the peak before anything else allocates (a snapshot() here made 60,000 summary dicts and raised it)
    rss = int(re.search(r"VmHWM:\s+(\d+)", Path("/proc/self/status").read_text()).group(1)) / 1024
    pods = runtime.read(lambda s: s.counts()["pods"])
    objects = runtime.read(lambda s: object_counts(s.groups.views()))
    source.stop()
    q.put({"wallS": wall, "cpuS": cpu, "pods": pods, "objects": objects, "peakRssMb": rss})


def object_counts(views: list[Any]) -> dict[str, int]:
    """How many objects of each kind the store holds, and the Services' endpoints (EndpointSlices, summed)."""
    counts: dict[str, int] = {}
    for v in views:
        counts[v["kind"]] = counts.get(v["kind"], 0) + 1
    counts["endpoints"] = sum(v.get("endpointsTotal", 0) for v in views if v["kind"] == "Service")
    return counts


def children_peak_rss_mb() -> float:
    """The largest peak RSS of any child this process waited for so far (kubectl's, when it is the largest)."""
    import resource

    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def measure_sync(workdir: Path, runs: int, kubectl: bool = True) -> dict[str, Any]:
    """``kubectl`` False: clusterviz's sync alone (at 150,000 pods kubectl grew past 9.9 GB on this machine)."""
    kubeconfig = str(workdir / "admin.kubeconfig")
    kube, ours, kube_rss = [], [], []
    for i in range(runs):
        t = time.monotonic()
        if kubectl:
            subprocess.run(
                "kubectl get pods -A -o json > /dev/null",
                shell=True,
                check=True,
                env={**os.environ, "KUBECONFIG": kubeconfig},
            )
            kube.append(time.monotonic() - t)
            kube_rss.append(children_peak_rss_mb())
        ctx = mp.get_context("spawn")
        q = ctx.Queue()
        p = ctx.Process(target=sync_once, args=(kubeconfig, q))
        p.start()
        ours.append(q.get(timeout=600))
        p.join()
        log(f"sync run {i}: kubectl {kube[-1] if kube else float('nan'):.2f}s clusterviz {ours[-1]}")
    k = statistics.median(kube) if kube else float("nan")
    o = statistics.median(r["wallS"] for r in ours)
    return {
        "kubectlS": kube,
        "kubectlPeakRssMb": kube_rss,
        "clustervizRuns": ours,
        "kubectlMedianS": k,
        "clustervizMedianS": o,
        "ratio": o / k,
        "loadavg": loadavg(),
    }


# ----------------------------------------------------------------------------------------------- 2. server
CHECKPOINT = re.compile(r"checkpoint \d+, (\d+) bytes, in ([\d.]+) s")  # dashboard/history/recorder.py's log line
FREEZE = re.compile(r"gc: (\d+) objects frozen.*, in ([\d.]+) s")  # dashboard/memory.py's


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    def __init__(
        self, workdir: Path, tick: float, log_path: Path, checkpoint_s: float = 0, external: bool = False
    ) -> None:
        """``checkpoint_s`` > 0: history on (SQLite in a temporary directory), a checkpoint every that many s.
        ``external``: the watcher (runtime and history recorder) in a process of its own, ``manage.py
        watch_cluster``, with the web process and it joined by a redis-server of the bench's own, as the chart
        runs them; otherwise one ``runserver`` does both."""
        self.tmp = tempfile.TemporaryDirectory(prefix="clusterviz-real-")
        self.port = free_port()
        self.redis: subprocess.Popen[bytes] | None = None
        self.watcher: subprocess.Popen[bytes] | None = None
        env = {
            **os.environ,
            "DEBUG": "1",
            "SQLITE_PATH": str(Path(self.tmp.name) / "db.sqlite3"),
            "CLUSTERVIZ_KUBECONFIG": str(workdir / "admin.kubeconfig"),
            "CLUSTERVIZ_CLUSTER_NAME": "real",
            "CLUSTERVIZ_ANONYMOUS_READ": "1",
            "CLUSTERVIZ_HISTORY": "1" if checkpoint_s > 0 else "0",
            "CLUSTERVIZ_CHECKPOINT_SECONDS": str(checkpoint_s or 600),
            "CLUSTERVIZ_TICK": str(tick),
            "PYTHONUNBUFFERED": "1",
            "DJANGO_SETTINGS_MODULE": "dashboard.settings",
            "MALLOC_ARENA_MAX": os.environ.get("MALLOC_ARENA_MAX", "2"),  # as the image and `make run` set it
        }
        py = sys.executable
        subprocess.run([py, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)
        self.log_path = log_path
        self.log = open(log_path, "w")  # noqa: SIM115
        big = str(512 * 1024 * 1024)
        self.t0 = time.monotonic()
        if external:
            env = self._start_watcher(env)
        self.proc = subprocess.Popen(
            [
                py,
                "manage.py",
                "runserver",
                "--noreload",
                "--websocket-max-message-size",
                big,
                "--websocket-max-frame-size",
                big,
                f"127.0.0.1:{self.port}",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited; see {log_path}")
            try:
                urllib.request.urlopen(self.url("/api/v1/clusters"), timeout=2).read()
                break
            except Exception:
                time.sleep(0.2)

    def _start_watcher(self, env: dict[str, str]) -> dict[str, str]:
        """redis-server and ``watch_cluster`` (its output in the server's log); the env the web process needs."""
        port = free_port()
        self.redis = subprocess.Popen(
            ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no", "--dir", self.tmp.name],
            stdout=subprocess.DEVNULL,
        )
        env = {**env, "CLUSTERVIZ_WATCHER": "external", "REDIS_URL": f"redis://127.0.0.1:{port}/0"}
        self.watcher = subprocess.Popen(
            [sys.executable, "manage.py", "watch_cluster"], cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        return env

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def first_state(self) -> tuple[float, int, dict[str, int]]:
        """Time from process start until the state endpoint (the table form the pages ask for, so the object form's
        cache is not built) returns pods; how many, and the objects by kind."""
        while True:
            try:
                data = urllib.request.urlopen(self.url("/api/v1/clusters/real/state?pods=table"), timeout=300).read()
                st = json.loads(data)
                rows = len(st.get("podTable", {}).get("rows", []))
                if rows > 0:
                    return time.monotonic() - self.t0, rows, object_counts(st.get("objects", []))
            except Exception:
                pass
            time.sleep(2)

    def checkpoints(self) -> list[dict[str, float]]:
        """The history checkpoints the server logged so far: bytes of state and seconds (build + write)."""
        found = CHECKPOINT.findall(self.log_path.read_text(errors="replace"))
        return [{"bytes": int(b), "s": float(sec)} for b, sec in found]

    def freezes(self) -> list[dict[str, float]]:
        """The garbage collector freezes the server logged so far: objects frozen, seconds (collection + freeze)."""
        found = FREEZE.findall(self.log_path.read_text(errors="replace"))
        return [{"frozen": int(n), "s": float(sec)} for n, sec in found]

    def cpu_s(self, proc: subprocess.Popen[bytes] | None = None) -> float:
        """CPU seconds of the web process (or of ``proc``)."""
        f = Path(f"/proc/{(proc or self.proc).pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / CLK_TCK

    def mem_mb(self, proc: subprocess.Popen[bytes] | None = None) -> dict[str, float]:
        """RSS and peak RSS of the web process (or of ``proc``)."""
        s = Path(f"/proc/{(proc or self.proc).pid}/status").read_text()
        return {k: int(re.search(rf"{k}:\s+(\d+)", s).group(1)) / 1024 for k in ("VmRSS", "VmHWM")}

    def watcher_mem_mb(self) -> dict[str, float]:
        """The watcher process's RSS and peak (external mode), else nothing."""
        return self.mem_mb(self.watcher) if self.watcher is not None else {}

    def close(self) -> None:
        for proc in (self.proc, self.watcher, self.redis):
            if proc is None:
                continue
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.log.close()
        self.tmp.cleanup()


# ----------------------------------------------------------------------------------------------- clients
LABEL = re.compile(r'"cvb":"(\d+)"')
AT = re.compile(r'"at":([\d.]+)')  # a delta's moment: the wall clock when the runtime's tick took the changes


def clients_main(url: str, n: int, seconds: float, q: Any, ready: Any) -> None:
    import aiohttp

    async def one(i: int, session: Any, recv: list[tuple[int, int, float, float]], states: list[float]) -> None:
        async with session.ws_connect(
            url, max_msg_size=0, origin=url.replace("ws://", "http://").split("/ws/")[0]
        ) as ws:
            async for msg in ws:
                now = time.time()
                if msg.type != aiohttp.WSMsgType.TEXT:
                    break
                text = msg.data
                if text.startswith('{"type":"state"') or '"type":"state"' in text[:200]:
                    states.append(now)
                    continue
                at = AT.search(text, 0, 400)
                for m in LABEL.finditer(text):
                    recv.append((i, int(m.group(1)), now, float(at.group(1)) if at else float("nan")))

    async def main() -> None:
        recv: list[tuple[int, int, float, float]] = []
        states: list[float] = []
        timeout = aiohttp.ClientTimeout(total=None)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            tasks = [asyncio.create_task(one(i, session, recv, states)) for i in range(n)]
            while len(states) < n:
                await asyncio.sleep(0.2)
                if all(t.done() for t in tasks):
                    break
            ready.set()
            c0, t0 = time.process_time(), time.monotonic()
            await asyncio.sleep(seconds)
            cpu_pct = 100 * (time.process_time() - c0) / (time.monotonic() - t0)
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        q.put({"states": len(states), "recv": recv, "cpuPct": cpu_pct})

    asyncio.run(main())


# ----------------------------------------------------------------------------------------------- churn
def raw_watch(api: Api, resource_version: str, seen: dict[int, float], stop: threading.Event) -> None:
    """A bare watch of the bench pods beside the dashboard's: when each cvb label first arrives from the API server
    (seen[id] = time.time()), so the wait for the API server's watch can be told from ours."""
    conn = api.session()
    conn.timeout = None
    conn.request(
        "GET", f"/api/v1/namespaces/bench/pods?watch=1&resourceVersion={resource_version}&allowWatchBookmarks=false"
    )
    response = conn.getresponse()
    while not stop.is_set():
        line = response.readline()
        if not line:
            return
        now = time.time()
        for m in LABEL.finditer(line.decode(errors="replace")):
            seen.setdefault(int(m.group(1)), now)
    conn.close()


def patcher(
    api: Api, pods: list[str], rate: float, seconds: float, sent: dict[int, float], threads: int = 0
) -> dict[str, Any]:
    """PATCH label cvb=<id> on random pods at ``rate``/s in total; sent[id] = time.time() at the 2xx response.

    Open loop: the i-th PATCH is due at start + i/rate, whoever sends it. ``threads`` workers (default: enough for
    PATCHes of 0.5 s at the target rate, at least 8, at most 128), each on its own keep-alive connection, take the
    next due slot, sleep until it and send. If all of them are busy the slots queue up (``lateMs``) until the window
    ends; what is still queued then is dropped, so a slow API server shows up as a lower achieved rate and a lag.
    Returns what was sent, how many failed, the PATCH latency and the lag behind the schedule."""
    threads = threads or min(128, max(8, math.ceil(rate * 0.5)))
    start = time.monotonic()
    stop = start + seconds
    counter = iter(range(1, 10**9))
    nonce = f"{time.time_ns():x}"[-12:]
    lock = threading.Lock()
    patch_ms: list[float] = []
    late_ms: list[float] = []
    errors: list[str] = []

    def work(k: int) -> None:
        conn = api.session()
        rng = random.Random(k)
        while True:
            with lock:
                pid = next(counter)
            due = start + (pid - 1) / rate
            if due >= stop:
                return
            d = due - time.monotonic()
            if d > 0:
                time.sleep(d)
            elif time.monotonic() >= stop:  # the window is over: slots still queued are not sent
                return
            name = rng.choice(pods)
            # cvr (this run's nonce) makes every PATCH a change: the pods and seeds repeat from run to run, and a
            # PATCH that sets the value a label already has changes nothing and sends no watch event
            body = json.dumps({"metadata": {"labels": {"cvb": str(pid), "cvr": nonce}}})
            t = time.monotonic()
            try:
                conn.request(
                    "PATCH",
                    f"/api/v1/namespaces/bench/pods/{name}",
                    body,
                    {"Content-Type": "application/merge-patch+json"},
                )
                r = conn.getresponse()
                r.read()
                if r.status == 200:
                    sent[pid] = time.time()
                    patch_ms.append((time.monotonic() - t) * 1000)
                    late_ms.append(max(0.0, t - due) * 1000)
                else:
                    errors.append(f"HTTP {r.status}")
            except Exception as e:
                errors.append(type(e).__name__)
                conn.close()
                conn = api.session()

    ts = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    wall = time.monotonic() - start
    return {
        "threads": threads,
        "targetRatePerS": rate,
        "sentOk": len(sent),
        "errors": len(errors),
        "errorKinds": sorted(set(errors))[:10],
        "wallS": wall,
        "achievedRatePerS": len(sent) / wall,
        "patchMs": {"p50": pct(patch_ms, 50), "p90": pct(patch_ms, 90), "p99": pct(patch_ms, 99)},
        "lateMs": {"p50": pct(late_ms, 50), "p99": pct(late_ms, 99), "max": max(late_ms, default=float("nan"))},
    }


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100 * len(xs)))] if xs else float("nan")


def cluster_summary(api: Api, workdir: Path, full: bool) -> dict[str, Any]:
    """The cluster's size; with ``full`` also the Running pods and the nodes (lists an overloaded API server can
    take minutes to answer, so only when setting up or waiting to settle)."""
    running, total = count_running(api) if full else (-1, count_pods(api))
    return {
        "nodes": count_nodes(api) if full else -1,
        "benchPods": total,
        "benchPodsRunning": running,
        "memUsedGb": mem_used_gb(),
        "rssMb": proc_rss_mb(workdir),
        "loadavg": loadavg(),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(args.workdir)
    out: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "nodes": args.nodes,
        "loadavgStart": loadavg(),
        "tick": args.tick,
        "clients": args.clients,
        "rate": args.rate,
    }
    phases = set(args.phases.split(","))
    if not args.reuse or "setup" in phases:
        out["setup"] = setup(args)
    api = Api(workdir)
    if args.reuse and args.wait_settled:
        want = count_pods(api) if args.bare else deployment_counts(api)[0]
        out["settle"] = wait_settled(api, workdir, want, time.monotonic(), args.settle_timeout)
        log("settle", {k: v for k, v in out["settle"].items() if k != "progress"})
    try:
        out["cluster"] = cluster_summary(api, workdir, "setup" in phases or args.wait_settled)
    except (OSError, http.client.HTTPException) as e:  # an overloaded API server: measure anyway, say so
        out["cluster"] = {"error": repr(e), "memUsedGb": mem_used_gb(), "rssMb": proc_rss_mb(workdir)}
    log("cluster", out["cluster"])
    if not phases & {"sync", "load", "server", "churn"}:
        out["loadavgEnd"] = loadavg()
        return out
    if "sync" in phases:
        out["sync"] = measure_sync(workdir, args.runs, kubectl=not args.no_kubectl)
        log("sync", {k: v for k, v in out["sync"].items() if k != "clustervizRuns"})
    if "load" in phases:
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
    if not phases & {"load", "server", "churn"}:
        out["loadavgEnd"] = loadavg()
        return out
    log_path = Path(args.json).with_suffix(".server.log") if args.json else Path("/tmp/real-server.log")
    server = Server(workdir, args.tick, log_path, args.checkpoint_seconds, args.external)
    out["external"] = args.external
    try:
        first_s, first_pods, objects = server.first_state()
        out["serverFirstState"] = {
            "s": first_s,
            "pods": first_pods,
            "objects": objects,
            "mem": server.mem_mb(),
            "watcherMem": server.watcher_mem_mb(),
            "loadavg": loadavg(),
        }
        log("server first state", out["serverFirstState"])
        if args.steady > 0:
            out["steady"] = steady(server, args.steady)
            log("steady", out["steady"])
        if "load" in phases:
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
        if "churn" in phases:
            meta_only = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
            listed = json.loads(api.get("/api/v1/namespaces/bench/pods?resourceVersion=0", accept=meta_only))
            pods = [p["metadata"]["name"] for p in listed["items"]]
            watched: dict[int, float] = {}
            stop_watch = threading.Event()
            watcher = threading.Thread(
                target=raw_watch, args=(api, listed["metadata"]["resourceVersion"], watched, stop_watch), daemon=True
            )
            watcher.start()
            ctx = mp.get_context("spawn")
            q, ready = ctx.Queue(), ctx.Event()
            ws_url = server.url("/ws/clusters/real/?pods=table").replace("http://", "ws://")  # as the page asks
            total_s = args.window + 10
            cp = ctx.Process(target=clients_main, args=(ws_url, args.clients, total_s, q, ready))
            cp.start()
            ready.wait(600)
            log("clients connected")
            sent: dict[int, float] = {}
            c0, m0 = server.cpu_s(), metrics(api)
            w0 = server.cpu_s(server.watcher) if server.watcher else 0.0
            t = time.monotonic()
            samples, watcher_samples = [], []
            pres: dict[str, Any] = {}

            def patch_thread() -> None:
                pres.update(patcher(api, pods, args.rate, args.window, sent, args.patch_threads))

            th = threading.Thread(target=patch_thread)
            th.start()
            while th.is_alive():
                samples.append(server.mem_mb()["VmRSS"])
                watcher_samples += [server.watcher_mem_mb()["VmRSS"]] if server.watcher else []
                th.join(1)
            wall = time.monotonic() - t
            cpu = server.cpu_s() - c0
            watcher_cpu = server.cpu_s(server.watcher) - w0 if server.watcher else 0.0
            m1 = metrics(api)
            res = q.get(timeout=600)
            cp.join()
            # a pod's label seen again in later deltas (another change of the same pod) counts once: first arrival
            first: dict[tuple[int, int], tuple[float, float]] = {}
            for i, pid, ts, at in res["recv"]:
                if pid in sent and (i, pid) not in first:
                    first[(i, pid)] = ((ts - sent[pid]) * 1000, (at - sent[pid]) * 1000)
            lat = [total for total, _ in first.values()]
            stop_watch.set()
            api_watch = [(watched[pid] - t) * 1000 for pid, t in sent.items() if pid in watched]
            arrivals: dict[int, list[float]] = {}
            for (_, pid), (total, _) in first.items():
                arrivals.setdefault(pid, []).append(total)
            spread = [max(a) - min(a) for a in arrivals.values() if len(a) > 1]  # the first client to the last
            to_tick = [part for _, part in first.values() if part == part]  # PATCH answered -> the tick took it
            fan_out = [total - part for total, part in first.values() if part == part]  # the tick -> the client
            expected = len(sent) * args.clients
            out["churn"] = {
                "windowS": wall,
                "patchesOk": len(sent),
                "patchRatePerS": len(sent) / wall,
                "patcher": pres,
                "clientsWithState": res["states"],
                "deliveries": len(lat),
                "expectedDeliveries": expected,
                "latencyMs": {
                    "p50": pct(lat, 50),
                    "p90": pct(lat, 90),
                    "p99": pct(lat, 99),
                    "max": max(lat, default=float("nan")),
                },
                # the split at the delta's "at": the API server's watch plus the wait for a tick, then the rest
                "toTickMs": {"p50": pct(to_tick, 50), "p99": pct(to_tick, 99)},
                "tickToClientMs": {"p50": pct(fan_out, 50), "p99": pct(fan_out, 99)},
                "spreadMs": {"p50": pct(spread, 50), "p99": pct(spread, 99)},  # one change, across the clients
                # PATCH answered -> the same change on a bare watch of the bench's own (the API server's part)
                "apiWatchMs": {"n": len(api_watch), "p50": pct(api_watch, 50), "p99": pct(api_watch, 99)},
                "clientsCpuPct": res["cpuPct"],  # the one process of every client (near 100: it measures itself)
                "serverCpuPct": 100 * cpu / wall,
                "serverRssMb": {"max": max(samples), "median": statistics.median(samples)},
                "serverMem": server.mem_mb(),
                **(
                    {
                        "watcherCpuPct": 100 * watcher_cpu / wall,
                        "watcherRssMb": {"max": max(watcher_samples), "median": statistics.median(watcher_samples)},
                        "watcherMem": server.watcher_mem_mb(),
                    }
                    if server.watcher
                    else {}
                ),
                "checkpoints": server.checkpoints(),
                "freezes": server.freezes(),
                "apiserver": summarise_window(m0, m1, wall),
                "loadavg": loadavg(),
            }
            log("churn", json.dumps(out["churn"], indent=1))
    finally:
        server.close()
    out["loadavgEnd"] = loadavg()
    return out


def steady(server: Server, seconds: float) -> dict[str, Any]:
    """The server watching with no client for ``seconds``: its RSS every 5 s, CPU, the checkpoints it logged."""
    c0, t, rss, watcher_rss = server.cpu_s(), time.monotonic(), [], []
    while time.monotonic() - t < seconds:
        rss.append(server.mem_mb()["VmRSS"])
        watcher_rss += [server.watcher_mem_mb()["VmRSS"]] if server.watcher else []
        time.sleep(5)
    wall = time.monotonic() - t
    return {
        "windowS": wall,
        "rssMb": {"min": min(rss), "max": max(rss), "last": rss[-1]},
        "mem": server.mem_mb(),
        **(
            {"watcherRssMb": {"min": min(watcher_rss), "max": max(watcher_rss), "last": watcher_rss[-1]}}
            if watcher_rss
            else {}
        ),
        "watcherMem": server.watcher_mem_mb(),
        "cpuPct": 100 * (server.cpu_s() - c0) / wall,
        "checkpoints": server.checkpoints(),
        "loadavg": loadavg(),
    }


def put_kubectl_on_path() -> str:
    """kubectl from the control plane's own wrapper module (deploy/testcluster/build.sh kubectl: built from the Go
    module proxy once, cached in ~/.cache/clusterviz), first on PATH for every phase: a fresh machine has none."""
    out = subprocess.run([str(TC / "build.sh"), "kubectl"], check=True, stdout=subprocess.PIPE, text=True)
    bin_dir = out.stdout.strip().splitlines()[-1]
    os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    return str(Path(bin_dir) / "kubectl")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workdir", default="/tmp/cvbench-real")
    ap.add_argument(
        "--reuse",
        action="store_true",
        help="the cluster in WORKDIR is up and populated: no setup unless --phases names it",
    )
    ap.add_argument(
        "--nodes",
        type=int,
        default=1000,
        help="setup: grow the cluster (started if WORKDIR has none running) to this many nodes",
    )
    ap.add_argument("--pods-per-node", type=int, default=30)
    ap.add_argument("--deployments", type=int, default=100)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-kubectl", action="store_true", help="sync: clusterviz's sync alone, no kubectl run")
    ap.add_argument(
        "--phases",
        default="sync,load,churn",
        help="comma list of setup,sync,load,server,churn (server: only the dashboard's first state)",
    )
    ap.add_argument("--no-settle", action="store_true", help="setup: do not wait until all pods are Running")
    ap.add_argument(
        "--bare",
        action="store_true",
        help="setup: the pods bare (spec.nodeName, no Deployment: no scheduler, no ReplicaSet controller) + Services",
    )
    ap.add_argument("--create-threads", type=int, default=16, help="setup --bare: concurrent pod POSTs")
    ap.add_argument(
        "--wait-settled",
        action="store_true",
        help="with --reuse: first wait until every pod of the bench Deployments is Running; record how long",
    )
    ap.add_argument("--settle-timeout", type=float, default=3600, help="seconds (setup and --wait-settled)")
    ap.add_argument(
        "--kwok-parallelism",
        type=int,
        default=32,
        help="setup (new cluster): kwok pod/node/lease workers (start.sh KWOK_*_PARALLELISM; env wins)",
    )
    ap.add_argument(
        "--node-lease-seconds",
        type=int,
        default=0,
        help="setup (new cluster): start.sh NODE_LEASE_SECONDS (kwok renews every quarter of it); 0 = from --nodes",
    )
    ap.add_argument("--patch-threads", type=int, default=0, help="churn: 0 = sized from --rate")
    ap.add_argument("--load-window", type=float, default=60)
    ap.add_argument("--window", type=float, default=60)
    ap.add_argument("--rate", type=float, default=100)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--tick", type=float, default=0.25)
    ap.add_argument(
        "--checkpoint-seconds",
        type=float,
        default=0,
        help="server/churn: history on with a checkpoint every this many s (0: history off, as before)",
    )
    ap.add_argument(
        "--external",
        action="store_true",
        help="server/churn: the watcher in a process of its own (watch_cluster + a redis-server), as the chart runs it",
    )
    ap.add_argument(
        "--steady", type=float, default=0, help="server: watch this many s with no client after the first state"
    )
    ap.add_argument("--stop", action="store_true", help="stop.sh WORKDIR at the end")
    ap.add_argument("--json")
    args = ap.parse_args()
    log(f"kubectl: {put_kubectl_on_path()}")
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
