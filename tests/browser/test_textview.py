"""The map as text (static/clusterviz/textview.js) in real Chromium: what a screen reader reads is the cluster the
map draws, kept live from the same stream."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Server
from tests.browser.test_a11y import assert_clean
from tests.browser.test_map import open_map
from tests.browser.test_panels import FIRST_USERS_POD, screenshots

pytestmark = pytest.mark.browser
STATUSES = ("running", "pending", "succeeded", "failed", "terminating", "unknown")

# At one instant: the text view's rows and the model's nodes with their pods counted by status class.
BOTH = """statuses => {
  const text = {};
  for (const tr of document.querySelectorAll('#text-view tr[data-node]')) {
    const counts = {};
    for (const s of statuses) counts[s] = Number(tr.querySelector(`td[data-status='${s}']`).textContent);
    text[tr.dataset.node] = {ready: tr.querySelector('td[data-ready]').dataset.ready, counts};
  }
  const model = {};
  const st = window.clusterviz.state;
  const zeros = () => Object.fromEntries(statuses.map(s => [s, 0]));
  for (const n of st.nodes.values()) model[n.name] = {ready: n.ready, counts: zeros()};
  for (const p of st.pods.values()) if (p.node && model[p.node]) model[p.node].counts[p.statusClass] += 1;
  return {text, model};
}"""


def text_and_model(page: Any) -> dict[str, Any]:
    both: dict[str, Any] = page.evaluate(BOTH, list(STATUSES))
    return both


def test_the_text_view_lists_every_node_with_its_ready_condition_and_pod_counts(page: Any, server: Server) -> None:
    open_map(page, server)
    same = "JSON.stringify(b.text) === JSON.stringify(b.model)"
    caught_up = f"(() => {{ const b = ({BOTH})({list(STATUSES)}); return {same}; }})()"
    page.wait_for_function(caught_up, timeout=10_000)  # at most a second behind the model
    both = text_and_model(page)
    assert len(both["model"]) == 4 and sorted(both["text"]) == sorted(both["model"])
    assert both["text"] == both["model"]
    assert sum(sum(n["counts"].values()) for n in both["text"].values()) > 0, "the demo cluster's pods are counted"
    kubelet = page.locator("#text-view tr[data-node] td:nth-child(3)").first.inner_text()
    assert "kubelet: " in kubelet, kubelet
    described = page.locator("#cluster-canvas").get_attribute("aria-describedby") or ""
    assert "text-view-hint" in described.split()
    assert page.locator("a#skip-text-view[href='#text-view']").count() == 1


def test_a_crashing_pod_appears_in_the_failing_list_without_a_reload(page: Any, server: Server) -> None:
    server.log_in(page)
    open_map(page, server)
    page.wait_for_selector("#text-view [data-tv-failing-note][data-count='0']", state="attached", timeout=10_000)
    pod = page.evaluate(FIRST_USERS_POD)
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads

    page.locator("#fake-controls form[data-action='crash'] button").click()  # the first users pod crash-loops
    # The pod is failing in spells (Error, Running again, CrashLoopBackOff): wait for an instant where the list
    # shows it and the model holds the server's word that it is failing, and read both at that instant.
    listed = f"""() => {{
      const li = document.querySelector("#text-view [data-tv-failing] li[data-pod='{pod['uid']}']");
      const p = window.clusterviz.state.pods.get('{pod['uid']}');
      return li && p && p.failing === true ? li.textContent : null;
    }}"""
    item = page.wait_for_function(listed, timeout=60_000).json_value()
    assert page.evaluate("window.__sameDocument === true")
    assert item.startswith(f"{pod['namespace']}/{pod['name']} — ")

    page.locator("#text-view-toggle").click()
    assert page.locator("#text-view-toggle").get_attribute("aria-pressed") == "true"
    assert page.locator("#text-view table").is_visible()
    screenshots(page, "text-view")


def test_the_text_view_shown_is_clean_for_axe(browser: Any, server: Server) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 720}, bypass_csp=True)  # axe's script
    page = context.new_page()
    try:
        open_map(page, server)
        page.locator("#text-view-toggle").click()
        page.wait_for_selector("#text-view tr[data-node]", timeout=10_000)
        assert_clean(page, "the map with its text view shown")
    finally:
        context.close()


def test_the_text_view_speaks_korean(browser: Any, server: Server) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    context.add_cookies([{"name": "django_language", "value": "ko", "url": server.url}])
    page = context.new_page()
    try:
        open_map(page, server)
        page.wait_for_selector("#text-view tr[data-node]", state="attached", timeout=10_000)
        assert page.locator("#text-view-title").text_content() == "지도의 텍스트 보기"
        assert page.locator("#text-view [data-tv-nodes-note]").text_content() == "노드 4개."
        assert page.locator("#text-view [data-tv-failing-note]").text_content() == "실패 중인 파드가 없습니다."
        assert page.locator("#text-view-toggle").text_content() == "텍스트 보기"
    finally:
        context.close()
