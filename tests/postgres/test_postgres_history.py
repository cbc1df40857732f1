"""History storage on a real PostgreSQL server: the same recording, rebuilding, retention and imports as on
SQLite, and the DATABASE_URL switch end to end through manage.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from clusterviz import export
from clusterviz.export import SnapshotError
from dashboard.history.store import HistoryStore, ImportRefused
from dashboard.models import ChangeBlock, Checkpoint, ImportedSnapshot
from tests.core.test_history import comparable, record
from tests.dashboard.test_history_store import assert_every_moment_rebuilds, run_story, snapshot_bytes
from tests.postgres.conftest import Postgres, _create_database

ROOT = Path(__file__).resolve().parents[2]


def test_the_tables_live_in_postgresql(pg: str) -> None:
    from django.db import connections

    assert connections[pg].vendor == "postgresql"
    with connections[pg].cursor() as cursor:
        cursor.execute("SELECT to_regclass('dashboard_checkpoint') IS NOT NULL")
        assert cursor.fetchone() == (True,)


def test_every_recorded_moment_rebuilds_on_postgresql(pg: str) -> None:
    store, story = run_story(pg, pods="history")  # checkpoints and deltas in the form the server writes them
    assert Checkpoint.objects.using(pg).count() >= 4 and ChangeBlock.objects.using(pg).count() >= 4
    assert_every_moment_rebuilds(store, story)


def test_retention_on_postgresql(pg: str) -> None:
    store, story = run_story(pg)
    limit = store.usage() // 2
    store.enforce_retention(max_age_seconds=60, max_bytes=limit, now=0)
    assert store.usage() <= limit
    at = max(story.truth)
    assert comparable(store.state_at("demo", at).state) == comparable(story.truth[at])


def test_imports_on_postgresql_refuse_bad_input_and_duplicates(pg: str) -> None:
    store = HistoryStore(pg)
    data = snapshot_bytes(record(seed=5).state())
    store.import_snapshot(data, name="incident", filename="a.json", max_bytes=10**8)
    with pytest.raises(ImportRefused):
        store.import_snapshot(data, name="incident", filename="a.json", max_bytes=10**8)
    with pytest.raises(SnapshotError, match="truncated"):
        store.import_snapshot(data[:-100], name="other", filename="b.json", max_bytes=10**8)
    assert list(ImportedSnapshot.objects.using(pg).values_list("name", flat=True)) == ["incident"]


def test_database_url_switches_the_dashboard_to_postgresql(postgres: Postgres, tmp_path: Path) -> None:
    _create_database(postgres, "clusterviz_cli")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "dashboard.settings", "DATABASE_URL": postgres.url("clusterviz_cli")}
    manage = [sys.executable, "manage.py"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*manage, *args], cwd=ROOT, env=env, capture_output=True, text=True)

    engine = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; import django; django.setup(); "
            "print(settings.DATABASES['default']['ENGINE'], settings.DATABASES['default']['PORT'])",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert engine.stdout.split() == ["django.db.backends.postgresql", str(postgres.port)]
    assert run("migrate", "--no-input", "-v", "0").returncode == 0
    src = tmp_path / "snap.json.gz"
    src.write_bytes(export.compress(snapshot_bytes(record(seed=8).state())))
    imported = run("import_snapshot", str(src), "--name", "pg-replay")
    assert imported.returncode == 0, imported.stderr
    again = run("import_snapshot", str(src), "--name", "pg-replay")
    assert again.returncode == 1 and "already called 'pg-replay'" in again.stderr
    out = tmp_path / "back.json"
    exported = run("export_snapshot", "--cluster", "pg-replay", "--output", str(out))
    assert exported.returncode == 0, exported.stderr
    assert export.parse(out.read_bytes())["state"] == export.parse(src.read_bytes())["state"]
