"""The objects that group pods, from a real control plane: a Service and a Deployment created through the API
appear with the endpoints kube-controller-manager's EndpointSlice controller writes, and a scale-down removes
endpoints."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from clusterviz.kube import KubeSource, load_cluster
from clusterviz.store import ClusterStore
from tests.cluster.support import Driver, LocalCluster, deployment

MERGE_PATCH = "application/merge-patch+json"
APPS = "/apis/apps/v1/namespaces/default/deployments"
SERVICES = "/api/v1/namespaces/default/services"


def _service(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {"selector": {"app": name}, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]},
    }


def _ready_endpoints(store: ClusterStore, name: str) -> list[str]:
    view: Any = store.object_view("Service", "default", name)
    return sorted(e["pod"] for e in view["endpoints"] if e["ready"] and e["pod"]) if view else []


def test_a_service_and_a_deployment_appear_with_their_endpoints_and_a_scale_down_removes_endpoints(
    cluster: LocalCluster, sources: Callable[..., KubeSource]
) -> None:
    driver = Driver(sources("objects", load_cluster(str(cluster.kubeconfig)))).start()
    rest = cluster.rest()
    rest.ok("POST", SERVICES, _service("shop"))
    rest.ok("POST", APPS, deployment("shop", 3))
    try:
        service: Any = driver.wait_for("Service shop", lambda s: s.object_view("Service", "default", "shop"))
        assert service["type"] == "ClusterIP" and service["clusterIP"] and not service["headless"]
        assert service["selector"] == {"app": "shop"}
        ready = driver.wait_for("3 ready endpoints", lambda s: len(e := _ready_endpoints(s, "shop")) == 3 and e,
                                timeout=60)
        pods = {p["name"]: p for p in driver.store.pods_in("default") if p["labels"].get("app") == "shop"}
        assert set(ready) == set(pods), "the endpoints are the Deployment's pods"
        service = driver.store.object_view("Service", "default", "shop")
        assert {e["node"] for e in service["endpoints"]} == {pods[n]["node"] for n in ready}, "on their nodes"
        assert service["excluded"] == []

        workload: Any = driver.wait_for(
            "Deployment shop available",
            lambda s: (d := s.object_view("Deployment", "default", "shop")) and d["available"] == 3 and d,
        )
        assert (workload["desired"], workload["revision"]) == (3, 1)
        assert [(rs["revision"], rs["desired"]) for rs in workload["replicaSets"]] == [(1, 3)]
        assert any(c["type"] == "Available" and c["status"] == "True" for c in workload["conditions"])

        rest.ok("PATCH", f"{APPS}/shop", {"spec": {"replicas": 1}}, content_type=MERGE_PATCH)
        left = driver.wait_for("1 endpoint left", lambda s: len(e := _ready_endpoints(s, "shop")) == 1 and e,
                               timeout=60)
        assert set(left) <= set(ready)
    finally:
        rest.call("DELETE", f"{APPS}/shop")
        rest.call("DELETE", f"{SERVICES}/shop")
    driver.wait_for("Service shop gone", lambda s: s.object_view("Service", "default", "shop") is None)
