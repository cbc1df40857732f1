from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from clusterviz.mapping import LeaseView, map_lease, map_node, map_pod
from clusterviz.processes import (
    EXPLANATIONS,
    Evidence,
    control_plane_processes,
    kubelet_reporting,
    lease_freshness,
    node_agents,
)
from clusterviz.wire import NodeView, PodView, Process

NOW = 1_767_225_600.0  # 2026-01-01T00:00:00Z


class NoDeployments:
    def deployment_of(self, namespace: str, replicaset: str) -> str | None:
        return None


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def lease(
    name: str, namespace: str, holder: str, renewed: float | None, duration: int | None = 15, **labels: str
) -> LeaseView:
    spec: dict[str, Any] = {"holderIdentity": holder}
    if renewed is not None:
        spec["renewTime"] = iso(renewed)
    if duration is not None:
        spec["leaseDurationSeconds"] = duration
    return map_lease({"metadata": {"name": name, "namespace": namespace, "labels": labels}, "spec": spec})


def node(name: str = "cp1", ready: str = "True", runtime: str = "containerd://2.1.4", cp: bool = True) -> NodeView:
    labels = {"node-role.kubernetes.io/control-plane": ""} if cp else {}
    return map_node(
        {
            "metadata": {"name": name, "labels": labels, "creationTimestamp": "2026-01-01T00:00:00Z"},
            "status": {
                "conditions": [{"type": "Ready", "status": ready}],
                "nodeInfo": {"kubeletVersion": "v1.33.1", "containerRuntimeVersion": runtime},
            },
        }
    )


def pod(
    name: str,
    *,
    node_name: str = "cp1",
    namespace: str = "kube-system",
    labels: dict[str, str] | None = None,
    owner: dict[str, Any] | None = None,
    image: str = "registry.k8s.io/kube-apiserver:v1.33.1",
    state: str = "running",
    ready: bool = True,
    restarts: int = 0,
    reason: str = "",
) -> PodView:
    if state == "running":
        cstate: dict[str, Any] = {"running": {"startedAt": "2026-01-01T00:00:00Z"}}
    elif state == "waiting":
        cstate = {"waiting": {"reason": reason}}
    else:
        cstate = {"terminated": {"reason": reason, "exitCode": 1}}
    owner_ref = owner or {"kind": "Node", "name": node_name, "controller": True, "apiVersion": "v1", "uid": "u"}
    raw = {
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": f"uid-{name}",
            "labels": labels or {},
            "ownerReferences": [owner_ref],
            "creationTimestamp": "2026-01-01T00:00:00Z",
        },
        "spec": {"nodeName": node_name, "containers": [{"name": "main", "image": image}]},
        "status": {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
            "containerStatuses": [{"name": "main", "ready": ready, "restartCount": restarts, "state": cstate}],
        },
    }
    return map_pod(raw, NoDeployments())


def static(component: str, node_name: str = "cp1", **kw: Any) -> PodView:
    image = "registry.k8s.io/etcd:3.5.21-0" if component == "etcd" else f"registry.k8s.io/{component}:v1.33.1"
    return pod(
        f"{component}-{node_name}",
        node_name=node_name,
        labels={"tier": "control-plane", "component": component},
        image=image,
        **kw,
    )


def by_name(processes: list[Process]) -> dict[str, Process]:
    return {p["name"]: p for p in processes}


CORE = ["kube-apiserver", "etcd", "kube-scheduler", "kube-controller-manager"]


def test_explanations_cover_every_process_kind() -> None:
    for name in [*CORE, "cloud-controller-manager", "kubelet", "container-runtime", "kube-proxy", "node-agent"]:
        assert 40 < len(EXPLANATIONS[name]) < 400, name


