"""The process explanations in Korean, on the Django side (the core's EXPLANATIONS stay plain English strings).

Keyed by process name rather than gettext msgids: the core's sentences can be reworded without silently
orphaning their translation, and a test checks that every process the core explains has a Korean sentence.
"""

from __future__ import annotations

from django.utils.translation import get_language

from clusterviz.processes import EXPLANATIONS

KOREAN: dict[str, str] = {
    "kube-apiserver": (
        "클러스터의 정문입니다. 모든 요청을 검증하고 오브젝트를 etcd에 저장하며, 변경 사항을 다른 모든 "
        "구성 요소에 스트리밍합니다. 다른 구성 요소들은 모두 API 서버와만 통신하고 서로 직접 통신하지 않습니다."
    ),
    "etcd": (
        "클러스터 전체 상태를 담고 있는 일관된 키-값 데이터베이스입니다. API 서버만 etcd와 통신하며, "
        "쿼럼을 잃으면 클러스터가 멈춥니다."
    ),
    "kube-scheduler": (
        "노드가 정해지지 않은 파드를 지켜보다가 요청 자원, 어피니티, 테인트, 분산을 따져 각 파드에 노드를 "
        "골라 줍니다. 리더로 선출된 인스턴스만 스케줄링합니다."
    ),
    "kube-controller-manager": (
        "내장 컨트롤 루프(디플로이먼트, 레플리카셋, 잡, 노드 수명 주기, 엔드포인트 등)를 실행하여 실제 상태를 "
        "원하는 상태로 계속 움직입니다. 리더로 선출된 인스턴스만 동작합니다."
    ),
    "cloud-controller-manager": (
        "클라우드 제공자에 의존하는 컨트롤 루프를 실행합니다. 서비스용 로드 밸런서, 라우트, 그리고 머신이 "
        "사라진 노드의 제거를 맡습니다."
    ),
    "kubelet": (
        "모든 노드에서 동작하는 에이전트입니다. 자기 노드에 배정된 파드를 컨테이너 런타임을 통해 시작하고 "
        "멈추며, 프로브를 실행하고 노드와 파드의 상태를 API 서버에 보고합니다."
    ),
    "container-runtime": (
        "kubelet이 요청한 컨테이너를 샌드박스 안에서 실행하고 이미지를 내려받는 CRI 런타임(containerd, CRI-O)입니다."
    ),
    "kube-proxy": (
        "노드의 패킷 규칙(iptables, IPVS 또는 nftables)을 설정하여 서비스의 가상 IP로 가는 트래픽이 준비된 "
        "파드 중 하나에 도달하게 합니다."
    ),
    "node-agent": (
        "노드마다 하나씩 실행되어 파드 네트워킹(CNI), 스토리지 드라이버, 로그 수집, 모니터링 같은 노드 수준 "
        "서비스를 제공하는 데몬셋 파드입니다."
    ),
}
TRANSLATIONS: dict[str, dict[str, str]] = {"ko": KOREAN}


def explanations(language: str | None = None) -> dict[str, str]:
    """Every process explanation in the language (the active one by default), English where none exists."""
    table = TRANSLATIONS.get((language or get_language() or "en").split("-")[0], {})
    return {name: table.get(name, text) for name, text in EXPLANATIONS.items()}


def explanation(name: str, english: str, language: str | None = None) -> str:
    """One process's explanation; a process the core does not name keeps the text it came with."""
    table = TRANSLATIONS.get((language or get_language() or "en").split("-")[0], {})
    if name not in EXPLANATIONS:
        return table.get("node-agent", english) if english == EXPLANATIONS["node-agent"] else english
    return table.get(name, english)
