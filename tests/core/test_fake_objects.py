"""The fake's Services, EndpointSlices, revisions and claims, served as the API server serves them."""

from __future__ import annotations

from typing import Any

import pytest

from clusterviz.clock import ManualClock
from clusterviz.events import WATCHED_KINDS
from clusterviz.fake import FakeCluster, Invalid
from clusterviz.sources import FakeSource

RawObject = dict[str, Any]
USERS = ("default", "users-deployment")


def quiet(**kwargs: Any) -> FakeCluster:
    return FakeCluster(seed=kwargs.pop("seed", 1), scenario="quiet", **kwargs)


def service(c: FakeCluster, namespace: str, name: str) -> RawObject:
    obj = c.get("Service", namespace, name)
    assert obj is not None, f"no Service {namespace}/{name}"
    return obj


def slices_of(c: FakeCluster, namespace: str, svc: str) -> list[RawObject]:
    return [s for s in c.list("EndpointSlice")[0]
            if s["metadata"]["namespace"] == namespace and s["metadata"]["labels"]["kubernetes.io/service-name"] == svc]


def endpoints(c: FakeCluster, svc: str, namespace: str = "default") -> dict[str, dict[str, bool]]:
    """pod name -> the endpoint's conditions, over all the Service's slices."""
    return {e["targetRef"]["name"]: e["conditions"]
            for s in slices_of(c, namespace, svc) for e in s["endpoints"] or []}


def users_pods(c: FakeCluster) -> list[str]:
    return c.pods_of(*USERS)


def replicasets(c: FakeCluster) -> dict[str, RawObject]:
    """users-deployment's ReplicaSets by revision."""
    return {rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]: rs
            for rs in c.list("ReplicaSet")[0] if rs["metadata"]["name"].startswith("users-deployment-")}


# ---------------------------------------------------------------------------------------------- Services