# ---------------------------------------------------------------------------------------------- leases


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (-5.0, "fresh"),  # renewTime slightly in the future: clock skew
        (0.0, "fresh"),
        (15.0, "fresh"),  # the boundary belongs to fresh
        (15.001, "overdue"),
        (30.0, "overdue"),
        (30.5, "expired"),
        (3600.0, "expired"),
    ],
)
def test_lease_freshness_edges(age: float, expected: str) -> None:
    assert lease_freshness(lease("x", "kube-system", "h", NOW - age, 15), NOW) == expected


def test_lease_without_times_is_unknown() -> None:
    assert lease_freshness(lease("x", "kube-system", "h", None, 15), NOW) == "unknown"
    assert lease_freshness(lease("x", "kube-system", "h", NOW, None), NOW) == "unknown"
    assert lease_freshness(lease("x", "kube-system", "h", NOW, 0), NOW) == "unknown"


# ---------------------------------------------------------------------------------------------- control plane


def kubeadm_cluster(
    now: float = NOW, scheduler_renewed: float = NOW - 2
) -> tuple[list[NodeView], list[PodView], list[LeaseView]]:
    nodes = [node("cp1")]
    pods = [static(c) for c in CORE]
    leases = [
        lease("kube-scheduler", "kube-system", "cp1_6c4f0d1e", scheduler_renewed),
        lease("kube-controller-manager", "kube-system", "cp1_aa11bb22", now - 1),
        lease(
            "apiserver-x4k2",
            "kube-system",
            "apiserver-x4k2_0d9e",
            now - 5,
            3600,
            **{
                "apiserver.kubernetes.io/identity": "kube-apiserver",
                "kubernetes.io/hostname": "cp1",
            },
        ),
    ]
    return nodes, pods, leases


def test_kubeadm_control_plane_all_healthy() -> None:
    processes = control_plane_processes(*kubeadm_cluster(), NOW)
    assert [p["name"] for p in processes] == CORE
    assert all(p["health"] == "healthy" and p["role"] == "control-plane" for p in processes)
    api, etcd, scheduler, cm = processes
    assert api["evidence"] == [
        "static pod kube-system/kube-apiserver-cp1 Running, 1/1 ready, 0 restarts",
        "1 API server instance renewing identity leases",
    ]
    assert (api["node"], api["pod"], api["version"]) == ("cp1", "kube-system/kube-apiserver-cp1", "v1.33.1")
    assert etcd["version"] == "3.5.21-0"
    assert "leader" not in api and "leader" not in etcd
    assert scheduler["leader"] == "cp1"
    assert scheduler["evidence"] == [
        "static pod kube-system/kube-scheduler-cp1 Running, 1/1 ready, 0 restarts",
        "leader cp1, lease renewed within its 15s duration",
    ]
    assert cm["leader"] == "cp1"


def test_evidence_is_stable_while_leases_keep_renewing() -> None:
    nodes, pods, leases = kubeadm_cluster(NOW, NOW - 1)
    first = control_plane_processes(nodes, pods, leases, NOW)
    later_nodes, later_pods, later_leases = kubeadm_cluster(NOW + 7, NOW + 6)
    assert control_plane_processes(later_nodes, later_pods, later_leases, NOW + 7) == first


def test_static_pod_running_but_not_ready_is_degraded() -> None:
    nodes, pods, leases = kubeadm_cluster()
    pods[0] = static("kube-apiserver", ready=False)
    api = by_name(control_plane_processes(nodes, pods, leases, NOW))["kube-apiserver"]
    assert api["health"] == "degraded"
    assert api["evidence"][0] == "static pod kube-system/kube-apiserver-cp1 Running, 0/1 ready, 0 restarts"


def test_static_pod_crashing_is_unhealthy() -> None:
    nodes, pods, leases = kubeadm_cluster()
    pods[1] = static("etcd", state="waiting", reason="CrashLoopBackOff", ready=False, restarts=12)
    etcd = by_name(control_plane_processes(nodes, pods, leases, NOW))["etcd"]
    assert etcd["health"] == "unhealthy"
    assert etcd["evidence"] == ["static pod kube-system/etcd-cp1 CrashLoopBackOff, 0/1 ready, 12 restarts"]


