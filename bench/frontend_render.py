"""Front-end render benchmark for the cluster map (static/clusterviz/map.js).

Generates a deterministic synthetic ClusterState (clusterviz/wire.py shapes), renders the real page template
(templates/dashboard/cluster_map.html) with Django's template engine, serves it with the static files on
127.0.0.1 from a thread, and drives it in headless Chromium with Playwright.  The state is injected as a
fixture (fetched as text, then JSON.parse + window.clusterviz.applyState), not through the websocket.

Measures:
  * first complete render: JSON.parse + applyState (model + layout) + draw, until the next animation frame;
  * main-thread time to apply 1 % pod deltas (status changes) via window.clusterviz.applyDelta, incl. JSON.parse
    and the redraw of the dirty node cards;
  * JS heap after GC (CDP Runtime.getHeapUsage).

    python bench/frontend_render.py --nodes 5000 --pods-per-node 30 --json out.json --screenshot shot.png

Also usable as a dev server: ``--serve`` keeps the page up at the printed URL.
"""

from __future__ import annotations

import argparse
import html
import json
import mimetypes
import os
import random
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROME_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
]
CLUSTER = "bench"

NAMESPACES = [
    ("default", 4),
    ("kube-system", 6),
    ("monitoring", 8),
    ("logging", 5),
    ("ingress-nginx", 3),
    ("cert-manager", 1),
    ("payments", 10),
    ("checkout", 10),
    ("search", 12),
    ("web", 14),
    ("ml-training", 7),
    ("batch", 9),
    ("data", 8),
]
APPS = ["api", "web", "worker", "cache", "db-proxy", "indexer", "scheduler", "gateway", "auth", "cart", "ranker", "etl"]
ZONES = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
POOLS = [
    ("general", "m6i.2xlarge", 8000, 32),
    ("compute", "c6i.4xlarge", 16000, 32),
    ("memory", "r6i.2xlarge", 8000, 64),
]
K8S = "v1.33.4"
RUNTIME = "containerd://2.1.4"
GI = 1024**3

EXPLANATIONS = {
    "kube-apiserver": "The front door of the cluster: every kubectl command, controller and kubelet talks to it; it validates objects and stores them in etcd.",
    "etcd": "The cluster's database: a replicated key-value store holding every object. If it loses quorum, nothing can change.",
    "kube-scheduler": "Picks a node for each new pod, based on requests, affinity, taints and free capacity. Pods it cannot place stay Pending.",
    "kube-controller-manager": "Runs the control loops (Deployments, ReplicaSets, Nodes, Jobs…) that move the cluster towards the desired state.",
    "cloud-controller-manager": "Talks to the cloud provider: load balancers, node lifecycle and routes.",
    "kubelet": "The agent on every node: starts the pod's containers through the container runtime and reports their status.",
    "container-runtime": "Runs the containers (containerd or CRI-O) on behalf of the kubelet.",
    "kube-proxy": "Programs the node's network rules so that Service IPs reach the right pods.",
}


def _proc(
    name: str,
    role: str,
    health: str,
    evidence: list[str],
    node: str | None,
    pod: str | None,
    version: str = K8S,
    leader: str | None = None,
) -> dict[str, Any]:
    p: dict[str, Any] = {
        "name": name,
        "role": role,
        "health": health,
        "evidence": evidence,
        "version": version,
        "node": node,
        "pod": pod,
    }
    if leader is not None:
        p["leader"] = leader
    return p


