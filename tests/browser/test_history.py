"""Replay on the map and the history page, in real Chromium against a real server that records its history."""

from __future__ import annotations

import json
import math
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from clusterviz import export
from tests.browser.conftest import ROOT, Server
from tests.conftest import require

pytestmark = pytest.mark.browser
USERS = "[...window.clusterviz.state.pods.values()].filter(p => p.name.startsWith('users-deployment-')).length"
SCHEMA = json.loads((Path(export.__file__).parent / "schema" / "snapshot-v2.schema.json").read_text())


@pytest.fixture
def recording_server(tmp_path: Path) -> Iterator[Server]:
    server = Server(
        tmp_path,
        CLUSTERVIZ_HISTORY="1",
        CLUSTERVIZ_CHECKPOINT_SECONDS="20",
        CLUSTERVIZ_HISTORY_FLUSH_SECONDS="0.5",
        CLUSTERVIZ_SAMPLE_SECONDS="2",
        CLUSTERVIZ_FAKE_SPEED="4",
    )
    server.start()
    try:
        with urllib.request.urlopen(f"{server.url}/clusters/demo/", timeout=10) as page:
            html = page.read().decode()
        require(
            'id="replay-bar"' in html,
            "the history integration (dashboard.history.urls in urls.py, the replay bar in cluster_map.html)",
        )
        yield server
    finally:
        server.stop()


def recorded_until(page: Any) -> float:
    r: dict[str, Any] = page.evaluate("fetch('/api/v1/clusters/demo/history/range').then(r => r.json())")
    return float(r["to"] or 0)


def wait_recorded(page: Any, at: float) -> None:
    """Until the server's history reaches ``at`` (the recorder writes every half second here)."""
    for _ in range(100):
        if recorded_until(page) >= at:
            return
        page.wait_for_timeout(200)
    raise AssertionError(f"history never reached {at}")


def test_replay_scrubs_plays_and_returns_to_live(page: Any, recording_server: Server, tmp_path: Path) -> None:
    recording_server.log_in(page)
    page.goto(f"{recording_server.url}/clusters/demo/")
    page.wait_for_selector("body[data-rendered='1']", timeout=20_000)
    page.wait_for_function("window.clusterviz.indicator() === 'live'", timeout=10_000)
    page.wait_for_function(f"{USERS} === 2", timeout=10_000)
    page.wait_for_function("!document.getElementById('replay-slider').disabled", timeout=20_000)
    before = recorded_until(page)  # a recorded moment before the scale-up

    page.locator("#fake-controls form[data-action='scale'] button").click()  # replicas 4
    page.wait_for_function(f"{USERS} === 4", timeout=20_000)
    after = float(page.evaluate("window.clusterviz.state.at"))
    wait_recorded(page, after)

    # drag the slider back to before the scale-up: replay mode, unmistakably
    page.locator("#replay-slider").fill(str(math.ceil(before)))  # the slider moves in whole seconds
    page.wait_for_function(f"{USERS} === 2 && window.clusterviz.replay.moment() !== null", timeout=10_000)
    assert page.locator("#replay-banner").is_visible()
    assert "not live" in page.locator("#replay-banner").inner_text()
    assert not page.locator("#live-indicator").is_visible()
    assert page.evaluate("window.clusterviz.indicator()") == "replay"
    assert f"at={math.ceil(before)}" in page.url

    # live messages are not applied while replaying
    page.wait_for_timeout(1500)
    assert page.evaluate(USERS) == 2

    # download the moment shown
    with page.expect_download() as info:
        page.locator("#replay-export").click()
    doc = json.loads(Path(info.value.path()).read_bytes())
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)
    users = [p for p in doc["state"]["pods"] if p["name"].startswith("users-deployment-")]
    assert len(users) == 2
    assert {c["image"] for p in users for c in p["containers"]} == {"my-repo/users-application"}

    # play at 60x: the replay reaches the scale-up
    page.select_option("#replay-speed", "60")
    page.locator("#replay-play").click()
    page.wait_for_function(f"{USERS} === 4", timeout=20_000)
    assert page.evaluate("window.clusterviz.replay.moment()") > before

    # back to live
    page.locator("#replay-live").click()
    page.wait_for_function("window.clusterviz.indicator() === 'live'", timeout=10_000)
    assert not page.locator("#replay-banner").is_visible()
    assert page.evaluate(USERS) == 4
    assert "at=" not in page.url


def test_history_page_shows_timeline_charts_and_a_diff(page: Any, recording_server: Server) -> None:
    recording_server.log_in(page)
    page.goto(f"{recording_server.url}/clusters/demo/")
    page.wait_for_function("window.clusterviz.indicator() === 'live'", timeout=20_000)
    page.wait_for_function("!document.getElementById('replay-slider').disabled", timeout=20_000)
    start = recorded_until(page)
    page.locator("#fake-controls form[data-action='scale'] button").click()
    page.wait_for_function(f"{USERS} === 4", timeout=20_000)
    end = float(page.evaluate("window.clusterviz.state.at"))
    wait_recorded(page, end)

    page.goto(f"{recording_server.url}/clusters/demo/history/?from={start - 5}&to={end + 1}")
    assert page.locator("#events tr[data-kind='scaled']").count() >= 1
    require((ROOT / "node_modules" / "uplot" / "dist").is_dir(), "node_modules/uplot (npm ci)")
    page.wait_for_selector("body[data-charts]", timeout=10_000)  # charts.js drew them with uPlot
    assert page.locator("[data-chart='pods'] .cvh-plot canvas").count() == 1
    page.fill("#diff-form input[name='from']", str(start))
    page.fill("#diff-form input[name='to']", str(end))
    page.locator("#diff-form button").click()
    page.wait_for_selector("#diff-body", timeout=10_000)
    added = page.locator("#diff-pods li[data-change='added'] a")
    assert len([t for t in added.all_inner_texts() if t.startswith("default/users-deployment-")]) == 2
    href = added.first.get_attribute("href")
    assert href is not None and href.startswith("/clusters/demo/?at=")
