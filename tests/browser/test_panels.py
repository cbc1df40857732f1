"""Panels in real Chromium against a real server (DEBUG on, as under ``make run``): they follow the cluster,
show the replayed moment in a replay, and an error answer never replaces the page."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import ARTIFACTS, Server
from tests.browser.test_history import recorded_until, wait_recorded
from tests.browser.test_map import click_rect, open_map

pytestmark = pytest.mark.browser
FIRST_USERS_POD = (
    "[...window.clusterviz.state.pods.values()].filter(p => p.name.startsWith('users-deployment-'))"
    ".sort((a, b) => a.name < b.name ? -1 : 1)[0]"
)
PANEL = "#side-panel"


@pytest.fixture
def fast_server(tmp_path: Path) -> Iterator[Server]:
    """A fake cluster four times faster than the clock, recording its history every half second."""
    server = Server(
        tmp_path,
        CLUSTERVIZ_HISTORY="1",
        CLUSTERVIZ_CHECKPOINT_SECONDS="20",
        CLUSTERVIZ_HISTORY_FLUSH_SECONDS="0.5",
        CLUSTERVIZ_FAKE_SPEED="4",
    )
    server.start()
    yield server
    server.stop()


def screenshots(page: Any, name: str) -> None:
    """The page at the two sizes people use, for a person to look at (tests/artifacts/)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1280, 720), (1920, 1080)):
        page.set_viewport_size({"width": width, "height": height})
        page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}x{height}.png"))
    page.set_viewport_size({"width": 1440, "height": 900})


def page_intact(page: Any) -> None:
    assert page.locator("#cv-app #cluster-canvas").count() == 1, "the map page is still there"
    assert page.locator("#control-plane").count() == 1


def open_pod_panel(page: Any, uid: str) -> None:
    click_rect(page, page.evaluate("uid => window.clusterviz.layout.podRect(uid)", uid))
    page.locator(f"{PANEL} [data-panel='pod'][data-follow='pod:{uid}']").wait_for(timeout=10_000)


def test_an_open_pod_panel_follows_its_crash_loop_without_a_click(page: Any, fast_server: Server) -> None:
    fast_server.log_in(page)
    open_map(page, fast_server)
    pod = page.evaluate(FIRST_USERS_POD)
    open_pod_panel(page, pod["uid"])
    assert page.locator(f"{PANEL} dd[data-restarts]").get_attribute("data-restarts") == "0"

    page.locator("#fake-controls form[data-action='crash'] button").click()  # the first users pod crash-loops
    restarts_in_panel = f"Number(document.querySelector('{PANEL} dd[data-restarts]').dataset.restarts)"
    page.wait_for_function(f"{restarts_in_panel} >= 2", timeout=60_000)
    page.wait_for_function(  # the panel catches up with the map, whose stream it follows
        f"{restarts_in_panel} === window.clusterviz.state.pods.get('{pod['uid']}').restarts", timeout=10_000
    )
    panel = page.locator(f"{PANEL} [data-panel='pod']")
    restarts = panel.locator("dd[data-restarts]").inner_text()
    assert restarts.endswith(" ago)") and restarts.split(" ")[0] == panel.locator("dd[data-restarts]").get_attribute(
        "data-restarts"
    )
    assert "CrashLoopBackOff" in panel.inner_text() or "Error" in panel.inner_text()
    page.wait_for_selector(f"{PANEL} tr[data-event-reason='BackOff']", timeout=30_000)
    assert panel.locator("[data-last-state]").first.inner_text().startswith("terminated: Error (exit code 1)")
    assert "as of " in panel.locator(".panel-asof").inner_text()
    screenshots(page, "panel-pod-crashloop")
    page_intact(page)


def test_a_replay_panel_shows_the_historical_node_condition_not_the_live_one(page: Any, fast_server: Server) -> None:
    fast_server.log_in(page)
    open_map(page, fast_server)
    worker = page.evaluate(
        "[...window.clusterviz.state.nodes.values()].filter(n => !n.controlPlane).map(n => n.name).sort()[0]"
    )
    page.locator("#fake-controls form[data-action='node-not-ready'] button").click()
    page.wait_for_function(f"window.clusterviz.state.nodes.get('{worker}').ready === 'Unknown'", timeout=60_000)
    broken = float(page.evaluate("window.clusterviz.state.at"))
    wait_recorded(page, broken)
    page.locator("#fake-controls form[data-action='node-ready'] button").click()
    page.wait_for_function(f"window.clusterviz.state.nodes.get('{worker}').ready === 'True'", timeout=60_000)

    page.evaluate("t => window.clusterviz.replay.showAt(t)", math.ceil(broken))
    page.wait_for_function(f"window.clusterviz.state.nodes.get('{worker}').ready === 'Unknown'", timeout=10_000)
    click_rect(page, page.evaluate("n => window.clusterviz.layout.nodeRect(n)", worker), dy=8)
    panel = page.locator(f"{PANEL} [data-panel='node'][data-node='{worker}']")
    panel.wait_for(timeout=10_000)
    assert panel.locator("[data-ready]").get_attribute("data-ready") == "Unknown", "the replayed moment's condition"
    assert (panel.get_attribute("data-url") or "").startswith(f"/replays/demo/nodes/{worker}/panel?at=")
    assert "Replay — as of " in panel.locator(".panel-asof").inner_text()
    screenshots(page, "panel-node-replay")

    page.locator("#replay-live").click()  # back to live: the open panel follows, to the live condition
    page.wait_for_function(
        f"document.querySelector(\"{PANEL} [data-ready]\")?.dataset.ready === 'True'"
        f" && document.querySelector('{PANEL} [data-url]').dataset.url.startsWith('/clusters/demo/')",
        timeout=10_000,
    )


