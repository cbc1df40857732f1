"""The objects that group pods, from the API's JSON (through the watcher's slim copy) to the model and its deltas:
workloads with their ReplicaSets by revision, Services with their endpoints and the matching pods without
traffic, claims with their pods, volumes."""

from __future__ import annotations

import re
from typing import Any

import orjson
import pytest

from clusterviz import export
from clusterviz.events import KINDS, WatchEvent
from clusterviz.grouping import exclusion_reason, with_reasons
from clusterviz.history import events_between, map_state, rebuild
from clusterviz.kube.slim import slim
from clusterviz.store import ClusterStore
from clusterviz.wire import ObjectView, ServiceView
from tests.core import apiobjects as api
from tests.merge import apply_delta

SOURCE: Any = {"kind": "kubernetes", "state": "live", "reason": "", "lastEventAt": None, "resourceVersion": ""}


def event(kind: str, obj: dict[str, Any], type_: str = "ADDED") -> WatchEvent:
    return WatchEvent(type_, kind, slim(kind, obj))  # type: ignore[arg-type]


def users_cluster() -> ClusterStore:
    """The introduction's users-deployment mid-rollout: revision 1 (one pod left) and 2 (two pods, one not
    ready), its Service with an EndpointSlice, and a claim bound to a volume, listed as a watcher lists them."""
    store = ClusterStore("test", SOURCE)
    lists = {
        "Deployment": [api.deployment()],
        "ReplicaSet": [
            api.replicaset("5f4d8c", "1", "my-repo/users-application:1", 1, 1),
            api.replicaset("6b7c9d", "2", "my-repo/users-application:2", 2, 1),
        ],
        "Service": [api.service()],
        "EndpointSlice": [
            api.endpoint_slice("users", [
                api.endpoint("users-a", "worker-1", "10.244.1.5"),
                api.endpoint("users-b", "worker-2", "10.244.2.7", ready=False),
            ])
        ],
        "PersistentVolumeClaim": [api.claim()],
        "PersistentVolume": [api.volume()],
        "Pod": [api.pod("users-a", "worker-1", claim="data-users"), api.pod("users-b", "worker-2", ready=False),
                api.pod("users-c", None, ready=False), api.pod("other", "worker-1", app="other")],
    }
    store.load({kind: [slim(kind, o) for o in items] for kind, items in lists.items()}, 1000.0)
    return store


def service_view(store: ClusterStore, name: str = "users") -> ServiceView:
    view = store.object_view("Service", "default", name)
    assert view is not None and view["kind"] == "Service"
    return view


def test_the_model_watches_services_endpoint_slices_claims_and_volumes_never_secrets_or_config_maps() -> None:
    assert {"Service", "EndpointSlice", "PersistentVolumeClaim", "PersistentVolume"} <= set(KINDS)
    assert not {"Secret", "ConfigMap"} & set(KINDS)
    assert KINDS.index("Pod") == len(KINDS) - 1, "pods last: what groups them is known when they arrive"


def test_a_deployment_has_its_counts_conditions_strategy_and_replicasets_by_revision_with_their_images() -> None:
    view: Any = users_cluster().object_view("Deployment", "default", "users-deployment")
    assert (view["desired"], view["updated"], view["ready"], view["available"]) == (2, 1, 2, 2)
    assert view["revision"] == 2
    assert view["strategy"] == {"type": "RollingUpdate", "maxSurge": "25%", "maxUnavailable": "25%"}
    assert [(c["type"], c["status"], c["reason"]) for c in view["conditions"]] == [
        ("Available", "True", "MinimumReplicasAvailable"),
        ("Progressing", "True", "ReplicaSetUpdated"),
    ]
    assert [(rs["revision"], rs["name"], rs["images"], rs["desired"], rs["ready"]) for rs in view["replicaSets"]] == [
        (2, "users-deployment-6b7c9d", ["my-repo/users-application:2"], 2, 1),
        (1, "users-deployment-5f4d8c", ["my-repo/users-application:1"], 1, 1),
    ]
    assert view["selector"] == {"app": "users"} and view["images"] == ["my-repo/users-application:2"]


def test_nothing_of_a_workloads_env_commands_or_annotations_is_kept() -> None:
    kept = orjson.dumps(users_cluster().object_views())
    for secret in (b"hunter2", b"--token", b"last-applied", b"managedFields", b"ebs-secret", b"vol-0abc"):
        assert secret not in kept


