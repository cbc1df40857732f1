"""Hostile cluster text in a real browser: server-rendered panels and the wall show it as text, never run it.

The fake cluster's rolling update takes any image string, so markup reaches the server's store and comes back
through the htmx pod panel; the wall gets hostile names and namespaces through its delta API. Markup that ran
would set ``window.__pwned``, add elements, or make htmx fetch ``/api/v1/clusters`` (which nothing else asks).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Server

pytestmark = pytest.mark.browser


def csp_violation(text: str) -> bool:
    """A reported CSP violation of the page's own (Playwright's polling eval is not the page's)."""
    return "Content Security Policy" in text and "unsafe-eval" not in text


HOSTILE = (
    '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
    '<div hx-get="/api/v1/clusters" hx-trigger="load">x</div>'
)


def watch(page: Any) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {"requests": [], "csp": []}
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.on("console", lambda m: seen["csp"].append(m.text) if csp_violation(m.text) else None)
    return seen


def assert_inert(page: Any, seen: dict[str, list[str]], where: str) -> None:
    assert page.evaluate("window.__pwned") is None, where
    assert page.locator(f"{where} img, {where} script, {where} [hx-get='/api/v1/clusters']").count() == 0, where
    assert not [u for u in seen["requests"] if u.endswith("/api/v1/clusters")], "htmx ran a hostile hx-get"
    assert not seen["csp"], f"nothing inline should even be tried: {seen['csp']}"


def test_a_hostile_image_name_stays_text_in_the_pod_panel(page: Any, server: Server) -> None:
    server.log_in(page)
    seen = watch(page)
    page.goto(f"{server.url}/clusters/demo/")
    page.wait_for_selector("body[data-rendered='1']", timeout=20_000)
    page.locator("#fake-controls form[data-action='rolling-update']").evaluate(
        "(form, image) => { const i = document.createElement('input'); i.type = 'hidden'; i.name = 'image';"
        " i.value = image; form.appendChild(i); }",
        HOSTILE,
    )
    page.locator("#fake-controls form[data-action='rolling-update'] button").click()
    page.wait_for_function(
        "[...window.clusterviz.state.pods.values()].some(p => p.name.startsWith('users-deployment-')"
        " && p.status === 'Running' && p.createdAt > performance.timeOrigin / 1000 - 1)",
        timeout=30_000,
    )
    pod = page.evaluate(
        "[...window.clusterviz.state.pods.values()].filter(p => p.name.startsWith('users-deployment-'))"
        ".sort((a, b) => b.createdAt - a.createdAt)[0]"
    )
    page.evaluate(
        "url => window.htmx.ajax('GET', url, {target: '#side-panel', swap: 'innerHTML'})",
        f"/clusters/demo/pods/default/{pod['name']}/panel",
    )
    panel = page.locator("#side-panel [data-panel='pod']")
    panel.wait_for(timeout=10_000)
    assert HOSTILE in panel.inner_text(), "the image is shown, as text"
    assert_inert(page, seen, "#side-panel")


def test_hostile_names_stay_text_on_the_wall(page: Any, server: Server) -> None:
    seen = watch(page)
    page.goto(f"{server.url}/wall/demo/")
    page.wait_for_selector("body[data-rendered='1']", timeout=20_000)
    page.evaluate(
        """h => {
            const s = window.clusterviz.state;
            const node = [...s.nodes.values()].find(n => !n.controlPlane);
            const pod = {...[...s.pods.values()][0], uid: 'hostile', name: h, namespace: h, node: node.name,
                         status: 'CrashLoopBackOff', statusClass: 'failed', failing: true,
                         labels: {[h]: h}, message: h};
            window.clusterviz.applyDelta({type: 'delta', seq: s.seq + 1, revision: s.revision + 1,
              nodes: {upsert: [{...node, name: h, ready: 'False'}], remove: []}, pods: {upsert: [pod], remove: []}});
            window.clusterviz.redraw();
        }""",
        HOSTILE,
    )
    problems = page.locator("#wall-problems").inner_text()
    assert HOSTILE in problems, "the wall names what is wrong, as text"
    assert_inert(page, seen, "#wall")
