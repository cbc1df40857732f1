from __future__ import annotations

import copy
from typing import Any

import orjson
import pytest

from clusterviz.mapping import (
    MAX_CONTAINERS,
    MAX_LABEL_KEY,
    MAX_LABEL_VALUE,
    MAX_LABELS,
    MAX_NAME,
    map_lease,
    map_node,
    map_pod,
    parse_time,
    pod_failing,
    pod_status_class,
)

T0 = "2026-01-01T00:00:00Z"
EPOCH_T0 = 1_767_225_600.0


class Resolver:
    def __init__(self, deployments: dict[tuple[str, str], str] | None = None) -> None:
        self.deployments = deployments or {}
        self.calls: list[tuple[str, str]] = []

    def deployment_of(self, namespace: str, replicaset: str) -> str | None:
        self.calls.append((namespace, replicaset))
        return self.deployments.get((namespace, replicaset))


NO_OWNERS = Resolver()


# ---------------------------------------------------------------------------------------------- builders


def running(name: str = "app", ready: bool = True, restarts: int = 0, started: bool | None = None) -> dict[str, Any]:
    cs: dict[str, Any] = {
        "name": name,
        "image": f"registry.example/{name}:1.0",
        "imageID": f"registry.example/{name}@sha256:0123",
        "containerID": "containerd://abc",
        "ready": ready,
        "restartCount": restarts,
        "state": {"running": {"startedAt": T0}},
        "lastState": {},
    }
    if started is not None:
        cs["started"] = started
    return cs


def waiting(name: str = "app", reason: str = "ContainerCreating", restarts: int = 0) -> dict[str, Any]:
    return {
        "name": name,
        "image": f"registry.example/{name}:1.0",
        "imageID": "",
        "ready": False,
        "started": False,
        "restartCount": restarts,
        "state": {"waiting": {"reason": reason, "message": "back-off 5m0s restarting failed container"}},
        "lastState": {},
    }


def terminated(
    name: str = "app",
    reason: str | None = "Completed",
    exit_code: int = 0,
    signal: int | None = None,
    restarts: int = 0,
) -> dict[str, Any]:
    term: dict[str, Any] = {"exitCode": exit_code, "startedAt": T0, "finishedAt": T0, "containerID": "containerd://x"}
    if reason is not None:
        term["reason"] = reason
    if signal is not None:
        term["signal"] = signal
    return {
        "name": name,
        "image": f"registry.example/{name}:1.0",
        "imageID": "",
        "ready": False,
        "started": False,
        "restartCount": restarts,
        "state": {"terminated": term},
        "lastState": {},
    }


def container(name: str = "app", **resources: dict[str, str]) -> dict[str, Any]:
    return {
        "name": name,
        "image": f"registry.example/{name}:1.0",
        "imagePullPolicy": "IfNotPresent",
        "resources": dict(resources),
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    }


def cond(kind: str, status: str, reason: str | None = None, message: str | None = None) -> dict[str, Any]:
    c: dict[str, Any] = {"type": kind, "status": status, "lastProbeTime": None, "lastTransitionTime": T0}
    if reason:
        c["reason"] = reason
    if message:
        c["message"] = message
    return c


RUNNING_CONDITIONS = [
    cond("PodReadyToStartContainers", "True"),
    cond("Initialized", "True"),
    cond("Ready", "True"),
    cond("ContainersReady", "True"),
    cond("PodScheduled", "True"),
]


def make_pod(
    *,
    name: str = "web-7d9c6b5f4-abcde",
    namespace: str = "default",
    node: str | None = "worker-1",
    phase: str | None = "Running",
    containers: list[dict[str, Any]] | None = None,
    init_containers: list[dict[str, Any]] | None = None,
    statuses: list[dict[str, Any]] | None = None,
    init_statuses: list[dict[str, Any]] | None = None,
    conditions: list[dict[str, Any]] | None = None,
    reason: str | None = None,
    message: str | None = None,
    deleting: bool = False,
    owner_refs: list[dict[str, Any]] | None = None,
    qos: str | None = "BestEffort",
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "name": name,
        "namespace": namespace,
        "uid": "4b2e2c1a-0000-4000-8000-000000000001",
        "resourceVersion": "12345",
        "creationTimestamp": T0,
        "labels": {"app": "web", "pod-template-hash": "7d9c6b5f4"},
        "ownerReferences": owner_refs
        if owner_refs is not None
        else [
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "name": "web-7d9c6b5f4",
                "uid": "1",
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ],
    }
    if deleting:
        meta["deletionTimestamp"] = "2026-01-01T00:05:00Z"
        meta["deletionGracePeriodSeconds"] = 30
    spec: dict[str, Any] = {
        "containers": containers if containers is not None else [container("app")],
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
        "serviceAccountName": "default",
        "volumes": [],
    }
    if node is not None:
        spec["nodeName"] = node
    if init_containers is not None:
        spec["initContainers"] = init_containers
    status: dict[str, Any] = {}
    if phase is not None:
        status["phase"] = phase
    if conditions is not None:
        status["conditions"] = conditions
    if statuses is not None:
        status["containerStatuses"] = statuses
    if init_statuses is not None:
        status["initContainerStatuses"] = init_statuses
    if reason is not None:
        status["reason"] = reason
    if message is not None:
        status["message"] = message
    if qos is not None:
        status["qosClass"] = qos
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": status}


