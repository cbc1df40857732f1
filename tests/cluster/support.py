"""The real control plane of deploy/testcluster, driven from tests: start/stop, REST calls, a store driver."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml

from clusterviz.kube import KubeSource, load_cluster
from clusterviz.live import ControlPlaneEvidence, Relisted, Usage
from clusterviz.store import ClusterStore

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "deploy" / "testcluster"


def run_script(name: str, *args: str, env: dict[str, str] | None = None, timeout: float = 180) -> str:
    """Run one of deploy/testcluster's scripts; its stdout, or AssertionError with its stderr tail."""
    result = subprocess.run(
        [str(SCRIPTS / name), *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"{name} {' '.join(args)} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return result.stdout


@dataclass
class LocalCluster:
    workdir: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def kubeconfig(self) -> Path:
        return self.workdir / "admin.kubeconfig"

    @property
    def apiserver_port(self) -> int:
        return int(self.env["APISERVER_PORT"])

    def load_env(self) -> None:
        for line in (self.workdir / "cluster.env").read_text().splitlines():
            key, _, value = line.partition("=")
            self.env[key] = value

    def rest(self) -> Rest:
        return Rest(load_cluster(str(self.kubeconfig)))

    def kubeconfig_variant(
        self, path: Path, *, server: str | None = None, ca_data: str | None = None, user: dict[str, Any] | None = None
    ) -> Path:
        """A copy of the admin kubeconfig with another server, CA or user."""
        doc = yaml.safe_load(self.kubeconfig.read_text())
        cluster = doc["clusters"][0]["cluster"]
        if server is not None:
            cluster["server"] = server
        if ca_data is not None:
            cluster["certificate-authority-data"] = ca_data
        if user is not None:
            doc["users"][0]["user"] = user
        path.write_text(yaml.safe_dump(doc))
        return path

    def restart_apiserver(self, downtime: float = 0.0) -> subprocess.Popen[str]:
        env = {**os.environ, "RESTART_DOWNTIME": str(downtime)}
        return subprocess.Popen(
            [str(SCRIPTS / "restart-apiserver.sh"), str(self.workdir)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def compact_etcd(self) -> int:
        """Compact etcd at its current revision (through its HTTP gateway); returns that revision."""
        base = f"http://127.0.0.1:{self.env['ETCD_PORT']}/v3/kv"
        header = _post_json(f"{base}/range", {"key": base64.b64encode(b"/").decode()})["header"]
        revision = int(header["revision"])
        _post_json(f"{base}/compaction", {"revision": str(revision), "physical": True})
        return revision


def _post_json(url: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        result: dict[str, Any] = json.loads(response.read())
        return result


class Rest:
    """Plain-dict REST calls through an ApiClient (the tests never import the client themselves)."""

    def __init__(self, api_client: Any) -> None:
        self.api = api_client

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        query: list[tuple[str, str]] | None = None,
        content_type: str = "application/json",
    ) -> tuple[int, Any]:
        request = self.api.param_serialize(
            method,
            path,
            query_params=query or [],
            body=body,
            auth_settings=["BearerToken"],
            header_params={"Accept": "application/json", "Content-Type": content_type},
        )
        response = self.api.call_api(*request, _request_timeout=(5, 30))
        data = response.response.data
        try:
            return response.status, (json.loads(data) if data else None)
        except json.JSONDecodeError:
            return response.status, data.decode("utf-8", "replace")

    def ok(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        status, data = self.call(method, path, body, **kwargs)
        assert 200 <= status < 300, f"{method} {path}: HTTP {status} {data}"
        return data

    def fresh_state(self) -> tuple[dict[str, tuple[str, str, str | None, str]], set[str]]:
        """Pods (uid → namespace, name, node, phase) and node names, listed from the API server now."""
        pods = {
            p["metadata"]["uid"]: (
                p["metadata"]["namespace"],
                p["metadata"]["name"],
                p["spec"].get("nodeName"),
                p.get("status", {}).get("phase") or "Pending",
            )
            for p in self.ok("GET", "/api/v1/pods")["items"]
        }
        nodes = {n["metadata"]["name"] for n in self.ok("GET", "/api/v1/nodes")["items"]}
        return pods, nodes


def store_state(store: ClusterStore) -> tuple[dict[str, tuple[str, str, str | None, str]], set[str]]:
    snapshot = store.snapshot()
    pods = {p["uid"]: (p["namespace"], p["name"], p["node"], p["phase"]) for p in snapshot["pods"]}
    return pods, {n["name"] for n in snapshot["nodes"]}


class Driver:
    """A ClusterStore fed by a KubeSource, as ClusterRuntime feeds it, one pump() at a time."""

    def __init__(self, source: KubeSource) -> None:
        self.source = source
        self.store = ClusterStore(source.name, source.status())
        self.states: list[tuple[str, str]] = []  # (state, reason) transitions seen
        self.relisted = 0
        self.first: Relisted | None = None
        self.objects: dict[str, list[dict[str, Any]]] = {}  # every object delivered, by kind (tests are small)

    def start(self) -> Driver:
        first = self.source.start()
        self.first = first
        self.store.load(self._kept(first), self.source.now())
        self._note_status()
        return self

    def _kept(self, listed: Relisted) -> dict[str, list[dict[str, Any]]]:
        """A full list's objects, read (a reflector's list is read once) and kept for the test."""
        objects = {kind: list(items) for kind, items in listed.objects.items()}
        for kind, items in objects.items():
            self.objects.setdefault(kind, []).extend(items)
        return objects

    def pump(self) -> None:
        for change in self.source.poll(0.1):
            now = self.source.now()
            if isinstance(change, Relisted):
                self.relisted += 1
                self.store.load(self._kept(change), now)
            elif isinstance(change, ControlPlaneEvidence):
                self.store.set_control_plane_evidence(change.evidence)
            elif isinstance(change, Usage):
                self.store.set_usage(change.nodes, change.pods, available=change.available, reason=change.reason)
            else:
                self.objects.setdefault(change.kind, []).append(change.object)
                self.store.apply(change, now)
        self.store.now = self.source.now()
        self._note_status()

    def _note_status(self) -> None:
        status = self.source.status()
        self.store.set_source(status)
        seen = (status["state"], status["reason"])
        if not self.states or self.states[-1] != seen:
            self.states.append(seen)

    def wait_for(
        self, what: str, check: Callable[[ClusterStore], T | Literal[False] | None], timeout: float = 30.0
    ) -> T:
        deadline = time.monotonic() + timeout
        while True:
            self.pump()
            value = check(self.store)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{what}: not reached within {timeout}s\nstatus: {self.source.status()}\n"
                    f"states seen: {self.states[-10:]}\nhealth: {json.dumps(self.source.health(), indent=1)[:4000]}"
                )
            time.sleep(0.1)

    def wait_equal_to_api(self, rest: Rest, timeout: float = 30.0) -> None:
        """Until the store's pods and nodes equal a fresh list from the API server."""
        last: list[Any] = []

        def equal(store: ClusterStore) -> bool:
            fresh = rest.fresh_state()
            mine = store_state(store)
            last[:] = [fresh, mine]
            return fresh == mine

        try:
            self.wait_for("store equals a fresh list", equal, timeout)
        except AssertionError as error:
            fresh, mine = last
            missing = {k: v for k, v in fresh[0].items() if mine[0].get(k) != v}
            extra = {k: v for k, v in mine[0].items() if fresh[0].get(k) != v}
            raise AssertionError(
                f"{error}\nmissing/different: {missing}\nextra/different: {extra}\nnodes api={fresh[1]} store={mine[1]}"
            ) from None


def deployment(name: str, replicas: int) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [
                        {
                            "name": name,
                            "image": f"example.org/{name}:1.0",
                            "env": [{"name": "SECRET", "value": "must-not-leave-the-boundary"}],
                            "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}},
                        }
                    ]
                },
            },
        },
    }


def bound_pod(name: str, node: str) -> dict[str, Any]:
    """A bare pod already bound to a kwok node (no scheduler needed)."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": "bare"}},
        "spec": {"nodeName": node, "containers": [{"name": "c", "image": "example.org/bare:1.0"}]},
    }


def start_cluster(workdir: Path, bin_dir: str, nodes: int = 2, env: dict[str, str] | None = None) -> LocalCluster:
    """start.sh WORKDIR (+ add-nodes.sh): the control plane runs until :func:`stop_cluster`."""
    try:
        run_script("start.sh", str(workdir), env={"TESTCLUSTER_BIN": bin_dir, **(env or {})})
        cluster = LocalCluster(workdir)
        cluster.load_env()
        if nodes:
            run_script("add-nodes.sh", str(workdir), str(nodes))
    except BaseException:
        stop_cluster(workdir)
        raise
    return cluster


def stop_cluster(workdir: Path) -> None:
    if workdir.exists():
        run_script("stop.sh", str(workdir), timeout=120)
