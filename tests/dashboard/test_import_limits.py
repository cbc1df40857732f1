"""Imports and history under attack (issue 14): staff-only imports, a gzip bomb refused in bounded memory,
hostile documents refused with the field named, parsed replays cached, imports deleted and expired, and every
out-of-range moment a 400 — never a 500."""

from __future__ import annotations

import html
import json
import os
import subprocess
import sys
import time
import zlib
from pathlib import Path
from typing import Any

import orjson
import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from clusterviz import export
from dashboard.history import store as store_module
from dashboard.history.store import HistoryStore
from dashboard.models import ImportedSnapshot
from tests.core.test_history import record
from tests.dashboard.test_history_store import run_story, snapshot_bytes

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]
BOMB_BYTES = 8_700_000
RSS_BOUND_MB = 96


def client_of(staff: bool) -> Client:
    client = Client()
    client.force_login(User.objects.create_user("ada" if staff else "vic", is_staff=staff))
    return client


def upload(client: Client, data: bytes, name: str = "", filename: str = "snap.json") -> Any:
    return client.post("/clusters/import", {"file": SimpleUploadedFile(filename, data), "name": name})


def snapshot() -> bytes:
    return snapshot_bytes(record(seed=5).full())


# --- who may import -----------------------------------------------------------------------------------------------


def test_imports_are_for_staff_only() -> None:
    viewer = client_of(staff=False)
    refused = viewer.get("/clusters/import")
    assert refused.status_code == 403 and 'data-kind="forbidden"' in refused.content.decode()
    assert upload(viewer, snapshot(), name="nope").status_code == 403
    assert not ImportedSnapshot.objects.exists()
    assert upload(client_of(staff=True), snapshot(), name="yes").status_code == 302


def test_only_staff_are_shown_the_import_link() -> None:
    run_story()
    staff, viewer = client_of(staff=True), client_of(staff=False)
    assert 'href="/clusters/import"' in staff.get("/clusters/demo/history/").content.decode()
    assert 'href="/clusters/import"' not in viewer.get("/clusters/demo/history/").content.decode()


# --- bounded memory -----------------------------------------------------------------------------------------------


def gzip_bomb(size: int) -> bytes:
    """A gzip file of ``size`` bytes that unpacks a thousand times larger: JSON padded with spaces. Made in
    well under a second: each 1 MiB of spaces packed after a full flush packs to the same bytes, so they repeat
    (the trailer's checksum covers only the first; nothing that refuses the file early ever reads it)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    head = packer.compress(b'{"schema": "clusterviz.snapshot/v2", "pad": "') + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(b" " * (1 << 20)) + packer.flush(zlib.Z_FULL_FLUSH)
    assert packer.compress(b" " * (1 << 20)) + packer.flush(zlib.Z_FULL_FLUSH) == block
    tail = packer.compress(b'"}') + packer.flush()
    return head + block * ((size - len(head) - len(tail)) // len(block)) + tail


UPLOAD_IN_A_FRESH_PROCESS = """
import os, resource, sys
import django
os.environ.update(DJANGO_SETTINGS_MODULE="dashboard.settings", SQLITE_PATH=sys.argv[2], CLUSTERVIZ_HISTORY="0")
django.setup()
from django.core.management import call_command
from django.test import Client
from django.test.utils import setup_test_environment
from django.core.files.uploadedfile import SimpleUploadedFile
from django.contrib.auth.models import User
setup_test_environment()
call_command("migrate", verbosity=0)
client = Client()
client.force_login(User.objects.create_user("ada", is_staff=True))
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
response = client.post("/clusters/import", {"file": SimpleUploadedFile("bomb.json.gz", data)})
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
error = response.content.decode().split('id="import-error"')[1].split("</p>")[0]
print(response.status_code, (after - before) // 1024, error)
"""


def test_a_gzip_bomb_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    """8.7 MB that unpack to ~9 GB: refused after 16 MiB, the server's peak RSS growing by under 96 MB (the upload
    itself, a copy of it, and the bounded buffer). Today's main peaked at 1.14 GB."""
    bomb = tmp_path / "bomb.json.gz"
    bomb.write_bytes(gzip_bomb(BOMB_BYTES))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = (
        subprocess.run(
            [sys.executable, "-c", UPLOAD_IN_A_FRESH_PROCESS, str(bomb), str(tmp_path / "db.sqlite3")],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    status, grown_mb, message = out.split(" ", 2)
    assert status == "400" and "unpacks to more than 200 times its size" in message
    assert int(grown_mb) < RSS_BOUND_MB, f"peak RSS grew by {grown_mb} MB"


def test_a_file_over_the_limit_is_refused_while_unpacking(settings: Any) -> None:
    data = export.compress(snapshot())
    with pytest.raises(export.SnapshotError, match="unpacks to more than the limit of 0 MB"):
        export.parse(data, max_bytes=len(data) + 10)


# --- hostile documents: a 400 that names the field ----------------------------------------------------------------


def hostile(change: Any) -> bytes:
    """The stdlib writes what orjson refuses to (more than 254 levels)."""
    doc = orjson.loads(snapshot())
    change(doc["state"])
    return json.dumps(doc).encode()


def nested(depth: int) -> Any:
    value: Any = "deep"
    for _ in range(depth):
        value = {"x": value}
    return value


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda s: s["pods"][0]["labels"].update(app=nested(300)), "state.pods[0].labels.app must be a string"),
        (lambda s: s["pods"][0].update(name="a/b"), "state.pods[0].name 'a/b' is not an object name"),
        (lambda s: s["pods"][0].update(namespace="../x"), "state.pods[0].namespace '../x' is not an object name"),
        (lambda s: s["nodes"][0].update(name="w/1"), "state.nodes[0].name 'w/1' is not an object name"),
        (lambda s: s["nodes"][0]["labels"].update(zone=[1]), "state.nodes[0].labels.zone must be a string"),
    ],
)
def test_a_hostile_import_is_a_400_naming_the_field(change: Any, field: str) -> None:
    response = upload(client_of(staff=True), hostile(change))
    assert response.status_code == 400 and html.escape(field) in response.content.decode()
    assert not ImportedSnapshot.objects.exists()