TWO = [container("app"), container("sidecar")]
INIT = [container("init-db")]
SIDECAR = [{**container("istio-proxy"), "restartPolicy": "Always"}]
INIT_PENDING = [
    cond("Initialized", "False", "ContainersNotInitialized"),
    cond("Ready", "False"),
    cond("PodScheduled", "True"),
]

# (id, pod, status, statusClass, ready, total, restarts)
CASES: list[tuple[str, dict[str, Any], str, str, int, int, int]] = [
    (
        "pending-unscheduled",
        make_pod(
            node=None,
            phase="Pending",
            conditions=[cond("PodScheduled", "False", "Unschedulable", "0/3 nodes are available: 3 Insufficient cpu.")],
        ),
        "Pending",
        "pending",
        0,
        1,
        0,
    ),
    (
        "container-creating",
        make_pod(phase="Pending", statuses=[waiting("app", "ContainerCreating")]),
        "ContainerCreating",
        "pending",
        0,
        1,
        0,
    ),
    ("running", make_pod(statuses=[running("app")], conditions=RUNNING_CONDITIONS), "Running", "running", 1, 1, 0),
    (
        "running-1-of-2-ready",
        make_pod(containers=TWO, statuses=[running("app"), running("sidecar", ready=False)]),
        "Running",
        "pending",
        1,
        2,
        0,
    ),
    (
        "crashloop",
        make_pod(statuses=[waiting("app", "CrashLoopBackOff", restarts=5)]),
        "CrashLoopBackOff",
        "failed",
        0,
        1,
        5,
    ),
    (
        "crashloop-second-container",
        make_pod(containers=TWO, statuses=[running("app", restarts=1), waiting("sidecar", "CrashLoopBackOff", 7)]),
        "CrashLoopBackOff",
        "failed",
        1,
        2,
        8,
    ),
    (
        "image-pull-backoff",
        make_pod(phase="Pending", statuses=[waiting("app", "ImagePullBackOff")]),
        "ImagePullBackOff",
        "failed",
        0,
        1,
        0,
    ),
    (
        "err-image-pull",
        make_pod(phase="Pending", statuses=[waiting("app", "ErrImagePull")]),
        "ErrImagePull",
        "failed",
        0,
        1,
        0,
    ),
    (
        "create-container-config-error",
        make_pod(phase="Pending", statuses=[waiting("app", "CreateContainerConfigError")]),
        "CreateContainerConfigError",
        "failed",
        0,
        1,
        0,
    ),
    (
        "completed",
        make_pod(phase="Succeeded", statuses=[terminated("app", "Completed", 0)]),
        "Completed",
        "succeeded",
        0,
        1,
        0,
    ),
    ("error", make_pod(phase="Failed", statuses=[terminated("app", "Error", 1)]), "Error", "failed", 0, 1, 0),
    (
        "oomkilled",
        make_pod(statuses=[terminated("app", "OOMKilled", 137, restarts=2)]),
        "OOMKilled",
        "failed",
        0,
        1,
        2,
    ),
    ("exit-code", make_pod(phase="Failed", statuses=[terminated("app", None, 3)]), "ExitCode:3", "failed", 0, 1, 0),
    ("signal", make_pod(phase="Failed", statuses=[terminated("app", None, 137, 9)]), "Signal:9", "failed", 0, 1, 0),
    (
        "terminating",
        make_pod(statuses=[running("app")], conditions=RUNNING_CONDITIONS, deleting=True),
        "Terminating",
        "terminating",
        1,
        1,
        0,
    ),
    (
        "terminating-but-terminal-phase-keeps-status",
        make_pod(phase="Succeeded", statuses=[terminated("app", "Completed", 0)], deleting=True),
        "Completed",
        "succeeded",
        0,
        1,
        0,
    ),
    (
        "unknown-node-lost",
        make_pod(statuses=[running("app")], reason="NodeLost", deleting=True),
        "Unknown",
        "unknown",
        1,
        1,
        0,
    ),
    (
        "init-0-of-1",
        make_pod(
            phase="Pending",
            init_containers=INIT,
            init_statuses=[running("init-db", ready=False)],
            statuses=[waiting("app", "PodInitializing")],
            conditions=INIT_PENDING,
        ),
        "Init:0/1",
        "pending",
        0,
        1,
        0,
    ),
    (
        "init-1-of-2",
        make_pod(
            phase="Pending",
            init_containers=[container("a"), container("b")],
            init_statuses=[terminated("a", "Completed", 0), waiting("b", "PodInitializing")],
            statuses=[waiting("app", "PodInitializing")],
            conditions=INIT_PENDING,
        ),
        "Init:1/2",
        "pending",
        0,
        1,
        0,
    ),
    (
        "init-crashloop",
        make_pod(
            phase="Pending",
            init_containers=INIT,
            init_statuses=[waiting("init-db", "CrashLoopBackOff", restarts=3)],
            statuses=[waiting("app", "PodInitializing")],
            conditions=INIT_PENDING,
        ),
        "Init:CrashLoopBackOff",
        "failed",
        0,
        1,
        3,
    ),
    (
        "init-error",
        make_pod(
            phase="Pending",
            init_containers=INIT,
            init_statuses=[terminated("init-db", "Error", 1, restarts=1)],
            statuses=[waiting("app", "PodInitializing")],
            conditions=INIT_PENDING,
        ),
        "Init:Error",
        "failed",
        0,
        1,
        1,
    ),
    (
        "init-exit-code",
        make_pod(
            phase="Failed",
            init_containers=INIT,
            init_statuses=[terminated("init-db", None, 2)],
            statuses=[waiting("app", "PodInitializing")],
            conditions=INIT_PENDING,
        ),
        "Init:ExitCode:2",
        "failed",
        0,
        1,
        0,
    ),
    (
        "init-signal",
        make_pod(
            phase="Pending",
            init_containers=INIT,
            init_statuses=[terminated("init-db", None, 137, 9)],
            statuses=[waiting("app", "PodInitializing")],
            conditions=INIT_PENDING,
        ),
        "Init:Signal:9",
        "failed",
        0,
        1,
        0,
    ),
    (
        "sidecar-running-counts-in-ready-total-and-restarts",
        make_pod(
            init_containers=SIDECAR,
            init_statuses=[running("istio-proxy", ready=True, restarts=1, started=True)],
            statuses=[running("app", restarts=2)],
            conditions=RUNNING_CONDITIONS,
        ),
        "Running",
        "running",
        2,
        2,
        3,
    ),
    (
        "sidecar-started-not-ready",
        make_pod(
            init_containers=SIDECAR,
            init_statuses=[running("istio-proxy", ready=False, started=True)],
            statuses=[running("app")],
            conditions=RUNNING_CONDITIONS,
        ),
        "Running",
        "pending",
        1,
        2,
        0,
    ),
    (
        "sidecar-not-started-holds-init",
        make_pod(
            phase="Pending",
            init_containers=[*SIDECAR, container("migrate")],
            init_statuses=[running("istio-proxy", ready=False, started=False), waiting("migrate", "PodInitializing")],
            statuses=[waiting("app", "PodInitializing")],
            conditions=INIT_PENDING,
        ),
        "Init:0/2",
        "pending",
        0,
        2,
        0,
    ),
    (
        "sidecar-started-then-init-runs",
        make_pod(
            phase="Pending",
            init_containers=[*SIDECAR, container("migrate")],
            init_statuses=[running("istio-proxy", ready=True, started=True), running("migrate", ready=False)],
            statuses=[waiting("app", "PodInitializing")],
            conditions=INIT_PENDING,
        ),
        "Init:1/2",
        "pending",
        1,
        2,
        0,
    ),
    (
        "evicted",
        make_pod(phase="Failed", reason="Evicted", message="The node was low on resource: memory."),
        "Evicted",
        "failed",
        0,
        1,
        0,
    ),
    (
        "not-ready-completed-beside-running",
        make_pod(
            containers=TWO,
            statuses=[terminated("app", "Completed", 0), running("sidecar")],
            conditions=[cond("Initialized", "True"), cond("Ready", "False"), cond("PodScheduled", "True")],
        ),
        "NotReady",
        "pending",
        1,
        2,
        0,
    ),
    (
        "completed-beside-running-and-ready",
        make_pod(
            containers=TWO,
            statuses=[terminated("app", "Completed", 0), running("sidecar")],
            conditions=[cond("Initialized", "True"), cond("Ready", "True"), cond("PodScheduled", "True")],
        ),
        "Running",
        "pending",
        1,
        2,
        0,
    ),
    (
        "scheduling-gated",
        make_pod(
            node=None,
            phase="Pending",
            conditions=[
                cond(
                    "PodScheduled",
                    "False",
                    "SchedulingGated",
                    "Scheduling is blocked due to non-empty scheduling gates",
                )
            ],
        ),
        "SchedulingGated",
        "pending",
        0,
        1,
        0,
    ),
    ("no-status-at-all", {**make_pod(), "status": None}, "Pending", "pending", 0, 1, 0),
]