def test_a_pod_absent_at_the_replayed_moment_leaves_the_page_intact(page: Any, fast_server: Server) -> None:
    fast_server.log_in(page)
    open_map(page, fast_server)
    page.wait_for_function("!document.getElementById('replay-slider').disabled", timeout=30_000)
    before = recorded_until(page)
    page.locator("#fake-controls form[data-action='scale'] button").click()  # replicas 4: two new pods
    new = page.wait_for_function(  # placed and running: a pod still pending moves from under the click
        "[...window.clusterviz.state.pods.values()].filter(p => p.name.startsWith('users-deployment-'))"
        f".find(p => p.createdAt > {before} && p.node && p.statusClass === 'running')",
        timeout=30_000,
    ).json_value()
    open_pod_panel(page, new["uid"])  # open while live, then replay a moment before it was created

    page.evaluate("t => window.clusterviz.replay.showAt(t)", math.ceil(before))
    gone = page.locator(f"{PANEL} [data-panel='gone']")
    gone.wait_for(timeout=10_000)
    assert f"Pod default/{new['name']} did not exist at " in gone.inner_text()
    page_intact(page)

    # and asked for directly, as a click on it would: the panel answers, the page stays (DEBUG is on)
    page.evaluate(
        "url => htmx.ajax('GET', url, {target: '#side-panel', swap: 'innerHTML'})",
        f"/replays/demo/pods/default/{new['name']}/panel?at={math.ceil(before)}",
    )
    page.wait_for_function(f"document.querySelector('{PANEL} [data-panel=gone]') !== null", timeout=10_000)
    page.evaluate("htmx.ajax('GET', '/replays/demo/pods/default/x/panel?at=soon', {target: '#side-panel'})")
    page.wait_for_selector(f"{PANEL} .cv-answer-error", timeout=10_000)  # a 400: a note in the panel
    page_intact(page)


def test_the_history_pages_default_compare_works(page: Any, fast_server: Server) -> None:
    fast_server.log_in(page)
    open_map(page, fast_server)
    page.wait_for_function("!document.getElementById('replay-slider').disabled", timeout=30_000)
    page.locator("#fake-controls form[data-action='scale'] button").click()  # something to compare
    page.wait_for_function(
        "window.clusterviz.state.pods.size > 0 && [...window.clusterviz.state.pods.values()]"
        ".filter(p => p.name.startsWith('users-deployment-')).length === 4",
        timeout=30_000,
    )
    wait_recorded(page, float(page.evaluate("window.clusterviz.state.at")))
    page.goto(f"{fast_server.url}/clusters/demo/history/")
    page.locator("#diff-form button[type='submit']").click()
    page.locator("#diff-result #diff-body").wait_for(timeout=10_000)
    assert page.locator("#diff-error").count() == 0, page.locator("#diff-result").inner_text()
    assert page.locator("#history-page").count() == 1
    assert int(page.locator("#diff-body").get_attribute("data-total") or 0) > 0, "the scale-up is a difference"


def test_a_panel_request_that_gets_no_answer_says_so_in_the_panel_without_a_page_error(
    page: Any, server: Server
) -> None:
    server.log_in(page)
    open_map(page, server)
    pods = page.evaluate("[...window.clusterviz.state.pods.values()].map(p => p.uid).sort()")
    open_pod_panel(page, pods[0])
    page.route("**/panel*", lambda route: route.abort())  # the server stops answering (a restart, a dropped link)
    click_rect(page, page.evaluate("uid => window.clusterviz.layout.podRect(uid)", pods[1]))
    page.locator(f"{PANEL} [data-panel='error'] .cv-answer-error").wait_for(timeout=10_000)
    assert "No answer from the server" in page.locator(PANEL).inner_text()
    page_intact(page)  # and the page fixture asserts no JavaScript error: htmx's rejected promise is handled
