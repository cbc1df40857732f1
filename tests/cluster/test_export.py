"""An export taken on a real control plane holds what an incident review asks first: which image ran where, and
during a rollout which pods were old (the ReplicaSets' revisions as the deployment controller sets them)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import orjson

from clusterviz import export
from clusterviz.kube import KubeSource, load_cluster
from clusterviz.live import ClusterRuntime
from clusterviz.store import ClusterStore
from clusterviz.wire import ChangeEvent, PodView
from tests.cluster.support import LocalCluster, deployment

BASE = "/apis/apps/v1/namespaces/default/deployments"
MERGE = "application/merge-patch+json"
CONTAINER = {"name": "incident", "image": "example.org/incident:2.0"}
NEW_IMAGE = {"spec": {"template": {"spec": {"containers": [CONTAINER]}}}}


async def _nowhere(text: str, record: str | None = None) -> None:
    return None


def _pods(store: ClusterStore, app: str) -> list[PodView]:
    return [p for p in store.snapshot(containers=True)["pods"] if p["labels"].get("app") == app]  # type: ignore[misc]


def _all_running(store: ClusterStore, count: int, image: str, revision: int) -> bool:
    pods = _pods(store, "incident")
    return len(pods) == count and all(
        p["statusClass"] == "running" and p["revision"] == revision and [c["image"] for c in p["containers"]] == [image]
        for p in pods
    )


def _run_until(runtime: ClusterRuntime, what: str, check: Callable[[ClusterStore], bool], told: list[Any]) -> None:
    deadline = time.monotonic() + 60
    while not runtime.read(check):
        assert time.monotonic() < deadline, f"{what}: not reached within 60 s"
        messages = runtime.step_messages(0.1)
        if messages is not None:
            told.extend(orjson.loads(messages[0]).get("feed", []))
        time.sleep(0.1)


def test_an_export_carries_container_images_and_the_rollout_is_told(
    cluster: LocalCluster, sources: Callable[..., KubeSource]
) -> None:
    rest = cluster.rest()
    runtime = ClusterRuntime("test", sources("test", load_cluster(str(cluster.kubeconfig))), _nowhere)
    runtime.start()
    told: list[ChangeEvent] = []
    rest.ok("POST", BASE, deployment("incident", 2))
    try:
        _run_until(runtime, "2 pods at 1.0", lambda s: _all_running(s, 2, "example.org/incident:1.0", 1), told)
        rest.ok("PATCH", f"{BASE}/incident", NEW_IMAGE, content_type=MERGE)
        _run_until(runtime, "2 pods at 2.0", lambda s: _all_running(s, 2, "example.org/incident:2.0", 2), told)
        doc = export.parse(orjson.dumps(export.document(orjson.loads(runtime.state_json(b"", "full")), exported_at=0)))
    finally:
        rest.call("DELETE", f"{BASE}/incident", query=[("propagationPolicy", "Background")])

    assert doc["schema"] == "clusterviz.snapshot/v2"
    pods = [p for p in doc["state"]["pods"] if p["labels"].get("app") == "incident"]
    assert [[c["image"] for c in p["containers"]] for p in pods] == [["example.org/incident:2.0"]] * 2
    assert all((p["node"] or "").startswith("kwok-node-") and p["revision"] == 2 for p in pods), pods
    assert all(c["state"] == "running" and c["startedAt"] for p in pods for c in p["containers"])
    about = [e for e in told if e["subject"] == "default/incident"]
    assert about and about[-1]["kind"] == "rolled-out", about
    assert about[-1]["args"]["image"] == "example.org/incident:2.0" and about[-1]["args"]["revision"] == 2
    assert not [e for e in told if e["kind"] == "pod-failed" and e["subject"].startswith("default/incident-")], told