@pytest.mark.parametrize(
    ("pod", "status", "status_class", "ready", "total", "restarts"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_kubectl_display_status(
    pod: dict[str, Any], status: str, status_class: str, ready: int, total: int, restarts: int
) -> None:
    view = map_pod(pod, NO_OWNERS)
    assert (view["status"], view["statusClass"]) == (status, status_class)
    assert (view["readyContainers"], view["totalContainers"], view["restarts"]) == (ready, total, restarts)


def test_pending_pod_carries_scheduler_message_and_no_node() -> None:
    view = map_pod(CASES[0][1], NO_OWNERS)
    assert view["node"] is None
    assert view["message"] == "0/3 nodes are available: 3 Insufficient cpu."
    assert [c["state"] for c in view["containers"]] == ["waiting"]


def test_evicted_pod_message_from_status() -> None:
    view = map_pod(
        make_pod(phase="Failed", reason="Evicted", message="The node was low on resource: memory."), NO_OWNERS
    )
    assert view["message"] == "The node was low on resource: memory."


@pytest.mark.parametrize(
    ("status", "phase", "ready", "total", "expected"),
    [
        ("Running", "Running", 2, 2, "running"),
        ("Running", "Running", 1, 2, "pending"),
        ("NotReady", "Running", 1, 2, "pending"),
        ("Init:2/3", "Pending", 0, 1, "pending"),
        ("Init:ContainerCreating", "Pending", 0, 1, "pending"),
        ("Init:OOMKilled", "Pending", 0, 1, "failed"),
        ("Init:ExitCode:1", "Pending", 0, 1, "failed"),
        ("Signal:15", "Failed", 0, 1, "failed"),
        ("Completed", "Failed", 0, 2, "failed"),
        ("Succeeded", "Succeeded", 0, 1, "succeeded"),
        ("PodInitializing", "Pending", 0, 1, "pending"),
        ("OutOfcpu", "Failed", 0, 1, "failed"),
        ("SomeNewReason", "Failed", 0, 1, "failed"),
        ("SomeNewReason", "Pending", 0, 1, "pending"),
        ("SomeNewReason", "Running", 1, 1, "running"),
        ("SomeNewReason", "Running", 0, 1, "pending"),
        ("", "", 0, 0, "unknown"),
    ],
)
def test_status_class(status: str, phase: str, ready: int, total: int, expected: str) -> None:
    assert pod_status_class(status, phase, ready, total) == expected


def test_container_views_include_init_first_with_state_and_reason() -> None:
    pod = make_pod(
        init_containers=[container("init-db"), *SIDECAR],
        init_statuses=[terminated("init-db", "Completed", 0), running("istio-proxy", started=True, restarts=1)],
        containers=TWO,
        statuses=[running("app"), waiting("sidecar", "CrashLoopBackOff", 4)],
    )
    views = map_pod(pod, NO_OWNERS)["containers"]
    assert [(c["name"], c["init"], c["state"], c["reason"], c["restarts"], c["ready"]) for c in views] == [
        ("init-db", True, "terminated", "Completed", 0, False),
        ("istio-proxy", True, "running", "", 1, True),
        ("app", False, "running", "", 0, True),
        ("sidecar", False, "waiting", "CrashLoopBackOff", 4, False),
    ]
    assert views[2]["image"] == "registry.example/app:1.0"


def test_terminated_container_without_reason_shows_exit_code() -> None:
    view = map_pod(make_pod(phase="Failed", statuses=[terminated("app", None, 2)]), NO_OWNERS)
    assert view["containers"][0]["reason"] == "ExitCode:2"


# ---------------------------------------------------------------------------------------------- QoS


def _qos(*containers: dict[str, Any], inits: list[dict[str, Any]] | None = None) -> str:
    return map_pod(make_pod(containers=list(containers), init_containers=inits, qos=None), NO_OWNERS)["qosClass"]


@pytest.mark.parametrize(
    ("status", "status_class", "failing"),
    [
        ("CrashLoopBackOff", "failed", True),
        ("ImagePullBackOff", "pending", True),  # the words name a failure whatever the class
        ("CreateContainerConfigError", "pending", True),
        ("Init:Error", "failed", True),
        ("ExitCode:1", "failed", True),
        ("Running", "running", False),
        ("Completed", "succeeded", False),
        ("ContainerCreating", "pending", False),
        ("Terminating", "terminating", False),
    ],
)
def test_failing_is_decided_here_and_travels_with_the_pod(status: str, status_class: str, failing: bool) -> None:
    assert pod_failing(status, status_class) is failing


def test_a_mapped_pod_says_whether_it_is_failing() -> None:
    crashing = map_pod(
        {
            "metadata": {"name": "a", "namespace": "ns", "uid": "u"},
            "spec": {"nodeName": "n", "containers": [{"name": "c"}]},
            "status": {
                "phase": "Running",
                "containerStatuses": [
                    {
                        "name": "c",
                        "ready": False,
                        "restartCount": 3,
                        "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                    }
                ],
            },
        },
        NO_OWNERS,
    )
    assert (crashing["status"], crashing["failing"]) == ("CrashLoopBackOff", True)


def test_qos_from_status_wins() -> None:
    pod = make_pod(containers=[container("a", requests={"cpu": "1"})], qos="Guaranteed")
    assert map_pod(pod, NO_OWNERS)["qosClass"] == "Guaranteed"


def test_qos_computed_when_status_lacks_it() -> None:
    full = {"cpu": "500m", "memory": "256Mi"}
    assert _qos(container("a")) == "BestEffort"
    assert _qos(container("a", requests={"cpu": "100m"})) == "Burstable"
    assert _qos(container("a", requests=full, limits=full)) == "Guaranteed"
    assert _qos(container("a", limits=full)) == "Guaranteed"  # requests default to limits
    assert _qos(container("a", requests={"cpu": "0.5", "memory": "256Mi"}, limits=full)) == "Guaranteed"
    assert _qos(container("a", requests={"cpu": "100m", "memory": "256Mi"}, limits=full)) == "Burstable"
    assert _qos(container("a", limits={"cpu": "1"})) == "Burstable"
    assert _qos(container("a", requests=full, limits=full), container("b")) == "Burstable"
    assert (
        _qos(container("a", requests=full, limits=full), inits=[container("i", requests={"cpu": "1"})]) == "Burstable"
    )
    assert _qos(container("a", requests={"ephemeral-storage": "1Gi"})) == "BestEffort"  # only cpu and memory count
    assert _qos(container("a", requests={"cpu": "0"})) == "BestEffort"  # zero is no request


# ---------------------------------------------------------------------------------------------- requests


def test_requests_sum_regular_containers() -> None:
    pod = make_pod(
        containers=[
            container("a", requests={"cpu": "250m", "memory": "128Mi"}),
            container("b", requests={"cpu": "0.5", "memory": "1Gi"}),
            container("c"),
        ]
    )
    assert map_pod(pod, NO_OWNERS)["requests"] == {"cpu": 750, "memory": (128 + 1024) * 2**20, "pods": 1}


def test_requests_take_the_larger_init_container() -> None:
    pod = make_pod(
        containers=[container("a", requests={"cpu": "100m", "memory": "64Mi"})],
        init_containers=[container("migrate", requests={"cpu": "2", "memory": "32Mi"})],
    )
    assert map_pod(pod, NO_OWNERS)["requests"] == {"cpu": 2000, "memory": 64 * 2**20, "pods": 1}


def test_requests_count_sidecars_alongside_everything_after_them() -> None:
    pod = make_pod(
        containers=[container("a", requests={"cpu": "100m"})],
        init_containers=[
            {**container("proxy", requests={"cpu": "200m"}), "restartPolicy": "Always"},
            container("migrate", requests={"cpu": "1"}),
        ],
    )
    # max(regular 100 + sidecar 200, migrate 1000 + sidecar 200) = 1200
    assert map_pod(pod, NO_OWNERS)["requests"]["cpu"] == 1200


def test_requests_add_overhead_and_ignore_bad_quantities() -> None:
    pod = make_pod(containers=[container("a", requests={"cpu": "lots", "memory": "1Gi"})])
    pod["spec"]["overhead"] = {"cpu": "250m", "memory": "120Mi"}
    assert map_pod(pod, NO_OWNERS)["requests"] == {"cpu": 250, "memory": (1024 + 120) * 2**20, "pods": 1}


# ---------------------------------------------------------------------------------------------- owners


def test_owner_replicaset_resolves_to_deployment() -> None:
    resolver = Resolver({("default", "web-7d9c6b5f4"): "web"})
    assert map_pod(make_pod(), resolver)["owner"] == {"kind": "Deployment", "name": "web"}
    assert resolver.calls == [("default", "web-7d9c6b5f4")]


def test_owner_replicaset_without_deployment_stays_replicaset() -> None:
    assert map_pod(make_pod(), Resolver())["owner"] == {"kind": "ReplicaSet", "name": "web-7d9c6b5f4"}


def test_owner_resolver_failure_does_not_break_mapping() -> None:
    class Broken:
        def deployment_of(self, namespace: str, replicaset: str) -> str | None:
            raise RuntimeError("store not ready")

    assert map_pod(make_pod(), Broken())["owner"] == {"kind": "ReplicaSet", "name": "web-7d9c6b5f4"}


def test_owner_prefers_the_controller_reference() -> None:
    refs: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "ConfigMap", "name": "not-a-controller", "uid": "9"},
        {"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "cilium", "uid": "2", "controller": True},
    ]
    assert map_pod(make_pod(owner_refs=refs), NO_OWNERS)["owner"] == {"kind": "DaemonSet", "name": "cilium"}


def test_owner_of_static_pod_is_its_node() -> None:
    refs = [{"apiVersion": "v1", "kind": "Node", "name": "cp1", "uid": "3", "controller": True}]
    pod = make_pod(name="kube-apiserver-cp1", namespace="kube-system", node="cp1", owner_refs=refs)
    assert map_pod(pod, NO_OWNERS)["owner"] == {"kind": "Node", "name": "cp1"}
    legacy = make_pod(name="etcd-cp1", namespace="kube-system", node="cp1", owner_refs=[])
    legacy["metadata"]["annotations"] = {"kubernetes.io/config.mirror": "abc", "kubernetes.io/config.source": "file"}
    assert map_pod(legacy, NO_OWNERS)["owner"] == {"kind": "Node", "name": "cp1"}


def test_no_owner() -> None:
    assert map_pod(make_pod(owner_refs=[]), NO_OWNERS)["owner"] is None


# ---------------------------------------------------------------------------------------------- volumes, labels, time


def test_volume_kinds() -> None:
    pod = make_pod()
    pod["spec"]["volumes"] = [
        {"name": "config", "configMap": {"name": "web-config", "defaultMode": 420}},
        {"name": "creds", "secret": {"secretName": "db-password", "defaultMode": 420}},
        {"name": "scratch", "emptyDir": {}},
        {"name": "data", "persistentVolumeClaim": {"claimName": "data-web-0"}},
        {"name": "logs", "hostPath": {"path": "/var/log", "type": "Directory"}},
        {"name": "kube-api-access-x7k2p", "projected": {"sources": [{"serviceAccountToken": {"path": "token"}}]}},
        {"name": "csi-vol", "csi": {"driver": "secrets-store.csi.k8s.io"}},
        {"name": "weird"},
    ]
    assert map_pod(pod, NO_OWNERS)["volumes"] == [
        {"name": "config", "kind": "configMap"},
        {"name": "creds", "kind": "secret"},
        {"name": "scratch", "kind": "emptyDir"},
        {"name": "data", "kind": "persistentVolumeClaim", "claim": "data-web-0"},  # the panel links it
        {"name": "logs", "kind": "hostPath"},
        {"name": "kube-api-access-x7k2p", "kind": "projected"},
        {"name": "csi-vol", "kind": "csi"},
        {"name": "weird", "kind": ""},
    ]


def test_basic_fields() -> None:
    view = map_pod(make_pod(statuses=[running("app")]), NO_OWNERS)
    assert view["uid"] == "4b2e2c1a-0000-4000-8000-000000000001"
    assert (view["namespace"], view["name"], view["node"], view["phase"]) == (
        "default",
        "web-7d9c6b5f4-abcde",
        "worker-1",
        "Running",
    )
    assert view["labels"] == {"app": "web", "pod-template-hash": "7d9c6b5f4"}
    assert view["createdAt"] == EPOCH_T0
    assert view["qosClass"] == "BestEffort"
    assert view["message"] == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-01T00:00:00Z", EPOCH_T0),
        ("2026-01-01T00:00:00.250000Z", EPOCH_T0 + 0.25),
        ("2026-01-01T00:00:01.5Z", EPOCH_T0 + 1.5),
        ("2026-01-01T01:00:00+01:00", EPOCH_T0),
        ("2026-01-01T00:00:00", EPOCH_T0),
        ("yesterday", None),
        ("", None),
        (None, None),
        (12, None),
    ],
)
def test_parse_time(text: object, expected: float | None) -> None:
    assert parse_time(text) == expected


