"""The history page's charts (uPlot, charts.js) read as charts: local times, units, values under the pointer."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import RECORDING, ROOT, Server, checked_page
from tests.browser.test_history import recorded_until, wait_recorded
from tests.conftest import require

pytestmark = pytest.mark.browser
SEOUL = ZoneInfo("Asia/Seoul")  # not the server's UTC: the charts must speak the browser's time zone
NOTHING = "\u2013"  # an en dash: what a chart says where nothing was recorded


@pytest.fixture
def recording_server(tmp_path: Path) -> Iterator[Server]:
    """A server that records the demo cluster's story (at four times its pace): a sample every two seconds."""
    server = Server(tmp_path, **RECORDING)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def seoul_page(browser: Any) -> Iterator[Any]:
    yield from checked_page(browser, viewport={"width": 1280, "height": 720}, timezone_id="Asia/Seoul", locale="en-US")


def history_with_charts(page: Any, server: Server) -> dict[str, Any]:
    """The history page over at least 20 recorded seconds, once charts.js has drawn; its chart data."""
    require((ROOT / "node_modules" / "uplot" / "dist").is_dir(), "node_modules/uplot (npm ci)")
    page.goto(f"{server.url}/clusters/demo/")
    page.wait_for_function("!document.getElementById('replay-slider').disabled", timeout=30_000)
    first = float(page.evaluate("fetch('/api/v1/clusters/demo/history/range').then(r => r.json())")["from"])
    wait_recorded(page, first + 20)
    page.goto(f"{server.url}/clusters/demo/history/?from={first}&to={recorded_until(page)}")
    page.wait_for_selector("body[data-charts]", timeout=10_000)
    data: dict[str, Any] = page.evaluate("JSON.parse(document.getElementById('chart-data').textContent)")
    return data


def point_at(page: Any, chart: str, t: list[float], k: int) -> None:
    """The mouse over the k-th moment of a chart: a time axis maps time linearly onto the plot's width."""
    over = page.locator(f"[data-chart='{chart}'] .u-over")
    over.scroll_into_view_if_needed()  # a pointer is only over what is on the screen (the timeline may push it down)
    box = over.bounding_box()
    x = box["x"] + box["width"] * (t[k] - t[0]) / (t[-1] - t[0])
    page.mouse.move(x, box["y"] + box["height"] / 2)


def readout(page: Any, chart: str) -> tuple[datetime, str]:
    """What a chart says under itself about the moment under the pointer: (that moment, the words)."""
    shown = page.locator(f"[data-chart='{chart}'] [data-readout]")
    shown.wait_for(state="visible", timeout=5_000)
    at = datetime.fromisoformat(shown.locator("time").get_attribute("datetime").replace("Z", "+00:00"))
    return at, shown.inner_text()


def test_hovering_a_chart_shows_the_value_and_local_time_at_the_pointer(
    seoul_page: Any, recording_server: Server
) -> None:
    page = seoul_page
    data = history_with_charts(page, recording_server)
    t = data["t"]
    k = len(t) // 2
    point_at(page, "pods", t, k)

    at, words = readout(page, "pods")
    assert abs(at.timestamp() - t[k]) < 0.001  # the page writes the moment in milliseconds
    assert datetime.fromtimestamp(t[k], SEOUL).strftime("%H:%M:%S") in words  # Seoul's clock, not UTC's
    for line in data["charts"]["pods"]["lines"]:
        value = line["values"][k]
        assert f"{line['label']}: {NOTHING if value is None else value}" in words

    # the crosshair is shared: the nodes chart tells the same moment
    nodes_at, nodes_words = readout(page, "nodes")
    assert nodes_at == at
    ready = next(line for line in data["charts"]["nodes"]["lines"] if line["name"] == "ready")
    assert f"Ready: {ready['values'][k]}" in nodes_words


def test_the_axes_say_local_times_and_units(seoul_page: Any, recording_server: Server) -> None:
    page = seoul_page
    data = history_with_charts(page, recording_server)
    pods = page.locator("[data-chart='pods'] .cvh-plot")
    assert pods.get_attribute("data-unit") == "pods"
    ticks = (pods.get_attribute("data-time-ticks") or "").split()
    assert ticks and all(re.fullmatch(r"\d\d:\d\d(:\d\d)?", tick) for tick in ticks), ticks
    hours = {datetime.fromtimestamp(t, SEOUL).strftime("%H") for t in (data["t"][0], data["t"][-1])}
    assert {tick[:2] for tick in ticks} <= hours  # Seoul's hours, not UTC's
    node = page.locator("[data-chart^='node/'] .cvh-plot").first
    assert node.get_attribute("data-unit") == "%"