def test_the_demo_has_a_service_of_each_type() -> None:
    c = quiet()
    users = service(c, "default", "users")
    assert users["apiVersion"] == "v1" and users["spec"]["type"] == "ClusterIP"
    assert users["spec"]["selector"] == {"app": "users"}
    assert users["spec"]["ports"] == [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": "http"}]
    ip = users["spec"]["clusterIP"]
    assert ip.startswith("10.96.") and users["spec"]["clusterIPs"] == [ip]
    assert service(c, "default", "users-db")["spec"]["clusterIP"] == "None"  # headless, for the StatefulSet
    assert service(c, "default", "users-public")["spec"]["ports"][0]["nodePort"] == 30080
    mail = service(c, "default", "mail")["spec"]
    assert mail["type"] == "ExternalName" and mail["externalName"] == "smtp.mail.example.com"
    assert "clusterIP" not in mail and slices_of(c, "default", "mail") == []
    assert service(c, "kube-system", "kube-dns")["spec"]["clusterIP"] == "10.96.0.10"


def test_an_endpointslice_is_shaped_as_discovery_v1() -> None:
    c = quiet()
    (es,) = slices_of(c, "default", "users")
    svc = service(c, "default", "users")
    assert es["apiVersion"] == "discovery.k8s.io/v1" and es["kind"] == "EndpointSlice"
    assert es["addressType"] == "IPv4"
    assert es["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"] == "endpointslice-controller.k8s.io"
    assert es["metadata"]["ownerReferences"][0] | {"kind": "Service", "uid": svc["metadata"]["uid"]} == \
        es["metadata"]["ownerReferences"][0]
    assert es["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]  # targetPort "http" resolved
    pods = {p["metadata"]["name"]: p for p in c.list("Pod")[0] if p["metadata"]["name"] in users_pods(c)}
    assert {e["targetRef"]["name"] for e in es["endpoints"]} == set(pods)
    for e in es["endpoints"]:
        pod = pods[e["targetRef"]["name"]]
        assert e["addresses"] == [pod["status"]["podIP"]] and e["nodeName"] == pod["spec"]["nodeName"]
        assert e["targetRef"] == {"kind": "Pod", "name": pod["metadata"]["name"], "namespace": "default",
                                  "uid": pod["metadata"]["uid"]}
        assert e["conditions"] == {"ready": True, "serving": True, "terminating": False}
        assert e["zone"].startswith("region-1")
    assert "service.kubernetes.io/headless" in slices_of(c, "default", "users-db")[0]["metadata"]["labels"]


# ---------------------------------------------------------------------------------------------- readiness


def test_a_pod_whose_readiness_probe_fails_leaves_the_endpoints_and_comes_back() -> None:
    c = quiet()
    sick, well = users_pods(c)
    c.set_pod_ready("default", sick, False)
    c.advance(1)
    assert endpoints(c, "users")[sick] == {"ready": False, "serving": False, "terminating": False}
    assert endpoints(c, "users")[well]["ready"] is True
    assert endpoints(c, "users-public")[sick]["ready"] is False  # every Service selecting it
    running = c.get("Pod", "default", sick)
    assert running is not None and running["status"]["phase"] == "Running"
    c.set_pod_ready("default", sick, True)
    c.advance(1)
    assert endpoints(c, "users")[sick]["ready"] is True


def test_a_terminating_pod_is_serving_but_not_ready_until_it_is_gone() -> None:
    c = quiet()
    going = users_pods(c)[0]
    c.delete_pod("default", going, grace=30)
    c.advance(0.1)
    assert endpoints(c, "users")[going] == {"ready": False, "serving": True, "terminating": True}
    c.advance(40)
    assert going not in endpoints(c, "users")
    assert len(endpoints(c, "users")) == 2  # its replacement


def test_pods_on_a_not_ready_node_become_not_ready_endpoints() -> None:
    c = quiet()
    pod = c.get("Pod", "default", users_pods(c)[0])
    assert pod is not None
    node = pod["spec"]["nodeName"]
    c.set_node_ready(node, False)
    c.advance(5)  # the node lifecycle controller marks its pods not ready
    on_node = {e["targetRef"]["name"]: e for s in slices_of(c, "default", "users") for e in s["endpoints"]}
    assert any(e["nodeName"] == node for e in on_node.values())
    for e in on_node.values():
        assert e["conditions"]["ready"] is (e["nodeName"] != node)


def test_new_pods_join_the_endpoints_when_ready() -> None:
    c = quiet()
    c.scale(*USERS, 4)
    c.advance(20)
    assert len(endpoints(c, "users")) == 4
    assert all(cond["ready"] for cond in endpoints(c, "users").values())


# ---------------------------------------------------------------------------------------------- revisions


def test_a_rollout_makes_a_second_revision_and_ends_with_one_active() -> None:
    c = quiet()
    assert set(replicasets(c)) == {"1"}
    events = c.rolling_update(*USERS, "my-repo/users-application:1.1.0")
    both_live = False
    for _ in range(60):
        events += c.advance(1)
        sets = replicasets(c)
        both_live |= len(sets) == 2 and all(rs["spec"]["replicas"] > 0 for rs in sets.values())
        pods = [p for p in c.list("Pod")[0] if p["metadata"]["name"].startswith("users-deployment-")
                and "deletionTimestamp" not in p["metadata"]]
        assert len(pods) <= 3  # replicas 2 + maxSurge 1
    sets = replicasets(c)
    assert both_live and set(sets) == {"1", "2"}
    assert sets["1"]["spec"]["replicas"] == 0 and sets["2"]["spec"]["replicas"] == 2
    assert sets["2"]["spec"]["template"]["spec"]["containers"][0]["image"] == "my-repo/users-application:1.1.0"
    dep = c.get("Deployment", *USERS)
    assert dep is not None and dep["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    assert dep["status"]["updatedReplicas"] == dep["status"]["readyReplicas"] == 2


def test_the_introductions_deployment_is_refused_and_never_exists() -> None:
    c = quiet()
    with pytest.raises(Invalid) as refused:
        c.create_deployment("default", "users-intro", replicas=2, selector={"app": "users"},
                            labels={"app": "nginx"}, image="my-repo/users-application")
    assert str(refused.value) == (
        'Deployment.apps "users-intro" is invalid: spec.template.metadata.labels: Invalid value: '
        'map[string]string{"app":"nginx"}: `selector` does not match template `labels`')
    assert refused.value.status()["code"] == 422 and refused.value.status()["reason"] == "Invalid"
    assert c.get("Deployment", "default", "users-intro") is None


def test_a_deployment_whose_selector_matches_is_created_with_its_pods() -> None:
    c = quiet()
    c.create_deployment("default", "web", replicas=2, selector={"app": "web"}, labels={"app": "web"},
                        image="nginx:1.27.5")
    c.advance(20)
    assert len(c.pods_of("default", "web-")) == 2
    (rs,) = [r for r in c.list("ReplicaSet")[0] if r["metadata"]["name"].startswith("web-")]
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"


# ---------------------------------------------------------------------------------------------- claims


def test_each_statefulset_replica_gets_its_own_bound_claim() -> None:
    c = quiet()
    c.scale("default", "users-db", 3, kind="StatefulSet")
    c.advance(120)
    claims = {p["metadata"]["name"]: p for p in c.list("PersistentVolumeClaim")[0]}
    volumes = {v["metadata"]["name"]: v for v in c.list("PersistentVolume")[0]}
    assert set(claims) == {"data-users-db-0", "data-users-db-1", "data-users-db-2"}
    for i in range(3):
        claim = claims[f"data-users-db-{i}"]
        assert claim["status"] == {"accessModes": ["ReadWriteOnce"], "capacity": {"storage": "10Gi"},
                                   "phase": "Bound"}
        assert claim["spec"]["storageClassName"] == "standard"
        volume = volumes[claim["spec"]["volumeName"]]
        assert volume["spec"]["claimRef"]["uid"] == claim["metadata"]["uid"]
        assert volume["status"]["phase"] == "Bound" and volume["spec"]["capacity"] == {"storage": "10Gi"}
        pod = c.get("Pod", "default", f"users-db-{i}")
        assert pod is not None
        mounted = [v["persistentVolumeClaim"]["claimName"] for v in pod["spec"]["volumes"]
                   if "persistentVolumeClaim" in v]
        assert mounted == [f"data-users-db-{i}"]
        node_terms = volume["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"]
        assert node_terms[0]["matchExpressions"][0]["values"] == [pod["spec"]["nodeName"]]


def test_a_claim_outlives_a_scale_down_and_is_mounted_again() -> None:
    c = quiet()
    c.scale("default", "users-db", 2, kind="StatefulSet")
    c.advance(120)
    uid = next(p["metadata"]["uid"] for p in c.list("PersistentVolumeClaim")[0]
               if p["metadata"]["name"] == "data-users-db-1")
    c.scale("default", "users-db", 1, kind="StatefulSet")
    c.advance(120)
    assert not c.has_pod("default", "users-db-1")
    c.scale("default", "users-db", 2, kind="StatefulSet")
    c.advance(120)
    again = [p for p in c.list("PersistentVolumeClaim")[0] if p["metadata"]["name"] == "data-users-db-1"]
    assert [p["metadata"]["uid"] for p in again] == [uid] and c.has_pod("default", "users-db-1")


# ---------------------------------------------------------------------------------------------- watching


def test_a_source_passes_on_only_the_kinds_the_core_watches() -> None:
    c = FakeCluster(seed=2, clock=ManualClock(), scenario="quiet")
    source = FakeSource(c)
    listed = source.start()
    assert set(listed.objects) == set(WATCHED_KINDS)
    c.scale(*USERS, 4)
    kinds = {getattr(change, "kind", "") for change in source.poll(30.0)}
    assert "Pod" in kinds and kinds <= set(WATCHED_KINDS)


def test_a_fake_on_the_wall_clock_lives_through_its_building_and_its_listing_so_changes_carry_real_times() -> None:
    wall = ManualClock(start=1_000.0)
    c = FakeCluster(seed=2, clock=ManualClock(start=1_000.0), scenario="quiet")
    source = FakeSource(c, wall=wall)
    wall.advance(190.0)  # building 5,000 nodes takes minutes
    source.start()
    assert c.clock.now() == 1_190.0
    wall.advance(60.0)  # and so does loading the list into the store
    source.poll(0.25)
    assert c.clock.now() == 1_250.0
    wall.advance(0.25)
    source.poll(0.25)
    assert c.clock.now() == 1_250.25


def test_a_fake_on_the_wall_clock_never_runs_ahead_of_it_when_a_poll_starts_late() -> None:
    wall = ManualClock(start=1_000.0)
    c = FakeCluster(seed=2, clock=ManualClock(start=1_000.0), scenario="quiet")
    source = FakeSource(c, wall=wall)
    source.start()
    wall.advance(2.0)  # the tick began, then waited two seconds for the store (a first state was being made)
    source.poll(0.25)
    assert c.clock.now() == 1_002.0
    wall.advance(0.25)
    source.poll(2.25)  # the runtime measures from the start of the tick before: those two seconds again
    assert c.clock.now() == 1_002.25, "the simulation's times are the wall clock's, not seconds ahead of it"


def test_a_sped_up_fake_on_the_wall_clock_moves_by_the_elapsed_time_times_its_speed() -> None:
    wall = ManualClock(start=1_000.0)
    c = FakeCluster(seed=2, clock=ManualClock(start=1_000.0), scenario="quiet")
    source = FakeSource(c, speed=20.0, wall=wall)
    source.start()
    wall.advance(0.25)
    source.poll(0.25)
    source.poll(0.25)
    assert c.clock.now() == 1_010.0


def test_a_fake_without_a_wall_clock_moves_only_by_the_elapsed_time() -> None:
    c = FakeCluster(seed=2, clock=ManualClock(start=0.0), scenario="quiet")
    source = FakeSource(c)
    source.start()
    source.poll(0.25)
    assert c.clock.now() == 0.25


# ---------------------------------------------------------------------------------------------- hands on


def users_replicas(c: FakeCluster) -> int:
    return dict(((ns, name), r) for ns, name, r in c.deployments())[USERS]


def test_the_demo_starts_nothing_while_someone_pokes_and_carries_on_after() -> None:
    c = FakeCluster(seed=3, clock=ManualClock())  # the demo's first episode (a scale) comes after 10 s
    assert c.hands_on(120) == 120
    events = c.advance(115)
    assert users_replicas(c) == 2 and not any(e.kind == "Job" for e in events)
    c.advance(10)
    assert users_replicas(c) != 2


def test_the_demo_does_not_undo_what_someone_did_by_hand() -> None:
    c = FakeCluster(seed=3, clock=ManualClock())
    c.advance(15)
    scaled = users_replicas(c)
    assert scaled != 2  # the demo scaled up; it scales back within 60-150 s
    c.hands_on(600)
    c.advance(590)
    assert users_replicas(c) == scaled
    c.advance(200)
    assert users_replicas(c) == 2


def test_a_quiet_cluster_has_no_script_to_pause() -> None:
    assert quiet().hands_on() == 0
