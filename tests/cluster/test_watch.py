"""List and watch a real control plane: what the map shows follows the cluster within seconds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from clusterviz.kube import DEFAULT_KINDS, KubeSource, load_cluster
from clusterviz.store import ClusterStore
from clusterviz.wire import PodSummary, Process
from tests.cluster.support import Driver, LocalCluster, bound_pod, deployment

NODES = {"kwok-node-0", "kwok-node-1"}


def _process(store: ClusterStore, name: str) -> Process | None:
    return next((p for p in store.control_plane if p["name"] == name), None)


def _pods_of(store: ClusterStore, app: str) -> list[PodSummary]:
    return [p for p in store.snapshot()["pods"] if p["labels"].get("app") == app]


def _running_on_kwok(pods: list[PodSummary], count: int) -> bool:
    return len(pods) == count and all(
        p["status"] == "Running" and p["statusClass"] == "running" and (p["node"] or "").startswith("kwok-node-")
        for p in pods
    )


def test_it_lists_everything_then_watches_nodes_pods_and_leases(
    cluster: LocalCluster, sources: Callable[..., KubeSource]
) -> None:
    driver = Driver(sources("test", load_cluster(str(cluster.kubeconfig)))).start()
    assert driver.first is not None
    assert set(driver.first.objects) == set(DEFAULT_KINDS), "start() returns the first list of every kind"
    assert {n["name"] for n in driver.store.snapshot()["nodes"]} >= NODES

    # Node leases (kube-node-lease) reach the node's kubelet, leader leases (kube-system) the control plane.
    node = driver.wait_for("node lease seen", lambda s: s.node("kwok-node-0"))
    kubelet = next(a for a in node["agents"] if a["name"] == "kubelet")
    assert kubelet["health"] == "healthy", kubelet
    assert any("node lease renewed" in e for e in kubelet["evidence"]), kubelet

    for name in ("kube-scheduler", "kube-controller-manager"):
        process = driver.wait_for(f"{name} leader", lambda s, n=name: _process(s, n))  # type: ignore[misc]
        assert process.get("leader"), process
        assert process["health"] == "healthy", process
        assert any(e.startswith(f"leader {process['leader']}, lease renewed") for e in process["evidence"]), process

    # /readyz and /version, through the same client.
    apiserver = driver.wait_for(
        "readyz evidence",
        lambda s: (p := _process(s, "kube-apiserver")) and any("/readyz: ready" in e for e in p["evidence"]) and p,
    )
    assert apiserver["health"] == "healthy", apiserver
    assert any(e.startswith("serves version v1.") for e in apiserver["evidence"]), apiserver
    etcd = _process(driver.store, "etcd")
    assert etcd is not None and etcd["health"] == "healthy" and "API server check etcd ok" in etcd["evidence"]

    # A pod created now arrives through the watch, bound and Running.
    rest = cluster.rest()
    rest.ok("POST", "/api/v1/namespaces/default/pods", bound_pod("watched", "kwok-node-0"))
    try:
        pod = driver.wait_for(
            "pod watched Running",
            lambda s: (p := s.pod("default", "watched")) is not None and p["status"] == "Running" and p,
            timeout=20,
        )
        assert pod["node"] == "kwok-node-0"
    finally:
        rest.call("DELETE", "/api/v1/namespaces/default/pods/watched", query=[("gracePeriodSeconds", "0")])
    driver.wait_for("pod watched gone", lambda s: s.pod("default", "watched") is None, timeout=20)

    status = driver.source.status()
    assert status["state"] == "live" and status["reason"] == ""
    assert status["lastEventAt"] is not None and status["resourceVersion"]
    health = driver.source.health()
    assert {"Lease/kube-system", "Lease/kube-node-lease", "Pod", "Event"} <= set(health["reflectors"])
    assert health["reflectors"]["Pod"]["events"] >= 2 and health["reflectors"]["Pod"]["relists"] == 0


def test_it_follows_a_deployment_created_scaled_and_deleted(
    cluster: LocalCluster, sources: Callable[..., KubeSource]
) -> None:
    rest = cluster.rest()
    driver = Driver(sources("test", load_cluster(str(cluster.kubeconfig)))).start()
    base = "/apis/apps/v1/namespaces/default/deployments"
    rest.ok("POST", base, deployment("web", 2))
    try:
        pods = driver.wait_for("2 pods Running", lambda s: _running_on_kwok(p := _pods_of(s, "web"), 2) and p)
        assert all(p["owner"] == {"kind": "Deployment", "name": "web"} for p in pods), pods

        patch: dict[str, Any] = {"spec": {"replicas": 4}}
        rest.ok("PATCH", f"{base}/web", patch, content_type="application/merge-patch+json")
        driver.wait_for("4 pods Running", lambda s: _running_on_kwok(_pods_of(s, "web"), 4))

        rest.ok("PATCH", f"{base}/web", {"spec": {"replicas": 1}}, content_type="application/merge-patch+json")
        driver.wait_for("scaled down to 1", lambda s: _running_on_kwok(_pods_of(s, "web"), 1))
    finally:
        rest.call("DELETE", f"{base}/web", query=[("propagationPolicy", "Background")])
    driver.wait_for("pods of web gone", lambda s: not _pods_of(s, "web"))
    driver.wait_equal_to_api(rest)

    # The slim copies stop the pod template's env (and managedFields) at the boundary.
    delivered = orjson.dumps(driver.objects)
    assert b"must-not-leave-the-boundary" not in delivered
    assert b"managedFields" not in delivered


def test_it_streams_warning_events(cluster: LocalCluster, sources: Callable[..., KubeSource]) -> None:
    rest = cluster.rest()
    driver = Driver(sources("test", load_cluster(str(cluster.kubeconfig)), kinds=("Pod", "Event"))).start()
    pod = bound_pod("unschedulable", "")
    del pod["spec"]["nodeName"]
    pod["spec"]["nodeSelector"] = {"no-such-label": "anywhere"}
    rest.ok("POST", "/api/v1/namespaces/default/pods", pod)
    try:
        event = driver.wait_for(
            "FailedScheduling warning",
            lambda s: next(
                (
                    e
                    for e in driver.objects.get("Event", [])
                    if e.get("reason") == "FailedScheduling"
                    and e.get("involvedObject", {}).get("name") == "unschedulable"
                ),
                None,
            ),
        )
        assert event["type"] == "Warning"
        assert all(e.get("type") == "Warning" for e in driver.objects["Event"]), "field-selected type=Warning"
        # The scheduler's reason reaches the pod's status too (possibly after the event): the map shows it.
        stored = driver.wait_for(
            "the scheduler's message on the pod",
            lambda s: (p := s.pod("default", "unschedulable")) is not None and p["message"] and p,
        )
        assert stored["node"] is None and "node" in stored["message"].lower(), stored
    finally:
        rest.call("DELETE", "/api/v1/namespaces/default/pods/unschedulable", query=[("gracePeriodSeconds", "0")])
