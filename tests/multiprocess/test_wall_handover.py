"""The wall across a watcher handover (issue #16): while no watcher leads, every socket the wall opens is
accepted and then closed by the web process (4503: no watcher answered within 5 s). The wall's stream client
keeps doubling its back-off through those opens — no reconnect storm of one attempt a second — and it is live
again once a new watcher process has taken over.

A browser test in this tier because the handover needs its real parts: two web processes over Redis and
PostgreSQL, and watcher processes that are killed and started."""

from __future__ import annotations

import itertools
import time
from typing import Any

import pytest

from tests.browser.conftest import browser, checked_page  # noqa: F401  (the session fixture)
from tests.multiprocess.conftest import Stack, wait_until

pytestmark = pytest.mark.browser
WINDOW = 55.0
"""Seconds without any watcher: the wall's first socket goes silent (10 s), then its attempts back off from 1 s
(1, 2, 4, 8 s, each plus the 5 s the web process waits for a watcher): about 4 in the window, 7 or more at one
attempt a second after each open."""


def sockets(page: Any) -> list[float]:
    """When the page opened each of its cluster websockets (Playwright sees every attempt, even refused ones)."""
    opened: list[float] = []
    page.on("websocket", lambda ws: opened.append(time.monotonic()) if "/ws/clusters/" in ws.url else None)
    return opened


def test_the_wall_backs_off_while_no_watcher_leads_and_is_live_after_the_handover(
    stack: Stack,
    browser: Any,  # noqa: F811
) -> None:
    stack.ensure()
    url = stack.webs[0][1]
    try:
        for page in checked_page(browser, viewport={"width": 1280, "height": 720}):
            opened = sockets(page)
            page.goto(f"{url}/wall/demo/")
            page.wait_for_function("window.clusterviz && window.clusterviz.freshness() === 'live'", timeout=30_000)
            for watcher in list(stack.watchers):
                watcher.kill()
            killed = time.monotonic()
            page.wait_for_timeout(WINDOW * 1000)  # the window counted; Playwright reports each socket meanwhile
            attempts = [t for t in opened if t > killed]
            gaps = [b - a for a, b in itertools.pairwise(attempts)]
            print(f"\nwall without a watcher: socket attempts at {[round(t - killed, 1) for t in attempts]} s")
            assert 3 <= len(attempts) <= 5, f"attempts at {[round(t - killed, 1) for t in attempts]} s"
            assert gaps[-1] >= gaps[0] + 3, f"the back-off grows across the opens: gaps {gaps}"
            assert page.evaluate("window.clusterviz.freshness()") != "live", "no watcher, so not live"

            stack.start_watcher()  # the handover: a new watcher process takes the lead
            wait_until(stack.leader, 30, "the new watcher to lead")
            page.wait_for_function("window.clusterviz.freshness() === 'live'", timeout=60_000)
    finally:
        stack.watchers = [w for w in stack.watchers if w.alive]  # the killed ones are gone, not failed to stop
