"""The map and the wall in Korean, in real Chromium: the words map.js and wall.js write come from /jsi18n/.

Kubernetes API values (Ready, Running, kube-apiserver …) stay as kubectl prints them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import Server, checked_page
from tests.browser.test_map import USERS, open_map
from tests.browser.test_wall import open_wall, watch_csp

pytestmark = pytest.mark.browser

RECORD_CANVAS_TEXT = """
window.__drawn = new Set();
const fillText = CanvasRenderingContext2D.prototype.fillText;
CanvasRenderingContext2D.prototype.fillText = function (text, ...rest) {
  window.__drawn.add(String(text));
  return fillText.call(this, text, ...rest);
};
"""
"""Every string drawn on a canvas, in ``window.__drawn`` (Playwright's init script, before the page's own)."""


def page_in(browser: Any, server: Server, language: str) -> Iterator[Any]:
    cookie = {"name": "django_language", "value": language, "url": server.url}
    yield from checked_page(browser, cookies=[cookie], init_script=RECORD_CANVAS_TEXT)


@pytest.fixture
def korean(browser: Any, server: Server) -> Iterator[Any]:
    yield from page_in(browser, server, "ko")


@pytest.fixture
def english(browser: Any, server: Server) -> Iterator[Any]:
    yield from page_in(browser, server, "en")


def drawn(page: Any) -> list[str]:
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    texts: list[str] = page.evaluate("[...window.__drawn]")
    return texts


def test_the_map_speaks_korean(korean: Any, server: Server) -> None:
    violations = watch_csp(korean)
    open_map(korean, server)
    assert korean.locator("html").get_attribute("lang") == "ko"
    assert korean.locator("#live-text").inner_text() == "실시간"
    summary = korean.locator("#map-summary").inner_text()
    assert summary.startswith("노드 4개(준비 안 됨 0개), 파드 "), summary
    assert "실행 중 " in summary and "미배정 " in summary and "nodes" not in summary

    apiserver = korean.locator("#control-plane [data-process='kube-apiserver']")  # process names stay
    assert apiserver.locator(".cv-chip-name").inner_text() == "kube-apiserver"
    assert apiserver.get_attribute("data-health") == "healthy"
    assert apiserver.locator(".cv-chip-health").inner_text() == "정상"
    assert apiserver.locator("details.cv-explain summary").inner_text() == "어떤 일을 하나요?"
    assert korean.locator("#cp-nodes").inner_text().startswith("컨트롤 플레인 노드: ")
    assert korean.locator("#filter-ns option[value='']").inner_text() == "모든 네임스페이스"

    texts = drawn(korean)
    assert any(t.startswith("컨트롤 플레인 · 노드 ") for t in texts), texts
    assert "워커 노드 · 노드 3개" in texts, texts
    assert any(t.startswith("대기 중 — 아직 노드에 배정되지 않음 · 파드 ") for t in texts), texts
    assert "Ready" in texts, "readiness is drawn as kubectl prints it"

    pod = korean.evaluate(f"[...window.clusterviz.state.pods.values()].find(p => ({USERS})(p.name))")
    rect = korean.evaluate("uid => window.clusterviz.layout.podRect(uid)", pod["uid"])
    box = korean.locator("#cluster-canvas").bounding_box()
    korean.mouse.move(box["x"] + rect["x"] + rect["w"] / 2, box["y"] + rect["y"] + rect["h"] / 2)
    tooltip = korean.locator("#map-tooltip")
    tooltip.wait_for(state="visible", timeout=5_000)
    assert "Running (실행 중) · 준비 " in tooltip.inner_text()
    assert f"노드 {pod['node']}에서 실행" in tooltip.inner_text()
    assert not violations, violations


def test_filters_replay_and_selector_errors_in_korean(korean: Any, server: Server) -> None:
    open_map(korean, server, "?ns=default&selector=app%3Dusers")
    korean.wait_for_function("document.getElementById('map-summary').textContent.includes('필터에 맞는 파드는 2개')")
    korean.locator("#filter-selector").fill("app in (users")
    korean.locator("#filter-selector").press("Enter")
    korean.wait_for_function("document.getElementById('selector-error').textContent !== ''", timeout=5_000)
    assert korean.locator("#selector-error").inner_text() == '셀렉터: ")"가 빠졌습니다'

    korean.evaluate("window.clusterviz.pauseLive()")
    assert korean.locator("#live-text").inner_text() == "다시 보기 — 실시간 아님"
    korean.evaluate("window.clusterviz.resumeLive()")
    korean.wait_for_function("window.clusterviz.indicator() === 'live'", timeout=10_000)
    assert korean.locator("#live-text").inner_text() == "실시간"


def test_the_map_stays_english_in_english(english: Any, server: Server) -> None:
    open_map(english, server)
    assert english.locator("#live-text").inner_text() == "live"
    assert english.locator("#map-summary").inner_text().startswith("4 nodes (0 not ready), ")
    summary = english.locator("#control-plane [data-process='kube-apiserver'] details.cv-explain summary")
    assert summary.inner_text() == "What does it do?"
    assert "Workers · 3 nodes" in drawn(english)


def degrade_the_apiserver(page: Any) -> None:
    page.evaluate(
        """() => { const s = window.clusterviz.state;
                   const cp = s.controlPlane.map(p => p.name === 'kube-apiserver' ? {...p, health: 'degraded'} : p);
                   window.clusterviz.applyDelta({type: 'delta', seq: s.seq + 1, revision: s.revision + 1,
                     nodes: {upsert: [], remove: []}, pods: {upsert: [], remove: []}, controlPlane: cp}); }"""
    )
    page.wait_for_selector("#wall-problems li[data-kind='process']", timeout=5_000)


def test_the_wall_speaks_korean(korean: Any, server: Server) -> None:
    violations = watch_csp(korean)
    open_wall(korean, server, "?animate=0")
    assert korean.locator("#wall-live-text").inner_text().startswith("실시간 · 마지막 업데이트 ")
    assert [dt.inner_text() for dt in korean.locator(".wall-counts dt").all()] == [
        "노드",
        "파드",
        "준비 안 됨",
        "실패 중",
        "미배정",
    ]
    assert korean.locator("#wall-problems li[data-kind='ok']").inner_text() == "지금은 아무 문제도 없습니다"
    degrade_the_apiserver(korean)
    assert korean.locator("#wall-problems li[data-kind='process']").inner_text() == "kube-apiserver 저하"
    assert not violations, violations


def test_the_wall_stays_english_in_english(english: Any, server: Server) -> None:
    open_wall(english, server, "?animate=0")
    assert english.locator("#wall-live-text").inner_text().startswith("live · last update ")
    degrade_the_apiserver(english)
    assert english.locator("#wall-problems li[data-kind='process']").inner_text() == "kube-apiserver degraded"
