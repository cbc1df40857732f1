"""History endpoints and pages through the real URL routing, middleware (access, CSP, CSRF) and templates."""

from __future__ import annotations

import gzip
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jsonschema
import orjson
import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F
from django.test import AsyncClient, Client
from django.urls import include, path

from clusterviz import export
from clusterviz.history import for_the_map, map_state
from dashboard.hub import Hub
from dashboard.models import Checkpoint, ImportedSnapshot, TimelineEvent
from tests.core.test_history import comparable, record
from tests.dashboard.test_history_store import Feed, run_story, snapshot_bytes

urlpatterns = [path("", include("dashboard.urls")), path("", include("dashboard.history.urls"))]
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls(__name__)]
SCHEMA = json.loads((Path(export.__file__).parent / "schema" / "snapshot-v2.schema.json").read_text())


@pytest.fixture
def story() -> Feed:
    return run_story()[1]


def get_json(client: Client, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, response.content[:300]
    return orjson.loads(response.content)


# -- JSON ------------------------------------------------------------------------------------------------------


def test_history_state_is_the_rebuilt_moment(client: Client, story: Feed) -> None:
    for at in sorted(story.truth)[::5]:
        state = get_json(client, f"/api/v1/clusters/demo/history/state?at={at}")
        assert comparable(state) == comparable(map_state(story.truth[at]))  # the map's replay: pod summaries
        assert state["history"]["at"] == at and state["history"]["imported"] is False


def test_history_state_takes_iso_times(client: Client, story: Feed) -> None:
    at = sorted(story.truth)[3]
    iso = datetime.fromtimestamp(at, UTC).isoformat()
    assert get_json(client, f"/api/v1/clusters/demo/history/state?at={iso}")["seq"] == story.truth[at]["seq"]
    assert get_json(client, f"/api/v1/clusters/demo/history/state?at={quote(iso)}")["seq"] == story.truth[at]["seq"]


def test_bad_or_unrecorded_moments_are_clear_errors(client: Client, story: Feed) -> None:
    assert "neither epoch seconds" in get_json(client, "/api/v1/clusters/demo/history/state?at=soon", 400)["error"]
    before = story.rec.first["at"] - 100
    assert "no stored history" in get_json(client, f"/api/v1/clusters/demo/history/state?at={before}", 404)["error"]
    assert get_json(client, "/api/v1/clusters/nowhere/history/state", 404)


def test_range_timeline_and_series(client: Client, story: Feed) -> None:
    r = get_json(client, "/api/v1/clusters/demo/history/range")
    assert r["from"] == story.rec.first["at"] and r["to"] == max(story.truth)
    timeline = get_json(client, f"/api/v1/clusters/demo/history/timeline?from={r['from']}&to={r['to']}")
    assert {"scaled", "node-not-ready", "node-ready", "pod-failed"} <= {e["kind"] for e in timeline["events"]}
    s = get_json(client, f"/api/v1/clusters/demo/history/series?from={r['from']}&to={r['to']}&step=10")
    assert len(s["t"]) == len(s["pods"]["running"]) == len(s["nodesReady"])
    worker = story.rec.first["nodes"][1]["name"]
    assert min(v for v in s["nodesReady"] if v is not None) == len(story.rec.first["nodes"]) - 1
    assert worker in s["perNode"]
    assert get_json(client, f"/api/v1/clusters/demo/history/series?from={r['from']}&to={r['to']}&step=0.001", 400)


def test_deltas_for_replay_continue_the_segment(client: Client, story: Feed) -> None:
    at = sorted(story.truth)[1]
    state = get_json(client, f"/api/v1/clusters/demo/history/state?at={at}")
    cp, seq = state["history"]["checkpoint"], state["seq"]
    later = get_json(client, f"/api/v1/clusters/demo/history/deltas?checkpoint={cp}&seq={seq}&to={at + 5}")
    assert all(d["seq"] > seq for d in later["deltas"])
    far = get_json(client, f"/api/v1/clusters/demo/history/deltas?checkpoint={cp}&seq={seq}&to={max(story.truth)}")
    assert far == {"resync": True}
    assert get_json(client, "/api/v1/clusters/demo/history/deltas?checkpoint=x&seq=1&to=1", 400)


# -- export ----------------------------------------------------------------------------------------------------


def test_export_of_a_stored_moment_is_a_valid_download(client: Client, story: Feed) -> None:
    at = sorted(story.truth)[-3]
    response = client.get(f"/api/v1/clusters/demo/export?at={at}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert re.fullmatch(r'attachment; filename="demo-\d{8}T\d{6}Z\.json"', response["Content-Disposition"])
    doc = orjson.loads(response.content)
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)
    assert doc["at"] == at
    assert doc["state"]["pods"] == sorted(story.truth[at]["pods"], key=lambda p: (p["namespace"], p["name"]))


def test_export_gzip_on_request(client: Client, story: Feed) -> None:
    response = client.get(f"/api/v1/clusters/demo/export?at={max(story.truth)}&gzip=1", HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Type"] == "application/gzip"
    assert response["Content-Disposition"].endswith('.json.gz"')
    assert response["Content-Encoding"] == "identity"  # the file is the gzip; no second layer
    assert export.parse(gzip.decompress(response.content))["cluster"] == "demo"


async def test_export_without_a_moment_is_the_live_state(async_client: AsyncClient, running_hub: Hub) -> None:
    response = await async_client.get("/api/v1/clusters/demo/export")
    assert response.status_code == 200
    doc = export.parse(response.content)
    live = orjson.loads(await running_hub.runtime("demo").astate_json())
    assert doc["state"]["seq"] <= live["seq"] and len(doc["state"]["nodes"]) == len(live["nodes"])


def test_export_of_nothing_is_404(client: Client) -> None:
    assert "no history" in get_json(client, "/api/v1/clusters/nowhere/export?at=5", 404)["error"]


# -- pages -----------------------------------------------------------------------------------------------------


def test_history_page_has_timeline_charts_and_diff_form(client: Client, story: Feed) -> None:
    lo, hi = story.rec.first["at"], max(story.truth)
    response = client.get(f"/clusters/demo/history/?from={lo}&to={hi}")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="events"' in html and "became NotReady" in html
    for chart in ("pods", "nodes", "restarts"):
        assert f'data-chart="{chart}"' in html
    data = json.loads(re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', html, re.S)[1])
    running = next(line for line in data["charts"]["pods"]["lines"] if line["name"] == "running")
    assert len(running["values"]) == len(data["t"]) and running["last"] == running["values"][-1] > 0
    assert data["charts"]["pods"]["unit"] == "pods" and running["label"] == "Running"
    assert {f"node/{n['name']}" for n in story.truth[max(story.truth)]["nodes"]} <= set(data["charts"])
    assert 'id="diff-form"' in html and "/clusters/demo/?at=" in html
    assert "style=" not in html and "<script>" not in html  # the CSP allows neither


def test_history_page_without_history(client: Client) -> None:
    response = client.get("/clusters/demo/history/")
    assert response.status_code == 200 and 'id="no-history"' in response.content.decode()
    assert client.get("/clusters/nowhere/history/").status_code == 404


def test_cluster_text_is_escaped(client: Client, story: Feed) -> None:
    TimelineEvent.objects.create(
        cluster="demo",
        at=max(story.truth),
        seq=1,
        kind="pod-failed",
        subject="<img src=x onerror=alert(1)>",
        text="Pod <b>x</b> is Error",
    )
    html = client.get(f"/clusters/demo/history/?from={story.rec.first['at']}&to={max(story.truth)}").content.decode()
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "Pod <b>x</b>" not in html


def test_diff_page_lists_changes_linking_into_the_map(client: Client, story: Feed) -> None:
    a, b = story.rec.first["at"], max(story.truth)
    response = client.get(f"/clusters/demo/diff?from={a}&to={b}")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html
    added = re.findall(
        r'data-change="added"><span[^>]*>added</span> <a class="mono" href="([^"]+)">default/([^<]+)</a>', html
    )
    assert len([n for _, n in added if n.startswith("users-deployment-")]) == 3
    assert all(href.startswith(f"/clusters/demo/?at={b}&amp;q=") for href, _ in added)
    partial = client.get(f"/clusters/demo/diff?from={a}&to={b}", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and 'id="diff-body"' in partial


def test_diff_with_a_bad_moment_is_400(client: Client, story: Feed) -> None:
    assert client.get("/clusters/demo/diff?from=later&to=1").status_code == 400
    missing = client.get("/clusters/demo/diff?from=1&to=2")
    assert missing.status_code == 404 and "Cannot compare" in missing.content.decode()


# -- import ----------------------------------------------------------------------------------------------------


@pytest.fixture
def user_client() -> Client:
    """Imports are for staff (tests/dashboard/test_import_limits.py holds who may import)."""
    client = Client()
    client.force_login(User.objects.create_user("ops", password="x", is_staff=True))
    return client


def upload(client: Client, data: bytes, name: str = "", filename: str = "snap.json") -> Any:
    return client.post("/clusters/import", {"file": SimpleUploadedFile(filename, data), "name": name})


def test_upload_becomes_a_replay_cluster_on_the_map(user_client: Client) -> None:
    state = record(seed=5).full()
    response = upload(user_client, export.compress(snapshot_bytes(state)), name="incident-0312", filename="s.json.gz")
    assert response.status_code == 302 and response["Location"] == "/replays/incident-0312/"
    page = user_client.get("/replays/incident-0312/").content.decode()
    assert 'data-ws-path=""' in page and 'data-state-url="/api/v1/clusters/incident-0312/history/state"' in page
    replay = get_json(user_client, "/api/v1/clusters/incident-0312/history/state")
    assert replay["cluster"] == "incident-0312" and replay["pods"] == for_the_map(state["pods"])
    assert replay["source"]["kind"] == "replay" and "not live" in replay["source"]["reason"]
    exported = export.parse(user_client.get("/api/v1/clusters/incident-0312/export").content)
    assert exported["state"]["pods"] == state["pods"] and exported["cluster"] == "demo"
    pod = state["pods"][0]
    panel = user_client.get(f"/replays/incident-0312/pods/{pod['namespace']}/{pod['name']}/panel")
    assert panel.status_code == 200 and pod["name"] in panel.content.decode()
    assert "incident-0312" in user_client.get("/clusters/import").content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{oops", "not valid JSON"),
        (b'{"schema": "clusterviz.snapshot/v7"}', "unsupported snapshot schema"),
        (b"", "Choose a snapshot file"),
    ],
)
def test_bad_uploads_are_refused_and_change_nothing(user_client: Client, data: bytes, message: str) -> None:
    upload(user_client, snapshot_bytes(record(seed=5).full()), name="kept")
    before = list(ImportedSnapshot.objects.values_list("name", "size"))
    response = upload(user_client, data) if data else user_client.post("/clusters/import", {})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert list(ImportedSnapshot.objects.values_list("name", "size")) == before


def test_a_duplicate_name_is_refused(user_client: Client) -> None:
    data = snapshot_bytes(record(seed=5).full())
    upload(user_client, data, name="twice")
    response = upload(user_client, data, name="twice")
    assert response.status_code == 400 and "already called" in response.content.decode()
    assert ImportedSnapshot.objects.filter(name="twice").count() == 1


def test_upload_needs_the_csrf_token() -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.create_user("ops2", password="x", is_staff=True))
    assert upload(client, snapshot_bytes(record(seed=5).full())).status_code == 403
    assert not ImportedSnapshot.objects.exists()


def test_unknown_replays_are_404(client: Client) -> None:
    assert client.get("/replays/nothing/").status_code == 404


def test_node_charts_draw_use_only_where_it_was_measured() -> None:
    from dashboard.history.views import _node_charts

    def node(used: int | None) -> dict[str, list[int | None]]:
        return {
            "cpuRequested": [500, 500],
            "memoryRequested": [2**30, 2**30],
            "cpuAllocatable": [1000, 1000],
            "memoryAllocatable": [2**32, 2**32],
            "cpuUsed": [None, used],
            "memoryUsed": [None, None if used is None else 2**31],
        }

    s = {
        "t": [0.0, 10.0],
        "pods": {},
        "nodes": [],
        "nodesReady": [],
        "restarts": [],
        "perNode": {"a": node(800), "b": node(None)},
    }
    charts = {
        c["name"]: {line["name"]: line["last"] for line in c["chart"]["lines"]} for c in _node_charts(s)  # type: ignore[arg-type]
    }
    assert charts["a"] == {"cpu": 50, "memory": 25, "cpu-used": 80, "memory-used": 50}
    assert charts["b"] == {"cpu": 50, "memory": 25}


def _form_values(html: str, form_id: str) -> dict[str, str]:
    form = re.search(rf'<form[^>]*id="{form_id}".*?</form>', html, re.S)
    assert form is not None, f"no form {form_id}"
    return dict(re.findall(r'<input name="(\w+)" value="([^"]*)"', form.group(0)))


def test_the_history_pages_default_compare_works(client: Client, story: Feed) -> None:
    """The Compare form's defaults, as the page writes them (whole seconds), name moments that were recorded,
    even though the first recorded moment is not a whole second (a server's clock never is)."""
    Checkpoint.objects.update(at=F("at") + 0.4)
    html = client.get("/clusters/demo/history/").content.decode()
    values = _form_values(html, "diff-form")
    answer = client.get("/clusters/demo/diff", values, HTTP_HX_REQUEST="true")
    assert answer.status_code == 200, answer.content[:300]
    assert "Cannot compare" not in answer.content.decode()


def test_default_window_starts_inside_the_recorded_range() -> None:
    from django.test import RequestFactory

    from dashboard.history.views import _window

    request = RequestFactory().get("/")
    start, end = _window(request, (1000.25, 1500.75))
    assert (start, end) == (1001.0, 1501.0)  # the last recorded change is inside, the first checkpoint before
    start, end = _window(request, (1000.25, 1000.5))  # no whole second inside: both at the first after it
    assert start == end == 1001.0
    assert _window(request, (0.5, 9000.0)) == (9000.0 - 3600, 9000.0)


def test_the_history_diff_and_import_pages_speak_korean(client: Client, story: Feed) -> None:
    korean = {"HTTP_ACCEPT_LANGUAGE": "ko"}
    history = client.get("/clusters/demo/history/", **korean).content.decode()
    assert "두 시점 비교" in history and "타임라인" in history and "Compare two moments" not in history
    a, b = story.rec.first["at"], max(story.truth)
    diff = client.get(f"/clusters/demo/diff?from={a}&to={b}", **korean).content.decode()
    assert "바뀐 것" in diff and "추가됨" in diff
    client.force_login(User.objects.create_user("staff-ko", is_staff=True))  # imports are for staff
    assert "스냅샷 가져오기" in client.get("/clusters/import", **korean).content.decode()