def test_overdue_and_expired_scheduler_lease() -> None:
    nodes, pods, leases = kubeadm_cluster(scheduler_renewed=NOW - 20)  # 20s > 15s duration
    scheduler = by_name(control_plane_processes(nodes, pods, leases, NOW))["kube-scheduler"]
    assert scheduler["health"] == "degraded"
    assert scheduler["evidence"][0] == "leader cp1, lease overdue: last renewed 23:59:40 UTC, duration 15s"

    nodes, pods, leases = kubeadm_cluster(scheduler_renewed=NOW - 600)
    scheduler = by_name(control_plane_processes(nodes, pods, leases, NOW))["kube-scheduler"]
    assert scheduler["health"] == "unhealthy"
    assert scheduler["evidence"][0] == "leader cp1, lease expired: last renewed 23:50:00 UTC, duration 15s"
    # the pod itself still looks fine: its evidence follows, worst first
    assert scheduler["evidence"][1].startswith("static pod kube-system/kube-scheduler-cp1 Running")


def test_released_leader_lease_is_unhealthy() -> None:
    nodes, pods, leases = kubeadm_cluster()
    leases[1] = lease("kube-controller-manager", "kube-system", "", NOW - 1)
    cm = by_name(control_plane_processes(nodes, pods, leases, NOW))["kube-controller-manager"]
    assert cm["health"] == "unhealthy"
    assert "leader" not in cm
    assert cm["evidence"][0] == "leader lease kube-system/kube-controller-manager has no holder"


def test_managed_control_plane_without_evidence_is_unknown() -> None:
    processes = control_plane_processes([node("w1", cp=False)], [], [], NOW)
    assert [p["name"] for p in processes] == CORE
    assert all(p["health"] == "unknown" and p["node"] is None and p["pod"] is None for p in processes)
    named = by_name(processes)
    assert named["etcd"]["evidence"] == ["no etcd pod visible: etcd is external or run by the provider"]
    assert named["kube-scheduler"]["evidence"] == [
        "no leader lease kube-system/kube-scheduler visible",
        "no kube-scheduler pod visible: the control plane may be managed",
    ]


def test_managed_control_plane_with_fresh_leases_and_caller_evidence() -> None:
    leases = [
        lease("kube-scheduler", "kube-system", "ip-10-0-1-5.ec2.internal_3f2a", NOW - 3),
        lease("kube-controller-manager", "kube-system", "ip-10-0-1-6.ec2.internal_77aa", NOW - 200),
        lease(
            "apiserver-a",
            "kube-system",
            "apiserver-a_1",
            NOW - 10,
            3600,
            **{"apiserver.kubernetes.io/identity": "kube-apiserver"},
        ),
        lease(
            "apiserver-b",
            "kube-system",
            "apiserver-b_1",
            NOW - 10,
            3600,
            **{"apiserver.kubernetes.io/identity": "kube-apiserver"},
        ),
        lease(
            "apiserver-c",
            "kube-system",
            "apiserver-c_1",
            NOW - 9000,
            3600,
            **{"apiserver.kubernetes.io/identity": "kube-apiserver"},
        ),
    ]
    extra: dict[str, list[Evidence]] = {"kube-apiserver": [("healthy", "/readyz answered ok")]}
    named = by_name(control_plane_processes([node("w1", cp=False)], [], leases, NOW, extra_evidence=extra))
    assert named["kube-scheduler"]["health"] == "healthy"
    assert named["kube-scheduler"]["leader"] == "ip-10-0-1-5.ec2.internal"
    assert named["kube-scheduler"]["node"] is None  # the leader is not one of our nodes
    assert named["kube-controller-manager"]["health"] == "unhealthy"
    api = named["kube-apiserver"]
    assert api["health"] == "degraded"
    assert api["evidence"] == [
        "1 API server identity lease not renewed within its duration",
        "/readyz answered ok",
        "2 API server instances renewing identity leases",
        "no kube-apiserver pod visible: the control plane may be managed",
    ]
    assert named["etcd"]["health"] == "unknown"


