"""A throwaway PostgreSQL server (Debian's binaries) on a free port, in a temporary directory, for the session.

PostgreSQL refuses to run as root, so under root it runs as the ``postgres`` user (``runuser``). Outside CI a
missing PostgreSQL skips these tests; under CI=true it fails them (``.ci/run`` installs ``postgresql``).
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
ALIAS = "pg"


@dataclass(frozen=True)
class Postgres:
    host: str
    port: int
    user: str

    def url(self, database: str) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{database}"


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _free_port() -> int:
    from tests.browser.conftest import free_port

    return free_port()


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    require((PG_BIN / "initdb").exists(), f"PostgreSQL server binaries in {PG_BIN} (apt-get install postgresql)")
    root = os.geteuid() == 0
    if root:
        require(_has_user("postgres") and shutil.which("runuser") is not None, "a postgres user and runuser")
    base = Path(tempfile.mkdtemp(prefix="clusterviz-pg-"))
    if root:
        entry = pwd.getpwnam("postgres")
        os.chown(base, entry.pw_uid, entry.pw_gid)
    data, port = base / "data", _free_port()
    run = lambda *cmd: subprocess.run(_as_server_user(list(cmd)), check=True, capture_output=True)  # noqa: E731
    try:
        run(str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
        options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        run(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(base / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )
        try:
            server = Postgres("127.0.0.1", port, "postgres")
            _create_database(server, "clusterviz_test")
            yield server
        finally:
            subprocess.run(
                _as_server_user([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                capture_output=True,
            )
    except subprocess.CalledProcessError as error:
        log = base / "server.log"
        detail = (error.stderr or b"").decode(errors="replace") + (log.read_text() if log.exists() else "")
        pytest.fail(f"PostgreSQL did not start: {detail[-2000:]}")
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _create_database(server: Postgres, name: str) -> None:
    import psycopg

    with psycopg.connect(host=server.host, port=server.port, user=server.user, dbname="postgres", autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')


def database_settings(server: Postgres, name: str) -> dict[str, Any]:
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": server.user,
        "HOST": server.host,
        "PORT": str(server.port),
        "CONN_MAX_AGE": 0,
    }


@pytest.fixture(scope="session")
def pg_alias(postgres: Postgres, django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    """A second database alias on the throwaway server, migrated, for HistoryStore(using=...)."""
    from django.core.management import call_command
    from django.db import connections

    configured = connections.configure_settings(
        {"default": dict(connections.settings["default"]), ALIAS: database_settings(postgres, "clusterviz_test")}
    )
    connections.settings[ALIAS] = configured[ALIAS]
    with django_db_blocker.unblock():
        call_command("migrate", database=ALIAS, verbosity=0)
        yield ALIAS
        connections[ALIAS].close()
    del connections.settings[ALIAS]


@pytest.fixture
def pg(pg_alias: str, django_db_blocker: Any) -> Iterator[str]:
    """The alias, with database access allowed and every history table emptied afterwards."""
    from dashboard.models import ChangeBlock, Checkpoint, ImportedSnapshot, Sample, TimelineEvent

    with django_db_blocker.unblock():
        yield pg_alias
        for model in (ChangeBlock, Checkpoint, TimelineEvent, Sample, ImportedSnapshot):
            model.objects.using(pg_alias).all().delete()
