"""What a person reads is true, in real Chromium: a silent node's pods are drawn as last reported, a cluster
never reached says so with its server, context and reason, and the wall is never green while it cannot know."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.browser.conftest import ARTIFACTS, Server

pytestmark = pytest.mark.browser
SIZES = ((1280, 720), (1920, 1080))


def shots(browser: Any, url: str, name: str, ready: str) -> None:
    """Screenshots at both sizes, taken once ``ready`` (a JS expression) holds."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width, height in SIZES:
        context = browser.new_context(viewport={"width": width, "height": height})
        try:
            page = context.new_page()
            page.goto(url)
            page.wait_for_function(ready, timeout=30_000)
            page.screenshot(path=str(ARTIFACTS / f"{name}-{width}x{height}.png"))
        finally:
            context.close()


SILENT = "[...window.clusterviz.state.nodes.values()].find(n => n.reporting === false)"


def test_after_break_a_worker_its_agents_are_unknown_and_its_pods_drawn_as_last_reported(
    page: Any, browser: Any, tmp_path: Path
) -> None:
    server = Server(tmp_path, CLUSTERVIZ_FAKE_SPEED="10")  # the node lease's 40 s pass in 4
    server.start()
    try:
        server.log_in(page)  # the fake cluster's buttons are for signed-in users
        page.goto(f"{server.url}/clusters/demo/")
        page.wait_for_function("window.clusterviz.indicator() === 'live'", timeout=20_000)
        assert page.evaluate(f"{SILENT} === undefined")
        page.locator("#fake-controls form[data-action='node-not-ready'] button").click()
        page.wait_for_function(f"{SILENT} !== undefined", timeout=60_000)
        node = page.evaluate(SILENT)
        agents = {a["name"]: a for a in node["agents"]}
        assert agents["kubelet"]["health"] == "unhealthy"
        assert agents["kubelet"]["evidence"][0].startswith("not reporting since ")
        assert agents["container-runtime"]["health"] == "unknown"
        assert agents["kube-proxy"]["health"] == "unknown"
        assert agents["kube-proxy"]["evidence"][0].startswith("the kubelet is not reporting since ")
        assert node["lastReportedAt"] > 0

        page.wait_for_function(f"window.clusterviz.stats.hatched.includes(({SILENT}).name)", timeout=10_000)
        pod = page.evaluate(f"[...window.clusterviz.state.pods.values()].find(p => p.node === ({SILENT}).name)")
        assert pod is not None, "its pods stay, with their last reported status"
        rect = page.evaluate("uid => window.clusterviz.layout.podRect(uid)", pod["uid"])
        box = page.locator("#cluster-canvas").bounding_box()
        page.mouse.move(box["x"] + rect["x"] + rect["w"] / 2, box["y"] + rect["y"] + rect["h"] / 2)
        tooltip = page.locator("#map-tooltip")
        tooltip.wait_for(state="visible", timeout=5_000)
        text = tooltip.inner_text()
        assert pod["status"] in text, "the status words are kept"
        assert "last reported" in text and "the kubelet is not reporting" in text
        ready = f"window.clusterviz && {SILENT} !== undefined"
        shots(browser, f"{server.url}/clusters/demo/", "map-silent-node", ready)
    finally:
        server.stop()


def _kubeconfig(path: Path, server: str) -> Path:
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": {"server": server}}],
        "users": [{"name": "u", "user": {"token": "t"}}],
        "contexts": [{"name": "far-away", "context": {"cluster": "c", "user": "u"}}],
        "current-context": "far-away",
    }
    path.write_text(yaml.safe_dump(doc))
    return path


