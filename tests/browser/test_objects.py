"""Choosing a workload, a Service or a claim on the map: its pods light up on their nodes, the rest dim, and the
URL keeps the choice. The state is the core tests' API-shaped users-deployment (one ready endpoint, one not
ready, one matching pod not listed), given to the page as the stream would give it."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from tests.browser.conftest import Server
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
    assert "Excluded, no traffic: users-b (Running), users-c (Running)." in summary
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
