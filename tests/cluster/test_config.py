"""Bad configuration: each case is a clear ClusterConfigError or a status "error" with a readable reason.

Credentials never appear in a message, a status, the health counters or the logs.
"""

from __future__ import annotations

import base64
import json
import logging
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from clusterviz.kube import ClusterConfigError, KubeSource, load_cluster
from clusterviz.store import ClusterStore
from tests.cluster.support import Driver, LocalCluster

TOKEN = "clusterviz-test-token-6f1c2d9e"


def _kubeconfig(path: Path, **overrides: Any) -> Path:
    doc: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:6443"}}],
        "users": [{"name": "u", "user": {"token": TOKEN}}],
        "contexts": [
            {"name": "alpha", "context": {"cluster": "c", "user": "u"}},
            {"name": "beta", "context": {"cluster": "c", "user": "u"}},
        ],
        "current-context": "alpha",
    }
    doc.update(overrides)
    path.write_text(yaml.safe_dump(doc))
    return path


def _config_error(*args: Any, **kwargs: Any) -> str:
    with pytest.raises(ClusterConfigError) as caught:
        load_cluster(*args, **kwargs)
    message = str(caught.value)
    assert TOKEN not in message
    return message


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


# -- caught before talking to any server -------------------------------------------------------------------


def test_a_missing_kubeconfig_says_which_file(tmp_path: Path) -> None:
    assert _config_error(str(tmp_path / "nope.yaml")) == f"kubeconfig {tmp_path / 'nope.yaml'} does not exist"


def test_a_garbage_kubeconfig_is_not_valid_yaml(tmp_path: Path) -> None:
    path = tmp_path / "garbage"
    path.write_text(f"clusters: [\n  token: {TOKEN}\n  ::: {{")
    assert "is not valid YAML (line" in _config_error(str(path))
    path.write_text("- just\n- a list\n")
    assert "is not a kubeconfig" in _config_error(str(path))


def test_an_unknown_context_lists_the_available_ones(tmp_path: Path) -> None:
    message = _config_error(str(_kubeconfig(tmp_path / "kc")), "gamma")
    assert message == f"context 'gamma' is not in kubeconfig {tmp_path / 'kc'}; available: alpha, beta"


def test_no_current_context_asks_to_choose(tmp_path: Path) -> None:
    path = _kubeconfig(tmp_path / "kc", **{"current-context": ""})
    assert "has no current-context; choose one of: alpha, beta" in _config_error(str(path))
    assert load_cluster(str(path), "beta").configuration.host == "https://127.0.0.1:6443"


def test_a_broken_user_entry_is_reported_without_its_secrets(tmp_path: Path) -> None:
    users = [{"name": "u", "user": {"token": TOKEN, "client-certificate-data": TOKEN, "client-key-data": TOKEN}}]
    message = _config_error(str(_kubeconfig(tmp_path / "kc", users=users)))
    assert message.startswith(f"kubeconfig {tmp_path / 'kc'}, context 'alpha': ")


def test_in_cluster_outside_a_pod_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    assert _config_error(in_cluster=True).startswith("in-cluster configuration unavailable")


# -- seen only at runtime: status "error", retried with backoff, never raised -----------------------------


def _watch_until_error(source: KubeSource, timeout: float = 15.0) -> Driver:
    started = time.monotonic()
    driver = Driver(source).start()
    assert time.monotonic() - started < source.start_timeout + 2, "start() returns within its bound"
    driver.wait_for("status error", lambda s: s.source["state"] == "error", timeout)
    return driver


def _assert_no_credentials(driver: Driver, caplog: pytest.LogCaptureFixture, *secrets: str) -> None:
    exposed = json.dumps([driver.source.status(), driver.source.health(), driver.states]) + caplog.text
    for secret in secrets:
        assert secret not in exposed


def _watch_until_reason(source: KubeSource, words: str, timeout: float = 30.0) -> Driver:
    started = time.monotonic()
    driver = Driver(source).start()
    assert time.monotonic() - started < source.start_timeout + 2, "start() returns within its bound"
    driver.wait_for(f"reason with {words!r}", lambda s: words in s.source["reason"], timeout)
    return driver


