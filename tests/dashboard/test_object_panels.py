"""The workload, Service and claim panels, live and replayed through the one code path (dashboard.panels), and
the pod panel's links to them; in English and Korean."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pytest
from django.test import RequestFactory
from django.utils import translation

from clusterviz.store import ClusterStore
from dashboard import panels
from dashboard.history.replay import answer
from dashboard.remote import QUERIES
from tests.core import apiobjects as api
from tests.core.test_objects import event, users_cluster

pytestmark = pytest.mark.django_db


def live(store: ClusterStore) -> panels.Source:
    async def fetch(kind: str, args: Mapping[str, Any]) -> dict[str, Any] | None:
        return QUERIES[kind](store, dict(args))  # type: ignore[no-any-return]

    return panels.Source("test", fetch, "/clusters/test/")


def replay(state: Mapping[str, Any], at: float) -> panels.Source:
    moment = {**state, "history": {"at": at, "checkpoint": 1, "imported": False}}

    async def fetch(kind: str, args: Mapping[str, Any]) -> dict[str, Any] | None:
        return answer(moment, kind, args)

    return panels.Source("test", fetch, "/replays/test/", at=at)


async def panel(source: panels.Source, what: str, **args: Any) -> tuple[int, str]:
    response = await panels.render_panel(RequestFactory().get("/panel"), source, what, args)
    return response.status_code, response.content.decode()


async def test_a_deployments_panel_shows_counts_conditions_its_replicasets_by_revision_and_the_rollout() -> None:
    status, html = await panel(live(users_cluster()), "object", kind="Deployment", namespace="default",
                               name="users-deployment")
    assert status == 200 and 'data-panel="workload"' in html
    assert 'data-desired="2"' in html and 'data-updated="1"' in html and 'data-available="2"' in html
    assert 'data-condition="Progressing"' in html and "ReplicaSetUpdated" in html
    revisions = re.findall(r'data-replicaset="([^"]+)" data-revision="(\d+)"', html)
    assert revisions == [("users-deployment-6b7c9d", "2"), ("users-deployment-5f4d8c", "1")], "newest first"
    assert "my-repo/users-application:1" in html and "my-repo/users-application:2" in html
    assert 'data-rollout="progressing"' in html
    assert "Rolling out revision 2: 1 of 2 pods updated, 2 available; older revisions still run 1." in html
    assert "maxSurge" in html and "Keeps a number of identical pods running" in html
    assert 'data-select="Deployment/default/users-deployment"' in html
    assert 'data-follow="object:Deployment/default/users-deployment"' in html
    assert 'data-url="/clusters/test/workloads/Deployment/default/users-deployment/panel"' in html
    assert re.search(r'worker-1</span>: <a [^>]*data-pod="default/users-a">users-a</a>', html), "pods by node"
    assert 'data-pod="default/other"' not in html, "another app's pod is not the Deployment's"


async def test_a_finished_rollout_says_it_is_complete() -> None:
    store = users_cluster()
    done = api.deployment()
    done["status"].update(updatedReplicas=2, availableReplicas=2)
    store.apply(event("Deployment", done, "MODIFIED"), 2.0)
    store.apply(event("ReplicaSet", api.replicaset("5f4d8c", "1", "my-repo/users-application:1", 0, 0),
                      "MODIFIED"), 2.0)
    _, html = await panel(live(store), "object", kind="Deployment", namespace="default", name="users-deployment")
    assert 'data-rollout="done"' in html and "Complete: every pod runs revision 2." in html


async def test_a_services_panel_lists_ready_and_not_ready_endpoints_and_the_pods_that_get_no_traffic() -> None:
    status, html = await panel(live(users_cluster()), "object", kind="Service", namespace="default", name="users")
    assert status == 200 and 'data-panel="service"' in html
    assert 'data-type="ClusterIP"' in html and "10.96.12.34" in html and "http 80→8080/TCP" in html
    assert "Endpoints: 1 of 2 ready" in html
    endpoints = re.findall(r'data-endpoint="([^"]+)" data-ready="(\w+)"', html)
    assert endpoints == [("users-a", "true"), ("users-b", "false")]
    assert re.findall(r'data-excluded="([^"]+)" data-reason="(\w+)"', html) == [
        ("users-b", "notReady"), ("users-c", "noEndpoint")], "the server's reason, one per excluded pod"
    assert html.count("excluded: not ready") == 2
    assert "an endpoint, not ready" in html and "not an endpoint (yet)" in html
    assert "A stable name and virtual IP" in html and "EndpointSlice controller" in html


async def test_a_terminating_pod_is_excluded_from_its_service_as_terminating() -> None:
    store = users_cluster()
    store.apply(event("EndpointSlice", api.endpoint_slice("users", [
        api.endpoint("users-a", "worker-1", "10.244.1.5", ready=False, terminating=True),
    ]), "MODIFIED"), 2.0)
    _, html = await panel(live(store), "object", kind="Service", namespace="default", name="users")
    assert re.search(r'data-excluded="users-a" data-reason="terminating".*excluded: terminating', html)
    assert "its endpoint is leaving the Service" in html and "No endpoints" not in html


async def test_a_claims_panel_shows_phase_capacity_class_its_volume_and_its_pods() -> None:
    status, html = await panel(live(users_cluster()), "object", kind="PersistentVolumeClaim", namespace="default",
                               name="data-users")
    assert status == 200 and 'data-panel="claim"' in html
    assert 'data-phase="Bound"' in html and "1Gi" in html and "standard" in html and 'data-volume="pvc-1234"' in html
    assert "csi: ebs.csi.aws.com" in html and "Delete" in html
    assert re.search(r">users-a</a> <small>on worker-1, Running", html)


async def test_a_pods_panel_links_its_owner_its_services_and_its_claim() -> None:
    status, html = await panel(live(users_cluster()), "pod", namespace="default", name="users-a")
    assert status == 200
    assert re.search(r'href="/clusters/test/workloads/Deployment/default/users-deployment/panel"[^>]*data-owner-link',
                     html)
    assert re.search(r'href="/clusters/test/services/default/users/panel"[^>]*data-service-link>users<', html)
    assert re.search(r'href="/clusters/test/claims/default/data-users/panel"[^>]*data-claim-link>data-users<', html)


async def test_the_same_panels_in_a_replay_show_the_replayed_moment() -> None:
    store = users_cluster()
    then = store.snapshot(containers=True)
    store.apply(event("Service", api.service(), "DELETED"), 5.0)
    source = replay(then, 1000.0)
    status, html = await panel(source, "object", kind="Service", namespace="default", name="users")
    assert status == 200 and "Replay" in html and "Endpoints: 1 of 2 ready" in html
    assert 'data-url="/replays/test/services/default/users/panel?at=1000.0"' in html
    status, html = await panel(source, "pod", namespace="default", name="users-a")
    assert "/replays/test/services/default/users/panel" in html, "the replayed pod links the replayed Service"
    status, _ = await panel(live(store), "object", kind="Service", namespace="default", name="users")
    assert status == 404, "gone from the live cluster"


async def test_a_replay_of_a_snapshot_from_before_objects_were_kept_says_the_object_did_not_exist() -> None:
    state: dict[str, Any] = dict(users_cluster().snapshot(containers=True))
    del state["objects"]
    status, html = await panel(replay(state, 1000.0), "object", kind="Service", namespace="default", name="users")
    assert status == 404 and "Service default/users did not exist at" in html


async def test_hostile_names_in_an_object_are_escaped() -> None:
    store = ClusterStore("test", users_cluster().source)
    store.apply(event("Service", api.service("users", selector={"app": "<script>alert(1)</script>"})), 1.0)
    _, html = await panel(live(store), "object", kind="Service", namespace="default", name="users")
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


async def test_the_panels_speak_korean() -> None:
    with translation.override("ko"):
        _, html = await panel(live(users_cluster()), "object", kind="Service", namespace="default", name="users")
        assert "엔드포인트: 2개 중 1개 준비됨" in html and "셀렉터에 맞지만 트래픽을 받지 않는 파드" in html
        assert "변하지 않는 이름과 가상 IP" in html, "what a Service is for, in Korean"
        _, html = await panel(live(users_cluster()), "object", kind="Deployment", namespace="default",
                              name="users-deployment")
        assert "리비전별 레플리카셋" in html and "하나의 템플릿으로 똑같은 파드를" in html
        _, html = await panel(live(users_cluster()), "object", kind="PersistentVolumeClaim", namespace="default",
                              name="data-users")
        assert "스토리지 클래스" in html and "파드가 스토리지를 요청하는 것" in html


def test_a_viewer_scoped_to_namespaces_gets_only_their_objects_in_states_and_deltas() -> None:
    from dashboard.access.scope import Scope

    store = users_cluster()
    store.apply(event("Service", {**api.service("secret-svc"), "metadata": {"name": "secret-svc", "namespace": "ops"}}),
                1.0)
    scope = Scope.of(["test"], ["default"])
    state: Any = scope.filter_state(dict(store.snapshot()))
    assert {(o["kind"], o["namespace"]) for o in state["objects"]} == {
        ("Deployment", "default"), ("Service", "default"), ("PersistentVolumeClaim", "default"),
        ("PersistentVolume", ""),  # its claim is in default
    }
    store.take_delta()
    store.apply(event("Service", {**api.service("secret-svc"), "metadata": {"name": "secret-svc", "namespace": "ops"}},
                      "DELETED"), 2.0)
    delta: Any = scope.filter_delta(dict(store.take_delta() or {}), {})
    assert delta["objects"] == {"upsert": [], "remove": []}, "not even the name of another namespace's Service"


async def test_the_list_beside_the_map_has_workloads_services_and_claims_troubles_first_each_opening_a_panel() -> None:
    store = users_cluster()
    store.apply(event("Service", api.service("quiet", selector={"app": "nobody"})), 1.0)
    store.rollouts = {"default/users-deployment": 2}
    source = live(store)
    response = await panels.render_object_list(RequestFactory().get("/objects"), source)
    html = response.content.decode()
    assert re.findall(r'data-object="([^"]+)"', html) == [
        "Deployment/default/users-deployment",  # 2 ready of 2 desired
        "Service/default/quiet",  # selects nothing: no endpoint at all
        "Service/default/users",  # a matching pod gets no traffic
        "PersistentVolumeClaim/default/data-users",
    ]
    assert re.search(r'data-object="Service/default/users" class="cv-object cv-object-short"', html)
    assert re.search(r'data-object="Deployment/default/users-deployment" class="cv-object"', html)
    assert 'hx-get="/clusters/test/services/default/users/panel"' in html
    assert 'data-select="Service/default/users"' in html and "rolling out revision 2" in html
    assert re.search(r'title="ready endpoints of all endpoints">1/2<', html)
    assert "as of 00:00:01 UTC" in html, "the moment the list describes (the store's clock, its last event)"
