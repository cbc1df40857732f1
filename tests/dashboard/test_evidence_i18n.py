"""Evidence lines and source reasons in Korean: every shape the core writes has its translation."""

from __future__ import annotations

from django.utils import translation

from clusterviz.processes import control_plane_processes, node_agents
from dashboard.access import evidence
from tests.core.test_processes import NOW, ds_pod, lease, node, proxy


def core_lines() -> list[str]:
    """What the core says of a silent node's agents and of a control plane never listed."""
    expired = lease("w1", "kube-node-lease", "w1", NOW - 300, 40)
    silent = node_agents(node("w1", cp=False), [proxy(), ds_pod("kindnet")], expired, NOW)
    never = node_agents(node("w2", ready="Unknown", cp=False), [proxy()], None, NOW)
    unobserved = control_plane_processes([], [], [], NOW, observed=False)
    lines = [e for p in silent + never + unobserved for e in p["evidence"]]
    return [line for line in lines if "not reporting" in line or "last reported" in line or "not observed" in line]


def test_every_new_evidence_line_of_the_core_reads_in_korean() -> None:
    lines = core_lines()
    assert len(lines) >= 6
    with translation.override("ko"):
        untranslated = [line for line in lines if evidence.localize(line) == line]
    assert not untranslated, untranslated


def test_a_line_is_translated_with_its_time_and_its_inner_cause() -> None:
    cause = "read timed out (no data from the server: connection stalled)"
    stalled = f"the API server does not answer: /readyz unanswered since 21:40:03 UTC ({cause})"
    with translation.override("ko"):
        assert evidence.localize("not reporting since 21:40:03 UTC") == "21:40:03 UTC 이후 보고 없음"
        assert evidence.localize(stalled) == (
            "API 서버가 응답하지 않음: 21:40:03 UTC 이후 /readyz 응답 없음 "
            "(읽기 시간 초과 (서버에서 데이터 없음: 연결이 멈춤))"
        )
        assert evidence.localize("kubelet wrote something new") == "kubelet wrote something new"
    with translation.override("en"):
        assert evidence.localize("not reporting since 21:40:03 UTC") == "not reporting since 21:40:03 UTC"


def test_the_source_reasons_of_a_stalled_or_silent_api_server_have_their_shape_in_the_table() -> None:
    # the shapes clusterviz.kube.source.KubeSource writes (its _quiet and _not_yet), variable parts filled in
    reasons = [
        "the API server does not answer: /readyz unanswered since 01:02:03 UTC (connection refused)",
        "no event or bookmark from the API server since 01:02:03 UTC "
        "(a healthy watch hears one at least every minute)",
        "waiting for the first answer",
    ]
    with translation.override("ko"):
        assert all(evidence.localize(r) != r for r in reasons)


def test_the_scripts_get_the_same_table_with_javascript_named_groups() -> None:
    with translation.override("ko"):
        table = evidence.for_scripts()
    assert len(table) == len(evidence.PATTERNS)
    assert all("(?P<" not in pattern and pattern.startswith("^") for pattern, _ in table)
    assert ("^not reporting since (?<time>\\d\\d:\\d\\d:\\d\\d UTC)$", "%(time)s 이후 보고 없음") in table
