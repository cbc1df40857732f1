"""A real dashboard server (daphne via runserver) on a free port, driven by Debian's Chromium through Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.2)


class Server:
    def __init__(self, tmp: Path, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "dashboard.settings",
            "DEBUG": "1",
            "SQLITE_PATH": str(tmp / "db.sqlite3"),
            "CLUSTERVIZ_FAKE_SCENARIO": "quiet",
            "CLUSTERVIZ_FAKE_SEED": "11",
            **env,
        }
        self.log = tmp / "server.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30) -> None:
        """Migrate, start, and wait up to ``timeout`` s for the cluster's state (a big fake cluster takes longer)."""
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=self.env, check=True
        )
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{self.port}"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for(f"{self.url}/api/v1/clusters/demo/state", timeout)

    def log_in(self, page: Any, username: str = "vic") -> None:
        """A logged-in user in this browser page (the fake cluster's buttons are not for anonymous visitors)."""
        password = "browser-test passphrase 1"
        create = (
            "from django.contrib.auth.models import User; "
            f"User.objects.create_user({username!r}, password={password!r})"
        )
        subprocess.run([sys.executable, "manage.py", "shell", "-c", create], cwd=ROOT, env=self.env, check=True)
        page.goto(f"{self.url}/accounts/login/")
        page.fill("input[name='username']", username)
        page.fill("input[name='password']", password)
        page.click("form.cv-access-form button[type='submit']")
        page.wait_for_url(lambda url: "/accounts/login/" not in url, timeout=20_000)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    server = Server(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    require(os.path.exists(CHROMIUM), f"Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


RECORDING = {
    "CLUSTERVIZ_FAKE_SCENARIO": "demo",
    "CLUSTERVIZ_HISTORY": "1",
    "CLUSTERVIZ_CHECKPOINT_SECONDS": "5",
    "CLUSTERVIZ_HISTORY_FLUSH_SECONDS": "0.5",
    "CLUSTERVIZ_SAMPLE_SECONDS": "2",
    "CLUSTERVIZ_FAKE_SPEED": "4",
}
"""A server recording the demo cluster's story at four times its pace: a checkpoint every 5 s, a sample every 2 s."""


def checked_page(
    browser: Any, cookies: Sequence[dict[str, str]] = (), init_script: str = "", **context: Any
) -> Iterator[Any]:
    """A page in a context of its own (viewport, time zone, cookies, a script run before the page's own);
    closing it fails on any JavaScript error it saw."""
    ctx = browser.new_context(**{"viewport": {"width": 1440, "height": 900}, **context})
    if cookies:
        ctx.add_cookies(list(cookies))
    if init_script:
        ctx.add_init_script(init_script)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    yield page
    ctx.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    yield from checked_page(browser)
