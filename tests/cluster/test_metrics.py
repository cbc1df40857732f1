"""Usage from metrics.k8s.io on a real control plane: absent (no metrics-server) is normal, and metrics served
through the API server's aggregation layer (an APIService backed by a local HTTPS server) reach the store."""

from __future__ import annotations

import json
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from clusterviz.kube import KubeSource, load_cluster
from tests.cluster.support import Driver, LocalCluster, Rest, bound_pod

GROUP = "/apis/metrics.k8s.io/v1beta1"
APISERVICE = "/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io"
SERVICE_NAME = "clusterviz-test-metrics"
MI = 1 << 20


def test_without_metrics_server_usage_is_unavailable_and_the_source_stays_live(
    cluster: LocalCluster, sources: Callable[..., KubeSource]
) -> None:
    driver = Driver(sources("test", load_cluster(str(cluster.kubeconfig)), metrics_interval=1.0)).start()
    driver.wait_for("metrics polled", lambda s: s.usage_reason == "metrics-server not installed", timeout=20)
    assert not driver.store.usage_available
    driver.wait_for("nodes listed", lambda s: s.node("kwok-node-0"))
    snapshot = driver.store.snapshot()
    assert all(n["usage"] is None for n in snapshot["nodes"]) and all(p["usage"] is None for p in snapshot["pods"])
    status = driver.source.status()
    assert (status["state"], status["reason"]) == ("live", ""), status
    health = driver.source.health()["metrics"]
    assert health["available"] is False and health["reason"] == "metrics-server not installed"
    assert health["lastError"] == "", "absence is not an error"
    assert all(state == "live" for state, _ in driver.states[1:]), driver.states


# -- metrics served through the aggregation layer -------------------------------------------------------------


class _Metrics(BaseHTTPRequestHandler):
    """The part of metrics-server's API the poller and the aggregator's availability check ask for."""

    nodes: dict[str, tuple[str, str]] = {}
    pods: dict[tuple[str, str], list[tuple[str, str]]] = {}

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        if path == GROUP:
            body: Any = {
                "kind": "APIResourceList",
                "apiVersion": "v1",
                "groupVersion": "metrics.k8s.io/v1beta1",
                "resources": [
                    {
                        "name": "nodes",
                        "singularName": "",
                        "namespaced": False,
                        "kind": "NodeMetrics",
                        "verbs": ["get", "list"],
                    },
                    {
                        "name": "pods",
                        "singularName": "",
                        "namespaced": True,
                        "kind": "PodMetrics",
                        "verbs": ["get", "list"],
                    },
                ],
            }
        elif path == f"{GROUP}/nodes":
            body = {
                "kind": "NodeMetricsList",
                "apiVersion": "metrics.k8s.io/v1beta1",
                "metadata": {},
                "items": [
                    {
                        "metadata": {"name": n},
                        "timestamp": "2025-01-01T00:00:00Z",
                        "window": "20s",
                        "usage": {"cpu": c, "memory": m},
                    }
                    for n, (c, m) in self.nodes.items()
                ],
            }
        elif path == f"{GROUP}/pods":
            body = {
                "kind": "PodMetricsList",
                "apiVersion": "metrics.k8s.io/v1beta1",
                "metadata": {},
                "items": [
                    {
                        "metadata": {"name": name, "namespace": ns},
                        "timestamp": "2025-01-01T00:00:00Z",
                        "window": "20s",
                        "containers": [
                            {"name": f"c{i}", "usage": {"cpu": c, "memory": m}} for i, (c, m) in enumerate(cs)
                        ],
                    }
                    for (ns, name), cs in self.pods.items()
                ],
            }
        else:
            self.send_error(404)
            return
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def metrics_backend(tmp_path: Path) -> Iterator[int]:
    """A local HTTPS server with a self-signed certificate, serving :class:`_Metrics`; yields its port."""
    cert, key = tmp_path / "metrics.crt", tmp_path / "metrics.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Metrics)
    server.daemon_threads = True
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, name="metrics-backend", daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def _register(rest: Rest, port: int) -> None:
    """An ExternalName service on localhost (the aggregator resolves it to https://localhost:port) and the
    APIService that routes metrics.k8s.io to it."""
    rest.ok(
        "POST",
        "/api/v1/namespaces/kube-system/services",
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": SERVICE_NAME},
            "spec": {"type": "ExternalName", "externalName": "localhost", "ports": [{"port": port}]},
        },
    )
    rest.ok(
        "POST",
        "/apis/apiregistration.k8s.io/v1/apiservices",
        {
            "apiVersion": "apiregistration.k8s.io/v1",
            "kind": "APIService",
            "metadata": {"name": "v1beta1.metrics.k8s.io"},
            "spec": {
                "group": "metrics.k8s.io",
                "version": "v1beta1",
                "service": {"namespace": "kube-system", "name": SERVICE_NAME, "port": port},
                "insecureSkipTLSVerify": True,  # the backend's certificate is self-signed
                "groupPriorityMinimum": 100,
                "versionPriority": 100,
            },
        },
    )


