"""Room for the map: the parts around it fold away (chrome.js), remembered per browser, announced as expanded or
collapsed; folded, the map's canvas gets at least two thirds of a 1280x720 screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import RECORDING, Server, checked_page
from tests.browser.test_a11y import recorded

pytestmark = pytest.mark.browser
PARTS = ("control-plane", "fake-controls", "replay-bar", "change-feed", "object-list")
CANVAS_HEIGHT = "document.getElementById('cluster-canvas').getBoundingClientRect().height"


@pytest.fixture
def small_screen(browser: Any) -> Iterator[Any]:
    yield from checked_page(browser, viewport={"width": 1280, "height": 720})


@pytest.fixture
def recording_server(tmp_path: Path) -> Iterator[Server]:
    server = Server(tmp_path, **RECORDING)
    server.start()
    yield server
    server.stop()


def toggle(page: Any, part: str) -> Any:
    return page.locator(f"button[data-fold='{part}']")


def open_map(page: Any, url: str) -> None:
    page.goto(f"{url}/clusters/demo/")
    page.wait_for_selector("body[data-rendered='1']", timeout=20_000)


def test_folded_chrome_gives_the_map_two_thirds_of_the_screen_and_stays_folded(
    small_screen: Any, server: Server
) -> None:
    page = small_screen
    server.log_in(page)  # a signed-in user gets the fake cluster's buttons
    open_map(page, server.url)
    assert page.evaluate(CANVAS_HEIGHT) < 720 * 2 / 3, "unfolded, the parts around the map take their room"
    for part in PARTS:
        assert toggle(page, part).get_attribute("aria-expanded") == "true"
        assert page.locator(f"#{part}").is_visible()
        toggle(page, part).click()
        assert toggle(page, part).get_attribute("aria-expanded") == "false"
        assert not page.locator(f"#{part}").is_visible()
    page.wait_for_function(f"{CANVAS_HEIGHT} >= 720 * 2 / 3", timeout=5_000)

    page.reload()  # remembered by this browser
    page.wait_for_selector("body[data-rendered='1']", timeout=20_000)
    assert [toggle(page, part).get_attribute("aria-expanded") for part in PARTS] == ["false"] * len(PARTS)
    page.wait_for_function(f"{CANVAS_HEIGHT} >= 720 * 2 / 3", timeout=5_000)

    toggle(page, "control-plane").click()  # and back
    assert toggle(page, "control-plane").get_attribute("aria-expanded") == "true"
    assert page.locator("#control-plane").is_visible()
    toggle(page, "fake-controls").focus()  # a button: Enter works as a click does
    page.keyboard.press("Enter")
    assert toggle(page, "fake-controls").get_attribute("aria-expanded") == "true"


def test_a_folded_replay_bar_still_says_replay(small_screen: Any, recording_server: Server) -> None:
    page = small_screen
    open_map(page, recording_server.url)
    toggle(page, "replay-bar").click()
    assert not page.locator("#replay-bar").is_visible()
    first, last = recorded(page)
    page.goto(f"{recording_server.url}/clusters/demo/?at={round((first + last) / 2)}")
    page.wait_for_function("window.clusterviz.replay && window.clusterviz.replay.moment() !== null", timeout=20_000)
    assert toggle(page, "replay-bar").get_attribute("aria-expanded") == "false"
    assert page.locator("#replay-banner").is_visible(), "a replayed moment always says so"
    assert not page.locator("#replay-slider").is_visible()
