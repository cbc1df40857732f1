"""axe-core (npm, node_modules/axe-core) on every page in real Chromium: no serious or critical violation."""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import RECORDING, ROOT, Server
from tests.conftest import require

pytestmark = pytest.mark.browser
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for every page: the demo cluster at four times its pace, recording its history."""
    server = Server(tmp_path_factory.mktemp("a11y"), **RECORDING)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def staff(browser: Any, site: Server) -> Iterator[Any]:
    """A browser page signed in as staff (the import and token pages are theirs). CSP is bypassed only so that
    axe's script can be injected; the CSP itself is the other tests' business."""
    context = browser.new_context(viewport={"width": 1280, "height": 720}, bypass_csp=True)
    page = context.new_page()
    site.log_in(page, "ada")
    promote = "from django.contrib.auth.models import User; User.objects.filter(username='ada').update(is_staff=True)"
    subprocess.run([sys.executable, "manage.py", "shell", "-c", promote], cwd=ROOT, env=site.env, check=True)
    yield page
    context.close()


def findings(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical findings on the page as it is now."""
    require(AXE.exists(), f"{AXE.relative_to(ROOT)} (npm ci)")
    page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(
        "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations)"
    )
    return [v for v in found if v["impact"] in BLOCKING]


def described(finding: dict[str, Any]) -> str:
    targets = [node["target"] for node in finding["nodes"][:6]]
    return f"{finding['impact']} {finding['id']}: {finding['help']} {targets} {finding['nodes'][0]['failureSummary']}"


def assert_clean(page: Any, name: str) -> None:
    found = findings(page)
    blocking = [described(f) for f in found]
    assert not blocking, "\n".join([f"{name} ({page.url}):", *blocking])


def recorded(page: Any) -> tuple[float, float]:
    """The history's range once it spans at least ten seconds (a replay and a diff need two moments)."""
    for _ in range(150):
        r = page.evaluate("fetch('/api/v1/clusters/demo/history/range').then(r => r.json())")
        if r["from"] is not None and r["to"] - r["from"] >= 10:
            return float(r["from"]), float(r["to"])
        page.wait_for_timeout(200)
    raise AssertionError("the history never spanned ten seconds")


def the_map(page: Any, url: str) -> None:
    page.goto(f"{url}/clusters/demo/")
    page.wait_for_selector("body[data-rendered='1']", timeout=20_000)


def a_replay(page: Any, url: str) -> None:
    page.goto(f"{url}/clusters/demo/")
    first, last = recorded(page)
    page.goto(f"{url}/clusters/demo/?at={round((first + last) / 2)}")
    page.wait_for_function("window.clusterviz.replay && window.clusterviz.replay.moment() !== null", timeout=20_000)


def an_imported_replay(page: Any, url: str) -> None:
    snapshot = page.request.get(f"{url}/api/v1/clusters/demo/export")
    assert snapshot.ok, snapshot.status
    page.goto(f"{url}/clusters/import")
    page.set_input_files(
        "#import-form input[type=file]",
        files=[{"name": "demo.json", "mimeType": "application/json", "buffer": snapshot.body()}],
    )
    page.locator("#import-form button[type=submit]").click()
    page.wait_for_url("**/replays/**", timeout=20_000)
    page.wait_for_selector("body[data-rendered='1']", timeout=20_000)


def the_wall(page: Any, url: str) -> None:
    page.goto(f"{url}/wall/demo/")
    page.wait_for_selector("body[data-rendered='1']", timeout=20_000)


def the_fleet(page: Any, url: str) -> None:
    page.goto(f"{url}/wall/")
    page.wait_for_selector("body[data-rendered='1']", timeout=20_000)


def the_history(page: Any, url: str) -> None:
    page.goto(f"{url}/clusters/demo/")
    first, last = recorded(page)
    page.goto(f"{url}/clusters/demo/history/?from={first}&to={last}")
    page.wait_for_selector("body[data-charts]", timeout=10_000)


def a_diff(page: Any, url: str) -> None:
    page.goto(f"{url}/clusters/demo/")
    first, last = recorded(page)
    page.goto(f"{url}/clusters/demo/diff?from={first}&to={last}")


def simple(path: str) -> Callable[[Any, str], None]:
    return lambda page, url: page.goto(f"{url}{path}")


PAGES: dict[str, Callable[[Any, str], None]] = {
    "map": the_map,
    "replay": a_replay,
    "imported replay": an_imported_replay,
    "wall": the_wall,
    "fleet wall": the_fleet,
    "history": the_history,
    "diff": a_diff,
    "import": simple("/clusters/import"),
    "tokens": simple("/access/tokens/"),
}


@pytest.mark.parametrize("name", PAGES)
def test_no_serious_or_critical_violation(staff: Any, site: Server, name: str) -> None:
    PAGES[name](staff, site.url)
    assert_clean(staff, name)


def test_the_login_page_has_no_serious_or_critical_violation(browser: Any, site: Server) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 720}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{site.url}/accounts/login/")
    page.fill("input[name='username']", "nobody")
    page.fill("input[name='password']", "wrong")
    page.click("form.cv-access-form button[type='submit']")  # the page with its error message
    page.wait_for_selector(".cv-access-error")
    try:
        assert_clean(page, "login")
    finally:
        context.close()


def test_the_replay_slider_is_announced_as_a_moment_not_a_number(staff: Any, site: Server) -> None:
    the_map(staff, site.url)
    first, _ = recorded(staff)
    slider = staff.locator("#replay-slider")
    staff.wait_for_function("!document.getElementById('replay-slider').disabled", timeout=20_000)
    assert "(live)" in (slider.get_attribute("aria-valuetext") or ""), "at its live end it says live"
    moment = math.ceil(first) + 3
    slider.fill(str(moment))  # as a user moves it: an input event
    zone = ZoneInfo(staff.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone"))
    said = slider.get_attribute("aria-valuetext") or ""
    assert datetime.fromtimestamp(moment, zone).strftime("%H:%M:%S") in said, said
    assert str(moment) not in said
    staff.locator("#replay-live").click()