def test_before_anything_was_listed_no_process_claims_a_managed_control_plane() -> None:
    processes = control_plane_processes([], [], [], NOW, observed=False)
    assert [p["name"] for p in processes] == CORE
    for process in processes:
        assert process["health"] == "unknown"
        assert not any("managed" in text or "external" in text for text in process["evidence"])
        assert "not observed yet: nothing listed from the cluster" in process["evidence"]


def test_cloud_controller_manager_only_when_present() -> None:
    nodes, pods, leases = kubeadm_cluster()
    assert "cloud-controller-manager" not in by_name(control_plane_processes(nodes, pods, leases, NOW))
    ccm = pod(
        "cloud-controller-manager-x7",
        labels={"k8s-app": "cloud-controller-manager"},
        owner={"kind": "DaemonSet", "name": "cloud-controller-manager", "controller": True},
        image="registry.k8s.io/cloud-provider-aws/cloud-controller-manager:v1.33.0",
    )
    processes = control_plane_processes(nodes, [*pods, ccm], leases, NOW)
    assert [p["name"] for p in processes] == [*CORE, "cloud-controller-manager"]
    assert processes[-1]["health"] == "healthy"
    assert processes[-1]["evidence"] == [
        "pod kube-system/cloud-controller-manager-x7 Running, 1/1 ready, 0 restarts",
        "no leader lease kube-system/cloud-controller-manager visible",
    ]
    assert processes[-1]["version"] == "v1.33.0"


def test_ha_control_plane_one_process_per_instance_sorted_by_node() -> None:
    nodes = [node("cp2"), node("cp1"), node("cp3")]
    pods = [static(c, n) for n in ("cp3", "cp1", "cp2") for c in CORE]
    leases = [
        lease("kube-scheduler", "kube-system", "cp2_1", NOW - 1),
        lease("kube-controller-manager", "kube-system", "cp3_1", NOW - 1),
    ]
    processes = control_plane_processes(nodes, pods, leases, NOW)
    assert [(p["name"], p["node"]) for p in processes] == [(c, n) for c in CORE for n in ("cp1", "cp2", "cp3")]
    schedulers = [p for p in processes if p["name"] == "kube-scheduler"]
    assert [p["leader"] for p in schedulers] == ["cp2", "cp2", "cp2"]
    assert [p["evidence"][-1] for p in schedulers] == [
        "standby, not the leader",
        "holds the leader lease",
        "standby, not the leader",
    ]
    assert all(p["health"] == "healthy" for p in processes)


def test_pods_outside_kube_system_are_not_control_plane() -> None:
    fake = pod("kube-apiserver-evil", namespace="default", labels={"component": "kube-apiserver"})
    api = by_name(control_plane_processes([], [fake], [], NOW))["kube-apiserver"]
    assert api["pod"] is None and api["health"] == "unknown"


# ---------------------------------------------------------------------------------------------- node agents


def proxy(node_name: str = "w1", **kw: Any) -> PodView:
    return pod(
        f"kube-proxy-{node_name[-1]}x9z",
        node_name=node_name,
        labels={"k8s-app": "kube-proxy"},
        owner={"kind": "DaemonSet", "name": "kube-proxy", "controller": True},
        image="registry.k8s.io/kube-proxy:v1.33.1",
        **kw,
    )


def ds_pod(ds: str, node_name: str = "w1", namespace: str = "kube-system", **kw: Any) -> PodView:
    return pod(
        f"{ds}-{node_name}",
        node_name=node_name,
        namespace=namespace,
        owner={"kind": "DaemonSet", "name": ds, "controller": True},
        image=f"quay.io/{ds}/{ds}:v1.2.3@sha256:abcdef",
        **kw,
    )