def _unregister(rest: Rest) -> None:
    rest.call("DELETE", APISERVICE)
    rest.call("DELETE", f"/api/v1/namespaces/kube-system/services/{SERVICE_NAME}")
    deadline = time.monotonic() + 30
    while rest.call("GET", f"{GROUP}/nodes")[0] != 404 and time.monotonic() < deadline:
        time.sleep(0.2)  # leave the shared control plane without metrics, as the other tests expect


def _wait_served(rest: Rest, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        status, data = rest.call("GET", f"{GROUP}/nodes")
        if status == 200:
            return
        if time.monotonic() > deadline:
            _, service = rest.call("GET", APISERVICE)
            raise AssertionError(f"metrics.k8s.io not served through the aggregator: {status} {data}\n{service}")
        time.sleep(0.3)


def test_metrics_served_through_the_aggregation_layer_reach_the_store(
    cluster: LocalCluster, sources: Callable[..., KubeSource], metrics_backend: int
) -> None:
    rest = cluster.rest()
    _Metrics.nodes = {"kwok-node-0": ("250383795n", "1532Mi")}
    _Metrics.pods = {("default", "metered"): [("100m", "64Mi"), ("5m", "1Mi")]}
    rest.ok("POST", "/api/v1/namespaces/default/pods", bound_pod("metered", "kwok-node-0"))
    _register(rest, metrics_backend)
    try:
        _wait_served(rest)
        driver = Driver(sources("test", load_cluster(str(cluster.kubeconfig)), metrics_interval=0.5)).start()
        node = driver.wait_for(
            "node usage", lambda s: (n := s.node("kwok-node-0")) is not None and n["usage"] is not None and n
        )
        assert node["usage"] == {"cpu": 251, "memory": 1532 * MI}
        assert driver.store.usage_available
        pod = driver.wait_for(
            "pod usage", lambda s: (p := s.pod("default", "metered")) is not None and p["usage"] is not None and p
        )
        assert pod["usage"] == {"cpu": 105, "memory": 65 * MI}
        other = driver.store.node("kwok-node-1")
        assert other is not None and other["usage"] is None, "a node the metrics do not list has no usage"

        # The next poll sees more use; the store follows.
        _Metrics.nodes = {"kwok-node-0": ("1500m", "2Gi"), "kwok-node-1": ("1", "1Gi")}
        driver.wait_for("usage moved", lambda s: (n := s.node("kwok-node-1")) is not None and n["usage"], timeout=20)
        assert driver.store.node("kwok-node-0")["usage"] == {"cpu": 1500, "memory": 2048 * MI}  # type: ignore[index]
        assert driver.source.status()["state"] == "live"
        assert driver.source.health()["metrics"]["available"] is True
    finally:
        _unregister(rest)
        rest.call("DELETE", "/api/v1/namespaces/default/pods/metered", query=[("gracePeriodSeconds", "0")])
