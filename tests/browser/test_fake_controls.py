"""The fake cluster's buttons aim at what the map has selected, and answer beside the controls."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import ARTIFACTS, Server
from tests.browser.test_map import click_rect, open_map


@pytest.fixture
def fast_server(tmp_path: Path) -> Iterator[Server]:
    """A fake cluster four times faster than the clock: a silent kubelet turns its node Unknown in ~13 s."""
    server = Server(tmp_path, CLUSTERVIZ_FAKE_SPEED="4")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_heal_aimed_at_a_selected_broken_node_heals_that_node(page: Any, fast_server: Server) -> None:
    server = fast_server
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    server.log_in(page)
    open_map(page, server)
    for name in ("worker-1", "worker-3"):  # two broken workers: the default could pick either
        page.locator("#fake-controls form[data-action='node-not-ready'] input[name='node']").evaluate(
            "(input, name) => { input.value = name; }", name)
        page.locator("#fake-controls form[data-action='node-not-ready'] button").click()
        page.wait_for_function(f"document.getElementById('fake-answer').textContent.includes('{name}')",
                               timeout=10_000)
    page.wait_for_function("window.clusterviz.state.nodes.get('worker-3').ready === 'Unknown'", timeout=60_000)

    click_rect(page, page.evaluate("n => window.clusterviz.layout.nodeRect(n)", "worker-3"), dy=8)  # select it
    page.wait_for_function("document.getElementById('side-panel').dataset.open === '1'", timeout=5_000)
    target = page.locator("#fake-target")
    assert "worker-3" in target.inner_text()
    assert page.locator("#fake-controls form[data-action='node-ready'] input[name='node']").input_value() == "worker-3"

    page.locator("#fake-controls form[data-action='node-ready'] button").click()
    page.wait_for_function("document.getElementById('fake-answer').textContent.includes('reports again')",
                           timeout=10_000)
    answer = page.locator("#fake-answer [data-answer='done']").inner_text()
    assert answer.startswith("worker-3's kubelet reports again")
    page.wait_for_function("window.clusterviz.state.nodes.get('worker-3').ready === 'True'", timeout=60_000)
    assert page.evaluate("window.clusterviz.state.nodes.get('worker-1').ready") == "Unknown"  # untouched

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1280, 720), (1920, 1080)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(ARTIFACTS / f"fake-controls-{width}x{height}.png"))
    assert not errors, errors


def test_a_refusal_is_said_beside_the_controls(page: Any, server: Server) -> None:
    server.log_in(page)
    open_map(page, server)
    page.locator("#fake-controls form[data-action='introduction'] button").click()
    refused = page.locator("#fake-answer [data-answer='refused']")
    refused.wait_for(timeout=10_000)
    assert "selector` does not match template `labels`" in refused.inner_text()
    assert "selector must match the labels" in page.locator("#fake-answer [data-answer-note]").inner_text()


def desired(page: Any, key: str) -> int:
    value: int = page.evaluate("k => window.clusterviz.state.objects.get(k).desired", key)
    return value


def test_scale_aims_at_the_deployment_whose_panel_is_open_not_users_deployment(page: Any, server: Server) -> None:
    server.log_in(page)
    open_map(page, server)
    coredns, users = "Deployment/kube-system/coredns", "Deployment/default/users-deployment"
    before = desired(page, users)
    page.locator(f"#object-list [data-object='{coredns}'] a").click()
    page.wait_for_selector(f"#side-panel [data-panel='workload'][data-select='{coredns}']", timeout=10_000)
    scale = page.locator("#fake-controls form[data-action='scale']")
    assert scale.locator("input[name='deployment']").input_value() == "kube-system/coredns"
    assert "Deployment kube-system/coredns" in page.locator("#fake-target").inner_text()

    scale.locator("input[name='replicas']").fill("3")
    scale.locator("button").click()
    page.wait_for_function("document.getElementById('fake-answer').textContent.includes('kube-system/coredns')",
                           timeout=10_000)
    page.wait_for_function(f"window.clusterviz.state.objects.get('{coredns}').desired === 3", timeout=30_000)
    page.wait_for_selector("#side-panel [data-panel='workload'] [data-desired='3']", timeout=30_000)
    assert desired(page, users) == before, "users-deployment is untouched"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 720})
    page.screenshot(path=str(ARTIFACTS / "fake-controls-deployment-1280x720.png"))


def test_a_pods_panel_aims_roll_out_at_its_deployment(page: Any, server: Server) -> None:
    server.log_in(page)
    open_map(page, server)
    pod = page.evaluate("[...window.clusterviz.state.pods.values()].find(p => p.owner && p.owner.name === 'coredns')")
    click_rect(page, page.evaluate("uid => window.clusterviz.layout.podRect(uid)", pod["uid"]))
    page.wait_for_selector("#side-panel [data-panel='pod'][data-deployment='kube-system/coredns']", timeout=10_000)
    roll = page.locator("#fake-controls form[data-action='rolling-update']")
    revision = "k => window.clusterviz.state.objects.get(k).revision"
    before = page.evaluate(revision, "Deployment/default/users-deployment")
    page.wait_for_function(
        "document.querySelector(\"#fake-controls form[data-action='rolling-update'] input[name='deployment']\")"
        ".value === 'kube-system/coredns'", timeout=5_000)
    target = page.locator("#fake-target").inner_text()
    assert f"pod kube-system/{pod['name']}" in target and "Deployment kube-system/coredns" in target

    roll.locator("button").click()
    page.wait_for_function("document.getElementById('fake-answer').textContent.includes('kube-system/coredns')",
                           timeout=10_000)
    page.wait_for_function(f"({revision})('Deployment/kube-system/coredns') === 2", timeout=30_000)
    assert page.evaluate(revision, "Deployment/default/users-deployment") == before, "users-deployment is untouched"


def test_a_rollouts_old_pods_are_crossed_out_on_the_compact_overview_too(page: Any, server: Server) -> None:
    """The compact overview (raster.js) draws the old revision's pods crossed out as the detail cards do, and
    empties that bucket each frame (it once kept every frame's old pods, growing without end)."""
    server.log_in(page)
    page.set_viewport_size({"width": 640, "height": 480})
    open_map(page, server)
    page.wait_for_function("window.clusterviz.stats.mode === 'compact'", timeout=10_000)
    page.locator("#fake-controls form[data-action='rolling-update'] button").click()
    page.wait_for_function("window.clusterviz.stats.crossed > 0", timeout=30_000)  # old pods, crossed
    page.evaluate("window.clusterviz.pauseLive()")  # the picture holds still: only the overview draws now
    before = page.evaluate("window.clusterviz.stats.crossed")
    page.evaluate("window.clusterviz.fit()")
    page.wait_for_function(f"window.clusterviz.stats.crossed > {before}", timeout=5_000)
