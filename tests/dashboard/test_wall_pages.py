"""The wall's pages through Django's test client: the fleet at /wall/ and /, and the button that crashes a
control-plane process of the fake cluster (what the wall's control-plane strip shows)."""

from __future__ import annotations

import asyncio
import json
import re

import orjson
import pytest
from django.test import AsyncClient

from dashboard import hub as hub_module
from dashboard.clusters import cluster_specs
from dashboard.hub import Hub

pytestmark = pytest.mark.django_db(transaction=True)
FAKE = {"name": "demo, staging", "seed": 0, "workers": 3, "pods_per_node": 0, "scenario": "quiet", "speed": 1.0}


@pytest.fixture
def fleet_hub(monkeypatch: pytest.MonkeyPatch) -> Hub:
    """Two fake clusters, demo and staging."""
    fleet = hub_module.Hub(cluster_specs({}, FAKE))
    for module in ("dashboard.hub", "dashboard.views", "dashboard.wall"):
        monkeypatch.setattr(f"{module}.hub", fleet)
    return fleet


def fleet_config(body: str) -> dict[str, object]:
    match = re.search(r'<script id="wall-config" type="application/json">(.*?)</script>', body)
    assert match, "the page carries its configuration"
    config: dict[str, object] = json.loads(match.group(1))
    return config


async def test_the_fleet_wall_shows_every_cluster_as_a_kiosk(fleet_hub: Hub) -> None:
    response = await AsyncClient().get("/wall/?animate=0")
    assert response.status_code == 200
    body = response.content.decode()
    assert [c["name"] for c in fleet_config(body)["fleet"]] == ["demo", "staging"]  # type: ignore[index]
    assert 'data-fleet-cluster="demo"' in body and 'data-fleet-cluster="staging"' in body
    assert "<a " not in body.split('id="fleet"')[1], "a kiosk has no links"


async def test_the_index_is_the_fleet_with_links_when_there_are_several_clusters(fleet_hub: Hub) -> None:
    response = await AsyncClient().get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="/clusters/demo/"' in body and 'href="/clusters/staging/"' in body


async def test_the_index_of_one_cluster_is_its_map() -> None:
    response = await AsyncClient().get("/")
    assert response.status_code == 302 and response["Location"] == "/clusters/demo/"


async def test_a_bad_fleet_address_says_what_is_wrong(fleet_hub: Hub) -> None:
    response = await AsyncClient().get("/wall/?animate=maybe")
    assert response.status_code == 400
    assert "animate must be 0 or 1" in response.content.decode()


async def process_health(client: AsyncClient, name: str) -> str:
    data = orjson.loads((await client.get("/api/v1/clusters/demo/state")).content)
    return str(next(p["health"] for p in data["controlPlane"] if p["name"] == name))


async def test_crashing_a_control_plane_process_makes_it_unhealthy(running_hub: Hub) -> None:
    from django.contrib.auth.models import User

    client = AsyncClient()  # logged in: the fake cluster's buttons are not for anonymous visitors
    await client.aforce_login(await User.objects.acreate(username="vic"))
    assert await process_health(client, "kube-apiserver") == "healthy"
    crash = await client.post("/clusters/demo/fake/crash-component", {"component": "kube-apiserver"})
    assert crash.status_code == 202
    # The runtime applies the press on its next tick (a press on a loaded machine may answer before it has). The
    # health is read as seen, not asked again: a crash-looping pod runs briefly between its restarts.
    seen = []
    for _ in range(300):
        seen.append(await process_health(client, "kube-apiserver"))
        if seen[-1] == "unhealthy":
            break
        await asyncio.sleep(0.1)
    assert seen[-1] == "unhealthy", f"{crash.content.decode()[:300]} then {sorted(set(seen))}"
    assert await process_health(client, "kube-scheduler") == "healthy", "only the one named"
    refused = await client.post("/clusters/demo/fake/crash-component", {"component": "kubelet"})
    assert refused.status_code == 400
    assert "component must be one of" in refused.content.decode()
