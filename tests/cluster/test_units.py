"""The pure parts of clusterviz.kube, without a control plane: readyz parsing, slim copies, error texts,
backoff, and how partitioned listings become changes."""

from __future__ import annotations

import random

import orjson

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