# ---------------------------------------------------------------------------------------------- safety


def test_secrets_never_reach_the_view() -> None:
    app = container("app", requests={"cpu": "100m"})
    app["env"] = [
        {"name": "DB_PASSWORD", "value": "s3cr3t-value"},
        {"name": "API_KEY", "valueFrom": {"secretKeyRef": {"name": "api-secret-ref", "key": "api-key-field"}}},
    ]
    app["envFrom"] = [{"secretRef": {"name": "bulk-secret-ref"}}]
    app["command"] = ["/bin/server"]
    app["args"] = ["--token=tkn-9f8e7d6c5b4a", "--verbose"]
    pod = make_pod(containers=[app], statuses=[running("app")])
    pod["metadata"]["annotations"] = {
        "kubectl.kubernetes.io/last-applied-configuration": '{"spec":{"env":"last-applied-blob"}}',
        "vault.hashicorp.com/agent-inject-secret-db": "annotation-secret-path",
    }
    pod["metadata"]["managedFields"] = [{"manager": "kubectl-client-side-apply", "fieldsV1": {"f:managed-field-x": {}}}]
    pod["spec"]["volumes"] = [{"name": "creds", "secret": {"secretName": "volume-secret-name"}}]
    dump = orjson.dumps(map_pod(pod, NO_OWNERS)).decode()
    for forbidden in (
        "s3cr3t-value",
        "DB_PASSWORD",
        "api-secret-ref",
        "api-key-field",
        "bulk-secret-ref",
        "tkn-9f8e7d6c5b4a",
        "--token",
        "/bin/server",
        "last-applied",
        "annotation-secret-path",
        "kubectl-client-side-apply",
        "managed-field-x",
        "volume-secret-name",
    ):
        assert forbidden not in dump, forbidden
    assert '"name":"app"' in dump  # the view itself is there