def test_node_agents_healthy_node() -> None:
    n = node("w1", cp=False)
    app = pod("web-1", node_name="w1", namespace="default", owner={"kind": "ReplicaSet", "name": "web-1"})
    pods = [ds_pod("kindnet"), app, proxy(), ds_pod("node-exporter", namespace="monitoring")]
    agents = node_agents(n, pods, lease("w1", "kube-node-lease", "w1", NOW - 10, 40), NOW)
    assert [a["name"] for a in agents] == ["kubelet", "container-runtime", "kube-proxy", "kindnet", "node-exporter"]
    assert all(a["health"] == "healthy" and a["node"] == "w1" and a["role"] == "node-agent" for a in agents)
    kubelet, runtime, kp, kindnet, exporter = agents
    assert kubelet["version"] == "v1.33.1"
    assert kubelet["evidence"] == [
        "node Ready: the kubelet reports the node healthy",
        "node lease renewed within its 40s duration",
    ]
    assert runtime["version"] == "containerd 2.1.4"
    assert runtime["evidence"] == [
        "node Ready: the kubelet reports the runtime ready",
        "containers are running on this node",
        "runtime containerd 2.1.4",
    ]
    assert (kp["pod"], kp["version"]) == ("kube-system/kube-proxy-1x9z", "v1.33.1")
    assert kp["evidence"] == ["pod kube-system/kube-proxy-1x9z Running, 1/1 ready, 0 restarts"]
    assert (kindnet["pod"], kindnet["version"]) == ("kube-system/kindnet-w1", "v1.2.3")
    assert exporter["pod"] == "monitoring/node-exporter-w1"


def test_a_kubelet_is_reporting_while_its_lease_is_renewed_within_its_duration() -> None:
    n = node("w1", cp=False)
    assert kubelet_reporting(n, lease("w1", "kube-node-lease", "w1", NOW - 40, 40), NOW) == (True, None)
    assert kubelet_reporting(n, None, NOW) == (True, None)  # no lease: the Ready condition decides


def test_a_kubelet_whose_lease_went_unrenewed_for_its_duration_is_not_reporting_since_its_last_renewal() -> None:
    n = node("w1", cp=False)  # Ready still True: the node lifecycle controller has not noticed yet
    assert kubelet_reporting(n, lease("w1", "kube-node-lease", "w1", NOW - 41, 40), NOW) == (False, NOW - 41)
    assert kubelet_reporting(n, lease("w1", "kube-node-lease", "w1", NOW - 300, 40), NOW) == (False, NOW - 300)


def test_a_node_whose_ready_condition_is_unknown_is_not_reporting_even_without_a_lease() -> None:
    assert kubelet_reporting(node("w1", ready="Unknown", cp=False), None, NOW) == (False, None)


def test_agents_on_a_node_whose_lease_expired_are_unknown_with_the_reason_and_what_was_last_reported() -> None:
    n = node("w1", cp=False)  # the last status the kubelet posted still says Ready
    expired = lease("w1", "kube-node-lease", "w1", NOW - 300, 40)
    agents = by_name(node_agents(n, [proxy(), ds_pod("kindnet")], expired, NOW))
    assert agents["kubelet"]["health"] == "unhealthy"
    assert agents["kubelet"]["evidence"] == [
        "not reporting since 23:55:00 UTC",
        "node lease expired: last renewed 23:55:00 UTC, duration 40s",
        "node Ready: the kubelet reports the node healthy",
    ]
    assert agents["container-runtime"]["health"] == "unknown"
    assert agents["container-runtime"]["evidence"] == [
        "the kubelet is not reporting since 23:55:00 UTC: the runtime cannot be observed",
        "runtime containerd 2.1.4",
    ]
    assert agents["kube-proxy"]["health"] == "unknown"
    assert agents["kube-proxy"]["evidence"] == [
        "the kubelet is not reporting since 23:55:00 UTC: status unknown",
        "last reported: pod kube-system/kube-proxy-1x9z Running, 1/1 ready, 0 restarts",
    ]
    assert agents["kindnet"]["health"] == "unknown"
    assert agents["kindnet"]["evidence"][0] == "the kubelet is not reporting since 23:55:00 UTC: status unknown"