def make_state(n_nodes: int, ppn: int, seed: int = 42) -> dict[str, Any]:
    """A deterministic ClusterState with n_nodes nodes and about ppn pods per node (+0.3 % unscheduled)."""
    rnd = random.Random(seed)
    n_cp = 3 if n_nodes >= 6 else 1
    nodes: list[dict[str, Any]] = []
    t0 = 1_750_000_000.0
    for i in range(n_nodes):
        cp = i < n_cp
        zone = ZONES[i % len(ZONES)]
        pool = POOLS[(i // 3) % len(POOLS)]
        name = f"cp-{i + 1}" if cp else f"node-{pool[0]}-{zone[-2:]}-{i:05d}"
        ready = "True"
        r = rnd.random()
        if not cp and r < 0.004:
            ready = "False" if r < 0.003 else "Unknown"
        conds = {
            "MemoryPressure": "False",
            "DiskPressure": "False",
            "PIDPressure": "False",
            "NetworkUnavailable": "False",
        }
        if not cp and rnd.random() < 0.005:
            conds[rnd.choice(["MemoryPressure", "DiskPressure", "PIDPressure"])] = "True"
        cordoned = not cp and rnd.random() < 0.005
        cpu = 4000 if cp else pool[2]
        mem = (16 if cp else pool[3]) * GI
        labels = {
            "kubernetes.io/hostname": name,
            "kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64" if i % 7 else "arm64",
            "topology.kubernetes.io/zone": zone,
            "topology.kubernetes.io/region": "eu-west-1",
            "node.kubernetes.io/instance-type": "m6i.xlarge" if cp else pool[1],
            "pool": "control-plane" if cp else pool[0],
        }
        if cp:
            labels["node-role.kubernetes.io/control-plane"] = ""
        agents = []
        for an in ["kubelet", "container-runtime", "kube-proxy", "node-exporter", "fluent-bit"]:
            h = "healthy"
            ev = {
                "kubelet": ["node Ready, heartbeat 4s ago"],
                "container-runtime": [f"runtime {RUNTIME} reports ready"],
                "kube-proxy": ["DaemonSet pod Running, 1/1 ready"],
            }.get(an, ["DaemonSet pod Running"])
            if ready != "True" and an == "kubelet":
                h, ev = (
                    "unhealthy",
                    ["NodeStatusUnknown: Kubelet stopped posting node status", "last heartbeat 3m12s ago"],
                )
            elif rnd.random() < 0.01:
                h, ev = rnd.choice(
                    [
                        ("degraded", ["container restarted 4 times in the last hour"]),
                        ("unhealthy", ["CrashLoopBackOff"]),
                        ("unknown", ["no pod observed"]),
                    ]
                )
            ver = {"kubelet": K8S, "container-runtime": "2.1.4", "kube-proxy": K8S}.get(an, "1.8.2")
            agents.append(
                _proc(
                    an,
                    "node-agent",
                    h,
                    ev,
                    name,
                    None if an in ("kubelet", "container-runtime") else f"kube-system/{an}-{i:05x}",
                    ver,
                )
            )
        nodes.append(
            {
                "name": name,
                "roles": ["control-plane"] if cp else [],
                "controlPlane": cp,
                "ready": ready,
                "conditions": conds,
                "unschedulable": cordoned,
                "taints": (
                    [{"key": "node-role.kubernetes.io/control-plane", "value": "", "effect": "NoSchedule"}]
                    if cp
                    else []
                )
                + (
                    [{"key": "node.kubernetes.io/unschedulable", "value": "", "effect": "NoSchedule"}]
                    if cordoned
                    else []
                ),
                "labels": labels,
                "kubeletVersion": K8S,
                "containerRuntime": RUNTIME,
                "osImage": "Ubuntu 24.04.2 LTS",
                "architecture": labels["kubernetes.io/arch"],
                "allocatable": {"cpu": cpu - 100, "memory": mem - GI // 2, "pods": 110},
                "requested": {"cpu": 0, "memory": 0, "pods": 0},
                "agents": agents,
                "createdAt": t0 - rnd.randint(0, 9_000_000),
            }
        )
    ns_names = [n for n, _ in NAMESPACES]
    ns_weights = [w for _, w in NAMESPACES]
    pods: list[dict[str, Any]] = []
    n_unsched = max(2, (n_nodes * ppn) // 300)
    for idx in range(n_nodes * ppn + n_unsched):
        node = nodes[idx % n_nodes] if idx < n_nodes * ppn else None
        if node is not None and node["controlPlane"] and (idx // n_nodes) % 3:
            node = nodes[n_cp + (idx % max(1, n_nodes - n_cp))] if n_nodes > n_cp else node
        ns = rnd.choices(ns_names, ns_weights)[0]
        app = rnd.choice(APPS)
        r = rnd.random()
        restarts = 0
        if node is None:
            sc, status, phase = "pending", "Pending", "Pending"
        elif r < 0.86:
            sc, status, phase = "running", "Running", "Running"
            if rnd.random() < 0.04:
                restarts = rnd.randint(1, 9)
        elif r < 0.89:
            sc, status, phase = "pending", rnd.choice(["ContainerCreating", "Pending", "Init:0/1"]), "Pending"
        elif r < 0.935:
            sc, status, phase = "succeeded", "Completed", "Succeeded"
        elif r < 0.975:
            sc, status, phase = (
                "failed",
                rnd.choice(["CrashLoopBackOff", "Error", "OOMKilled", "ImagePullBackOff"]),
                "Running",
            )
            restarts = rnd.randint(1, 40)
        elif r < 0.993:
            sc, status, phase = "terminating", "Terminating", "Running"
        else:
            sc, status, phase = "unknown", "Unknown", "Unknown"
        kind = rnd.choice(["Deployment", "Deployment", "Deployment", "StatefulSet", "Job", "DaemonSet"])
        owner_name = f"{app}-{rnd.randint(1, 40)}"
        name = f"{owner_name}-{rnd.getrandbits(40):010x}"[:63]
        uid = f"{rnd.getrandbits(32):08x}-{rnd.getrandbits(16):04x}-4{rnd.getrandbits(12):03x}-a{rnd.getrandbits(12):03x}-{rnd.getrandbits(48):012x}"
        req = {
            "cpu": rnd.choice([50, 100, 100, 250, 500]),
            "memory": rnd.choice([64, 128, 256, 512]) * 1024**2,
            "pods": 1,
        }
        creason = {
            "failed": status if status != "Error" else "Error",
            "pending": "ContainerCreating" if status == "ContainerCreating" else "",
        }.get(sc, "")
        pods.append(
            {
                "uid": uid,
                "name": name,
                "namespace": ns,
                "node": node["name"] if node else None,
                "phase": phase,
                "status": status,
                "statusClass": sc,
                "failing": sc == "failed",
                "readyContainers": 1 if sc == "running" else 0,
                "totalContainers": 1,
                "restarts": restarts,
                "owner": {"kind": kind, "name": owner_name},
                "qosClass": "Burstable",
                "containers": [
                    {
                        "name": app,
                        "image": f"registry.example.com/{ns}/{app}:1.{rnd.randint(0, 30)}.{rnd.randint(0, 9)}",
                        "ready": sc == "running",
                        "state": {"running": "running", "succeeded": "terminated", "failed": "waiting"}.get(
                            sc, "waiting"
                        ),
                        "reason": creason,
                        "restarts": restarts,
                        "init": False,
                    }
                ],
                "volumes": [{"name": "kube-api-access", "kind": "projected"}, {"name": "config", "kind": "configMap"}],
                "labels": {
                    "app": app,
                    "tier": rnd.choice(["frontend", "backend", "data"]),
                    "team": ns,
                    **({"canary": "true"} if rnd.random() < 0.05 else {}),
                },
                "requests": req,
                "message": f"0/{n_nodes} nodes are available: {n_cp} node(s) had untolerated taint {{node-role.kubernetes.io/control-plane: }}, {n_nodes - n_cp} Insufficient cpu. preemption: 0/{n_nodes} nodes are available."
                if node is None
                else "",
                "createdAt": t0 + rnd.randint(0, 9_000_000),
            }
        )
        if node is not None and sc not in ("succeeded", "failed"):
            rq = node["requested"]
            rq["cpu"] += req["cpu"]
            rq["memory"] += req["memory"]
            rq["pods"] += 1
    pods.sort(key=lambda p: (p["namespace"], p["name"]))
    cpn = [n["name"] for n in nodes if n["controlPlane"]]
    control: list[dict[str, Any]] = []
    for comp in ["kube-apiserver", "etcd", "kube-scheduler", "kube-controller-manager"]:
        for j, cn in enumerate(cpn):
            health, ev = (
                "healthy",
                {
                    "kube-apiserver": ["/readyz ok (38 ms)", "serving 1,204 req/s"],
                    "etcd": ["member healthy, 3/3 voting members", "db size 412 MiB"],
                    "kube-scheduler": ["lease renewed 2s ago"],
                    "kube-controller-manager": ["lease renewed 1s ago"],
                }[comp],
            )
            if comp == "etcd" and j == 2:
                health, ev = "degraded", ["fsync p99 210 ms (> 100 ms)", "member healthy, 3/3 voting members"]
            leader = cpn[0] if comp in ("kube-scheduler", "kube-controller-manager") else None
            control.append(
                _proc(
                    comp,
                    "control-plane",
                    health,
                    ev,
                    cn,
                    f"kube-system/{comp}-{cn}",
                    "3.6.4" if comp == "etcd" else K8S,
                    leader,
                )
            )
    return {
        "cluster": CLUSTER,
        "revision": 1000,
        "seq": 100,
        "at": t0 + 9_000_000,
        "source": {
            "kind": "fake",
            "state": "live",
            "reason": "",
            "lastEventAt": t0 + 9_000_000,
            "resourceVersion": "123456",
        },
        "controlPlane": control,
        "nodes": nodes,
        "pods": pods,
    }


def make_deltas(state: dict[str, Any], count: int, fraction: float = 0.01, seed: int = 7) -> list[dict[str, Any]]:
    """`count` consecutive deltas, each upserting `fraction` of the pods with a status change."""
    rnd = random.Random(seed)
    pods = state["pods"]
    out = []
    seq, rev = state["seq"], state["revision"]
    choices = [
        ("running", "Running", "Running"),
        ("pending", "ContainerCreating", "Pending"),
        ("failed", "CrashLoopBackOff", "Running"),
        ("terminating", "Terminating", "Running"),
        ("succeeded", "Completed", "Succeeded"),
    ]
    k = max(1, int(len(pods) * fraction))
    for _ in range(count):
        seq += 1
        rev += 1
        ups = []
        for p in rnd.sample(pods, k):
            sc, status, phase = rnd.choice(choices)
            q = dict(
                p,
                statusClass=sc,
                failing=sc == "failed",
                status=status,
                phase=phase,
                restarts=p["restarts"] + (1 if sc == "failed" else 0),
            )
            ups.append(q)
        out.append(
            {
                "cluster": state["cluster"],
                "seq": seq,
                "revision": rev,
                "at": state["at"] + seq,
                "source": state["source"],
                "nodes": {"upsert": [], "remove": []},
                "pods": {"upsert": ups, "remove": []},
            }
        )
    return out


# ---------------------------------------------------------------------------------------------- page + server


def render_page(state_url: str = "", ws_path: str = "") -> str:
    import django
    from django.conf import settings

    if not settings.configured:  # the project's own settings: the page's template tags are its apps'
        sys.path.insert(0, str(ROOT)) if str(ROOT) not in sys.path else None
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
        os.environ.setdefault("SECRET_KEY", "bench-only")
        django.setup()
    from django.contrib.auth.models import AnonymousUser
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    base = f"/clusters/{CLUSTER}/"
    request = RequestFactory().get(base)
    request.user = AnonymousUser()
    return render_to_string(
        "dashboard/cluster_map.html",
        {
            "cluster": CLUSTER,
            "clusters": [CLUSTER, "staging"],
            "explanations": EXPLANATIONS,
            "state_url": state_url,
            "ws_path": ws_path,  # both empty = fixture mode: the harness injects the state
            "panel_base": base,
        },
        request=request,
    )


def _static_roots() -> dict[str, Path]:
    import django_htmx

    return {
        "/static/django_htmx/": Path(django_htmx.__file__).parent / "static" / "django_htmx",
        "/static/": ROOT / "static",
    }


class Server:
    def __init__(self, state_url: str = "", ws_path: str = "") -> None:
        self.files: dict[str, tuple[bytes, str]] = {}
        self.requests: list[str] = []
        self.page = render_page(state_url, ws_path).encode()
        roots = _static_roots()
        files = self.files
        page_holder = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a: Any) -> None:
                pass

            def _send(self, body: bytes, ctype: str, code: int = 200) -> None:
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                page_holder.requests.append(self.path)
                path = unquote(urlsplit(self.path).path)
                if path in files:
                    return self._send(*files[path])
                if path == f"/clusters/{CLUSTER}/":
                    return self._send(page_holder.page, "text/html; charset=utf-8")
                if path.startswith(f"/clusters/{CLUSTER}/") and path.endswith("/panel"):
                    rest = path[len(f"/clusters/{CLUSTER}/") : -len("/panel")]
                    body = (
                        f'<div class="bench-panel"><button type="button" data-panel-close aria-label="Close">×</button>'
                        f"<h2>{html.escape(rest)}</h2><p>Stub panel served by the bench harness.</p></div>"
                    ).encode()
                    return self._send(body, "text/html; charset=utf-8")
                for prefix, root in roots.items():
                    if path.startswith(prefix):
                        f = (root / path[len(prefix) :]).resolve()
                        if root.resolve() in f.parents and f.is_file():
                            return self._send(
                                f.read_bytes(), mimetypes.guess_type(f.name)[0] or "application/octet-stream"
                            )
                self._send(b"not found", "text/plain", 404)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/clusters/{CLUSTER}/"

    def close(self) -> None:
        self.httpd.shutdown()


FIRST_RENDER_JS = """
async (url) => {
  const text = await (await fetch(url)).text();
  await new Promise(r => setTimeout(r, 50));
  const cv = window.clusterviz;
  const t0 = performance.now();
  const obj = JSON.parse(text);
  const t1 = performance.now();
  cv.applyState(obj);
  const t2 = performance.now();
  await cv.ready;
  const t3 = performance.now();
  await new Promise(r => requestAnimationFrame(() => r()));
  const t4 = performance.now();
  return {bytes: text.length, parseMs: t1 - t0, applyMs: t2 - t1, drawMs: cv.stats.lastRenderMs,
          readyMs: t3 - t0, firstRenderMs: t4 - t0, rendered: document.body.dataset.rendered || '',
          breakdown: cv.stats.stateApply, mode: cv.stats.mode, scale: cv.view.scale};
}
"""

DELTA_JS = """
async (url) => {
  const text = await (await fetch(url)).text();
  await new Promise(r => setTimeout(r, 30));
  const cv = window.clusterviz;
  const t0 = performance.now();
  const obj = JSON.parse(text);
  const t1 = performance.now();
  const res = cv.applyDelta(obj);
  const t2 = performance.now();
  await new Promise(r => requestAnimationFrame(() => r()));
  // the redraw ran inside that frame; stats.lastDrawMs is its duration
  return {result: res, parseMs: t1 - t0, applyMs: t2 - t1, drawMs: cv.stats.lastDrawMs,
          mainThreadMs: (t1 - t0) + (t2 - t1) + cv.stats.lastDrawMs, statsDeltaMs: cv.stats.lastDeltaMs, upserts: obj.pods.upsert.length};
}
"""


def run(args: argparse.Namespace) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    t = time.perf_counter()
    state = make_state(args.nodes, args.pods_per_node, args.seed)
    deltas = make_deltas(state, args.deltas)
    server = Server()
    state_bytes = json.dumps(state, separators=(",", ":")).encode()
    server.files["/fixture/state.json"] = (state_bytes, "application/json")
    for i, d in enumerate(deltas):
        server.files[f"/fixture/delta-{i}.json"] = (json.dumps(d, separators=(",", ":")).encode(), "application/json")
    gen_s = time.perf_counter() - t
    out: dict[str, Any] = {
        "nodes": args.nodes,
        "podsPerNode": args.pods_per_node,
        "pods": len(state["pods"]),
        "stateBytes": len(state_bytes),
        "generateSeconds": round(gen_s, 2),
        "viewport": [args.width, args.height],
        "deviceScaleFactor": args.dpr,
    }
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS, headless=True)
            page = browser.new_page(viewport={"width": args.width, "height": args.height}, device_scale_factor=args.dpr)
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on(
                "console",
                lambda m: (
                    errors.append("console." + m.type + ": " + m.text)
                    if m.type in ("error", "warning") and "favicon" not in m.location.get("url", "")
                    else None
                ),
            )
            page.goto(server.url + (("?" + args.query) if args.query else ""))
            page.wait_for_function("window.clusterviz !== undefined")
            first = page.evaluate(FIRST_RENDER_JS, "/fixture/state.json")
            out["firstRender"] = {
                k: (
                    round(v, 1)
                    if isinstance(v, float)
                    else ({a: round(b, 1) for a, b in v.items()} if isinstance(v, dict) else v)
                )
                for k, v in first.items()
            }
            runs = []
            for i in range(len(deltas)):
                runs.append(page.evaluate(DELTA_JS, f"/fixture/delta-{i}.json"))
            if runs:
                mt = [r["mainThreadMs"] for r in runs]
                out["delta"] = {
                    "upserts": runs[0]["upserts"],
                    "runs": len(runs),
                    "results": sorted({r["result"] for r in runs}),
                    "mainThreadMsMedian": round(statistics.median(mt), 1),
                    "mainThreadMsMax": round(max(mt), 1),
                    "parseMsMedian": round(statistics.median(r["parseMs"] for r in runs), 1),
                    "applyMsMedian": round(statistics.median(r["applyMs"] for r in runs), 1),
                    "drawMsMedian": round(statistics.median(r["drawMs"] for r in runs), 1),
                }
            cdp = page.context.new_cdp_session(page)
            cdp.send("HeapProfiler.collectGarbage")
            heap = cdp.send("Runtime.getHeapUsage")
            out["heapUsedMB"] = round(heap["usedSize"] / 1048576, 1)
            out["heapTotalMB"] = round(heap["totalSize"] / 1048576, 1)
            # full redraw cost at the fit view (what a pan/zoom frame costs)
            out["fullRedrawMs"] = round(
                page.evaluate("""async () => { const cv = window.clusterviz; const xs = [];
                for (let i = 0; i < 3; i++) { cv.zoom(1.0001); await new Promise(r => requestAnimationFrame(() => r()));
                  await new Promise(r => requestAnimationFrame(() => r())); xs.push(cv.stats.lastRenderMs); }
                cv.fit(); await new Promise(r => requestAnimationFrame(() => r())); return xs.sort((a,b)=>a-b)[1]; }"""),
                1,
            )
            out["indicator"] = page.evaluate("window.clusterviz.indicator()")
            if args.screenshot:
                page.wait_for_timeout(100)
                page.screenshot(path=args.screenshot)
                out["screenshot"] = args.screenshot
                box = page.locator("#cluster-canvas").bounding_box()
                crop = args.screenshot.rsplit(".", 1)[0] + "-crop.png"
                page.screenshot(
                    path=crop,
                    clip={
                        "x": box["x"],
                        "y": box["y"],
                        "width": min(520, box["width"]),
                        "height": min(320, box["height"]),
                    },
                )
                out["cropScreenshot"] = crop
            if args.zoom_screenshot:
                page.evaluate("""async () => { const cv = window.clusterviz; const names = [...cv.state.nodes.keys()];
                    const r = cv.layout.nodeRect(names[Math.min(names.length - 1, 4)]); cv.view.auto = false;
                    for (let i = 0; i < 40 && !(cv.stats.mode === 'detail' && cv.view.scale >= 1); i++) {
                      cv.zoom(1.25); await new Promise(r => requestAnimationFrame(() => r())); }
                    await new Promise(r => requestAnimationFrame(() => r())); }""")
                page.wait_for_timeout(100)
                page.screenshot(path=args.zoom_screenshot)
                out["zoomScreenshot"] = args.zoom_screenshot
            out["errors"] = errors
            browser.close()
            if args.serve:
                print(f"serving {server.url} — Ctrl-C to stop", file=sys.stderr)
                try:
                    while True:
                        time.sleep(3600)
                except KeyboardInterrupt:
                    pass
    finally:
        server.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nodes", type=int, default=100)
    ap.add_argument("--pods-per-node", type=int, default=30)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--deltas", type=int, default=5, help="number of 1%% pod deltas to time")
    ap.add_argument("--width", type=int, default=1600)
    ap.add_argument("--height", type=int, default=1000)
    ap.add_argument("--dpr", type=float, default=1.0)
    ap.add_argument("--query", default="", help="query string for the page, e.g. 'group=topology.kubernetes.io/zone'")
    ap.add_argument("--json", help="write the results to this file")
    ap.add_argument("--screenshot", help="save a PNG of the page after the first render")
    ap.add_argument("--zoom-screenshot", help="save a PNG zoomed in to detail level")
    ap.add_argument("--serve", action="store_true", help="keep serving the page after the run")
    args = ap.parse_args()
    out = run(args)
    text = json.dumps(out, indent=2)
    print(text)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(text + "\n")


if __name__ == "__main__":
    main()
