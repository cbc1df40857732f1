"""The pure parts of clusterviz.kube, without a control plane: readyz parsing, slim copies, error texts,
backoff, and how partitioned listings become changes."""

from __future__ import annotations

import random

import orjson
import pytest

from clusterviz.events import WatchEvent
from clusterviz.kube.evidence import parse_readyz, version_evidence
from clusterviz.kube.http import ApiError, describe_error, scrub
from clusterviz.kube.reflector import Backoff, Listing, ReflectorSettings, resources_for
from clusterviz.kube.slim import slim
from clusterviz.kube.source import KubeSource
from clusterviz.live import Relisted

READYZ_FAILING = """[+]ping ok
[+]log ok
[-]etcd failed: reason withheld
[+]etcd-readiness ok
[-]informer-sync failed: reason withheld
readyz check failed
"""


def test_readyz_lines_become_apiserver_and_etcd_evidence() -> None:
    evidence = parse_readyz(500, READYZ_FAILING)
    assert evidence["kube-apiserver"] == [("unhealthy", "/readyz: not ready, failing checks: informer-sync")]
    assert evidence["etcd"] == [
        ("unhealthy", "API server check etcd failed"),
        ("healthy", "API server check etcd-readiness ok"),
    ]
    ready = parse_readyz(200, "[+]ping ok\n[+]etcd ok\nreadyz check passed\n")
    assert ready["kube-apiserver"] == [("healthy", "/readyz: ready (2 checks passed)")]
    assert version_evidence({"gitVersion": "v1.36.3", "platform": "linux/amd64"}) == [
        ("unknown", "serves version v1.36.3 on linux/amd64")
    ]


SECRET = "s3cret"


