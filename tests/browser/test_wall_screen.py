"""The wall uses the screen at every size, in real Chromium: pods large enough for their names at the demo
size, a tile per node at 1,000 nodes, every node a mini-bar in its group at 5,000; the control plane's strip;
a node's agents folded into its tile."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import ARTIFACTS, Server
from tests.browser.test_korean import RECORD_CANVAS_TEXT
from tests.browser.test_wall import FIXTURE, open_wall

pytestmark = pytest.mark.browser
SCREENS = [(1920, 1080), (1280, 720)]
DEMO_SHARE = 0.35
"""At the demo size (4 nodes, 17 pods) the pods' cells cover at least this share of the screen (about 0.45
as drawn at 1920x1080 and 1280x720; the rest is the header, the control-plane strip, the list and the tiles' names)."""


def screen(browser: Any, width: int, height: int, *, record_text: bool = False) -> Any:
    """A page of the given size; closing it closes its context."""
    context = browser.new_context(viewport={"width": width, "height": height})
    if record_text:
        context.add_init_script(RECORD_CANVAS_TEXT)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    return page


def close(page: Any) -> None:
    errors = page.errors
    page.context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    page.screenshot(path=str(ARTIFACTS / f"{name}-{size['width']}x{size['height']}.png"))


def drawn_whole(name: str, texts: set[str]) -> bool:
    """On one line, or broken at a dash into two."""
    halves = [(name[: i + 1], name[i + 1 :]) for i, c in enumerate(name) if c == "-"]
    return name in texts or any(a in texts and b in texts for a, b in halves)


def stats(page: Any) -> dict[str, Any]:
    page.evaluate("window.clusterviz.redraw()")
    result: dict[str, Any] = page.evaluate("({...window.clusterviz.stats})")
    return result


