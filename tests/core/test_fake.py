"""The bundled fake cluster: determinism, API shapes, lifecycles, and list/watch consistency."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pytest

from clusterviz.clock import ManualClock
from clusterviz.events import WATCHED_KINDS, WatchEvent
from clusterviz.fake import Churn, Demo, FakeCluster

RawObject = dict[str, Any]
STATIC = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler")
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
RFC3339_MICRO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


# ---------------------------------------------------------------------------------------------- helpers


def quiet(**kwargs: Any) -> FakeCluster:
    return FakeCluster(seed=kwargs.pop("seed", 1), scenario="quiet", **kwargs)


def pods(c: FakeCluster) -> dict[str, RawObject]:
    return {f"{p['metadata']['namespace']}/{p['metadata']['name']}": p for p in c.list("Pod")[0]}


def pod(c: FakeCluster, namespace: str, name: str) -> RawObject:
    obj = c.get("Pod", namespace, name)
    assert obj is not None, f"no pod {namespace}/{name}"
    return obj


def owned_by(c: FakeCluster, namespace: str, prefix: str, *, live: bool = True) -> list[RawObject]:
    return [p for key, p in sorted(pods(c).items())
            if key.startswith(f"{namespace}/{prefix}") and not (live and "deletionTimestamp" in p["metadata"])]


def container(p: RawObject, index: int = 0) -> RawObject:
    statuses: list[RawObject] = p["status"]["containerStatuses"]
    return statuses[index]


def condition(obj: RawObject, kind: str) -> RawObject | None:
    return next((c for c in obj["status"].get("conditions", []) if c["type"] == kind), None)


def running_ready(p: RawObject) -> bool:
    ready = condition(p, "Ready")
    return p["status"]["phase"] == "Running" and ready is not None and ready["status"] == "True"


def apply(state: dict[tuple[str, str, str], RawObject], events: list[WatchEvent]) -> None:
    for e in events:
        key = (e.kind, *e.key)
        if e.type == "DELETED":
            assert key in state, f"DELETED for an unknown object {key}"
            del state[key]
        else:
            assert (key in state) == (e.type == "MODIFIED"), f"{e.type} for {key}"
            state[key] = e.object


def snapshot(c: FakeCluster) -> dict[tuple[str, str, str], RawObject]:
    items, _ = c.list_all()
    return {(kind, o["metadata"].get("namespace", ""), o["metadata"]["name"]): o
            for kind, objs in items.items() for o in objs}


def dump(events: list[WatchEvent]) -> bytes:
    return orjson.dumps([(e.type, e.kind, e.object) for e in events])


# ---------------------------------------------------------------------------------------------- determinism


def _demo_run(seed: int) -> bytes:
    c = FakeCluster(seed=seed)
    chunks = [dump(c.advance(step)) for step in (0.5, 3.0, 10.0, 60.0, 600.0, 1800.0)]
    chunks.append(dump(c.scale("default", "users-deployment", 5)))
    chunks.append(dump(c.advance(120.0)))
    chunks.append(orjson.dumps(c.list_all()))
    return b"\n".join(chunks)


def test_same_seed_same_bytes() -> None:
    assert _demo_run(7) == _demo_run(7)


def test_different_seed_different_cluster() -> None:
    a, b = FakeCluster(seed=1), FakeCluster(seed=2)
    assert orjson.dumps(a.list("Pod")) != orjson.dumps(b.list("Pod"))


def test_determinism_does_not_depend_on_hash_randomisation() -> None:
    code = (
        "import hashlib, sys\n"
        "from tests.core.test_fake import _demo_run\n"
        "sys.stdout.write(hashlib.sha256(_demo_run(3)).hexdigest())\n"
    )
    root = Path(__file__).resolve().parents[2]
    digests = set()
    for hash_seed in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(root)}
        out = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True,
                             check=True)
        digests.add(out.stdout)
    assert len(digests) == 1
    assert digests == {hashlib.sha256(_demo_run(3)).hexdigest()}


def test_resource_versions_strictly_increase() -> None:
    c = FakeCluster(seed=5)
    items, list_rv = c.list_all()
    rvs = [int(o["metadata"]["resourceVersion"]) for objs in items.values() for o in objs]
    assert len(rvs) == len(set(rvs)) and max(rvs) <= int(list_rv)
    last = int(list_rv)
    for _ in range(60):
        for e in c.advance(30.0):
            rv = int(e.object["metadata"]["resourceVersion"])
            assert rv > last, (e.type, e.kind, e.key)
            last = rv
    assert c.resource_version == str(last)


def test_no_wall_clock_or_global_random() -> None:
    import random

    random.seed(1)
    a = dump(FakeCluster(seed=9).advance(300))
    random.seed(2)
    clock = ManualClock()
    b = dump(FakeCluster(seed=9, clock=clock).advance(300))
    assert a == b
    assert clock.now() == pytest.approx(1_767_225_600.0 + 300)


# ---------------------------------------------------------------------------------------------- contents


def test_default_demo_contents() -> None:
    c = FakeCluster(seed=3)
    assert c.name == "demo"
    nodes = {n["metadata"]["name"]: n for n in c.list("Node")[0]}
    assert sorted(nodes) == ["control-plane-1", "worker-1", "worker-2", "worker-3"]
    cp = nodes["control-plane-1"]
    assert cp["metadata"]["labels"]["node-role.kubernetes.io/control-plane"] == ""
    assert cp["spec"]["taints"] == [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]
    zones = {nodes[f"worker-{i}"]["metadata"]["labels"]["topology.kubernetes.io/zone"] for i in (1, 2, 3)}
    assert zones == {"region-1a", "region-1b", "region-1c"}
    assert all(nodes[f"worker-{i}"]["metadata"]["labels"]["node-pool"] == "general" for i in (1, 2, 3))

    everything = pods(c)
    for component in STATIC:
        p = everything[f"kube-system/{component}-control-plane-1"]
        assert p["metadata"]["labels"] == {"component": component, "tier": "control-plane"}
        owner = p["metadata"]["ownerReferences"][0]
        assert (owner["kind"], owner["name"], owner["controller"]) == ("Node", "control-plane-1", True)
        assert p["spec"]["nodeName"] == "control-plane-1" and running_ready(p)

    proxies = [p for p in everything.values() if p["metadata"]["labels"].get("k8s-app") == "kube-proxy"]
    assert sorted(p["spec"]["nodeName"] for p in proxies) == sorted(nodes)
    cni = [p for p in everything.values() if p["metadata"]["labels"].get("app") == "kindnet"]
    assert sorted(p["spec"]["nodeName"] for p in cni) == sorted(nodes)

    coredns = owned_by(c, "kube-system", "coredns-")
    assert len(coredns) == 2 and all(p["metadata"]["labels"]["k8s-app"] == "kube-dns" for p in coredns)
    assert all(p["spec"]["nodeName"].startswith("worker-") for p in coredns)

    dep = c.get("Deployment", "default", "users-deployment")
    assert dep is not None
    assert dep["spec"]["replicas"] == 2
    assert dep["spec"]["selector"] == {"matchLabels": {"app": "users"}}
    assert dep["spec"]["template"]["metadata"]["labels"] == {"app": "users"}
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == "my-repo/users-application"

    leases = {(le["metadata"]["namespace"], le["metadata"]["name"]): le for le in c.list("Lease")[0]}
    assert {("kube-node-lease", n) for n in nodes} <= set(leases)
    for component in ("kube-scheduler", "kube-controller-manager"):
        spec = leases[("kube-system", component)]["spec"]
        holder, _, ident = spec["holderIdentity"].partition("_")
        assert holder == "control-plane-1" and UUID.match(ident)
    ident = [le for (ns, name), le in leases.items() if name.startswith("apiserver-")]
    assert len(ident) == 1
    assert ident[0]["metadata"]["labels"]["apiserver.kubernetes.io/identity"] == "kube-apiserver"


def test_users_deployment_running_after_a_while() -> None:
    c = quiet()
    c.advance(120)
    users = owned_by(c, "default", "users-deployment-")
    assert len(users) == 2
    rs_name = users[0]["metadata"]["ownerReferences"][0]["name"]
    for p in users:
        assert running_ready(p)
        assert p["spec"]["containers"][0]["image"] == "my-repo/users-application"
        assert container(p)["image"] == "docker.io/my-repo/users-application:latest"
        assert container(p)["imageID"].startswith("docker.io/my-repo/users-application@sha256:")
        assert p["metadata"]["labels"]["app"] == "users"
        h = p["metadata"]["labels"]["pod-template-hash"]
        assert rs_name == f"users-deployment-{h}"
        assert re.fullmatch(rf"users-deployment-{h}-[bcdfghjklmnpqrstvwxz2456789]{{5}}", p["metadata"]["name"])
    rs = c.get("ReplicaSet", "default", rs_name)
    assert rs is not None
    assert rs["metadata"]["ownerReferences"][0]["kind"] == "Deployment"
    assert rs["status"]["readyReplicas"] == 2


def test_api_shapes_of_nodes_pods_and_leases() -> None:
    c = quiet()
    node = c.get("Node", "", "worker-1")
    assert node is not None
    assert [x["type"] for x in node["status"]["conditions"]] == ["MemoryPressure", "DiskPressure", "PIDPressure",
                                                                 "Ready"]
    ready = node["status"]["conditions"][-1]
    assert (ready["status"], ready["reason"]) == ("True", "KubeletReady")
    assert RFC3339.match(ready["lastHeartbeatTime"]) and RFC3339.match(ready["lastTransitionTime"])
    info = node["status"]["nodeInfo"]
    assert info["containerRuntimeVersion"] == "containerd://2.1.4"
    assert info["kubeletVersion"].startswith("v1.") and info["architecture"] == "amd64"
    assert info["osImage"] and info["kernelVersion"]
    assert node["status"]["allocatable"]["cpu"] == "3800m"
    assert node["status"]["allocatable"]["memory"] == "15Gi"
    assert node["status"]["allocatable"]["pods"] == "110"
    assert "unschedulable" not in node["spec"]

    p = owned_by(c, "default", "users-deployment-")[0]
    meta = p["metadata"]
    assert UUID.match(meta["uid"]) and RFC3339.match(meta["creationTimestamp"])
    assert meta["ownerReferences"][0]["controller"] is True
    kinds = {next(k for k in v if k != "name") for v in p["spec"]["volumes"]}
    assert kinds == {"configMap", "secret", "emptyDir", "projected"}
    assert any(v["name"].startswith("kube-api-access-") for v in p["spec"]["volumes"])
    res = p["spec"]["containers"][0]["resources"]
    assert res["requests"] == {"cpu": "100m", "memory": "128Mi"}
    assert p["status"]["qosClass"] == "Guaranteed"
    assert [x["type"] for x in p["status"]["conditions"]] == [
        "PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"]
    cs = container(p)
    assert set(cs) >= {"name", "image", "imageID", "containerID", "ready", "started", "restartCount", "state",
                       "lastState"}
    assert RFC3339.match(cs["state"]["running"]["startedAt"])
    assert p["status"]["podIP"].startswith("10.") and p["status"]["hostIP"].startswith("172.18.")

    db = pod(c, "default", "users-db-0")
    assert db["spec"]["volumes"][-1] == {"name": "data", "persistentVolumeClaim": {"claimName": "data-users-db-0"}}
    assert db["status"]["initContainerStatuses"][0]["state"]["terminated"]["reason"] == "Completed"
    assert db["status"]["qosClass"] == "Burstable"
    proxy = next(p for p in pods(c).values() if p["metadata"]["labels"].get("k8s-app") == "kube-proxy")
    assert proxy["status"]["qosClass"] == "BestEffort"
    assert any("hostPath" in v for v in proxy["spec"]["volumes"])

    lease = c.get("Lease", "kube-node-lease", "worker-1")
    assert lease is not None
    assert lease["spec"]["leaseDurationSeconds"] == 40 and lease["spec"]["holderIdentity"] == "worker-1"
    assert RFC3339_MICRO.match(lease["spec"]["renewTime"])


def test_no_literal_secret_values_in_env() -> None:
    c = FakeCluster(seed=2, pods_per_node=3)
    refs = 0
    for kind in ("Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"):
        for obj in c.list(kind)[0]:
            spec = obj["spec"] if kind == "Pod" else obj["spec"]["template"]["spec"]
            for ctr in spec.get("containers", []) + spec.get("initContainers", []):
                for env in ctr.get("env", []):
                    if "valueFrom" in env:
                        assert set(env["valueFrom"]) == {"secretKeyRef"}
                        refs += 1
                    else:
                        assert not re.search(r"PASSWORD|SECRET|TOKEN|KEY", env["name"]), env
    assert refs >= 3  # users pods, their ReplicaSet/Deployment templates, the database


# ---------------------------------------------------------------------------------------------- scripted actions


def test_scale_up_then_down_terminates_then_deletes() -> None:
    c = quiet()
    events = c.scale("default", "users-deployment", 4)
    assert [(e.type, e.kind) for e in events] == [("MODIFIED", "Deployment")]
    assert events[0].object["spec"]["replicas"] == 4
    events = c.advance(30)
    added = [e for e in events if e.kind == "Pod" and e.type == "ADDED"]
    assert len(added) == 2
    assert all("nodeName" not in e.object["spec"] and e.object["status"]["phase"] == "Pending" for e in added)
    creating = [e for e in events if e.kind == "Pod" and "containerStatuses" in e.object["status"]
                and container(e.object)["state"].get("waiting", {}).get("reason") == "ContainerCreating"]
    assert len(creating) == 2
    assert len([p for p in owned_by(c, "default", "users-deployment-") if running_ready(p)]) == 4

    c.scale("default", "users-deployment", 1)
    events = c.advance(60)
    terminating = [e for e in events if e.kind == "Pod" and e.type == "MODIFIED"
                   and "deletionTimestamp" in e.object["metadata"]]
    deleted = [e for e in events if e.kind == "Pod" and e.type == "DELETED"]
    assert {e.key for e in deleted} == {e.key for e in terminating} and len(deleted) == 3
    for e in deleted:
        first = next(i for i, x in enumerate(events) if x.key == e.key and "deletionTimestamp" in
                     x.object["metadata"])
        assert first < events.index(e)
        assert e.object["metadata"]["deletionGracePeriodSeconds"] == 30
    assert len(owned_by(c, "default", "users-deployment-", live=False)) == 1
    dep = c.get("Deployment", "default", "users-deployment")
    assert dep is not None and dep["status"]["readyReplicas"] == 1 and dep["status"]["replicas"] == 1


def test_crash_loop_reaches_crash_loop_back_off() -> None:
    c = quiet()
    name = owned_by(c, "default", "users-deployment-")[0]["metadata"]["name"]
    events = c.crash_loop("default", name)
    assert len(events) == 1
    term = container(events[0].object)["state"]["terminated"]
    assert (term["reason"], term["exitCode"]) == ("Error", 1)
    reasons = []
    for _ in range(20):
        for e in c.advance(10):
            if e.kind == "Pod" and e.key == ("default", name):
                state = container(e.object)["state"]
                reasons.append(next(iter(state.values())).get("reason", "Running"))
    assert "CrashLoopBackOff" in reasons and "Error" in reasons and "Running" in reasons
    p = pod(c, "default", name)
    cs = container(p)
    assert cs["restartCount"] >= 3
    assert cs["lastState"]["terminated"]["reason"] == "Error" and cs["lastState"]["terminated"]["exitCode"] == 1
    assert p["status"]["phase"] == "Running"
    backoffs = [int(m) for m in re.findall(r"back-off (\d+)s", orjson.dumps(pods(c)).decode())]
    assert all(b in (10, 20, 40, 80, 160) for b in backoffs)


def test_unschedulable_pod() -> None:
    c = quiet()
    events = c.add_unschedulable_pod("default", "huge")
    assert [e.type for e in events] == ["ADDED"]
    c.advance(5)
    p = pod(c, "default", "huge")
    assert "nodeName" not in p["spec"] and p["status"]["phase"] == "Pending"
    cond = condition(p, "PodScheduled")
    assert cond is not None and (cond["status"], cond["reason"]) == ("False", "Unschedulable")
    assert cond["message"].startswith("0/4 nodes are available: ")
    assert "1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }" in cond["message"]
    assert "3 Insufficient cpu" in cond["message"] and "3 Insufficient memory" in cond["message"]
    assert "preemption: 0/4 nodes are available:" in cond["message"]
    assert p["spec"]["containers"][0]["resources"]["requests"]["cpu"] == "64"


def test_pending_pod_is_scheduled_when_a_node_frees_up() -> None:
    c = quiet(workers=1)
    c.add_pod("default", "big", cpu=3500, memory=1024**3)
    c.advance(2)
    assert condition(pod(c, "default", "big"), "PodScheduled")["status"] == "False"  # type: ignore[index]
    c.add_node("worker-2")
    c.advance(30)
    assert running_ready(pod(c, "default", "big"))
    assert pod(c, "default", "big")["spec"]["nodeName"] == "worker-2"


def test_node_not_ready_evicts_and_reschedules() -> None:
    c = quiet()
    victim = owned_by(c, "default", "users-deployment-")[0]
    node = victim["spec"]["nodeName"]
    evicted = [p["metadata"]["name"] for p in pods(c).values()
               if p["spec"].get("nodeName") == node and p["metadata"].get("ownerReferences", [{}])[0].get("kind")
               in ("ReplicaSet", "StatefulSet")]
    events = c.set_node_ready(node, False)
    ready = next(x for x in events[0].object["status"]["conditions"] if x["type"] == "Ready")
    assert (ready["status"], ready["reason"]) == ("False", "KubeletNotReady")
    c.advance(10)
    n = c.get("Node", "", node)
    assert n is not None
    assert {(t["key"], t["effect"]) for t in n["spec"]["taints"]} == {
        ("node.kubernetes.io/not-ready", "NoSchedule"), ("node.kubernetes.io/not-ready", "NoExecute")}
    assert not running_ready(pod(c, "default", victim["metadata"]["name"]))
    events = c.advance(400)
    gone = {e.key[1] for e in events if e.kind == "Pod" and e.type == "DELETED"}
    assert set(evicted) <= gone
    disrupted = [e for e in events if e.kind == "Pod" and condition(e.object, "DisruptionTarget")]
    assert disrupted and condition(disrupted[0].object, "DisruptionTarget")["reason"] == (  # type: ignore[index]
        "DeletionByTaintManager")
    users = owned_by(c, "default", "users-deployment-")
    assert len(users) == 2 and all(running_ready(p) and p["spec"]["nodeName"] != node for p in users)
    db = pod(c, "default", "users-db-0")
    assert running_ready(db) and db["spec"]["nodeName"] != node
    on_node = [p for p in pods(c).values() if p["spec"].get("nodeName") == node]
    assert {p["metadata"]["labels"].get("k8s-app") or p["metadata"]["labels"].get("app") for p in on_node} == {
        "kube-proxy", "kindnet"}

    c.set_node_ready(node, True)
    c.advance(10)
    n = c.get("Node", "", node)
    assert n is not None and "taints" not in n["spec"]
    assert next(x for x in n["status"]["conditions"] if x["type"] == "Ready")["status"] == "True"
    assert all(running_ready(p) for p in pods(c).values() if p["spec"].get("nodeName") == node)


def test_unreachable_node_goes_unknown_and_pods_stay_terminating_until_it_returns() -> None:
    c = quiet()
    victim = owned_by(c, "default", "users-deployment-")[0]
    node, name = victim["spec"]["nodeName"], victim["metadata"]["name"]
    assert c.set_node_ready(node, False, reachable=False) == []
    c.advance(60)
    n = c.get("Node", "", node)
    assert n is not None
    assert {x["status"] for x in n["status"]["conditions"]} == {"Unknown"}
    assert next(x for x in n["status"]["conditions"] if x["type"] == "Ready")["reason"] == "NodeStatusUnknown"
    assert ("node.kubernetes.io/unreachable", "NoExecute") in {(t["key"], t["effect"]) for t in n["spec"]["taints"]}
    renewed = [e for e in c.advance(30) if e.kind == "Lease" and e.key == ("kube-node-lease", node)]
    assert renewed == []
    c.advance(300)
    stuck = pod(c, "default", name)
    assert "deletionTimestamp" in stuck["metadata"]
    replacements = [p for p in owned_by(c, "default", "users-deployment-") if running_ready(p)]
    assert len(replacements) == 2 and all(p["spec"]["nodeName"] != node for p in replacements)
    c.set_node_ready(node, True)
    events = c.advance(10)
    assert ("DELETED", ("default", name)) in {(e.type, e.key) for e in events}


def test_rolling_update() -> None:
    c = quiet()
    old = {p["metadata"]["name"] for p in owned_by(c, "default", "users-deployment-")}
    events = c.rolling_update("default", "users-deployment", "my-repo/users-application:1.1.0")
    assert events[0].object["spec"]["template"]["spec"]["containers"][0]["image"] == \
        "my-repo/users-application:1.1.0"
    events = c.advance(120)
    new = owned_by(c, "default", "users-deployment-")
    assert len(new) == 2 and not old & {p["metadata"]["name"] for p in new}
    assert all(p["spec"]["containers"][0]["image"] == "my-repo/users-application:1.1.0" and running_ready(p)
               for p in new)
    rss = {r["metadata"]["name"]: r for r in c.list("ReplicaSet")[0] if r["metadata"]["namespace"] == "default"}
    assert sorted(r["spec"]["replicas"] for r in rss.values()) == [0, 2]
    dep = c.get("Deployment", "default", "users-deployment")
    assert dep is not None
    assert dep["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    assert condition(dep, "Progressing")["reason"] == "NewReplicaSetAvailable"  # type: ignore[index]
    # never fewer than 2 available (maxUnavailable rounds down to 0 for 2 replicas)
    ready = [e.object["status"].get("availableReplicas", 0) for e in events if e.kind == "Deployment"]
    assert min(ready) >= 2


def test_bad_image_hits_image_pull_back_off_and_the_deadline() -> None:
    c = quiet()
    c.rolling_update("default", "users-deployment", "my-repo/users-application:9.9", pullable=False)
    c.advance(60)
    users = owned_by(c, "default", "users-deployment-")
    stuck = [p for p in users if p["spec"]["containers"][0]["image"].endswith(":9.9")]
    assert len(stuck) == 1 and len(users) == 3
    waiting = container(stuck[0])["state"]["waiting"]
    assert waiting["reason"] in ("ImagePullBackOff", "ErrImagePull")
    assert "my-repo/users-application:9.9" in waiting["message"]
    assert stuck[0]["status"]["phase"] == "Pending"
    c.advance(600)
    dep = c.get("Deployment", "default", "users-deployment")
    assert dep is not None and dep["status"]["availableReplicas"] == 2
    progressing = condition(dep, "Progressing")
    assert progressing is not None
    assert (progressing["status"], progressing["reason"]) == ("False", "ProgressDeadlineExceeded")
    c.rolling_update("default", "users-deployment", "my-repo/users-application")  # roll back
    c.advance(60)
    users = owned_by(c, "default", "users-deployment-")
    assert len(users) == 2 and all(running_ready(p) for p in users)
    assert all(p["spec"]["containers"][0]["image"] == "my-repo/users-application" for p in users)


def test_job_pods_complete() -> None:
    c = quiet()
    events = c.run_job("default", "report", 3, parallelism=2, duration=5.0, ttl=100)
    assert [(e.type, e.kind) for e in events] == [("ADDED", "Job")]
    c.advance(60)
    job = c.get("Job", "default", "report")
    assert job is not None and job["status"]["succeeded"] == 3 and "active" not in job["status"]
    assert {x["type"] for x in job["status"]["conditions"]} == {"SuccessCriteriaMet", "Complete"}
    done = owned_by(c, "default", "report-")
    assert len(done) == 3
    for p in done:
        assert p["status"]["phase"] == "Succeeded" and p["spec"]["restartPolicy"] == "Never"
        term = container(p)["state"]["terminated"]
        assert (term["reason"], term["exitCode"]) == ("Completed", 0)
        assert p["metadata"]["labels"]["job-name"] == "report"
    c.advance(120)
    assert c.get("Job", "default", "report") is None and owned_by(c, "default", "report-") == []


def test_delete_pod_and_statefulset_recreates_same_name() -> None:
    c = quiet()
    old = pod(c, "default", "users-db-0")
    events = c.delete_pod("default", "users-db-0")
    assert events[0].type == "MODIFIED" and "deletionTimestamp" in events[0].object["metadata"]
    assert events[0].object["metadata"]["deletionGracePeriodSeconds"] == 60
    c.advance(120)
    new = pod(c, "default", "users-db-0")
    assert new["metadata"]["uid"] != old["metadata"]["uid"] and running_ready(new)
    assert new["spec"]["hostname"] == "users-db-0"
    assert new["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"] == "users-db-0"
    c.scale("default", "users-db", 3, kind="StatefulSet")
    c.advance(120)
    assert [p["metadata"]["name"] for p in owned_by(c, "default", "users-db-")] == [
        "users-db-0", "users-db-1", "users-db-2"]


def test_mirror_pod_comes_back_after_deletion() -> None:
    c = quiet()
    uid = pod(c, "kube-system", "etcd-control-plane-1")["metadata"]["uid"]
    events = c.delete_pod("kube-system", "etcd-control-plane-1")
    assert events[0].type == "MODIFIED"
    c.advance(32)  # killed within its 30 s grace period (SIGKILL at its end), recreated a second later
    again = pod(c, "kube-system", "etcd-control-plane-1")
    assert again["metadata"]["uid"] != uid and running_ready(again)


def test_add_and_remove_node() -> None:
    c = quiet()
    events = c.add_node()
    added = next(e for e in events if e.kind == "Node")
    assert added.type == "ADDED" and added.key == ("", "worker-4")
    c.advance(30)
    daemons = [p for p in pods(c).values() if p["spec"].get("nodeName") == "worker-4"]
    assert len(daemons) == 2 and all(running_ready(p) for p in daemons)
    ds = c.get("DaemonSet", "kube-system", "kube-proxy")
    assert ds is not None and ds["status"]["desiredNumberScheduled"] == 5 and ds["status"]["numberReady"] == 5
    node = c.get("Node", "", "worker-4")
    assert node is not None and "taints" not in node["spec"]
    events = c.remove_node("worker-4")
    assert ("DELETED", "Node") in {(e.type, e.kind) for e in events}
    c.advance(10)
    assert [p for p in pods(c).values() if p["spec"].get("nodeName") == "worker-4"] == []
    ds = c.get("DaemonSet", "kube-system", "kube-proxy")
    assert ds is not None and ds["status"]["desiredNumberScheduled"] == 4


def test_cordon_keeps_new_pods_off_the_node() -> None:
    c = quiet()
    for node in ("worker-1", "worker-2"):
        c.cordon(node)
    c.scale("default", "users-deployment", 4)
    c.advance(30)
    assert {p["spec"]["nodeName"] for p in owned_by(c, "default", "users-deployment-")
            if p["metadata"]["creationTimestamp"] > "2026-01-01"} == {"worker-3"}
    n = c.get("Node", "", "worker-1")
    assert n is not None and n["spec"]["unschedulable"] is True


def test_leases_renew_every_ten_seconds() -> None:
    c = quiet()
    events = [e for e in c.advance(60) if e.kind == "Lease"]
    per_lease = Counter(e.key for e in events)
    assert all(5 <= per_lease[("kube-node-lease", n)] <= 7 for n in
               ("control-plane-1", "worker-1", "worker-2", "worker-3"))
    assert 25 <= per_lease[("kube-system", "kube-scheduler")] <= 31
    assert all(RFC3339_MICRO.match(e.object["spec"]["renewTime"]) for e in events)
    silent = quiet(lease_renewals=False)
    assert silent.advance(600) == []


# ---------------------------------------------------------------------------------------------- list vs watch


def test_list_equals_previous_list_plus_events() -> None:
    c = FakeCluster(seed=11, scenario=Demo(first_delay=5.0, gap=(10.0, 30.0)), pods_per_node=2)
    state = snapshot(c)
    kinds = Counter[str]()
    for step in (0.5, 1.0, 5.0, 30.0, 120.0, 600.0, 1200.0, 1800.0):
        events = c.advance(step)
        kinds.update(f"{e.type} {e.kind}" for e in events)
        apply(state, events)
        assert state == snapshot(c)
    apply(state, c.scale("default", "users-deployment", 3))
    assert state == snapshot(c)
    for kind in ("ADDED Pod", "DELETED Pod", "MODIFIED Node", "ADDED Job", "DELETED Job", "ADDED ReplicaSet"):
        assert kinds[kind] > 0, kind


def test_list_returns_deep_copies_in_api_order() -> None:
    c = quiet()
    items, rv = c.list("Pod")
    items[0]["metadata"]["name"] = "mutated"
    items[0]["spec"]["containers"][0]["image"] = "mutated"
    again, rv2 = c.list("Pod")
    assert rv == rv2 and again[0]["metadata"]["name"] != "mutated"
    assert all(x["spec"]["containers"][0]["image"] != "mutated" for x in again)
    keys = [(p["metadata"]["namespace"], p["metadata"]["name"]) for p in again]
    assert keys == sorted(keys)
    streamed, rv3 = c.iter_list("Pod")
    assert rv3 == rv and list(streamed) == again
    everything, _ = c.list_all()
    assert list(everything)[:len(WATCHED_KINDS)] == list(WATCHED_KINDS)
    assert {"Service", "EndpointSlice", "PersistentVolumeClaim", "PersistentVolume"} <= set(everything)
    with pytest.raises(ValueError):
        c.list("Secret")


# ---------------------------------------------------------------------------------------------- scale


def test_extra_pods_per_node_and_churn() -> None:
    c = FakeCluster(seed=4, workers=20, pods_per_node=10, scenario=Churn(events_per_second=200),
                    lease_renewals=False)
    per_node = Counter(p["spec"].get("nodeName") for p in pods(c).values()
                       if p["metadata"]["namespace"] in ("shop", "payments", "analytics"))
    assert len(per_node) == 20 and set(per_node.values()) == {10}
    state = snapshot(c)
    total = 0
    for _ in range(10):
        events = c.advance(6.0)
        total += len(events)
        apply(state, events)
    assert state == snapshot(c)
    assert 100 <= total / 60 <= 400  # roughly the requested 200 events per second
    live = [p for p in pods(c).values() if "deletionTimestamp" not in p["metadata"]]
    base = 20 * 10 + 21 * 2 + 4 + 2 + 2 + 1  # fillers, two DaemonSets, static pods, coredns, users, db
    assert base - 10 <= len(live) <= base + 2 * 8 + 10  # churn scales each Deployment within +-2
