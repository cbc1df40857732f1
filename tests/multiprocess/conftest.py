"""More than one process, for real: redis-server, a throwaway PostgreSQL (the postgres tier's fixture), two web
processes (daphne via runserver) with CLUSTERVIZ_WATCHER=external and two ``manage.py watch_cluster`` processes.

Outside CI a missing redis-server or PostgreSQL skips the tier; under CI=true it fails (``.ci/run`` installs both).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.conftest import free_port
from tests.conftest import require, wait_until
from tests.multiprocess.client import PASSWORD, USER
from tests.postgres.conftest import Postgres, _create_database, postgres  # noqa: F401  (the session fixture)

ROOT = Path(__file__).resolve().parents[2]
REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"


class Proc:
    """A child process with its output in a log file."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log: Path) -> None:
        self.name, self.log = name, log
        with log.open("ab") as out:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        """kill -9: no goodbye, no cleanup."""
        if self.alive:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self, timeout: float = 15) -> int | None:
        if self.alive:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


class Redis:
    def __init__(self, tmp: Path) -> None:
        self.port, self.tmp = free_port(), tmp
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: Proc | None = None

    def start(self) -> None:
        command = [REDIS, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.proc = Proc("redis", [*command, "--daemonize", "no", "--dir", str(self.tmp)], dict(os.environ),
                         self.tmp / "redis.log")
        wait_until(lambda: "Ready to accept connections" in self.proc.text(), 15, "redis-server")  # type: ignore[union-attr]

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()


class Stack:
    """Two web processes and two watchers of the fake cluster ``demo`` over one Redis and one PostgreSQL."""

    def __init__(self, tmp: Path, redis: Redis, database_url: str) -> None:
        self.tmp, self.redis = tmp, redis
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "dashboard.settings",
            "PYTHONUNBUFFERED": "1",
            "DEBUG": "1",
            "CLUSTERVIZ_WATCHER": "external",
            "REDIS_URL": redis.url,
            "DATABASE_URL": database_url,
            "CLUSTERVIZ_ANONYMOUS_READ": "1",
            "CLUSTERVIZ_FAKE_SCENARIO": "quiet",
            "CLUSTERVIZ_FAKE_SEED": "11",
            "CLUSTERVIZ_FAKE_SPEED": "5",
            "CLUSTERVIZ_TICK": "0.1",
            "CLUSTERVIZ_HEARTBEAT": "1",
            "CLUSTERVIZ_HISTORY_FLUSH_SECONDS": "1",
        }
        self.webs: list[tuple[Proc, str]] = []
        self.watchers: list[Proc] = []
        self.count = 0

    def _name(self, kind: str) -> str:
        self.count += 1
        return f"{kind}-{self.count}"

    def start_web(self) -> str:
        port = free_port()
        name = self._name("web")
        command = [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]
        proc = Proc(name, command, self.env, self.tmp / f"{name}.log")
        url = f"http://127.0.0.1:{port}"

        def up() -> bool:
            try:
                with urllib.request.urlopen(f"{url}/api/v1/clusters", timeout=2) as response:
                    return response.status == 200
            except OSError:
                assert proc.alive, f"{name} exited:\n{proc.text()[-3000:]}"
                return False

        wait_until(up, 30, name, every=0.2)
        self.webs.append((proc, url))
        return url

    def start_watcher(self) -> Proc:
        name = self._name("watcher")
        proc = Proc(name, [sys.executable, "manage.py", "watch_cluster"], self.env, self.tmp / f"{name}.log")
        wait_until(lambda: "standing by" in proc.text() or not proc.alive, 30, f"{name} to start")
        assert proc.alive, proc.text()
        self.watchers.append(proc)
        return proc

    def leader(self) -> Proc | None:
        """The live watcher whose last word on cluster demo is that it leads."""
        for proc in self.watchers:
            lines = re.findall(r"cluster demo: (leading|lost leadership)", proc.text())
            if proc.alive and lines and lines[-1] == "leading":
                return proc
        return None

    def ensure(self) -> None:
        """Two web processes and two watchers alive, one of them leading (tests kill some)."""
        self.webs = [(p, u) for p, u in self.webs if p.alive]
        self.watchers = [p for p in self.watchers if p.alive]
        while len(self.watchers) < 2:
            self.start_watcher()
        while len(self.webs) < 2:
            self.start_web()
        wait_until(self.leader, 20, "a leading watcher")

    def stop(self) -> None:
        for proc, _ in self.webs:
            proc.stop()
        for proc in self.watchers:
            code = proc.stop()
            assert code == 0, f"{proc.name} did not stop cleanly on SIGTERM ({code}):\n{proc.text()[-2000:]}"


@pytest.fixture(scope="module")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Redis]:
    require(os.path.exists(REDIS), "redis-server (apt-get install redis-server)")
    server = Redis(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.kill()


@pytest.fixture(scope="module")
def stack(
    redis: Redis,
    postgres: Postgres,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Iterator[Stack]:
    database = "clusterviz_" + request.module.__name__.rsplit(".", 1)[-1]  # a fresh one for each module's stack
    _create_database(postgres, database)
    url = postgres.url(database)
    tmp = tmp_path_factory.mktemp("multiprocess")
    stack = Stack(tmp, redis, url)
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=stack.env,
                   check=True)
    create = f"from django.contrib.auth.models import User; User.objects.create_user({USER!r}, password={PASSWORD!r})"
    subprocess.run([sys.executable, "manage.py", "shell", "-c", create], cwd=ROOT, env=stack.env, check=True)
    try:
        stack.ensure()
        yield stack
    finally:
        stack.stop()
        print(f"\nmultiprocess logs in {tmp}")
