"""What the map says when the real control plane stops talking: a stalled API server (SIGSTOP: connections
stay open, nothing answers) and a node whose lease stops being renewed (its kwok "kubelet" SIGSTOPped)."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from clusterviz.kube import KubeSource, load_cluster
from clusterviz.store import ClusterStore
from clusterviz.wire import NodeView, Process
from tests.cluster.support import Driver, LocalCluster

SLACK = 15.0
"""Seconds allowed beyond a stated bound for this shared, loaded machine (ticks, thread scheduling)."""


def _pid(cluster: LocalCluster, name: str) -> int:
    lines = [line.split() for line in (cluster.workdir / "pids").read_text().splitlines()]
    return int([fields[1] for fields in lines if fields[0] == name][-1])


@contextmanager
def stopped(pid: int) -> Iterator[None]:
    """SIGSTOP the process for the block; SIGCONT whatever happens."""
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


def _apiserver(store: ClusterStore) -> Process:
    return next(p for p in store.control_plane if p["name"] == "kube-apiserver")


def _live_and_ready(store: ClusterStore) -> bool:
    return store.source["state"] == "live" and _apiserver(store)["health"] == "healthy"


def _node(store: ClusterStore) -> NodeView:
    return store.snapshot()["nodes"][0]


def _agent(node: NodeView, name: str) -> Process:
    return next(a for a in node["agents"] if a["name"] == name)


def test_a_stalled_apiserver_turns_the_source_stale_within_the_bound_and_recovers(
    own_cluster: Callable[..., LocalCluster], sources: Callable[..., KubeSource]
) -> None:
    cluster = own_cluster(nodes=1)
    source = sources("stall", load_cluster(str(cluster.kubeconfig)))
    driver = Driver(source).start()
    driver.wait_for("live, /readyz ready", _live_and_ready)
    bound = source.stall_bound
    assert bound <= 30, "the bound stated in KubeSource's docs"

    with stopped(_pid(cluster, "kube-apiserver")):
        driver.wait_for("source stale", lambda s: s.source["state"] == "stale", bound + SLACK)
        assert source.status()["reason"].startswith("the API server does not answer: /readyz unanswered since ")
        driver.wait_for("kube-apiserver not healthy", lambda s: _apiserver(s)["health"] != "healthy", SLACK)
        apiserver = _apiserver(driver.store)
        assert apiserver["health"] == "unhealthy"
        assert apiserver["evidence"][0].startswith("/readyz unanswered: read timed out"), apiserver["evidence"]

    driver.wait_for("live again", lambda s: s.source["state"] == "live", bound + SLACK)
    driver.wait_for("kube-apiserver healthy again", lambda s: _apiserver(s)["health"] == "healthy", bound + SLACK)
    assert [state for state, _ in driver.states].count("stale") >= 1


def test_a_node_whose_lease_stops_being_renewed_is_not_reporting_with_the_reason(
    own_cluster: Callable[..., LocalCluster], sources: Callable[..., KubeSource]
) -> None:
    cluster = own_cluster(nodes=1, NODE_LEASE_SECONDS="10")  # kwok renews every 2.5 s
    driver = Driver(sources("lease", load_cluster(str(cluster.kubeconfig)))).start()
    driver.wait_for("the node reports", lambda s: s.snapshot()["nodes"] and _node(s).get("reporting") is True)

    with stopped(_pid(cluster, "kwok")):  # the fake kubelets fall silent; the API server still answers
        node = driver.wait_for(
            "the node is not reporting", lambda s: _node(s) if _node(s)["reporting"] is False else None, 10 + SLACK * 2
        )
        assert node["lastReportedAt"] is not None
        kubelet = _agent(node, "kubelet")
        assert kubelet["health"] == "unhealthy"
        assert kubelet["evidence"][0].startswith("not reporting since "), kubelet["evidence"]
        assert _agent(node, "container-runtime")["health"] == "unknown"
        assert driver.source.status()["state"] == "live", "the cluster itself still answers"

    driver.wait_for("the node reports again", lambda s: _node(s)["reporting"] is True, 10 + SLACK * 2)
    assert _agent(_node(driver.store), "kubelet")["health"] == "healthy"
