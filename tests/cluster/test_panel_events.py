"""On a real control plane: a Warning event created through the API appears in its pod's panel."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from django.test import RequestFactory

from clusterviz.kube import KubeSource, load_cluster
from dashboard import panels
from dashboard.remote import QUERIES
from tests.cluster.support import Driver, LocalCluster, bound_pod

pytestmark = pytest.mark.django_db


def warning_about(pod: dict[str, Any], reason: str, message: str) -> dict[str, Any]:
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    meta = pod["metadata"]
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": f"{meta['name']}.panel-test", "namespace": "default"},
        "involvedObject": {
            "apiVersion": "v1",
            "kind": "Pod",
            "namespace": "default",
            "name": meta["name"],
            "uid": meta["uid"],
        },
        "type": "Warning",
        "reason": reason,
        "message": message,
        "count": 3,
        "firstTimestamp": now,
        "lastTimestamp": now,
        "source": {"component": "panel-test"},
    }


async def test_a_warning_event_created_through_the_api_appears_in_the_pods_panel(
    cluster: LocalCluster, sources: Callable[..., KubeSource]
) -> None:
    rest = cluster.rest()
    pod = rest.ok("POST", "/api/v1/namespaces/default/pods", bound_pod("panel-events", "kwok-node-0"))
    driver = Driver(sources("test", load_cluster(str(cluster.kubeconfig)))).start()
    try:
        driver.wait_for("the pod", lambda s: s.pod("default", "panel-events"))
        rest.ok(
            "POST", "/api/v1/namespaces/default/events", warning_about(pod, "FailedMount", "a <b>hostile</b> volume")
        )
        driver.wait_for("its Warning event", lambda s: s.warnings_about("Pod", "default", "panel-events"))

        async def fetch(kind: str, args: Mapping[str, Any]) -> dict[str, Any] | None:
            return QUERIES[kind](driver.store, dict(args))  # type: ignore[no-any-return]

        source = panels.Source("test", fetch, "/clusters/test/")
        args = {"namespace": "default", "name": "panel-events"}
        response = await panels.render_panel(RequestFactory().get("/"), source, "pod", args)
        html = response.content.decode()
        assert response.status_code == 200
        assert 'data-event-reason="FailedMount"' in html
        assert "a &lt;b&gt;hostile&lt;/b&gt; volume" in html and "<b>hostile</b>" not in html  # cluster text escaped
        assert "<td>3</td>" in html and "panel-test" in html
    finally:
        rest.call("DELETE", "/api/v1/namespaces/default/pods/panel-events", query=[("gracePeriodSeconds", "0")])
        driver.source.stop()