def test_hostile_strings_and_collections_are_capped() -> None:
    pod = make_pod(name="p" * 100_000, namespace="n" * 10_000, node="w" * 10_000)
    pod["metadata"]["labels"] = {f"key-{i}": "v" * 10_000 for i in range(5_000)}
    pod["metadata"]["labels"]["k" * 10_000] = "x"
    pod["spec"]["containers"] = [container(f"c{i}") for i in range(10_000)]
    pod["spec"]["containers"][0]["image"] = "i" * 1_000_000
    pod["spec"]["volumes"] = [{"name": "v" * 10_000, "emptyDir": {}} for _ in range(10_000)]
    pod["status"]["message"] = "m" * 1_000_000
    pod["status"]["reason"] = "R" * 100_000
    view = map_pod(pod, NO_OWNERS)
    assert len(view["name"]) == MAX_NAME and view["name"].endswith("…")
    assert len(view["namespace"]) == MAX_NAME and len(view["node"] or "") == MAX_NAME
    assert len(view["labels"]) == MAX_LABELS
    assert all(len(v) == MAX_LABEL_VALUE and v.endswith("…") for v in view["labels"].values())
    assert len(view["containers"]) == MAX_CONTAINERS
    assert view["totalContainers"] == 10_000  # counts still cover every container
    assert len(view["volumes"]) <= 128
    assert len(orjson.dumps(view)) < 200_000