def test_a_slim_replicaset_keeps_its_revision_and_no_other_annotation() -> None:
    rs = {
        "metadata": {
            "name": "web-6f5df59757",
            "namespace": "default",
            "annotations": {
                "deployment.kubernetes.io/revision": "3",
                "deployment.kubernetes.io/desired-replicas": "2",
                "kubectl.kubernetes.io/last-applied-configuration": '{"env": "s3cret"}',
            },
            "ownerReferences": [{"kind": "Deployment", "name": "web", "controller": True}],
        },
        "spec": {
            "replicas": 2,
            "template": {"spec": {"containers": [{"name": "web", "image": "nginx:1.27", "env": [{"value": SECRET}]}]}},
        },
    }
    kept = slim("ReplicaSet", rs)
    assert kept["metadata"]["annotations"] == {"deployment.kubernetes.io/revision": "3"}
    assert b"s3cret" not in orjson.dumps(kept)  # its template keeps each container's name and image, for the panel
    assert kept["spec"]["template"] == {"spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}


def test_a_slim_pod_keeps_what_the_mapping_reads_and_nothing_else() -> None:
    pod = {
        "metadata": {
            "name": "p",
            "namespace": "n",
            "uid": "u",
            "labels": {"app": "a"},
            "annotations": {"secret-ish": "x", "kubernetes.io/config.mirror": "hash"},
            "managedFields": [{"manager": "kubectl"}],
            "ownerReferences": [{"kind": "ReplicaSet", "name": "rs", "controller": True, "blockOwnerDeletion": True}],
        },
        "spec": {
            "nodeName": "node",
            "containers": [
                {
                    "name": "c",
                    "image": "i",
                    "env": [{"name": "TOKEN", "value": "s3cret"}],
                    "command": ["run", "--password=s3cret"],
                    "resources": {"requests": {"cpu": "1"}},
                }
            ],
            "volumes": [{"name": "v", "secret": {"secretName": "s3cret-name"}}],
        },
        "status": {
            "phase": "Running",
            "containerStatuses": [
                {
                    "name": "c",
                    "ready": True,
                    "restartCount": 1,
                    "state": {"terminated": {"exitCode": 1, "message": "x"}},
                }
            ],
        },
    }
    kept = slim("Pod", pod)
    assert b"s3cret" not in orjson.dumps(kept)
    assert kept["metadata"]["annotations"] == {"kubernetes.io/config.mirror": ""}
    assert "managedFields" not in kept["metadata"]
    assert kept["metadata"]["ownerReferences"] == [{"kind": "ReplicaSet", "name": "rs", "controller": True}]
    assert kept["spec"]["containers"] == [{"name": "c", "image": "i", "resources": {"requests": {"cpu": "1"}}}]
    assert kept["spec"]["volumes"] == [{"name": "v", "secret": {}}]
    assert kept["status"]["containerStatuses"][0]["state"] == {"terminated": {"exitCode": 1}}


def test_error_texts_name_the_cause_without_credentials() -> None:
    too_large = ApiError.from_status(
        {"kind": "Status", "code": 504, "reason": "Timeout", "message": "Too large resource version: 10, current: 5"}
    )
    assert too_large.too_large_resource_version and not too_large.gone
    assert ApiError(410, "Gone", "too old resource version").gone
    assert describe_error(ApiError(403, "Forbidden", ""), "list", "pods") == "forbidden: cannot list pods (RBAC)"
    assert (
        describe_error(ApiError(429, "TooManyRequests", "", 3.0)) == "throttled by the server (429 Too Many Requests)"
    )
    assert scrub("GET https://admin:hunter2@host/api Authorization: Bearer abc.def") == (
        "GET https://***@host/api Authorization: Bearer ***"
    )


def test_backoff_doubles_with_jitter_to_its_cap_and_starts_over_after_a_healthy_stretch() -> None:
    backoff = Backoff(ReflectorSettings(), random.Random(1))
    delays = [backoff.next_delay(0.0) for _ in range(8)]
    assert 0.64 <= delays[0] <= 0.96 and 1.28 <= delays[1] <= 1.92
    assert all(24.0 <= d <= 36.0 for d in delays[6:])
    backoff.healthy(100.0)
    assert backoff.next_delay(130.0) >= 24.0, "30s of health is not enough to start over"
    backoff.healthy(200.0)
    assert backoff.next_delay(260.0) <= 0.96


def test_leases_and_filtered_namespaces_are_partitioned_and_report_what_vanished() -> None:
    names = [r.name for r in resources_for(["Lease", "Pod", "Node"], ["a", "b"])]
    assert names == ["Lease/kube-system", "Lease/kube-node-lease", "Pod/a", "Pod/b", "Node"]
    assert [r.name for r in resources_for(["Pod"], ["a"])] == ["Pod"], "one namespace: no partition needed"
    listing = Listing("Lease/kube-system", "Lease", [{"metadata": {"name": "x"}}], True, False, [{"metadata": {}}])
    changes = KubeSource._changes_of(listing)
    assert [c.type for c in changes if isinstance(c, WatchEvent)] == ["DELETED", "ADDED"]
    whole = KubeSource._changes_of(Listing("Pod", "Pod", [], False, False))
    assert whole == [Relisted({"Pod": []})]


def test_metrics_lists_become_usage_and_odd_quantities_are_tolerated() -> None:
    from clusterviz.kube.metrics import is_absent, parse_node_metrics, parse_pod_metrics

    nodes = {
        "kind": "NodeMetricsList",
        "items": [
            {"metadata": {"name": "n1"}, "usage": {"cpu": "250383795n", "memory": "1532Mi"}},
            {"metadata": {"name": "n2"}, "usage": {"cpu": "2", "memory": "1.5Gi"}},
            {"metadata": {"name": "odd"}, "usage": {"cpu": "lots", "memory": 7}},  # memory as a bare number
            {"metadata": {"name": "bad"}, "usage": {"cpu": None, "memory": "x"}},  # nothing usable: skipped
            {"metadata": {}, "usage": {"cpu": "1"}},
            "not an item",
        ],
    }
    assert parse_node_metrics(nodes) == {
        "n1": {"cpu": 251, "memory": 1532 << 20},  # nanocores round up to millicores
        "n2": {"cpu": 2000, "memory": 3 << 29},
        "odd": {"cpu": 0, "memory": 7},
    }
    pods = {
        "items": [
            {
                "metadata": {"name": "p", "namespace": "ns"},
                "containers": [
                    {"name": "a", "usage": {"cpu": "100m", "memory": "64Mi"}},
                    {"name": "b", "usage": {"cpu": "5m", "memory": "1Mi"}},
                    {"name": "c", "usage": "garbage"},
                ],
            },
            {"metadata": {"name": "empty", "namespace": "ns"}, "containers": []},
            {"metadata": {"name": "no-namespace"}, "containers": [{"usage": {"cpu": "1m"}}]},
        ]
    }
    assert parse_pod_metrics(pods) == {("ns", "p"): {"cpu": 105, "memory": 65 << 20}}
    assert parse_node_metrics(None) == {} and parse_pod_metrics({"items": "no"}) == {}

    assert is_absent(ApiError(404, "NotFound", "the server could not find the requested resource"))
    assert is_absent(ApiError(503, "ServiceUnavailable", "service unavailable"))
    assert is_absent(ApiError(0, "", "The server could not find the requested resource"))
    assert not is_absent(ApiError(403, "Forbidden", "nodes.metrics.k8s.io is forbidden"))
    assert not is_absent(OSError("refused"))


def test_the_metrics_poller_reports_absence_as_normal_and_emits_only_changes() -> None:
    from clusterviz.kube import metrics

    answers: list[object] = []

    def fake_get_json(api: object, path: str, query: object, timeout: object) -> object:
        answer = answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    original = metrics.get_json
    metrics.get_json = fake_get_json  # type: ignore[assignment]
    try:
        poller = metrics.MetricsPoller(None, lambda usage: None)
        answers.append(ApiError(404, "NotFound", "the server could not find the requested resource"))
        absent = poller.poll_once()
        assert (absent.available, absent.reason) == (False, "metrics-server not installed")
        assert poller.health()["lastError"] == ""
        node_list = {"items": [{"metadata": {"name": "n"}, "usage": {"cpu": "1", "memory": "1Gi"}}]}
        answers.extend([node_list, {"items": []}])
        usage = poller.poll_once()
        assert usage.available and usage.nodes == {"n": {"cpu": 1000, "memory": 1 << 30}}
        poller._last = usage  # as the thread does after emitting it
        answers.append(OSError("connection refused"))  # a hiccup keeps the last measurement
        assert poller.poll_once() is usage and poller.health()["lastError"]
    finally:
        metrics.get_json = original  # type: ignore[assignment]


def test_a_list_is_kept_packed_a_page_at_a_time_and_reads_back_whole_once() -> None:
    from clusterviz.kube.reflector import PackedItems

    pages = [[{"metadata": {"name": f"p{page}-{i}", "labels": {"i": str(i)}}} for i in range(3)] for page in range(4)]
    packed = PackedItems()
    for page in pages:
        packed.add(page)
    whole = [obj for page in pages for obj in page]
    assert len(packed) == 12
    assert list(packed) == whole
    assert len(packed) == 12, "it still says how many it listed"
    with pytest.raises(RuntimeError):
        list(packed)  # a second reader would silently get nothing
    assert list(PackedItems(whole[:2])) == whole[:2] and len(PackedItems()) == 0


def test_reading_a_packed_list_lets_go_of_each_page_once_decoded() -> None:
    import tracemalloc

    from clusterviz.kube.reflector import PackedItems

    tracemalloc.start()
    try:
        packed = PackedItems()
        for page in range(20):  # 20 pages of ~100 kB
            packed.add([{"metadata": {"name": f"p{page}-{i}"}, "data": "x" * 1000} for i in range(100)])
        held = tracemalloc.get_traced_memory()[0]
        for obj in packed:  # the store maps each object and keeps no dict
            last = obj["metadata"]["name"]
        at_the_end = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert last == "p19-99" and held > 2_000_000
    assert at_the_end < held / 4, (at_the_end, held)  # the last page and its dicts, not all twenty
