"""The evidence lines of processes (clusterviz.processes, clusterviz.kube.evidence) in the reader's language.

The core writes each line in English, from a small set of sentence shapes with names, times and counts in
them; the wire carries them as they are. Here each shape is a pattern with its Korean sentence, so a panel
reads in Korean too. A line no pattern knows (a shape added later) stays English rather than being guessed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from django.utils.translation import get_language

Words = dict[str, str]
_LEASES: Words = {"node lease": "노드 리스", "lease": "리스"}
_POD_KINDS: Words = {"static pod": "스태틱 파드", "pod": "파드"}

FIXED: Words = {
    "not observed yet: nothing listed from the cluster": "아직 관찰되지 않음: 클러스터에서 받은 목록이 없습니다",
    "no etcd pod visible: etcd is external or run by the provider": (
        "etcd 파드가 보이지 않습니다: etcd가 외부에 있거나 제공자가 운영합니다"
    ),
    "node Ready: the kubelet reports the node healthy": "노드 Ready: kubelet이 노드가 정상이라고 보고합니다",
    "node NotReady: the kubelet is reporting, but the node is not ready": (
        "노드 NotReady: kubelet은 보고하고 있지만 노드가 준비되지 않았습니다"
    ),
    "node Ready condition Unknown: the kubelet stopped posting status": (
        "노드 Ready 컨디션 Unknown: kubelet이 상태 보고를 멈췄습니다"
    ),
    "no node lease in kube-node-lease": "kube-node-lease에 노드 리스가 없습니다",
    "node Ready: the kubelet reports the runtime ready": "노드 Ready: kubelet이 런타임이 준비되었다고 보고합니다",
    "node NotReady: the runtime may be down": "노드 NotReady: 런타임이 멈췄을 수 있습니다",
    "containers are running on this node": "이 노드에서 컨테이너가 실행 중입니다",
    "no kube-proxy pod on this node (the cluster may use a CNI that replaces it)": (
        "이 노드에 kube-proxy 파드가 없습니다 (클러스터가 이를 대신하는 CNI를 쓸 수 있습니다)"
    ),
    "(no lease renewal seen)": "(리스 갱신이 보이지 않음)",
}


def _since(text: str) -> str:
    """ "since 10:04:05" -> "10:04:05부터" (the kubelet's silence)."""
    match = re.fullmatch(r"since (.+)", text)
    return f"{match.group(1)}부터" if match else FIXED.get(text, text)


Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]
RULES: list[Rule] = [
    (
        re.compile(r"(?P<what>node lease|lease) renewed within its (?P<d>\d+)s duration"),
        lambda m: f"{_LEASES[m['what']]} 갱신됨 (유효 기간 {m['d']}초 이내)",
    ),
    (
        re.compile(r"(?P<what>node lease|lease) carries no renew time or duration"),
        lambda m: f"{_LEASES[m['what']]}에 갱신 시각이나 유효 기간이 없습니다",
    ),
    (
        re.compile(r"(?P<what>node lease|lease) overdue: last renewed (?P<t>.+?), duration (?P<d>\d+)s"),
        lambda m: f"{_LEASES[m['what']]} 갱신 지연: 마지막 갱신 {m['t']}, 유효 기간 {m['d']}초",
    ),
    (
        re.compile(r"(?P<what>node lease|lease) expired: last renewed (?P<t>.+?), duration (?P<d>\d+)s"),
        lambda m: f"{_LEASES[m['what']]} 만료: 마지막 갱신 {m['t']}, 유효 기간 {m['d']}초",
    ),
    (re.compile(r"leader (?P<who>[^,]+), (?P<rest>.+)"), lambda m: f"리더 {m['who']}, {korean(m['rest'])}"),
    (
        re.compile(r"leader lease kube-system/(?P<c>\S+) has no holder"),
        lambda m: f"리더 리스 kube-system/{m['c']}에 보유자가 없습니다",
    ),
    (
        re.compile(r"no leader lease kube-system/(?P<c>\S+) visible"),
        lambda m: f"리더 리스 kube-system/{m['c']}가 보이지 않습니다",
    ),
    (
        re.compile(r"no (?P<c>\S+) pod visible: the control plane may be managed"),
        lambda m: f"{m['c']} 파드가 보이지 않습니다: 관리형 컨트롤 플레인일 수 있습니다",
    ),
    (
        re.compile(r"(?P<n>\d+) API server instances? renewing identity leases"),
        lambda m: f"API 서버 {m['n']}개가 ID 리스를 갱신 중",
    ),
    (
        re.compile(r"(?P<n>\d+) API server identity leases? not renewed within (?:its|their) duration"),
        lambda m: f"API 서버 ID 리스 {m['n']}개가 유효 기간 안에 갱신되지 않았습니다",
    ),
    (
        re.compile(r"the kubelet is not reporting (?P<since>.+): status unknown"),
        lambda m: f"kubelet이 보고하지 않습니다 ({_since(m['since'])}): 상태를 알 수 없습니다",
    ),
    (
        re.compile(r"the kubelet is not reporting (?P<since>.+): the runtime cannot be observed"),
        lambda m: f"kubelet이 보고하지 않습니다 ({_since(m['since'])}): 런타임을 관찰할 수 없습니다",
    ),
    (re.compile(r"last reported: (?P<rest>.+)"), lambda m: f"마지막 보고: {korean(m['rest'])}"),
    (re.compile(r"not reporting (?P<since>.+)"), lambda m: f"보고하지 않음 ({_since(m['since'])})"),
    (re.compile(r"runtime (?P<v>.+)"), lambda m: f"런타임 {m['v']}"),
    (re.compile(r"containers fail to start: (?P<l>.+)"), lambda m: f"컨테이너가 시작하지 못합니다: {m['l']}"),
    (
        re.compile(r"(?P<kind>static pod|pod) (?P<pod>\S+) (?P<status>\S+), (?P<r>\d+/\d+) ready, (?P<n>\d+) restarts"),
        lambda m: f"{_POD_KINDS[m['kind']]} {m['pod']} {m['status']}, 준비 {m['r']}, 재시작 {m['n']}회",
    ),
    (
        re.compile(r"/readyz: not ready, failing checks: (?P<l>.+)"),
        lambda m: f"/readyz: 준비 안 됨, 실패한 검사: {m['l']}",
    ),
    (re.compile(r"/readyz: ready \((?P<n>\d+) checks passed\)"), lambda m: f"/readyz: 준비됨 (검사 {m['n']}개 통과)"),
    (re.compile(r"/readyz: not ready \(HTTP (?P<s>\d+)\)"), lambda m: f"/readyz: 준비 안 됨 (HTTP {m['s']})"),
    (re.compile(r"API server check (?P<n>\S+) failed"), lambda m: f"API 서버 검사 {m['n']} 실패"),
    (re.compile(r"API server check (?P<n>\S+) ok"), lambda m: f"API 서버 검사 {m['n']} 통과"),
    (re.compile(r"serves version (?P<v>.+)"), lambda m: f"버전 {m['v']} 제공 중"),
    (re.compile(r"/readyz not readable: (?P<c>.+)"), lambda m: f"/readyz를 읽을 수 없음: {m['c']}"),
    (re.compile(r"/readyz unanswered: (?P<c>.+)"), lambda m: f"/readyz 응답 없음: {m['c']}"),
]


def korean(line: str) -> str:
    """One evidence line in Korean; the line itself when no pattern knows its shape."""
    if line in FIXED:
        return FIXED[line]
    for pattern, sentence in RULES:
        match = pattern.fullmatch(line)
        if match:
            return sentence(match)
    return line


def localized(lines: Sequence[str], language: str | None = None) -> list[str]:
    """Evidence lines in the language (the active one by default); English stays as it is."""
    if (language or get_language() or "en").split("-")[0] != "ko":
        return list(lines)
    return [korean(line) for line in lines]
