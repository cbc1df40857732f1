"""The fake cluster's buttons aim at what the map has selected, and answer beside the controls."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import ARTIFACTS, Server
from tests.browser.test_map import click_rect, open_map


@pytest.fixture
def fast_server(tmp_path: Path) -> Iterator[Server]:
    """A fake cluster four times faster than the clock: a silent kubelet turns its node Unknown in ~13 s."""
    server = Server(tmp_path, CLUSTERVIZ_FAKE_SPEED="4")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_heal_aimed_at_a_selected_broken_node_heals_that_node(page: Any, fast_server: Server) -> None:
    server = fast_server
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    server.log_in(page)
    open_map(page, server)
    for name in ("worker-1", "worker-3"):  # two broken workers: the default could pick either
        page.locator("#fake-controls form[data-action='node-not-ready'] input[name='node']").evaluate(
            "(input, name) => { input.value = name; }", name)
        page.locator("#fake-controls form[data-action='node-not-ready'] button").click()
        page.wait_for_function(f"document.getElementById('fake-answer').textContent.includes('{name}')",
                               timeout=10_000)
    page.wait_for_function("window.clusterviz.state.nodes.get('worker-3').ready === 'Unknown'", timeout=60_000)

    click_rect(page, page.evaluate("n => window.clusterviz.layout.nodeRect(n)", "worker-3"), dy=8)  # select it
    page.wait_for_function("document.getElementById('side-panel').dataset.open === '1'", timeout=5_000)
    target = page.locator("#fake-target")
    assert "worker-3" in target.inner_text()
    assert page.locator("#fake-controls form[data-action='node-ready'] input[name='node']").input_value() == "worker-3"

    page.locator("#fake-controls form[data-action='node-ready'] button").click()
    page.wait_for_function("document.getElementById('fake-answer').textContent.includes('reports again')",
                           timeout=10_000)
    answer = page.locator("#fake-answer [data-answer='done']").inner_text()
    assert answer.startswith("worker-3's kubelet reports again")
    page.wait_for_function("window.clusterviz.state.nodes.get('worker-3').ready === 'True'", timeout=60_000)
    assert page.evaluate("window.clusterviz.state.nodes.get('worker-1').ready") == "Unknown"  # untouched

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1280, 720), (1920, 1080)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(ARTIFACTS / f"fake-controls-{width}x{height}.png"))
    assert not errors, errors


def test_a_refusal_is_said_beside_the_controls(page: Any, server: Server) -> None:
    server.log_in(page)
    open_map(page, server)
    page.locator("#fake-controls form[data-action='introduction'] button").click()
    refused = page.locator("#fake-answer [data-answer='refused']")
    refused.wait_for(timeout=10_000)
    assert "selector` does not match template `labels`" in refused.inner_text()
    assert "selector must match the labels" in page.locator("#fake-answer [data-answer-note]").inner_text()
