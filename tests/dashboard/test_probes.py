"""The kubelet's probes, and static files under the production settings (servestatic, DEBUG off)."""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import AsyncClient, Client

from dashboard import hub as hub_module
from dashboard import probes
from dashboard.management.commands.watch_cluster import Command
from dashboard.remote import WatcherUnavailable

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def no_anonymous_read(settings: Any) -> None:
    settings.CLUSTERVIZ_ANONYMOUS_READ = False


@pytest.mark.django_db
def test_livez_answers_an_outsider_and_names_nothing() -> None:
    response = Client().get("/livez")
    assert response.status_code == 200
    assert response.content == b"process: ok\n"
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db(transaction=True)
async def test_readyz_is_ready_when_the_database_answers() -> None:
    response = await AsyncClient().get("/readyz")
    assert (response.status_code, response.content) == (200, b"database: ok\n")


class Silent:
    """A watcher that never answers (none running, or a handover in progress)."""

    async def query(self, query: str, **args: Any) -> Any:
        raise WatcherUnavailable("no watcher answered")


@pytest.mark.django_db(transaction=True)
async def test_readyz_is_503_in_external_mode_while_no_watcher_answers(
    monkeypatch: pytest.MonkeyPatch, fresh_hub: hub_module.Hub
) -> None:
    monkeypatch.setattr(fresh_hub, "mode", "external")
    monkeypatch.setattr(fresh_hub, "cluster", lambda name: Silent())
    monkeypatch.setattr(probes, "hub", fresh_hub)
    response = await AsyncClient().get("/readyz")
    assert response.status_code == 503
    assert response.content == b"database: ok\nwatchers: failing\n", "which check failed, and nothing more"


@pytest.mark.django_db(transaction=True)
async def test_readyz_is_503_when_the_database_does_not_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(probes, "_database_answers", lambda: False)
    response = await AsyncClient().get("/readyz")
    assert (response.status_code, response.content) == (503, b"database: failing\n")


SERVE = """
import asyncio, re, django
django.setup()
from django.template import engines
from django.test import AsyncClient

htmx = engines["django"].from_string("{% load django_htmx %}{% htmx_script %}").render()

async def main():
    for path in ("/static/clusterviz/map.js", "/static/clusterviz/map.css", *re.findall(r'src="([^"]+)"', htmx)):
        r = await AsyncClient().get(path, secure=True, headers={"Accept-Encoding": "gzip"})
        print(path, r.status_code, r.get("Content-Encoding"), r.get("Cache-Control"))

asyncio.run(main())
"""


def test_production_serves_the_collected_static_files_with_debug_off(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dashboard.settings_production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "STATIC_ROOT": str(tmp_path / "static"),
        "ALLOWED_HOSTS": "testserver",
    }
    run = lambda *args: subprocess.run(  # noqa: E731
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    run("manage.py", "collectstatic", "--no-input", "-v", "0")
    lines = run("-c", SERVE).stdout.splitlines()
    assert len(lines) >= 3
    for line in lines:
        _path, status, encoding, cache = line.split(" ", 3)
        assert (status, encoding) == ("200", "gzip"), line
        assert "max-age=" in cache, line


async def test_the_watcher_touches_its_alive_file_while_its_loop_turns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("dashboard.management.commands.watch_cluster.ALIVE_EVERY", 0.01)
    alive, stop, command = tmp_path / "alive", asyncio.Event(), Command()
    command.shutdown = False
    beating = asyncio.create_task(command.beat(alive, stop))
    while not alive.exists():
        await asyncio.sleep(0.01)
    aged = alive.stat().st_mtime_ns - 10**10
    os.utime(alive, ns=(aged, aged))  # ten seconds old: the probe would still pass, a turn of the loop renews it
    while alive.stat().st_mtime_ns == aged:
        await asyncio.sleep(0.01)
    command.shutdown = True
    stop.set()
    await asyncio.wait_for(beating, 5)  # and it stops with the command
