"""The process explanations in Korean, on the Django side (the core's EXPLANATIONS stay plain English strings).

Keyed by process name rather than gettext msgids: the core's sentences can be reworded without silently
orphaning their translation, and a test checks that every process the core explains has a Korean sentence.
"""

from __future__ import annotations

from django.utils.translation import get_language

from clusterviz.objects import OBJECT_EXPLANATIONS
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
KOREAN_OBJECTS: dict[str, str] = {
    "Deployment": (
        "하나의 템플릿으로 똑같은 파드를 정해진 수만큼 계속 실행합니다. 템플릿을 바꾸면 롤아웃이 일어나, 새 "
        "레플리카셋(다음 리비전)을 늘리고 옛 레플리카셋을 줄입니다. 그 폭은 maxSurge와 maxUnavailable이 정합니다."
    ),
    "ReplicaSet": (
        "템플릿의 한 리비전에 해당하는 파드를 원하는 수만큼 정확히 유지하며, 실패하거나 사라진 파드를 새로 "
        "만듭니다. 디플로이먼트가 리비전마다 하나씩 만들고 크기를 조절하므로 직접 만드는 일은 드뭅니다."
    ),
    "StatefulSet": (
        "각 파드가 자기 이름(web-0, web-1, …)과 자기 볼륨 클레임을 재시작과 이동 후에도 유지하며, 순서대로 "
        "시작되고 업데이트됩니다."
    ),
    "DaemonSet": "kube-proxy나 CNI 에이전트처럼 모든 노드(또는 조건에 맞는 노드)마다 파드를 하나씩 실행합니다.",
    "Job": "정해진 수의 파드가 성공할 때까지 파드를 실행하고, 실패하면 한도까지 다시 시도합니다. 그러면 완료됩니다.",
    "Service": (
        "레이블 셀렉터로 고른, 계속 바뀌는 파드 집합에 변하지 않는 이름과 가상 IP를 줍니다. 모든 노드의 "
        "kube-proxy가 그 트래픽을 준비된 파드 중 하나로 보냅니다."
    ),
    "EndpointSlice": (
        "서비스에 속한 파드의 주소와, 각 파드가 준비(ready)·서빙(serving)·종료 중(terminating)인지를 담은 "
        "목록입니다. 컨트롤 플레인의 EndpointSlice 컨트롤러가 파드가 생기고 사라지고 준비 상태가 바뀔 때마다 "
        "갱신합니다."
    ),
    "PersistentVolumeClaim": (
        "파드가 스토리지를 요청하는 것(크기, 접근 모드, 스토리지 클래스)입니다. 퍼시스턴트볼륨에 바인딩되며, "
        "그 데이터는 마운트한 파드보다 오래 남고 다른 노드로 옮겨 간 파드를 따라갈 수 있습니다."
    ),
    "PersistentVolume": (
        "클러스터 안의 스토리지 한 조각(클라우드 디스크, NFS 공유, 로컬 디스크)으로, 관리자나 스토리지 클래스가 "
        "프로비저닝하며 한 번에 하나의 클레임에 바인딩됩니다."
    ),
}
TRANSLATIONS: dict[str, dict[str, str]] = {"ko": {**KOREAN, **KOREAN_OBJECTS}}


def explanations(language: str | None = None) -> dict[str, str]:
    """Every process explanation in the language (the active one by default), English where none exists."""
    table = TRANSLATIONS.get((language or get_language() or "en").split("-")[0], {})
    return {name: table.get(name, text) for name, text in EXPLANATIONS.items()}


def explanation(name: str, english: str, language: str | None = None) -> str:
    """One process's explanation; a process the core does not name keeps the text it came with."""
    table = TRANSLATIONS.get((language or get_language() or "en").split("-")[0], {})
    if name in OBJECT_EXPLANATIONS:
        return table.get(name, english)
    if name not in EXPLANATIONS:
        return table.get("node-agent", english) if english == EXPLANATIONS["node-agent"] else english
    return table.get(name, english)