def test_a_crashing_agent_on_a_silent_node_is_unknown_too_its_last_report_kept() -> None:
    cni = ds_pod("calico-node", state="waiting", reason="CrashLoopBackOff", ready=False, restarts=4)
    agents = by_name(node_agents(node("w1", ready="Unknown", cp=False), [cni], None, NOW))
    assert agents["calico-node"]["health"] == "unknown"
    assert agents["calico-node"]["evidence"] == [
        "the kubelet is not reporting (no lease renewal seen): status unknown",
        "last reported: pod kube-system/calico-node-w1 CrashLoopBackOff, 0/1 ready, 4 restarts",
    ]
    assert agents["kubelet"]["evidence"][:2] == [
        "not reporting (no lease renewal seen)",
        "node Ready condition Unknown: the kubelet stopped posting status",
    ]


def test_a_reporting_node_that_is_not_ready_has_a_degraded_kubelet_and_runtime() -> None:
    n = node("w1", ready="False", cp=False)
    agents = by_name(node_agents(n, [], lease("w1", "kube-node-lease", "w1", NOW - 10, 40), NOW))
    assert agents["kubelet"]["health"] == "degraded"
    assert agents["kubelet"]["evidence"][0] == "node NotReady: the kubelet is reporting, but the node is not ready"
    assert agents["container-runtime"]["health"] == "degraded"
    assert agents["container-runtime"]["evidence"][0] == "node NotReady: the runtime may be down"


def test_node_agents_missing_lease_and_kube_proxy() -> None:
    agents = node_agents(node("w1", cp=False), [], None, NOW)
    kubelet, _runtime, kp = agents
    assert kubelet["health"] == "healthy"
    assert kubelet["evidence"][-1] == "no node lease in kube-node-lease"
    assert kp == {
        "name": "kube-proxy",
        "role": "node-agent",
        "health": "unknown",
        "evidence": ["no kube-proxy pod on this node (the cluster may use a CNI that replaces it)"],
        "version": "",
        "node": "w1",
        "pod": None,
    }


def test_runtime_degraded_when_containers_fail_to_start() -> None:
    bad = pod("web-2", node_name="w1", namespace="default", state="waiting", reason="RunContainerError", ready=False)
    runtime = by_name(node_agents(node("w1", cp=False), [bad], None, NOW))["container-runtime"]
    assert runtime["health"] == "degraded"
    assert runtime["evidence"][0] == "containers fail to start: RunContainerError"


def test_unhealthy_daemonset_agent() -> None:
    cni = ds_pod("calico-node", state="waiting", reason="CrashLoopBackOff", ready=False, restarts=4)
    kp = proxy(ready=False)
    agents = by_name(node_agents(node("w1", cp=False), [cni, kp], None, NOW))
    assert agents["calico-node"]["health"] == "unhealthy"
    assert agents["calico-node"]["evidence"] == [
        "pod kube-system/calico-node-w1 CrashLoopBackOff, 0/1 ready, 4 restarts"
    ]
    assert agents["kube-proxy"]["health"] == "degraded"


def test_node_agents_order_is_deterministic() -> None:
    pods = [ds_pod("zeta"), ds_pod("alpha"), proxy(), ds_pod("mid")]
    first = node_agents(node("w1", cp=False), pods, None, NOW)
    second = node_agents(node("w1", cp=False), list(reversed(pods)), None, NOW)
    assert first == second
    assert [a["name"] for a in first] == ["kubelet", "container-runtime", "kube-proxy", "alpha", "mid", "zeta"]
