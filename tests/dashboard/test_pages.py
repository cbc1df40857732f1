"""The pages, panels and JSON endpoints, through Django's test client."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from django.test import AsyncClient

from dashboard.hub import Hub

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def client() -> AsyncClient:
    return AsyncClient()


@pytest.fixture
async def member() -> AsyncClient:
    """A logged-in user: the fake cluster's buttons are not for anonymous visitors."""
    from django.contrib.auth.models import User

    client = AsyncClient()
    await client.aforce_login(await User.objects.acreate(username="vic"))
    return client


async def state(client: AsyncClient) -> dict[str, Any]:
    response = await client.get("/api/v1/clusters/demo/state")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data: dict[str, Any] = orjson.loads(response.content)
    return data


async def test_the_cluster_list_names_the_demo_cluster(client: AsyncClient, running_hub: Hub) -> None:
    response = await client.get("/api/v1/clusters")
    assert response.json() == {
        "clusters": [{"name": "demo", "state": "/api/v1/clusters/demo/state", "websocket": "/ws/clusters/demo/"}]
    }


async def test_the_state_has_a_revision_and_the_users_deployment(client: AsyncClient, running_hub: Hub) -> None:
    data = await state(client)
    assert data["revision"] > 0
    images = {p["name"]: p for p in data["pods"] if p["name"].startswith("users-deployment-")}
    assert len(images) == 2
    assert {p["owner"]["kind"] for p in images.values()} == {"Deployment"}
    assert "containers" not in next(iter(images.values())), "the map's state carries pod summaries only"


async def test_an_unknown_cluster_is_a_404(client: AsyncClient, running_hub: Hub) -> None:
    response = await client.get("/api/v1/clusters/nope/state")
    assert response.status_code == 404
    assert (await client.get("/clusters/nope/")).status_code == 404


async def test_the_root_redirects_to_the_map(client: AsyncClient, running_hub: Hub) -> None:
    response = await client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/clusters/demo/"


async def test_the_map_page_renders(client: AsyncClient, running_hub: Hub) -> None:
    response = await client.get("/clusters/demo/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="cluster-canvas"' in body
    assert "/api/v1/clusters/demo/state" in body


async def test_the_node_panel_shows_agents_and_pods(client: AsyncClient, running_hub: Hub) -> None:
    data = await state(client)
    worker = next(n for n in data["nodes"] if not n["controlPlane"])
    response = await client.get(f"/clusters/demo/nodes/{worker['name']}/panel", headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    for agent in ("kubelet", "container-runtime", "kube-proxy"):
        assert f'data-process="{agent}"' in body
    assert worker["kubeletVersion"] in body


async def test_the_pod_panel_shows_containers_and_volumes(client: AsyncClient, running_hub: Hub) -> None:
    data = await state(client)
    pod = next(p for p in data["pods"] if p["name"].startswith("users-deployment-"))
    response = await client.get(f"/clusters/demo/pods/default/{pod['name']}/panel")
    assert response.status_code == 200
    body = response.content.decode()
    assert "my-repo/users-application" in body
    assert "Deployment" in body and "users-deployment" in body
    assert pod["qosClass"] in body


async def test_the_process_panel_explains_the_scheduler(client: AsyncClient, running_hub: Hub) -> None:
    response = await client.get("/clusters/demo/processes/kube-scheduler/panel")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-process="kube-scheduler"' in body
    assert "data-health=" in body


async def test_a_vanished_pod_panel_says_so(client: AsyncClient, running_hub: Hub) -> None:
    response = await client.get("/clusters/demo/pods/default/no-such-pod/panel")
    assert response.status_code == 404
    assert "no longer in the cluster" in response.content.decode()


async def test_fake_controls_script_the_cluster(member: AsyncClient, running_hub: Hub) -> None:
    client = member
    response = await client.post("/clusters/demo/fake/scale", {"replicas": "4"})
    assert response.status_code == 202
    bad = await client.post("/clusters/demo/fake/scale", {"replicas": "lots"})
    assert bad.status_code == 400
    assert (await client.post("/clusters/demo/fake/explode")).status_code == 404


async def test_panels_show_used_next_to_requested_only_when_metrics_exist(
    client: AsyncClient, running_hub: Hub
) -> None:
    data = await state(client)
    worker = next(n for n in data["nodes"] if not n["controlPlane"])
    pod = next(p for p in data["pods"] if p["name"].startswith("users-deployment-"))
    node_url = f"/clusters/demo/nodes/{worker['name']}/panel"
    pod_url = f"/clusters/demo/pods/default/{pod['name']}/panel"
    for url in (node_url, pod_url):  # the fake has no metrics-server: normal, said plainly
        body = (await client.get(url)).content.decode()
        assert "no metrics (metrics-server not installed)" in body and 'class="used"' not in body

    runtime = running_hub.runtime("demo")
    usage = {"cpu": 1234, "memory": 300 << 20}
    await runtime.aread(lambda s: s.set_usage({worker["name"]: usage}, {("default", pod["name"]): usage}))
    for url in (node_url, pod_url):
        body = (await client.get(url)).content.decode()
        assert "1234m" in body and 'class="used"' in body and "no metrics" not in body


async def test_the_fake_cluster_buttons_speak_the_viewers_language(member: AsyncClient, running_hub: Hub) -> None:
    client = member
    korean = (await client.get("/clusters/demo/", headers={"Accept-Language": "ko"})).content.decode()
    assert "워커 노드 고장 내기" in korean and "Break a worker" not in korean
    english = (await client.get("/clusters/demo/", headers={"Accept-Language": "en"})).content.decode()
    assert "Break a worker" in english