@pytest.mark.parametrize("size", SCREENS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_at_the_demo_size_pods_fill_the_screen_and_carry_their_names(
    browser: Any, server: Server, size: tuple[int, int]
) -> None:
    page = screen(browser, *size, record_text=True)
    open_wall(page, server, "?animate=0")
    names = page.evaluate("[...window.clusterviz.state.pods.values()].map(p => p.name)")
    drawn = stats(page)
    assert drawn["mode"] == "nodes" and drawn["tiles"] == 4
    assert drawn["cells"] == drawn["labelled"] == len(names) == 17, "every pod a cell with its name and status"
    share = drawn["cellArea"] / (size[0] * size[1])
    assert share >= DEMO_SHARE, f"the pods cover {share:.0%} of the screen"
    texts = set(page.evaluate("[...window.__drawn]"))
    assert not [n for n in names if not drawn_whole(n, texts)], f"names cut: {texts}"
    assert any(t.startswith("Running · 1/1") for t in texts), "and their status words"
    print(f"{size}: pods cover {share:.1%} of the screen")
    shot(page, "wall-demo")
    close(page)


def test_at_1000_nodes_every_node_is_its_own_tile(browser: Any, server: Server) -> None:
    page = screen(browser, 1920, 1080)
    open_wall(page, server)
    assert page.evaluate(f"({FIXTURE})([1000, 30, 0])") == 30_000
    drawn = stats(page)
    assert drawn["mode"] == "nodes" and drawn["tiles"] == 1000 and drawn["cells"] == 30_000
    tiles = page.evaluate("window.clusterviz.tiles()")
    assert sorted(t[0] for t in tiles) == [f"node-{i:05d}" for i in range(1000)]
    assert min(min(t[3], t[4]) for t in tiles) >= 24, "no tile below the readable size"
    assert page.evaluate(
        "window.clusterviz.tiles().every(([n, x, y, w, h]) => window.clusterviz.nodeAt(x + w / 2, y + h / 2) === n)"
    ), "each node is found where it is drawn"
    marked = sorted(t[0] for t in tiles if t[5])
    assert marked == [f"node-{i:05d}" for i in range(1000) if i % 97 == 3], "the NotReady nodes are outlined"
    assert page.locator("#wall-problems li[data-kind='node']").first.inner_text() == "Node node-00003 NotReady"
    shot(page, "wall-1000")
    close(page)


PUSH_ONE = """() => { const s = window.clusterviz.state; const p = s.pods.get('u5');
  window.__draws = window.clusterviz.stats.draws;
  return window.clusterviz.applyDelta({type: 'delta', seq: s.seq + 1, revision: s.revision + 1, nodes: {upsert: [],
    remove: []}, pods: {upsert: [{...p, status: 'Error', statusClass: 'failed', failing: true}],
    remove: []}}); }"""


def test_at_5000_nodes_every_node_is_a_mini_bar_in_its_group_and_frames_keep_coming(
    browser: Any, server: Server
) -> None:
    page = screen(browser, 1920, 1080)
    open_wall(page, server)
    assert page.evaluate(f"({FIXTURE})([5000, 30, 0])") == 150_000
    drawn = stats(page)
    assert drawn["mode"] == "groups", "a tile per node would fall below 24 px"
    assert drawn["tiles"] == 5000 and drawn["groups"] == 10, "blocks of 500 names, every node a mini-bar"
    assert page.locator("#wall-nodes").inner_text() == "5000"
    assert page.locator("#wall-pods").inner_text() == "150000"
    assert page.evaluate(PUSH_ONE) == "applied"
    page.wait_for_function("window.clusterviz.stats.draws > window.__draws", timeout=10_000)  # a frame follows
    print(f"5000 nodes: a frame in {page.evaluate('window.clusterviz.stats.drawMs'):.1f} ms (measured, not asserted)")
    page.evaluate(f"({FIXTURE})([5000, 30, 6])")  # with zones, the zones are the groups
    drawn = stats(page)
    assert drawn["groups"] == 6 and drawn["tiles"] == 5000
    shot(page, "wall-5000")
    close(page)


def post_control(page: Any, action: str, **form: str) -> None:
    """What a button of the fake cluster's map does: a POST with the page's CSRF token."""
    status = page.evaluate(
        """([action, form]) => { const token = JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken'];
             return fetch('/clusters/demo/fake/' + action, {method: 'POST', headers: {'X-CSRFToken': token},
               body: new URLSearchParams(form)}).then(r => r.status); }""",
        [action, form],
    )
    assert status == 202


def process(page: Any, name: str) -> Any:
    return page.locator(f"#wall-cp li[data-process='{name}']")


def test_the_control_plane_strip_turns_when_the_scheduler_or_api_server_fails(browser: Any, server: Server) -> None:
    page = screen(browser, 1920, 1080)
    server.log_in(page)  # who crashes the scheduler (the wall itself only reads)
    open_wall(page, server, "?animate=0")
    for name in ("kube-apiserver", "etcd", "kube-scheduler", "kube-controller-manager"):
        assert process(page, name).get_attribute("data-health") == "healthy"
        assert process(page, name).locator(".wall-cp-health").inner_text() == "healthy"
    assert "leader control-plane-1" in process(page, "kube-scheduler").inner_text()
    for name in ("kube-scheduler", "kube-apiserver"):  # a crash-looping static pod: unhealthy until it runs again
        post_control(page, "crash-component", component=name)
        page.wait_for_selector(f"#wall-cp li[data-process='{name}'][data-health='unhealthy']", timeout=15_000)
        shot(page, f"wall-{name}-unhealthy")
        assert process(page, name).locator(".wall-cp-health").inner_text() == "unhealthy"
        problems = page.locator("#wall-problems li[data-kind='process']").all_inner_texts()
        assert f"{name} unhealthy" in problems
    assert process(page, "etcd").get_attribute("data-health") == "healthy"
    close(page)


def test_an_unhealthy_node_agent_marks_its_tile(page: Any, server: Server) -> None:
    open_wall(page, server)
    worker = page.evaluate(
        """() => { const s = window.clusterviz.state; const n = [...s.nodes.values()].find(n => !n.controlPlane);
                   const agents = n.agents.map(a => a.name === 'kube-proxy' ? {...a, health: 'unhealthy'} : a);
                   window.clusterviz.applyDelta({type: 'delta', seq: s.seq + 1, revision: s.revision + 1,
                     nodes: {upsert: [{...n, agents}], remove: []}, pods: {upsert: [], remove: []}});
                   return n.name; }"""
    )
    page.wait_for_selector("#wall-problems li[data-kind='agent']", timeout=5_000)
    assert page.locator("#wall-problems li[data-kind='agent']").inner_text() == f"{worker}: kube-proxy unhealthy"
    page.evaluate("window.clusterviz.redraw()")
    marked = [t[0] for t in page.evaluate("window.clusterviz.tiles()") if t[5]]
    assert marked == [worker]
