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


SCROLLED = "[...document.querySelectorAll('*')].filter(e => e.scrollTop > 0).map(e => e.id || e.className)"
MAP_SHARE = """(() => { const m = document.getElementById('map-wrap').getBoundingClientRect();
  return m.width * m.height / (innerWidth * innerHeight); })()"""


def inside(inner: dict[str, float], outer: dict[str, float]) -> bool:
    return (inner["y"] >= outer["y"] and inner["y"] + inner["height"] <= outer["y"] + outer["height"]
            and inner["x"] >= outer["x"] and inner["x"] + inner["width"] <= outer["x"] + outer["width"])


def test_on_a_1280x720_screen_a_panel_and_the_object_list_leave_the_map_nearly_a_third_of_it(
    small_screen: Any, server: Server
) -> None:
    """Everything unfolded, signed in (the fake cluster's buttons shown), a Service's panel open and the list of
    workloads beside it: the map keeps at least 30% of the screen (it had 20%, squeezed to its minimum height),
    no strip is squeezed over its own heading, and the page opens unscrolled."""
    page = small_screen
    server.log_in(page)
    open_map(page, server.url)
    assert page.evaluate("[scrollX, scrollY]") == [0, 0] and page.evaluate(SCROLLED) == [], "opens unscrolled"
    page.click('#object-list [data-select="Service/default/users"]')
    page.wait_for_selector('#side-panel [data-panel="service"]', timeout=10_000)
    assert page.locator("#object-list").is_visible(), "the list stays open under the panel"
    share = page.evaluate(MAP_SHARE)
    assert share >= 0.30, f"the map has {share:.0%} of the screen"
    side, map_box = page.locator("#side").bounding_box(), page.locator("#map-wrap").bounding_box()
    assert side["x"] >= map_box["x"] + map_box["width"] - 1, "panel and list beside the map, not over it"
    for part, heading in (("control-plane", "cp-title"), ("fake-controls", "fake-title"), ("side-panel", None),
                          ("object-list", "objects-title")):
        box = page.locator(f"#{part}").bounding_box()
        assert box["y"] + box["height"] <= 720 + 0.5, f"{part} ends on the screen"
        if heading:
            assert inside(page.locator(f"#{heading}").bounding_box(), box), f"{part}'s heading is not cut off"
    assert page.evaluate("[scrollX, scrollY]") == [0, 0]
