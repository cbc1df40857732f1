"""The fleet wall in real Chromium: every cluster the viewer may see on one screen, each with its counts,
health, staleness and nodes; a display token scoped to one cluster shows just that one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import tests.browser.conftest as conftest
from tests.browser.conftest import ARTIFACTS, Server
from tests.browser.test_a11y import assert_clean
from tests.browser.test_wall import create_token
from tests.browser.test_wall_screen import SCREENS, close, screen

pytestmark = pytest.mark.browser


def fleet_env(tmp: Path) -> dict[str, str]:
    """Two fake clusters, demo and staging, and one whose kubeconfig is missing (it can never be live)."""
    return {
        "CLUSTERVIZ_FAKE_NAME": "demo,staging",
        "CLUSTERVIZ_FAKE_ENABLED": "1",
        "CLUSTERVIZ_KUBECONFIG": str(tmp / "no-such-kubeconfig"),
        "CLUSTERVIZ_CLUSTER_NAME": "broken",
    }


@pytest.fixture
def fleet_server(tmp_path: Path) -> Iterator[Server]:
    server = Server(tmp_path, **fleet_env(tmp_path))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def private_fleet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    """The same fleet with anonymous read off; ready when its login page answers."""
    original = conftest.wait_for
    login = lambda url, timeout=30: original(url.split("/api/")[0] + "/accounts/login/")  # noqa: E731
    monkeypatch.setattr(conftest, "wait_for", login)
    server = Server(tmp_path, CLUSTERVIZ_ANONYMOUS_READ="0", **fleet_env(tmp_path))
    server.start()
    yield server
    server.stop()


def card(page: Any, name: str) -> Any:
    return page.locator(f"[data-fleet-cluster='{name}']")


def frame(card: Any) -> list[str]:
    """How a card is framed: its border's style and colour, its label's background."""
    style: list[str] = card.evaluate(
        "el => { const s = getComputedStyle(el), l = getComputedStyle(el.querySelector('.fleet-live'));"
        " return [s.borderTopStyle, s.borderTopColor, s.backgroundColor, l.backgroundColor]; }")
    return style


def test_an_error_has_its_own_alarm_frame_apart_from_stale_and_not_connected(browser: Any,
                                                                                fleet_server: Server) -> None:
    """The server says the broken cluster's source is in error (a missing kubeconfig): the card says ERROR in
    its own frame, which is neither the calm dashes of "not connected yet" nor the frame of a stale picture."""
    page = browser.new_context(viewport={"width": 1280, "height": 720}, bypass_csp=True).new_page()  # axe
    page.goto(f"{fleet_server.url}/wall/?animate=0")
    connecting = frame(card(page, "broken"))  # as the page starts: not connected yet, before any state
    page.wait_for_selector("[data-fleet-cluster='broken'][data-state='error']", timeout=20_000)
    page.wait_for_selector("[data-fleet-cluster='demo'][data-state='live']", timeout=20_000)
    broken = card(page, "broken")
    assert broken.locator(".fleet-live").inner_text().startswith("ERROR — ")
    assert "does not exist" in broken.locator(".fleet-live").inner_text(), "the reason the server gave"
    error = frame(broken)
    assert error[0] == "double" and error != connecting
    page.screenshot(path=str(ARTIFACTS / "wall-fleet-error-1280x720.png"))
    assert_clean(page, "fleet wall with a cluster in error")  # the alarm's words keep their contrast
    fleet_server.stop()
    page.wait_for_selector("[data-fleet-cluster='demo'][data-state='stale']", timeout=20_000)
    assert frame(card(page, "demo")) not in (error, connecting)
    page.context.close()


def open_fleet(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("body[data-rendered='1']", timeout=20_000)


def test_the_fleet_shows_every_cluster_and_marks_the_stale_ones(browser: Any, fleet_server: Server) -> None:
    page = screen(browser, 1920, 1080)
    open_fleet(page, f"{fleet_server.url}/wall/?animate=0")
    for name in ("demo", "staging"):
        page.wait_for_selector(f"[data-fleet-cluster='{name}'][data-state='live']", timeout=20_000)
        assert card(page, name).locator("[data-count='nodes']").inner_text() == "4"
        assert card(page, name).locator(".fleet-cp").inner_text() == "control plane healthy"
    page.evaluate("window.clusterviz.redraw()")
    tiles = page.evaluate("window.clusterviz.fleet.map(f => [f.name, f.tiles().length])")
    assert tiles == [["broken", 0], ["demo", 4], ["staging", 4]], "each cluster's nodes, a tile each"
    page.wait_for_selector("[data-fleet-cluster='broken'][data-state='error']", timeout=10_000)
    assert card(page, "broken").locator(".fleet-live").inner_text().startswith("ERROR — "), "the source's error"
    assert "does not exist" in card(page, "broken").locator(".fleet-live").inner_text()
    counts = card(page, "broken").locator("[data-count]").all_inner_texts()
    assert counts == ["\u2013"] * 4, f"a cluster never listed counts nothing (an en dash), not 0: {counts}"
    assert card(page, "broken").locator(".fleet-problems li").first.get_attribute("data-kind") == "unknown"
    assert card(page, "broken").locator(".fleet-cp").get_attribute("data-health") == "unknown", "never green"
    assert page.locator("#fleet-summary").inner_text() == "2 of 3 clusters live"
    assert page.locator("a, button, input, select").count() == 0, "a kiosk has no controls"
    for width, height in SCREENS:
        page.set_viewport_size({"width": width, "height": height})
        page.evaluate("window.clusterviz.redraw()")
        page.screenshot(path=str(ARTIFACTS / f"wall-fleet-{width}x{height}.png"))

    error_frame = frame(card(page, "broken"))
    fleet_server.stop()  # the stream stops: every cluster's picture is stale, and says so
    page.wait_for_selector("[data-fleet-cluster='demo'][data-state='stale']", timeout=20_000)
    assert card(page, "demo").locator(".fleet-live").inner_text().startswith("STALE — no update since ")
    assert frame(card(page, "demo")) != error_frame, "an error is framed as an alarm, not as a stale picture"
    assert card(page, "demo").locator(".fleet-problems li").first.get_attribute("data-kind") == "unknown"
    assert card(page, "demo").locator(".fleet-cp").inner_text() == "as last seen: control plane healthy"
    assert page.locator("#fleet-summary").inner_text() == "0 of 3 clusters live"
    close(page)


def test_a_token_scoped_to_one_cluster_shows_just_that_one(browser: Any, private_fleet: Server) -> None:
    link = create_token(private_fleet, "--cluster", "staging", "--wall", "/wall/")
    page = screen(browser, 1280, 720)
    page.goto(f"{private_fleet.url}{link}")
    page.wait_for_url(f"{private_fleet.url}/wall/", timeout=20_000)
    page.wait_for_selector("[data-fleet-cluster='staging'][data-state='live']", timeout=20_000)
    assert page.evaluate("window.clusterviz.fleet.map(f => f.name)") == ["staging"]
    assert page.locator("[data-fleet-cluster]").count() == 1
    assert page.goto(f"{private_fleet.url}/wall/demo/").status == 404, "the other clusters do not exist for it"
    close(page)
