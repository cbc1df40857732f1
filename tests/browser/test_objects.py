"""Choosing a workload, a Service or a claim on the map: its pods light up on their nodes, the rest dim, and the
URL keeps the choice. The state is the core tests' API-shaped users-deployment (one ready endpoint, one not
ready, one matching pod not listed), given to the page as the stream would give it."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from tests.browser.conftest import ARTIFACTS, Server
from tests.browser.test_map import open_map
from tests.core.test_objects import users_cluster

pytestmark = pytest.mark.browser


def lit(page: Any) -> list[str]:
    return sorted(page.evaluate(
        "[...window.clusterviz.state.pods.values()].filter(p => !window.clusterviz.isDimmed(p.uid)).map(p => p.name)"
    ))


def with_users_state(page: Any, server: Server, query: str = "") -> None:
    page.goto(f"{server.url}/clusters/demo/{query}")
    page.wait_for_selector("body[data-rendered='1']", timeout=20_000)
    page.evaluate("window.clusterviz.pauseLive()")  # the model stops following the fake cluster
    state: Any = dict(users_cluster().snapshot())
    state["cluster"] = "demo"
    page.evaluate("(st) => window.clusterviz.applyState(st)", orjson.loads(orjson.dumps(state)))


def test_a_chosen_service_lights_up_exactly_its_ready_endpoints_and_names_the_excluded(
    page: Any, server: Server
) -> None:
    with_users_state(page, server)
    page.evaluate("window.clusterviz.choose('Service/default/users')")
    assert lit(page) == ["users-a"], "the one ready endpoint; users-b is not ready, users-c not an endpoint"
    assert page.evaluate("window.clusterviz.choice()")["excluded"] == ["default/users-b", "default/users-c"]
    summary = page.text_content("#map-summary")
    assert "Showing the pods that receive the traffic of Service default/users." in summary
    assert "Excluded, no traffic: users-b (not ready, Running), users-c (not ready, not an endpoint yet, Running)." \
        in summary
    assert page.evaluate("window.clusterviz.choice()")["reasons"] == {
        "default/users-b": "notReady", "default/users-c": "noEndpoint"}, "the server's reasons, as sent"
    assert "show=Service%2Fdefault%2Fusers" in page.url, "the URL keeps the choice"


def test_a_chosen_deployment_lights_up_its_pods_and_a_claim_the_pods_that_mount_it(page: Any, server: Server) -> None:
    with_users_state(page, server)
    page.evaluate("window.clusterviz.choose('Deployment/default/users-deployment')")
    assert lit(page) == ["users-a", "users-b", "users-c"], "by owner: not the other app's pod"
    page.evaluate("window.clusterviz.choose('PersistentVolumeClaim/default/data-users')")
    assert lit(page) == ["users-a"]
    page.evaluate("window.clusterviz.choose('')")
    assert lit(page) == ["other", "users-a", "users-b", "users-c"] and "show=" not in page.url


def test_the_choice_in_the_url_opens_its_panel_and_lights_its_pods_after_a_reload(page: Any, server: Server) -> None:
    page.goto(f"{server.url}/clusters/demo/?show=Deployment%2Fdefault%2Fusers-deployment")
    page.wait_for_selector('#side-panel [data-panel="workload"]', timeout=20_000)
    page.wait_for_selector("body[data-rendered='1']", timeout=20_000)
    assert page.evaluate("window.clusterviz.choice()")["key"] == "Deployment/default/users-deployment"
    pods = page.evaluate("[...window.clusterviz.state.pods.values()].map(p => [p.name, p.owner && p.owner.name])")
    shown = [name for name, owner in pods if owner == "users-deployment"]
    assert shown and lit(page) == sorted(shown), "the fake's users-deployment pods, and only they"


def ready_endpoints(page: Any, key: str) -> list[str]:
    names: list[str] = page.evaluate(
        "k => window.clusterviz.state.objects.get(k).endpoints.filter(e => e.ready && e.pod).map(e => e.pod)", key)
    return sorted(names)


def test_a_pod_made_not_ready_on_the_fake_is_excluded_from_the_chosen_service_on_the_map_panel_and_text(
    page: Any, server: Server
) -> None:
    key = "Service/default/users"
    server.log_in(page)
    open_map(page, server)
    page.click(f'#object-list [data-select="{key}"]')
    page.wait_for_selector('#side-panel [data-panel="service"]', timeout=10_000)
    before = ready_endpoints(page, key)
    assert len(before) >= 2 and lit(page) == before, "exactly the ready endpoints' pods are lit"
    victim = before[0]
    uid = page.evaluate("n => [...window.clusterviz.state.pods.values()].find(p => p.name === n).uid", victim)
    assert not page.evaluate("u => window.clusterviz.isExcluded(u)", uid)

    aim = page.locator("#fake-controls form[data-action='pod-not-ready'] input[name='pod']")
    aim.evaluate("(input, name) => { input.value = 'default/' + name; }", victim)
    page.locator("#fake-controls form[data-action='pod-not-ready'] button").click()
    page.wait_for_function(f"window.clusterviz.choice().reasons['default/{victim}'] === 'notReady'", timeout=30_000)

    assert page.evaluate("u => window.clusterviz.isExcluded(u) && window.clusterviz.isDimmed(u)", uid)
    assert lit(page) == [n for n in before if n != victim], "the other ready endpoints stay lit, the rest dim"
    assert victim not in ready_endpoints(page, key)
    page.wait_for_function("window.clusterviz.stats.outlined > 0", timeout=5_000)  # drawn outlined
    assert page.is_visible("#legend-excluded") and "selected but not receiving traffic" in page.text_content(
        "#legend-excluded")
    item = page.locator(f'#side-panel [data-panel="service"] [data-excluded="{victim}"]')
    item.wait_for(timeout=15_000)  # the panel follows the Service live
    assert item.get_attribute("data-reason") == "notReady" and "excluded: not ready" in item.inner_text()
    assert f"{victim} (not ready, Running)" in page.text_content("#map-summary")
    page.click("#text-view-toggle")
    listed = page.locator('#text-view [data-tv-choice-pods] li[data-excluded="notReady"]', has_text=victim)
    listed.wait_for(timeout=5_000)
    assert "excluded, no traffic: not ready" in listed.inner_text()
    assert "receives traffic" in page.text_content("#text-view [data-tv-choice-pods]")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.click("#text-view-toggle")
    for width, height in ((1280, 720), (1920, 1080)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(ARTIFACTS / f"service-excluded-{width}x{height}.png"))
