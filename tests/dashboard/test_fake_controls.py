"""The fake cluster's buttons: each takes its target (or picks a sensible one) and says what it did or why not."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import AsyncClient

from clusterviz.fake import Demo, FakeCluster
from clusterviz.sources import FakeSource
from dashboard.hub import Hub

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def member() -> AsyncClient:
    """A logged-in user: the fake cluster's buttons are not for anonymous visitors."""
    from django.contrib.auth.models import User

    client = AsyncClient()
    await client.aforce_login(await User.objects.acreate(username="poker"))
    return client


async def fake(hub: Hub) -> FakeCluster:
    runtime = await hub.running("demo")
    return runtime.source.cluster  # type: ignore[union-attr, no-any-return]


async def with_the_demo_script(hub: Hub) -> FakeCluster:
    """The tests' settings run the quiet scenario; this cluster runs the demo's script (on its own thread)."""
    cluster = await fake(hub)

    def demo(c: FakeCluster) -> list[Any]:
        c.scenario = Demo()
        c.scenario.start(c)
        return []

    source = (await hub.running("demo")).source
    assert isinstance(source, FakeSource)
    source.script(demo)
    return cluster


async def press(client: AsyncClient, action: str, lang: str = "en", **form: str) -> tuple[int, str]:
    response = await client.post(f"/clusters/demo/fake/{action}", form, headers={"Accept-Language": lang})
    return response.status_code, response.content.decode()


def said(body: str) -> str:
    match = re.search(r'<span class="cv-fake-said[^"]*" data-answer="(\w+)">(.*?)</span>', body, re.S)
    assert match is not None, body
    return f"{match.group(1)}: {match.group(2)}"


async def test_heal_without_a_target_heals_the_node_that_is_broken(member: AsyncClient, running_hub: Hub) -> None:
    cluster = await fake(running_hub)
    status, body = await press(member, "node-not-ready", node="worker-3")
    assert status == 202 and said(body).startswith("done: worker-3&#x27;s kubelet stopped reporting")
    assert not cluster.node_is_ready("worker-3")
    status, body = await press(member, "node-ready")
    assert status == 202 and said(body).startswith("done: worker-3&#x27;s kubelet reports again")
    assert cluster.node_is_ready("worker-3")


async def test_heal_says_why_not_when_nothing_is_broken(member: AsyncClient, running_hub: Hub) -> None:
    await fake(running_hub)
    status, body = await press(member, "node-ready")
    assert status == 409 and said(body) == "refused: No worker is broken: there is nothing to heal."
    status, body = await press(member, "node-ready", node="worker-1")  # what it asks for holds already
    assert status == 202 and said(body) == "unchanged: worker-1 is Ready: there is nothing to heal."
    status, body = await press(member, "node-not-ready", node="control-plane-1")
    assert status == 409 and "control-plane node" in said(body)
    status, body = await press(member, "node-not-ready", node="worker-9")
    assert status == 409 and said(body) == "refused: There is no node worker-9."


async def test_crash_refuses_a_pod_on_a_dead_node_and_by_default_picks_one_on_a_ready_node(
    member: AsyncClient, running_hub: Hub
) -> None:
    cluster = await fake(running_hub)
    pods = {name: cluster.get("Pod", "default", name) for name in cluster.pods_of("default", "users-deployment-")}
    victim, node = next((name, pod["spec"]["nodeName"]) for name, pod in pods.items() if pod is not None)
    await press(member, "node-not-ready", node=node)
    status, body = await press(member, "crash", pod=f"default/{victim}")
    assert status == 409 and f"{victim} is on {node}, whose kubelet is not reporting" in said(body)
    status, body = await press(member, "crash")
    crashed = re.search(r"done: (\S+)&#x27;s container exits with code 1", said(body))
    assert status == 202 and crashed is not None
    target = cluster.get("Pod", "default", crashed.group(1))
    assert target is not None and cluster.node_is_ready(target["spec"]["nodeName"])


