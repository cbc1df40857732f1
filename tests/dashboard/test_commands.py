"""manage.py export_snapshot and import_snapshot: files that round-trip, and bad input refused with exit code 1."""

from __future__ import annotations

import gzip
import io
import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from django.core.management import CommandError, call_command

from clusterviz import export
from clusterviz.history import format_moment
from dashboard.models import ImportedSnapshot
from tests.core.test_history import comparable, record
from tests.dashboard.test_history_store import run_story, snapshot_bytes

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def test_export_a_moment_to_a_file(tmp_path: Path) -> None:
    _, story = run_story()
    at = sorted(story.truth)[-4]
    out = tmp_path / "moment.json"
    call_command("export_snapshot", "--cluster", "demo", "--at", str(at), "--output", str(out), stderr=io.StringIO())
    doc = export.parse(out.read_bytes())
    assert doc["at"] == at and comparable(doc["state"])["pods"] == comparable(story.truth[at])["pods"]
    assert not (tmp_path / "moment.json.part").exists()


def test_an_export_of_a_past_moment_says_which_image_ran_on_which_node(tmp_path: Path) -> None:
    """The first question of an incident review, answered from history: the images of that moment, not now."""
    _, story = run_story()
    at = sorted(story.truth)[len(story.truth) // 2]
    out = tmp_path / "incident.json.gz"
    call_command("export_snapshot", cluster="demo", at=str(at), output=str(out), stderr=io.StringIO())
    doc = export.parse(out.read_bytes())
    assert doc["schema"] == "clusterviz.snapshot/v2"

    def images(state: dict) -> set[tuple[str | None, str, str]]:  # type: ignore[type-arg]
        return {(p["node"], p["name"], c["image"]) for p in state["pods"] for c in p["containers"]}

    assert images(doc["state"]) == images(story.truth[at])  # type: ignore[arg-type]
    assert ("worker-1", "kube-proxy", "registry.k8s.io/kube-proxy") in {
        (node, name.rsplit("-", 1)[0], image.split(":")[0]) for node, name, image in images(doc["state"])  # type: ignore[arg-type]
    }
    crashed = [c for p in doc["state"]["pods"] for c in p["containers"] if c["restarts"]]
    assert crashed and all(c["lastState"] and c["lastState"]["exitCode"] for c in crashed)


def test_export_takes_iso_and_gzips_by_suffix(tmp_path: Path) -> None:
    _, story = run_story()
    at = sorted(story.truth)[-2]
    out = tmp_path / "moment.json.gz"
    call_command("export_snapshot", cluster="demo", at=format_moment(at), output=str(out), stderr=io.StringIO())
    data = out.read_bytes()
    assert data[:2] == b"\x1f\x8b"
    assert orjson.loads(gzip.decompress(data))["state"]["seq"] == story.truth[at]["seq"]


def test_export_defaults_to_the_latest_moment_on_stdout(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    _, story = run_story()
    call_command("export_snapshot", cluster="demo")
    doc = export.parse(capsysbinary.readouterr().out)
    assert doc["state"]["seq"] == story.truth[max(story.truth)]["seq"]


def test_export_explains_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no history of 'nowhere'"):
        call_command("export_snapshot", cluster="nowhere", output=str(tmp_path / "x.json"))
    with pytest.raises(CommandError, match="--at: 'later' is neither"):
        call_command("export_snapshot", cluster="demo", at="later")
    assert not list(tmp_path.iterdir())


def test_import_then_export_round_trips(tmp_path: Path) -> None:
    state = record(seed=6).state()
    src = tmp_path / "in.json.gz"
    src.write_bytes(export.compress(snapshot_bytes(state)))
    out = io.StringIO()
    call_command("import_snapshot", str(src), name="incident", stdout=out)
    assert "imported incident" in out.getvalue() and "/replays/incident/" in out.getvalue()
    back = tmp_path / "back.json"
    call_command("export_snapshot", cluster="incident", output=str(back), stderr=io.StringIO())
    assert export.parse(back.read_bytes())["state"] == export.parse(src.read_bytes())["state"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{", "not valid JSON"),
        (b'{"schema": "clusterviz.snapshot/v0"}', "unsupported snapshot schema"),
        (None, "cannot read"),
    ],
)
def test_import_refuses_bad_files_and_changes_nothing(tmp_path: Path, content: bytes | None, message: str) -> None:
    good = tmp_path / "good.json"
    good.write_bytes(snapshot_bytes(record(seed=6).state()))
    call_command("import_snapshot", str(good), name="kept", stdout=io.StringIO())
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        call_command("import_snapshot", str(bad), name="other")
    assert list(ImportedSnapshot.objects.values_list("name", flat=True)) == ["kept"]


def test_import_refuses_an_enormous_file(tmp_path: Path, settings: object) -> None:
    settings.CLUSTERVIZ_IMPORT_MAX_MB = 1  # type: ignore[attr-defined]
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (2 * 1024 * 1024))
    with pytest.raises(CommandError, match="larger than the limit of 1 MB"):
        call_command("import_snapshot", str(big))
    assert not ImportedSnapshot.objects.exists()


def test_a_refused_import_exits_non_zero(tmp_path: Path) -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "dashboard.settings", "SQLITE_PATH": str(tmp_path / "db.sqlite3")}
    env.pop("DATABASE_URL", None)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)
    bad = tmp_path / "bad.json"
    bad.write_bytes(b'{"schema": "clusterviz.snapshot/v1", "cluster": "x"}')
    result = subprocess.run([*manage, "import_snapshot", str(bad)], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 1
    assert "the document has no field 'at'; nothing was imported" in result.stderr