def test_a_document_too_deep_to_store_is_refused_not_a_500() -> None:
    """orjson reads 1,024 levels but writes 254: a field no check looks inside must still not break storing."""
    doc = hostile(lambda s: s["nodes"][0]["conditions"].update(Ready=nested(300)))
    response = upload(client_of(staff=True), doc)
    assert response.status_code == 400 and "cannot be stored" in response.content.decode()


# --- parsed once, deleted, expired --------------------------------------------------------------------------------


def test_the_panels_of_a_replay_parse_the_snapshot_once(monkeypatch: pytest.MonkeyPatch) -> None:
    staff = client_of(staff=True)
    state = record(seed=5).full()
    assert upload(staff, snapshot_bytes(state), name="incident").status_code == 302
    calls: list[int] = []
    original = store_module.unpack
    monkeypatch.setattr(store_module, "unpack", lambda blob: calls.append(1) or original(blob))
    pod, node = state["pods"][0], state["nodes"][0]
    for path in (
        "/replays/incident/",
        "/api/v1/clusters/incident/history/state",
        f"/replays/incident/nodes/{node['name']}/panel",
        f"/replays/incident/pods/{pod['namespace']}/{pod['name']}/panel",
    ):
        assert staff.get(path).status_code == 200, path
    assert len(calls) == 1


def test_staff_delete_an_import() -> None:
    staff = client_of(staff=True)
    upload(staff, snapshot(), name="gone-soon")
    assert 'data-delete="gone-soon"' in staff.get("/clusters/import").content.decode()
    assert staff.post("/clusters/import/gone-soon/delete").status_code == 302
    assert not ImportedSnapshot.objects.exists()
    assert staff.get("/replays/gone-soon/").status_code == 404
    assert staff.post("/clusters/import/gone-soon/delete").status_code == 404
    assert client_of(staff=False).post("/clusters/import/x/delete").status_code == 403


def test_imports_expire(settings: Any) -> None:
    settings.CLUSTERVIZ_IMPORT_KEEP_DAYS = 7
    staff = client_of(staff=True)
    upload(staff, snapshot(), name="old")
    upload(staff, snapshot(), name="new")
    ImportedSnapshot.objects.filter(name="old").update(imported_at=time.time() - 8 * 86400)
    assert staff.get("/replays/old/").status_code == 404
    assert list(ImportedSnapshot.objects.values_list("name", flat=True)) == ["new"]
    assert HistoryStore().imported("new") is not None


# --- moments out of range: 400, not 500 ---------------------------------------------------------------------------


OUT_OF_RANGE = [
    ("/api/v1/clusters/demo/history/state?at=1e20", "at"),
    ("/api/v1/clusters/demo/history/timeline?from=0&to=1e12", "to"),
    ("/api/v1/clusters/demo/history/series?from=-5&to=1e9", "from"),
    ("/api/v1/clusters/demo/export?at=1e20", "at"),
    ("/clusters/demo/diff?from=0&to=1e12", "to"),
    ("/clusters/demo/diff?from=1e20&to=1", "from"),
]


def test_a_moment_out_of_range_is_a_400_naming_the_parameter() -> None:
    run_story()
    client = Client(raise_request_exception=False)
    for path, field in OUT_OF_RANGE:
        response = client.get(path)
        assert response.status_code == 400, (path, response.status_code)
        assert field in response.content.decode(), path