def test_daemonsets_statefulsets_and_jobs_count_as_kubectl_get_does() -> None:
    store = ClusterStore("test", SOURCE)
    daemonset = {"metadata": {"name": "kube-proxy", "namespace": "kube-system"},
                 "spec": {"updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}}},
                 "status": {"desiredNumberScheduled": 4, "currentNumberScheduled": 4, "updatedNumberScheduled": 3,
                            "numberReady": 4, "numberAvailable": 4}}
    statefulset = {"metadata": {"name": "db", "namespace": "default"}, "spec": {"replicas": 3},
                   "status": {"replicas": 3, "readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}}
    job = {"metadata": {"name": "backup", "namespace": "default"}, "spec": {"completions": 5, "parallelism": 2},
           "status": {"active": 2, "succeeded": 3, "failed": 1, "ready": 2,
                      "conditions": [{"type": "Complete", "status": "False", "reason": "", "message": ""}]}}
    for kind, obj in (("DaemonSet", daemonset), ("StatefulSet", statefulset), ("Job", job)):
        store.apply(event(kind, obj), 1.0)

    def counts(kind: str, ns: str, name: str) -> tuple[int, ...]:
        view: Any = store.object_view(kind, ns, name)
        return (view["desired"], view["updated"], view["ready"], view["available"])

    assert counts("DaemonSet", "kube-system", "kube-proxy") == (4, 3, 4, 4)
    assert counts("StatefulSet", "default", "db") == (3, 3, 2, 2)
    assert counts("Job", "default", "backup") == (5, 0, 2, 3)
    job_view: Any = store.object_view("Job", "default", "backup")
    assert (job_view["active"], job_view["succeeded"], job_view["failed"]) == (2, 3, 1)


def test_a_service_lists_its_endpoints_and_the_matching_pods_that_get_no_traffic() -> None:
    view = service_view(users_cluster())
    assert (view["type"], view["clusterIP"], view["headless"], view["selector"]) == (
        "ClusterIP", "10.96.12.34", False, {"app": "users"})
    assert view["ports"] == [{"name": "http", "protocol": "TCP", "port": 80, "targetPort": "8080", "nodePort": None}]
    assert [(e["pod"], e["node"], e["ready"], e["serving"], e["terminating"]) for e in view["endpoints"]] == [
        ("users-a", "worker-1", True, True, False),
        ("users-b", "worker-2", False, False, False),
    ]
    assert view["excluded"] == [
        {"pod": "users-b", "node": "worker-2", "status": "Running", "endpoint": True, "reason": "notReady"},
        {"pod": "users-c", "node": None, "status": "Running", "endpoint": False, "reason": "noEndpoint"},
    ], "the pod of another app is neither an endpoint nor excluded"


def test_headless_and_external_name_services() -> None:
    store = ClusterStore("test", SOURCE)
    store.apply(event("Service", api.service("db", clusterIP="None")), 1.0)
    store.apply(event("Service", api.service("mail", type="ExternalName", externalName="mail.example.com",
                                             clusterIP="", selector=None, ports=[])), 1.0)
    assert service_view(store, "db")["headless"] is True
    mail = service_view(store, "mail")
    assert (mail["type"], mail["externalName"], mail["selector"], mail["endpoints"]) == (
        "ExternalName", "mail.example.com", None, [])


def test_an_endpoint_that_turns_ready_leaves_the_excluded_and_a_terminating_one_is_serving_only() -> None:
    store = users_cluster()
    store.take_delta()
    store.apply(event("Pod", api.pod("users-b", "worker-2"), "MODIFIED"), 2.0)
    store.apply(event("EndpointSlice", api.endpoint_slice("users", [
        api.endpoint("users-a", "worker-1", "10.244.1.5", ready=False, terminating=True),
        api.endpoint("users-b", "worker-2", "10.244.2.7"),
    ]), "MODIFIED"), 2.0)
    delta: Any = store.take_delta()
    (changed,) = [o for o in delta["objects"]["upsert"] if o["kind"] == "Service"]
    assert [(e["pod"], e["ready"], e["serving"], e["terminating"]) for e in changed["endpoints"]] == [
        ("users-a", False, True, True), ("users-b", True, True, False)]
    assert [(p["pod"], p["reason"]) for p in changed["excluded"]] == [
        ("users-a", "terminating"), ("users-c", "noEndpoint")]


def test_the_server_decides_which_pods_a_service_sends_traffic_to_and_why_each_other_match_gets_none() -> None:
    """The map lights a Service's ready endpoints and outlines its excluded pods; the reason travels with them."""
    store = users_cluster()
    store.take_delta()
    store.apply(event("Pod", api.pod("users-a", "worker-1", ready=False), "MODIFIED"), 2.0)  # its probe fails
    store.apply(event("EndpointSlice", api.endpoint_slice("users", [
        api.endpoint("users-a", "worker-1", "10.244.1.5", ready=False),
        api.endpoint("users-b", "worker-2", "10.244.2.7", ready=False, terminating=True),
    ]), "MODIFIED"), 2.0)
    view = service_view(store)
    assert [e["pod"] for e in view["endpoints"] if e["ready"]] == [], "no pod receives its traffic now"
    assert {p["pod"]: p["reason"] for p in view["excluded"]} == {
        "users-a": "notReady", "users-b": "terminating", "users-c": "noEndpoint"}
    assert "other" not in {p["pod"] for p in view["excluded"]}, "another app's pod is not the Service's at all"


def test_a_pod_being_deleted_is_excluded_as_terminating_even_before_its_endpoint_says_so() -> None:
    assert exclusion_reason(None, "Terminating") == "terminating"
    assert exclusion_reason(None, "Running") == "noEndpoint"
    endpoint: Any = {"address": "10.0.0.1", "pod": "a", "node": "n", "ready": False, "serving": True,
                     "terminating": False}
    assert exclusion_reason(endpoint, "Running") == "notReady"
    assert exclusion_reason({**endpoint, "terminating": True}, "Running") == "terminating"


def services_in(delta: Any) -> list[ServiceView]:
    return [o for o in (delta or {}).get("objects", {}).get("upsert", []) if o["kind"] == "Service"]


def test_a_service_is_sent_again_only_when_a_pod_change_alters_what_it_shows() -> None:
    """A label that changes and keeps the pod selected leaves the Service as it was (nothing to send). A selected
    pod that moves to a node, or stops being selected, changes its excluded list: the Service goes out again."""
    store = users_cluster()
    store.take_delta()
    relabelled = api.pod("users-a", "worker-1", claim="data-users")
    relabelled["metadata"]["labels"]["tier"] = "web"
    store.apply(event("Pod", relabelled, "MODIFIED"), 2.0)
    assert services_in(store.take_delta()) == [], "the label changed nothing the Service shows"
    store.apply(event("Pod", api.pod("users-c", "worker-3", ready=False), "MODIFIED"), 3.0)
    (scheduled,) = services_in(store.take_delta())
    assert [(p["pod"], p["node"]) for p in scheduled["excluded"]] == [("users-b", "worker-2"), ("users-c", "worker-3")]
    store.apply(event("Pod", api.pod("users-b", "worker-2", ready=False, app="other"), "MODIFIED"), 4.0)
    (left,) = services_in(store.take_delta())
    assert [p["pod"] for p in left["excluded"]] == ["users-c"], "users-b no longer matches the selector"
    assert service_view(store) == left


def test_a_service_recorded_before_the_reasons_gets_them_by_the_same_rule_when_replayed() -> None:
    live = service_view(users_cluster())
    old: Any = {**live, "excluded": [{k: v for k, v in p.items() if k != "reason"} for p in live["excluded"]]}
    assert with_reasons(old) == live
    state: Any = {"pods": [], "objects": [old]}
    assert map_state(state)["objects"] == [live], "the replaying map gets the reasons too"


def test_a_claim_has_its_capacity_class_volume_and_the_pods_that_mount_it() -> None:
    store = users_cluster()
    claim: Any = store.object_view("PersistentVolumeClaim", "default", "data-users")
    assert (claim["phase"], claim["capacity"], claim["requested"], claim["storageClass"], claim["volume"]) == (
        "Bound", "1Gi", "1Gi", "standard", "pvc-1234")
    assert claim["pods"] == ["users-a"] and claim["accessModes"] == ["ReadWriteOnce"]
    volume: Any = store.object_view("PersistentVolume", "", "pvc-1234")
    assert (volume["phase"], volume["claim"], volume["source"], volume["reclaimPolicy"]) == (
        "Bound", "default/data-users", "csi: ebs.csi.aws.com", "Delete")
    pod: Any = store.pod("default", "users-a")
    assert {"name": "data", "kind": "persistentVolumeClaim", "claim": "data-users"} in pod["volumes"]


def test_a_pending_claim_has_no_capacity_or_volume_yet() -> None:
    store = ClusterStore("test", SOURCE)
    store.apply(event("PersistentVolumeClaim", api.claim("wait", phase="Pending")), 1.0)
    claim: Any = store.object_view("PersistentVolumeClaim", "default", "wait")
    assert (claim["phase"], claim["capacity"], claim["volume"], claim["requested"]) == ("Pending", "", "", "1Gi")


def test_deltas_carry_only_the_objects_that_changed_and_rebuild_the_state() -> None:
    store = users_cluster()
    store.take_delta()
    client: Any = store.snapshot()
    store.apply(event("Pod", api.pod("users-b", "worker-2"), "DELETED"), 2.0)
    delta: Any = store.take_delta()
    assert [o["kind"] for o in delta["objects"]["upsert"]] == ["Service"], "only the Service saw the pod go"
    store.apply(event("Service", api.service(), "DELETED"), 3.0)
    delta2: Any = store.take_delta()
    assert delta2["objects"] == {"upsert": [], "remove": ["Service/default/users"]}
    for d in (delta, delta2):
        client = apply_delta(client, d)
    assert client["objects"] == store.snapshot()["objects"]
    assert store.take_delta() is None, "nothing changed: no delta"


def test_history_rebuilds_objects_from_a_checkpoint_and_deltas() -> None:
    store = users_cluster()
    store.take_delta()
    checkpoint: Any = store.snapshot(containers=True)
    deltas = []
    store.apply(event("Deployment", api.deployment(replicas=3, revision="3"), "MODIFIED"), 2.0)
    deltas.append(store.take_delta())
    store.apply(event("PersistentVolume", api.volume(), "DELETED"), 3.0)
    deltas.append(store.take_delta())
    assert rebuild(checkpoint, deltas)["objects"] == store.snapshot()["objects"]  # type: ignore[typeddict-item]


def test_a_relist_forgets_the_objects_that_vanished_meanwhile() -> None:
    store = users_cluster()
    store.load({"Service": [], "EndpointSlice": [], "PersistentVolume": [], "Deployment": [], "ReplicaSet": []}, 5.0)
    assert [o["kind"] for o in store.object_views()] == ["PersistentVolumeClaim"]


def test_an_export_keeps_the_objects_and_reads_them_back() -> None:
    state = users_cluster().snapshot(containers=True)
    doc = export.parse(export.dumps(export.document(state, exported_at=5.0)))
    objects: list[ObjectView] = doc["state"]["objects"]  # type: ignore[typeddict-item]
    assert objects == state["objects"]  # type: ignore[typeddict-item]
    assert {o["kind"] for o in objects} == {"Deployment", "Service", "PersistentVolumeClaim", "PersistentVolume"}


def test_an_export_with_a_hostile_object_is_refused_with_the_reason() -> None:
    state: Any = users_cluster().snapshot(containers=True)
    doc: Any = orjson.loads(export.dumps(export.document(state, exported_at=5.0)))
    doc["state"]["objects"][0]["images"] = [{"<script>": 1}]
    with pytest.raises(export.SnapshotError, match="images must be a list of strings"):
        export.validate(doc)
    doc["state"]["objects"] = [{"kind": "Secret", "name": "x", "namespace": "y", "data": {"k": "dg=="}}]
    with pytest.raises(export.SnapshotError, match="not a known kind"):
        export.validate(doc)


def test_an_excluded_pods_reason_is_optional_in_an_export_and_one_of_the_known_ones() -> None:
    state: Any = users_cluster().snapshot(containers=True)
    doc: Any = orjson.loads(export.dumps(export.document(state, exported_at=5.0)))
    (service,) = [o for o in doc["state"]["objects"] if o["kind"] == "Service"]
    del service["excluded"][0]["reason"]
    export.validate(doc)  # a file from before the reasons
    service["excluded"][1]["reason"] = "<img src=x>"
    with pytest.raises(export.SnapshotError, match=re.escape("excluded[1].reason is unknown")):
        export.validate(doc)


def test_an_older_snapshot_without_objects_still_loads() -> None:
    state: Any = users_cluster().snapshot(containers=True)
    del state["objects"]
    doc = export.parse(export.dumps(export.document(state, exported_at=5.0)))
    assert "objects" not in doc["state"]


def test_the_timeline_tells_which_pods_a_service_gained_and_lost_as_endpoints() -> None:
    store = users_cluster()
    store.take_delta()
    before = store.snapshot()
    store.apply(event("EndpointSlice", api.endpoint_slice("users", [
        api.endpoint("users-a", "worker-1", "10.244.1.5", ready=False, terminating=True),
        api.endpoint("users-b", "worker-2", "10.244.2.7"),
    ]), "MODIFIED"), 2.0)
    delta: Any = store.take_delta()
    (told,) = [e for e in events_between(before, [delta]) if e["kind"] == "endpoints"]
    assert told["text"] == "Service default/users: 1 → 1 ready endpoints (+users-b; -users-a)"
    assert told["refs"] == [{"kind": "Service", "namespace": "default", "name": "users"}]
    assert (told["args"]["added"], told["args"]["removed"]) == ("users-b", "users-a")
    after = store.snapshot()
    store.apply(event("Pod", api.pod("users-c", "worker-3", ready=False), "MODIFIED"), 3.0)  # scheduled, not ready
    quiet: Any = store.take_delta()
    assert [o["kind"] for o in quiet["objects"]["upsert"]] == ["Service"], "its excluded pod moved"
    assert not [e for e in events_between(after, [quiet]) if e["kind"] == "endpoints"], "its traffic did not"