def test_a_cluster_never_reached_says_not_connected_yet_with_server_context_and_reason(
    page: Any, browser: Any, tmp_path: Path
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"https://127.0.0.1:{probe.getsockname()[1]}"  # closed once the block ends
    env = {
        "CLUSTERVIZ_KUBECONFIG": str(_kubeconfig(tmp_path / "kc", closed)),
        "CLUSTERVIZ_CONTEXTS": "down=far-away",
        "CLUSTERVIZ_FAKE_ENABLED": "1",
    }
    server = Server(tmp_path, **env)
    server.start()
    try:
        page.goto(f"{server.url}/clusters/down/")
        banner = page.locator("#source-banner")
        banner.wait_for(state="visible", timeout=20_000)
        page.wait_for_function(
            "document.getElementById('source-banner-reason').textContent === 'connection refused'",
            timeout=30_000,
        )
        assert page.locator("#source-banner-title").inner_text() == "Not connected yet"
        assert page.locator("#source-banner-server").inner_text() == closed
        assert page.locator("#source-banner-context").inner_text() == "far-away"
        assert page.evaluate("window.clusterviz.indicator()") == "connecting", "never live: not stale"
        assert page.locator("#live-text").inner_text().startswith("not connected yet")
        assert page.locator("#count-nodes").inner_text() == "\u2013", "an en dash: no counts without data"
        body = page.locator("body").inner_text()
        assert "managed control plane" not in body
        shown = "!document.getElementById('source-banner').hidden"
        shots(browser, f"{server.url}/clusters/down/", "map-never-reached", shown)
        korean = browser.new_context(viewport={"width": 1280, "height": 720})
        try:
            korean.add_cookies([{"name": "django_language", "value": "ko", "url": server.url}])
            ko = korean.new_page()
            ko.goto(f"{server.url}/clusters/down/")
            ko.wait_for_function(
                "document.getElementById('source-banner-reason').textContent === '연결이 거부됨'", timeout=30_000
            )
            assert ko.locator("#source-banner-title").inner_text() == "아직 연결되지 않음"
            assert ko.locator("#live-text").inner_text().startswith("아직 연결되지 않음")
            ko.screenshot(path=str(ARTIFACTS / "map-never-reached-ko-1280x720.png"))
        finally:
            korean.close()
    finally:
        server.stop()


def open_wall(page: Any, server: Server) -> None:
    page.goto(f"{server.url}/wall/demo/?animate=0")
    page.wait_for_selector("body[data-rendered='1']", timeout=20_000)
    page.wait_for_function("window.clusterviz.freshness() === 'live'", timeout=10_000)


def test_the_wall_is_never_green_while_its_picture_is_stale(page: Any, browser: Any, server: Server) -> None:
    open_wall(page, server)
    assert page.locator("#wall-problems li[data-kind='ok']").count() == 1
    # The source goes stale while the stream still flows. Read back in the same turn of the page's event loop:
    # the live server's next heartbeat (the fake cluster is live) would set the source back.
    seen = page.evaluate(
        """() => { const s = window.clusterviz.state;
                   window.clusterviz.applyDelta({type: 'delta', seq: s.seq + 1, revision: s.revision + 1,
                     source: {...s.source, state: 'stale', reason: 'the API server does not answer'},
                     nodes: {upsert: [], remove: []}, pods: {upsert: [], remove: []}});
                   window.clusterviz.redraw();
                   const banner = document.getElementById('wall-stale');
                   return {kinds: [...document.querySelectorAll('#wall-problems li')].map(li => li.dataset.kind),
                           banner: banner.hidden ? '' : banner.textContent}; }"""
    )
    assert seen["kinds"][0] == "unknown" and "ok" not in seen["kinds"], seen
    assert "the API server does not answer" in seen["banner"]

    server.stop()  # and then the stream itself stops
    page.wait_for_selector("#wall-live[data-state='stale']", timeout=20_000)
    assert page.locator("#wall-problems li[data-kind='ok']").count() == 0
    assert page.locator("#wall-problems li").first.get_attribute("data-kind") == "unknown"
    page.evaluate("window.clusterviz.redraw()")
    assert page.evaluate("window.clusterviz.stats.hatched") == page.evaluate("window.clusterviz.stats.tiles") == 4
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.evaluate("window.clusterviz.redraw()")
        page.screenshot(path=str(ARTIFACTS / f"wall-stale-{width}x{height}.png"))


def test_the_wall_names_a_node_that_stopped_reporting_and_hatches_it(page: Any, server: Server) -> None:
    open_wall(page, server)
    page.evaluate(
        """() => { const s = window.clusterviz.state; const n = [...s.nodes.values()].find(n => !n.controlPlane);
                   window.clusterviz.applyDelta({type: 'delta', seq: s.seq + 1, revision: s.revision + 1,
                     nodes: {upsert: [{...n, reporting: false, lastReportedAt: Date.now() / 1000 - 60}], remove: []},
                     pods: {upsert: [], remove: []}}); }"""
    )
    page.wait_for_selector("#wall-problems li[data-kind='node']", timeout=5_000)
    assert "not reporting since" in page.locator("#wall-problems li[data-kind='node']").inner_text()
    assert page.locator("#wall-problems li[data-kind='ok']").count() == 0
    page.evaluate("window.clusterviz.redraw()")
    assert page.evaluate("window.clusterviz.stats.hatched") == 1
    assert page.locator("#wall-notready").inner_text() == "1"
