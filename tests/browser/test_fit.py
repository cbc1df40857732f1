"""The fit view fills the map area: the card geometry is chosen from the space there is (layout.js chooseGrid).

On a 100-node / ~3,000-pod fake cluster with the parts around the map folded away, every node's card is inside
the map, the cards span it, and every pod is a square cell of at least MIN_POD_PX CSS px. Read from the page's
own layout (window.clusterviz.layout), not from guessed pixels."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import ARTIFACTS, Server, checked_page

pytestmark = pytest.mark.browser
MIN_POD_PX = 6  # a pod cell a person can see and point at (the old fit drew 3 px bars here)
FOLDED = ["control-plane", "fake-controls", "replay-bar", "change-feed", "object-list"]
GEOMETRY = """() => {
    const c = window.clusterviz, box = document.getElementById('cluster-canvas').getBoundingClientRect();
    const cards = [...c.state.nodes.values()].map(n => c.layout.nodeRect(n.name));
    const pods = [...c.state.pods.values()].map(p => c.layout.podRect(p.uid));
    const xs = cards.flatMap(r => [r.x, r.x + r.w]), ys = cards.flatMap(r => [r.y, r.y + r.h]);
    return {
        map: {w: box.width, h: box.height}, mode: c.stats.mode, nodes: cards.length,
        outside: cards.filter(r => r.x < 0 || r.y < 0 || r.x + r.w > box.width || r.y + r.h > box.height).length,
        reachW: Math.max(...xs) / box.width, reachH: Math.max(...ys) / box.height,  // the pending area is on top
        cardShare: cards.reduce((a, r) => a + r.w * r.h, 0) / (box.width * box.height),
        pods: pods.length, undrawn: pods.filter(r => !r).length,
        smallest: Math.min(...pods.filter(Boolean).map(r => Math.min(r.w, r.h))),
        squareish: pods.filter(Boolean).every(r => Math.abs(r.w - r.h) < 0.5),
    };
}"""


@pytest.fixture(scope="module")
def hundred_nodes(tmp_path_factory: Any) -> Iterator[Server]:
    server = Server(tmp_path_factory.mktemp("fit"), CLUSTERVIZ_FAKE_WORKERS="100", CLUSTERVIZ_FAKE_PODS_PER_NODE="30")
    server.start(timeout=180)  # 100 nodes: the fake cluster is built before the first state
    yield server
    server.stop()


def fitted(browser: Any, server: Server, width: int, height: int) -> Iterator[Any]:
    fold = f"localStorage.setItem('clusterviz.folded', {json.dumps(json.dumps(FOLDED))})"  # as chrome.js keeps it
    for page in checked_page(browser, init_script=fold, viewport={"width": width, "height": height}):
        page.goto(f"{server.url}/clusters/demo/")
        page.wait_for_selector("body[data-rendered='1']", timeout=60_000)
        page.wait_for_function("window.clusterviz.state.pods.size >= 3000", timeout=30_000)
        page.evaluate("window.clusterviz.fit()")
        page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        yield page


def test_fit_fills_a_1600x1000_map_with_100_readable_node_cards(browser: Any, hundred_nodes: Server) -> None:
    for page in fitted(browser, hundred_nodes, 1600, 1000):
        geo = page.evaluate(GEOMETRY)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "fit-1600x1000.png"))
        assert geo["nodes"] == 101 and geo["pods"] >= 3000, geo
        assert geo["outside"] == 0, f"every node's card is inside the map: {geo}"
        reach = sorted([geo["reachW"], geo["reachH"]])
        assert reach[1] > 0.97 and reach[0] > 0.85, f"the cards reach across the map, no empty third: {geo}"
        assert geo["cardShare"] > 0.5, f"the cards, not the gaps, take the map: {geo}"
        assert geo["undrawn"] == 0 and geo["squareish"], geo
        assert geo["smallest"] >= MIN_POD_PX, f"pods are cells of {MIN_POD_PX} px or more: {geo}"


def point_at(page: Any, rect: dict[str, float], dy: float | None = None) -> tuple[float, float]:
    box = page.locator("#cluster-canvas").bounding_box()
    return box["x"] + rect["x"] + rect["w"] / 2, box["y"] + rect["y"] + (rect["h"] / 2 if dy is None else dy)


def test_the_fitted_cards_answer_the_pointer(browser: Any, hundred_nodes: Server) -> None:
    """In the chosen geometry a pod under the pointer shows its tooltip, and a click on a card's name plate
    opens that node's panel (hit-testing follows the card shape the fit chose)."""
    for page in fitted(browser, hundred_nodes, 1600, 1000):
        assert page.evaluate("window.clusterviz.stats.mode") == "compact"
        pod = page.evaluate("[...window.clusterviz.state.pods.values()].find(p => p.node === 'worker-57')")
        page.mouse.move(*point_at(page, page.evaluate("uid => window.clusterviz.layout.podRect(uid)", pod["uid"])))
        tooltip = page.locator("#map-tooltip")
        tooltip.wait_for(state="visible", timeout=5_000)
        assert pod["name"] in tooltip.inner_text()

        card = page.evaluate("window.clusterviz.layout.nodeRect('worker-83')")
        page.mouse.click(*point_at(page, card, dy=4))  # on the plate above the pods
        panel = page.locator("#side-panel [data-panel='node']")
        panel.wait_for(timeout=5_000)
        assert panel.get_attribute("data-node") == "worker-83"


def test_fit_keeps_every_card_on_a_1280x720_screen(browser: Any, hundred_nodes: Server) -> None:
    for page in fitted(browser, hundred_nodes, 1280, 720):
        geo = page.evaluate(GEOMETRY)
        assert geo["outside"] == 0, geo
        reach = sorted([geo["reachW"], geo["reachH"]])
        assert reach[1] > 0.97 and reach[0] > 0.8, geo
        assert geo["undrawn"] == 0 and geo["smallest"] >= 4, geo


def test_fit_shows_the_small_demo_cluster_as_detail_cards(browser: Any, server: Server) -> None:
    for page in checked_page(browser, viewport={"width": 1600, "height": 1000}):
        page.goto(f"{server.url}/clusters/demo/")
        page.wait_for_selector("body[data-rendered='1']", timeout=20_000)
        geo = page.evaluate(GEOMETRY)
        assert geo["mode"] == "detail", "a few nodes keep their names, bars and agents at fit"
        assert geo["outside"] == 0 and geo["smallest"] >= MIN_POD_PX, geo