def test_hostile_label_key_is_capped() -> None:
    pod = make_pod()
    pod["metadata"]["labels"] = {"k" * 10_000: "x", "ok": 5, 7: "int-key"}
    labels = map_pod(pod, NO_OWNERS)["labels"]
    assert list(labels.values()) == ["x"]
    (key,) = labels
    assert len(key) == MAX_LABEL_KEY and key.endswith("…")


@pytest.mark.parametrize(
    "raw",
    [
        {},
        {"metadata": None, "spec": None, "status": None},
        {"metadata": "x", "spec": [], "status": 5},
        {"metadata": {"name": 5, "labels": [1, 2], "ownerReferences": "x"}, "spec": {"containers": "abc"}},
        {"spec": {"containers": [None, 1, {"name": None, "resources": {"requests": {"cpu": 5, "memory": [1]}}}]}},
        {"spec": {"initContainers": [{"restartPolicy": "Always"}], "volumes": [1, {"name": 1, 2: 3}]}},
        {
            "status": {
                "conditions": [None, {"type": "Ready"}],
                "containerStatuses": [
                    None,
                    {"state": None},
                    {"state": {"waiting": None, "terminated": {"exitCode": "x"}}},
                ],
                "initContainerStatuses": [{"state": {"waiting": {"reason": 5}}}, 3],
                "phase": 7,
                "reason": ["x"],
            }
        },
        {"metadata": {"deletionTimestamp": "soon", "creationTimestamp": "nope"}},
    ],
)
def test_odd_pods_never_raise(raw: dict[str, Any]) -> None:
    view = map_pod(raw, NO_OWNERS)
    orjson.dumps(view)
    assert view["requests"]["pods"] == 1