def test_a_server_never_reached_is_not_connected_yet_not_stale_with_server_context_and_reason(
    tmp_path: Path, sources: Callable[..., KubeSource], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server = f"https://127.0.0.1:{_free_port()}"  # a closed port
    path = _kubeconfig(tmp_path / "kc", clusters=[{"name": "c", "cluster": {"server": server}}])
    source = sources("down", load_cluster(str(path), "beta"), start_timeout=3.0, context="beta")
    driver = _watch_until_reason(source, "connection refused")
    assert driver.first is not None and dict(driver.first.objects) == {}
    status = source.status()
    assert status["state"] == "connecting", "it was never live, so it is not stale"
    assert status["reason"] == "connection refused", status
    assert (status["server"], status["context"]) == (server, "beta")
    assert "stale" not in {state for state, _ in driver.states} and "live" not in {state for state, _ in driver.states}
    assert source.poll(1.0) == []  # nothing to deliver, and nothing raised
    assert source.health()["reflectors"]["Pod"]["errors"] >= 1
    _assert_no_credentials(driver, caplog, TOKEN)


def test_a_black_hole_that_accepts_and_never_answers_is_not_connected_yet(
    tmp_path: Path, sources: Callable[..., KubeSource], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with socket.create_server(("127.0.0.1", 0), backlog=128) as hole:  # listens; nobody ever reads or writes
        server = f"https://127.0.0.1:{hole.getsockname()[1]}"
        path = _kubeconfig(tmp_path / "kc", clusters=[{"name": "c", "cluster": {"server": server}}])
        source = sources("hole", load_cluster(str(path)), start_timeout=3.0, context="alpha")
        first = Driver(source).start()
        assert first.source.status()["state"] == "connecting"
        assert first.source.status()["reason"] == "waiting for the first answer"
        driver = _watch_until_reason(source, "timed out")
        status = source.status()
        assert status["state"] == "connecting" and "timed out" in status["reason"], status
        assert (status["server"], status["context"]) == (server, "alpha")
        _assert_no_credentials(driver, caplog, TOKEN)


def test_a_wrong_certificate_authority_is_an_error(
    cluster: LocalCluster, tmp_path: Path, sources: Callable[..., KubeSource], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=someone-else",
            "-keyout",
            str(tmp_path / "other.key"),
            "-out",
            str(tmp_path / "other.crt"),
            "-days",
            "1",
        ],
        check=True,
        capture_output=True,
    )
    ca_data = base64.b64encode((tmp_path / "other.crt").read_bytes()).decode()
    path = cluster.kubeconfig_variant(tmp_path / "kc", ca_data=ca_data)
    words = "TLS: the server's certificate is not trusted"
    driver = _watch_until_reason(sources("bad-ca", load_cluster(str(path)), start_timeout=3.0), words)
    assert driver.source.status()["state"] == "connecting", "no trusted answer ever came: not connected yet"
    key_data = yaml.safe_load(path.read_text())["users"][0]["user"]["client-key-data"]
    _assert_no_credentials(driver, caplog, key_data, key_data[:40])


def test_an_invalid_token_is_unauthorized(
    cluster: LocalCluster, tmp_path: Path, sources: Callable[..., KubeSource], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    path = cluster.kubeconfig_variant(tmp_path / "kc", user={"token": TOKEN})
    driver = _watch_until_error(sources("bad-token", load_cluster(str(path)), start_timeout=3.0))
    reason = driver.source.status()["reason"]
    assert "unauthorized (401): the credentials were rejected or have expired" in reason, reason
    _assert_no_credentials(driver, caplog, TOKEN)


def test_missing_rbac_is_forbidden_naming_what_cannot_be_listed(
    cluster: LocalCluster, tmp_path: Path, sources: Callable[..., KubeSource], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    rest = cluster.rest()
    request = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {"expirationSeconds": 600}}
    token = rest.ok("POST", "/api/v1/namespaces/default/serviceaccounts/default/token", request)["status"]["token"]
    path = cluster.kubeconfig_variant(tmp_path / "kc", user={"token": token})
    source = sources("no-rbac", load_cluster(str(path)), start_timeout=3.0, evidence_interval=0.5)
    driver = _watch_until_error(source)
    reflectors = driver.source.health()["reflectors"]
    assert reflectors["Pod"]["lastError"] == "forbidden: cannot list pods (RBAC)"
    assert reflectors["Lease/kube-node-lease"]["lastError"] == "forbidden: cannot list leases in kube-node-lease (RBAC)"
    assert "forbidden: cannot list" in driver.source.status()["reason"]

    # /readyz is public here (system:public-info-viewer, system:discovery): the probe sees the API server ready.
    driver.wait_for("readyz evidence", lambda s: "/readyz: ready" in " ".join(_evidence(s, "kube-apiserver")))
    # Managed clusters often forbid it: then the evidence is "unknown", which is no error.
    bindings = "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings"
    saved = [rest.ok("GET", f"{bindings}/{name}") for name in ("system:public-info-viewer", "system:discovery")]
    try:
        for binding in saved:
            rest.ok("DELETE", f"{bindings}/{binding['metadata']['name']}")
        driver.wait_for(
            "readyz forbidden",
            lambda s: "/readyz not readable: forbidden (RBAC)" in " ".join(_evidence(s, "kube-apiserver")),
        )
        assert _health_of(driver.store, "kube-apiserver") == "unknown"
    finally:
        for binding in saved:
            meta = binding["metadata"]
            binding["metadata"] = {"name": meta["name"], "labels": meta.get("labels", {})}
            rest.call("POST", bindings, binding)
    _assert_no_credentials(driver, caplog, token, token[-40:])


def _evidence(store: ClusterStore, name: str) -> list[str]:
    return [e for p in store.control_plane if p["name"] == name for e in p["evidence"]]


def _health_of(store: ClusterStore, name: str) -> str:
    return next(p["health"] for p in store.control_plane if p["name"] == name)
