"""Faults of a real control plane: a restarted API server, 410 Gone after etcd compaction, a stalled
connection. After each the store equals a fresh list from the API server: nothing lost, nothing duplicated."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from clusterviz.kube import KubeSource, ReflectorSettings, load_cluster
from clusterviz.store import ClusterStore
from tests.cluster.support import Driver, LocalCluster, Rest, bound_pod, deployment
from tests.cluster.tcpproxy import TcpProxy

FAST_RETRY = ReflectorSettings(backoff_cap=2.0)
MERGE_PATCH = "application/merge-patch+json"


@pytest.fixture
def proxy_to() -> Iterator[Callable[[LocalCluster], TcpProxy]]:
    made: list[TcpProxy] = []

    def make(cluster: LocalCluster) -> TcpProxy:
        made.append(TcpProxy("127.0.0.1", cluster.apiserver_port))
        return made[-1]

    yield make
    for proxy in made:
        proxy.close()


def _running(store: ClusterStore, namespace: str, name: str) -> bool:
    pod = store.pod(namespace, name)
    return pod is not None and pod["status"] == "Running"


def _reflector(driver: Driver, name: str) -> dict[str, Any]:
    reflector: dict[str, Any] = driver.source.health()["reflectors"][name]
    return reflector


def test_it_recovers_from_an_apiserver_restart(
    own_cluster: Callable[..., LocalCluster], sources: Callable[..., KubeSource]
) -> None:
    cluster = own_cluster(nodes=1)
    rest = cluster.rest()
    driver = Driver(sources("restart", load_cluster(str(cluster.kubeconfig)))).start()
    base = "/apis/apps/v1/namespaces/default/deployments"
    rest.ok("POST", base, deployment("web", 3))
    driver.wait_for("3 pods Running", lambda s: sum(p["status"] == "Running" for p in s.snapshot()["pods"]) == 3)
    assert driver.source.status()["state"] == "live"
    seen_before = len(driver.states)

    restart = cluster.restart_apiserver(downtime=2.0)
    while restart.poll() is None:  # keep watching while the API server is killed and started again
        driver.pump()
        time.sleep(0.05)
    assert restart.returncode == 0, restart.stderr.read() if restart.stderr else ""
    # Change the cluster at once, likely before the watches are back: they must catch up.
    rest.ok("PATCH", f"{base}/web", {"spec": {"replicas": 1}}, content_type=MERGE_PATCH)

    driver.wait_for("status live again", lambda s: s.source["state"] == "live", timeout=45)
    during = driver.states[seen_before:]
    assert any(state in ("stale", "error") and reason for state, reason in during), during
    # The scale-down is the controller-manager's, whose own watches recover from the restart at their own pace
    # (slowly on a loaded machine): wait for it in the API first, then the watcher must follow.
    driver.wait_for("the API server's web pods scaled to 1", lambda s: _api_web_pods(rest) == 1, timeout=120)
    driver.wait_for("scaled to 1", lambda s: sum(p["labels"].get("app") == "web" for p in s.snapshot()["pods"]) == 1)
    driver.wait_equal_to_api(rest)
    pods = _reflector(driver, "Pod")
    assert pods["errors"] >= 1, pods


def _api_web_pods(rest: Rest) -> int:
    """The web pods the API server lists now (kwok removes a deleted pod at once)."""
    return len(rest.ok("GET", "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb")["items"])


def test_a_410_gone_relists_and_forgets_what_vanished(
    own_cluster: Callable[..., LocalCluster],
    sources: Callable[..., KubeSource],
    proxy_to: Callable[[LocalCluster], TcpProxy],
    tmp_path: Path,
) -> None:
    # Without the watch cache, watches are served by etcd, whose compaction makes old revisions unwatchable.
    cluster = own_cluster(nodes=1, APISERVER_EXTRA_ARGS="--watch-cache=false")
    rest = cluster.rest()
    pods = "/api/v1/namespaces/default/pods"
    for name in ("keeper", "doomed"):
        rest.ok("POST", pods, bound_pod(name, "kwok-node-0"))
    proxy = proxy_to(cluster)
    kubeconfig = cluster.kubeconfig_variant(tmp_path / "proxied", server=proxy.url)
    source = sources(
        "gone", load_cluster(str(kubeconfig)), kinds=("Namespace", "Node", "Pod", "Lease"), settings=FAST_RETRY
    )
    driver = Driver(source).start()
    driver.wait_for("both pods Running", lambda s: all(_running(s, "default", n) for n in ("keeper", "doomed")))
    relisted_before = driver.relisted

    proxy.cut()  # the watches drop, and cannot reconnect
    driver.wait_for("pod watch down", lambda s: _reflector(driver, "Pod")["state"] != "live")
    rest.ok("DELETE", f"{pods}/doomed", query=[("gracePeriodSeconds", "0")])
    rest.ok("POST", pods, bound_pod("newcomer", "kwok-node-0"))
    time.sleep(0.5)
    cluster.compact_etcd()  # the revisions the watches would resume from are gone
    proxy.resume()

    driver.wait_for("pods relisted", lambda s: _reflector(driver, "Pod")["relists"] == 1)
    driver.wait_for("status live", lambda s: s.source["state"] == "live")
    assert driver.relisted > relisted_before
    driver.wait_for("newcomer Running", lambda s: _running(s, "default", "newcomer"))
    assert driver.store.pod("default", "doomed") is None, "the relist removed the pod deleted meanwhile"
    driver.wait_equal_to_api(rest)
    assert _reflector(driver, "Pod")["relists"] == 1, "one relist, not a loop on the stale resourceVersion"


def test_a_stalled_connection_is_detected_by_the_read_timeout(
    cluster: LocalCluster,
    sources: Callable[..., KubeSource],
    proxy_to: Callable[[LocalCluster], TcpProxy],
    tmp_path: Path,
) -> None:
    proxy = proxy_to(cluster)
    kubeconfig = cluster.kubeconfig_variant(tmp_path / "proxied", server=proxy.url)
    settings = ReflectorSettings(watch_read_timeout=3.0, connect_timeout=2.0, backoff_cap=2.0)
    source = sources("stall", load_cluster(str(kubeconfig)), kinds=("Node", "Pod"), settings=settings)
    driver = Driver(source).start()
    driver.wait_for("live", lambda s: s.source["state"] == "live")
    # Stall right after a pod watch opened, so it is an open watch that goes silent.
    opened = _reflector(driver, "Pod")["watchRestarts"]
    driver.wait_for("a pod watch opened", lambda s: _reflector(driver, "Pod")["watchRestarts"] > opened)
    idle = _reflector(driver, "Pod")["idleTimeouts"]

    proxy.stall()  # connections stay open, but not a byte moves: without a read timeout this hangs forever
    started = time.monotonic()
    pods = driver.wait_for(
        "pod watch stall detected",
        lambda s: (r := _reflector(driver, "Pod"))["idleTimeouts"] > idle and r["state"] == "error" and r,
        timeout=15,
    )
    assert time.monotonic() - started < 10
    assert "timed out" in pods["reason"], pods
    assert driver.source.status()["state"] == "error"
    rest = cluster.rest()
    rest.ok("POST", "/api/v1/namespaces/default/pods", bound_pod("during-stall", "kwok-node-1"))
    try:
        proxy.resume()
        driver.wait_for("pod created during the stall arrives", lambda s: _running(s, "default", "during-stall"))
        driver.wait_for("status live", lambda s: s.source["state"] == "live")
        assert _reflector(driver, "Pod")["relists"] == 0, "a stall re-watches from the last resourceVersion"
    finally:
        rest.call("DELETE", "/api/v1/namespaces/default/pods/during-stall", query=[("gracePeriodSeconds", "0")])