def test_mapping_does_not_mutate_the_object() -> None:
    pod = make_pod(statuses=[running("app")])
    before = copy.deepcopy(pod)
    map_pod(pod, NO_OWNERS)
    assert pod == before


def test_not_even_a_dict_still_maps() -> None:
    view = map_pod(None, NO_OWNERS)  # type: ignore[arg-type]
    assert view["status"] == "Unknown" and view["statusClass"] == "unknown"


# ---------------------------------------------------------------------------------------------- nodes


def make_node(name: str = "worker-1", labels: dict[str, str] | None = None, **status: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "uid": "n-1",
            "creationTimestamp": "2026-01-01T00:00:00.500000Z",
            "labels": labels
            if labels is not None
            else {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"},
            "annotations": {
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
        },
        "spec": {"podCIDR": "10.244.1.0/24", "providerID": "kind://docker/kind/worker-1"},
        "status": {
            "allocatable": {"cpu": "3920m", "memory": "16000Mi", "pods": "110", "ephemeral-storage": "95Gi"},
            "capacity": {"cpu": "4", "memory": "16384Mi", "pods": "110"},
            "conditions": [
                cond("MemoryPressure", "False", "KubeletHasSufficientMemory"),
                cond("DiskPressure", "False", "KubeletHasNoDiskPressure"),
                cond("PIDPressure", "False", "KubeletHasSufficientPID"),
                cond("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
            ],
            "nodeInfo": {
                "kubeletVersion": "v1.33.1",
                "containerRuntimeVersion": "containerd://2.1.4",
                "osImage": "Debian GNU/Linux 12 (bookworm)",
                "architecture": "amd64",
                "kernelVersion": "6.8.0",
            },
            **status,
        },
    }


def test_map_node_worker() -> None:
    view = map_node(make_node())
    assert view["name"] == "worker-1"
    assert view["roles"] == [] and view["controlPlane"] is False
    assert view["ready"] == "True"
    assert view["conditions"] == {"MemoryPressure": "False", "DiskPressure": "False", "PIDPressure": "False"}
    assert view["unschedulable"] is False and view["taints"] == []
    assert view["kubeletVersion"] == "v1.33.1"
    assert view["containerRuntime"] == "containerd://2.1.4"
    assert view["osImage"] == "Debian GNU/Linux 12 (bookworm)" and view["architecture"] == "amd64"
    assert view["allocatable"] == {"cpu": 3920, "memory": 16000 * 2**20, "pods": 110}
    assert view["requested"] == {"cpu": 0, "memory": 0, "pods": 0} and view["agents"] == []
    assert view["createdAt"] == EPOCH_T0 + 0.5
    assert "node.alpha.kubernetes.io/ttl" not in orjson.dumps(view).decode()


def test_map_node_control_plane_roles_and_taints() -> None:
    raw = make_node(
        "cp1",
        labels={
            "node-role.kubernetes.io/control-plane": "",
            "node-role.kubernetes.io/etcd": "",
            "node-role.kubernetes.io/ingress": "true",
        },
    )
    raw["spec"]["taints"] = [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]
    raw["spec"]["unschedulable"] = True
    view = map_node(raw)
    assert view["roles"] == ["control-plane", "etcd", "ingress"]
    assert view["controlPlane"] is True
    assert view["unschedulable"] is True
    assert view["taints"] == [{"key": "node-role.kubernetes.io/control-plane", "value": "", "effect": "NoSchedule"}]


@pytest.mark.parametrize(
    ("labels", "roles", "control_plane"),
    [
        ({"node-role.kubernetes.io/master": ""}, ["master"], True),
        ({"kubernetes.io/role": "master"}, ["master"], True),
        ({"kubernetes.io/role": "worker"}, ["worker"], False),
        ({"node-role.kubernetes.io/": "", "node-role.kubernetes.io/gpu": ""}, ["gpu"], False),
        (
            {"node-role.kubernetes.io/worker": "", "node-role.kubernetes.io/control-plane": ""},
            ["control-plane", "worker"],
            True,
        ),
    ],
)
def test_node_roles(labels: dict[str, str], roles: list[str], control_plane: bool) -> None:
    view = map_node(make_node(labels=labels))
    assert view["roles"] == roles and view["controlPlane"] is control_plane


def test_map_node_not_ready_and_pressure() -> None:
    raw = make_node(
        conditions=[
            cond("Ready", "Unknown", "NodeStatusUnknown"),
            cond("MemoryPressure", "True"),
            cond("NetworkUnavailable", "False"),
            cond("Bogus", "True"),
        ]
    )
    view = map_node(raw)
    assert view["ready"] == "Unknown"
    assert view["conditions"] == {"MemoryPressure": "True", "NetworkUnavailable": "False"}


def test_map_node_without_status_or_with_bad_quantities() -> None:
    view = map_node({"metadata": {"name": "bare"}})
    assert view["name"] == "bare" and view["ready"] == "Unknown"
    assert view["allocatable"] == {"cpu": 0, "memory": 0, "pods": 0}
    assert view["createdAt"] == 0.0
    bad = map_node(make_node(allocatable={"cpu": "four", "memory": None, "pods": 110}))
    assert bad["allocatable"] == {"cpu": 0, "memory": 0, "pods": 110}
    map_node({"metadata": 1, "spec": {"taints": [None, {"key": 3}]}, "status": {"conditions": "x"}})


# ---------------------------------------------------------------------------------------------- leases


def test_map_lease() -> None:
    raw = {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": "kube-scheduler", "namespace": "kube-system", "labels": {"a": "b"}},
        "spec": {
            "holderIdentity": "cp1_6c4f0d1e-5c7a-4e0b-9a43-1f0a2b3c4d5e",
            "leaseDurationSeconds": 15,
            "acquireTime": "2026-01-01T00:00:00.000000Z",
            "renewTime": "2026-01-01T00:00:10.123456Z",
            "leaseTransitions": 2,
        },
    }
    assert map_lease(raw) == {
        "namespace": "kube-system",
        "name": "kube-scheduler",
        "holder": "cp1_6c4f0d1e-5c7a-4e0b-9a43-1f0a2b3c4d5e",
        "renewTime": pytest.approx(EPOCH_T0 + 10.123456),
        "durationSeconds": 15,
        "labels": {"a": "b"},
    }


def test_map_lease_released_or_empty() -> None:
    assert map_lease({"metadata": {"name": "x", "namespace": "kube-node-lease"}, "spec": {}}) == {
        "namespace": "kube-node-lease",
        "name": "x",
        "holder": "",
        "renewTime": None,
        "durationSeconds": None,
        "labels": {},
    }
    assert map_lease({"spec": {"leaseDurationSeconds": "15", "renewTime": 5}})["durationSeconds"] is None