async def test_making_a_pod_not_ready_names_the_services_it_leaves(member: AsyncClient, running_hub: Hub) -> None:
    cluster = await fake(running_hub)
    name = cluster.pods_of("default", "users-deployment-")[0]
    status, body = await press(member, "pod-not-ready", pod=f"default/{name}")
    assert status == 202 and "the endpoints of its Services (users, users-public)" in said(body)
    ready = [e["conditions"]["ready"] for s in cluster.list("EndpointSlice")[0] for e in s["endpoints"] or []
             if e["targetRef"]["name"] == name]
    assert ready == [False, False]
    status, body = await press(member, "pod-not-ready", pod=f"default/{name}")
    assert status == 202 and said(body) == f"unchanged: {name} is not Ready already."
    status, body = await press(member, "pod-ready")  # the one that is not ready
    assert status == 202 and said(body).startswith(f"done: {name}&#x27;s readiness probe passes again")


async def test_scale_and_rollout_say_what_they_did(member: AsyncClient, running_hub: Hub) -> None:
    await fake(running_hub)
    status, body = await press(member, "scale", replicas="3")
    assert status == 202 and said(body).startswith("done: default/users-deployment: replicas 2 → 3.")
    status, body = await press(member, "scale", replicas="3")  # as kubectl scale to the same count: accepted
    assert status == 202 and said(body) == "unchanged: default/users-deployment has 3 replicas already."
    status, body = await press(member, "rolling-update")
    assert status == 202 and "rolls out my-repo/users-application:v2 as revision 2" in said(body)
    status, body = await press(member, "rolling-update", deployment="default/nope")
    assert status == 400 and said(body) == "invalid: There is no Deployment default/nope."
    status, body = await press(member, "scale", replicas="lots")
    assert status == 400 and said(body) == "invalid: replicas must be a whole number"


async def test_the_introductions_deployment_is_refused_with_the_api_servers_words(
    member: AsyncClient, running_hub: Hub
) -> None:
    cluster = await fake(running_hub)
    before = cluster.get("Deployment", "default", "users-deployment")
    status, body = await press(member, "introduction")
    assert status == 409
    assert "refused: The API server refused it: Deployment.apps &quot;users-deployment&quot; is invalid: " \
           "spec.template.metadata.labels" in said(body)
    assert "the selector must match the labels of its own pod template" in body
    assert cluster.get("Deployment", "default", "users-deployment") == before


async def test_every_press_pauses_the_demo_and_says_so(member: AsyncClient, running_hub: Hub) -> None:
    cluster = await with_the_demo_script(running_hub)
    assert cluster.hands_off_in() == 0
    _status, body = await press(member, "node-ready")  # even one that changes nothing
    assert "The demo's own script now waits 2 minutes after this press." in body
    assert cluster.hands_off_in() > 100


async def test_answers_speak_the_viewers_language(member: AsyncClient, running_hub: Hub) -> None:
    await with_the_demo_script(running_hub)
    status, body = await press(member, "node-ready", lang="ko")
    assert status == 409 and said(body) == "refused: 고장 난 워커가 없습니다: 고칠 것이 없습니다."
    assert "2분 동안 기다립니다" in body


async def test_the_forms_carry_their_targets(member: AsyncClient, running_hub: Hub) -> None:
    page = (await member.get("/clusters/demo/")).content.decode()
    forms: dict[str, Any] = dict(re.findall(r'data-action="([\w-]+)"(?: data-takes="([\w ]+)")?>', page))
    assert forms["node-ready"] == forms["node-not-ready"] == "node"
    assert forms["crash"] == forms["pod-not-ready"] == "pod" and forms["scale"] == "deployment"
    assert '<input type="hidden" name="node" value="">' in page and 'hx-target="#fake-answer"' in page
    assert 'id="fake-answer"' in page and "clusterviz/fake_controls.js" in page
