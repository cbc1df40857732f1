"""Evidence lines in Korean (dashboard.access.evidence): every sentence shape the core writes has its Korean
sentence, checked against every line the fake cluster produces."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from clusterviz.clock import ManualClock
from clusterviz.fake import FakeCluster
from clusterviz.store import ClusterStore
from dashboard.access.evidence import localize

HANGUL = re.compile(r"[\uac00-\ud7a3]")


def korean(line: str) -> str:
    with translation.override("ko"):
        return localize(line)


@pytest.mark.parametrize(
    "line",
    [
        "node lease renewed within its 40s duration",
        "lease carries no renew time or duration",
        "node lease overdue: last renewed 10:04:05, duration 40s",
        "lease expired: last renewed 10:04:05, duration 15s",
        "leader control-plane-1_abc, lease renewed within its 15s duration",
        "leader lease kube-system/kube-scheduler has no holder",
        "no leader lease kube-system/kube-scheduler visible",
        "not observed yet: nothing listed from the cluster",
        "no etcd pod visible: etcd is external or run by the provider",
        "no kube-scheduler pod visible: the control plane may be managed",
        "1 API server instance renewing identity leases",
        "2 API server identity leases not renewed within their duration",
        "the kubelet is not reporting since 10:04:05 UTC: status unknown",
        "the kubelet is not reporting (no lease renewal seen): the runtime cannot be observed",
        "last reported: pod kube-system/kube-proxy-x Running, 1/1 ready, 0 restarts",
        "not reporting since 10:04:05 UTC",
        "node Ready: the kubelet reports the node healthy",
        "node NotReady: the kubelet is reporting, but the node is not ready",
        "node Ready condition Unknown: the kubelet stopped posting status",
        "no node lease in kube-node-lease",
        "runtime containerd 2.1.4",
        "node lease expired: last renewed 22:13:12 UTC, duration 40s",
        "containers fail to start: default/web-1",
        "no kube-proxy pod on this node (the cluster may use a CNI that replaces it)",
        "static pod kube-system/etcd-cp Running, 1/1 ready, 0 restarts",
        "/readyz: ready (42 checks passed)",
        "/readyz: not ready, failing checks: etcd",
        "/readyz: not ready (HTTP 500)",
        "/readyz unanswered: read timed out",
        "API server check etcd ok",
        "serves version v1.36.3",
    ],
)
def test_each_shape_has_a_korean_sentence_keeping_names_and_numbers(line: str) -> None:
    text = korean(line)
    assert HANGUL.search(text), text
    for token in re.findall(r"\d+|kube-system/[\w-]+", line):  # names, times and counts survive
        assert token in text, (token, text)


def test_an_unknown_shape_stays_english_and_english_readers_get_english() -> None:
    assert korean("something new the core says") == "something new the core says"
    line = "node Ready: the kubelet reports the node healthy"
    with translation.override("en"):
        assert localize(line) == line


def test_every_line_the_fake_cluster_produces_has_a_korean_sentence() -> None:
    cluster = FakeCluster(seed=3, clock=ManualClock(start=1_700_000_000.0), workers=2, scenario="quiet")
    store = ClusterStore(
        "demo", {"kind": "fake", "state": "live", "reason": "", "lastEventAt": None, "resourceVersion": ""}
    )
    store.load(cluster.list_all()[0], cluster.clock.now())
    worker = cluster.workers()[0]
    for event in cluster.set_node_ready(worker, False, reachable=False) + cluster.advance(120):
        store.apply(event, cluster.clock.now())
    store.now = cluster.clock.now()
    lines = [e for p in store.control_plane for e in p["evidence"]]
    lines += [e for n in store.snapshot()["nodes"] for a in n["agents"] for e in a["evidence"]]
    untranslated = [line for line in lines if not HANGUL.search(korean(line))]
    assert not untranslated
