"""Who may see what, persona by persona, for every URL in the URLconf and for the websocket.

The personas: an admin (staff), a logged-in viewer, a wall with a display token scoped to the namespace
``default``, walls whose token expired or was revoked or names another cluster, and an outsider (anonymous
read switched off) who must see nothing — not even the names of the clusters.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import orjson
import pytest
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User
from django.test import AsyncClient, Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter
from django.utils import timezone

from dashboard.access.models import DisplayToken
from dashboard.access.policy import NAMESPACE_SAFE_ROUTES, PUBLIC_ROUTES, Route
from dashboard.asgi import application
from dashboard.hub import Hub

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]
ORIGIN = (b"origin", b"http://127.0.0.1:8000")
HOST = (b"host", b"127.0.0.1:8000")
SCOPED_NS = "default"
OTHER_NS = "kube-system"
WRITE_ROUTES = {"fake-control", "access-token-revoke", "set_language", "logout"}


NOT_FROM_PRODUCTION = {
    "SECRET_KEY",  # the test run's own
    "STORAGES",  # the manifest of collected static files exists only in the image
    "SECURE_SSL_REDIRECT",  # TLS ends at the proxy: the test client speaks to the app as the proxy does
}


@pytest.fixture(autouse=True)
def production_settings(settings: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Every test here runs with what dashboard.settings_production changes (but the three above), anonymous
    read off."""
    import importlib

    import dashboard.settings as development

    monkeypatch.setenv("SECRET_KEY", secrets.token_urlsafe(64))
    for name in ("CLUSTERVIZ_ANONYMOUS_READ", "CLUSTERVIZ_CSP_REPORT_ONLY", "CLUSTERVIZ_FAKE_CONTROLS"):
        monkeypatch.delenv(name, raising=False)
    production = importlib.reload(importlib.import_module("dashboard.settings_production"))
    for name in dir(production):
        value = getattr(production, name)
        if name.isupper() and name not in NOT_FROM_PRODUCTION and value != getattr(development, name, None):
            setattr(settings, name, value)
    settings.CLUSTERVIZ_ANONYMOUS_READ = False
    settings.STATIC_ROOT = tmp_path  # servestatic's directory (collectstatic fills it in the image)


# --- the URLconf, walked ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Url:
    name: str
    path: str


def _patterns(resolvers: list[Any], converters: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for entry in resolvers:
        found = {**converters, **getattr(entry.pattern, "converters", {})}
        if isinstance(entry, URLResolver):
            yield from _patterns(entry.url_patterns, found)
        elif isinstance(entry, URLPattern) and entry.name:
            yield entry.name, found


def sample(name: str, converter: Any, samples: dict[str, Any]) -> Any:
    if name in samples:
        return samples[name]
    return 1 if isinstance(converter, IntConverter) else "sample"


def every_url(samples: dict[str, Any]) -> list[Url]:
    """One address per named route, kwargs filled from ``samples`` (so routes added later are covered too)."""
    urls = []
    for name, converters in _patterns(get_resolver().url_patterns, {}):
        kwargs = {k: sample(k, c, {**samples, **samples.get(name, {})}) for k, c in converters.items()}
        urls.append(Url(name, reverse(name, kwargs=kwargs)))
    assert {"cluster-map", "api-state", "wall", "access-tokens"} <= {u.name for u in urls}
    return urls


# --- personas ---------------------------------------------------------------------------------------------


def make_token(namespaces: list[str], *, clusters: list[str] | None = None, days: int = 30) -> str:
    _, secret = DisplayToken.issue(
        "wall", expires_at=timezone.now() + timedelta(days=days), clusters=clusters or ["demo"], namespaces=namespaces
    )
    return secret


@pytest.fixture
def admin() -> Client:
    client = Client()
    client.force_login(User.objects.create_user("ada", is_staff=True))
    return client


@pytest.fixture
def viewer() -> Client:
    client = Client()
    client.force_login(User.objects.create_user("vic"))
    return client


@pytest.fixture
def wall() -> Client:
    return Client(headers={"Authorization": f"Bearer {make_token([SCOPED_NS])}"})


@pytest.fixture
def expired() -> Client:
    secret = make_token([])
    DisplayToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    return Client(headers={"Authorization": f"Bearer {secret}"})


@pytest.fixture
def revoked() -> Client:
    secret = make_token([])
    for token in DisplayToken.objects.all():
        token.revoke()
    return Client(headers={"Authorization": f"Bearer {secret}"})


@pytest.fixture
def elsewhere() -> Client:
    """A valid token for another cluster."""
    return Client(headers={"Authorization": f"Bearer {make_token([], clusters=['other'])}"})


@pytest.fixture
def samples(running_hub: Hub, admin: Client) -> dict[str, Any]:
    state = orjson.loads(admin.get("/api/v1/clusters/demo/state").content)
    worker = next(n["name"] for n in state["nodes"] if not n["controlPlane"])
    pod = next(p["name"] for p in state["pods"] if p["namespace"] == SCOPED_NS)
    token = DisplayToken.issue("sample", expires_at=timezone.now() + timedelta(days=1))[0]
    return {
        "cluster": "demo",
        "namespace": SCOPED_NS,
        "name": pod,
        "node": worker,
        "action": "scale",
        "pk": token.pk,
        "node-panel": {"name": worker},  # per route, where one kwarg name means different things
        "process-panel": {"name": "kube-scheduler"},
    }


def is_login(response: Any) -> bool:
    if response.status_code == 401:
        return response.json() == {"error": "authentication required"}
    return response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")


def nothing_named(response: Any) -> bool:
    body = response.content.decode()
    return "demo" not in body and "users-deployment" not in body


def refused(response: Any) -> bool:
    return response.status_code in (302, 401, 403, 404, 405) and not (
        response.status_code == 302 and not is_login(response)
    )


# --- HTTP, every URL ----------------------------------------------------------------------------------------


def test_the_outsider_sees_nothing_anywhere(samples: dict[str, Any]) -> None:
    client = Client()
    for url in every_url(samples):
        if url.name in PUBLIC_ROUTES:
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(url.path)
            assert is_login(response), f"{method.upper()} {url.path} → {response.status_code}"
            assert nothing_named(response), url.path


def test_expired_and_revoked_tokens_are_outsiders(samples: dict[str, Any], expired: Client, revoked: Client) -> None:
    for client in (expired, revoked):
        for url in every_url(samples):
            if url.name not in PUBLIC_ROUTES:
                response = client.get(url.path)
                assert is_login(response), f"{url.path} → {response.status_code}"
                assert nothing_named(response)


def test_the_admin_reaches_every_page(samples: dict[str, Any], admin: Client) -> None:
    for url in every_url(samples):
        if url.name in WRITE_ROUTES:
            continue
        response = admin.get(url.path)
        assert response.status_code not in (401, 403) and not is_login(response), f"{url.path}"
    assert admin.get("/access/tokens/").status_code == 200


def test_a_viewer_reads_everything_but_the_staff_pages(samples: dict[str, Any], viewer: Client) -> None:
    for url in every_url(samples):
        if url.name in WRITE_ROUTES:
            continue
        response = viewer.get(url.path)
        if Route(url.name).staff_only:
            assert response.status_code in (403, 405), url.path
        else:
            assert response.status_code not in (401, 403) and not is_login(response), url.path


def test_a_wall_token_reads_only_what_is_safe_for_its_namespace(samples: dict[str, Any], wall: Client) -> None:
    for url in every_url(samples):
        if url.name in PUBLIC_ROUTES:
            continue
        response = wall.get(url.path)
        if url.name in NAMESPACE_SAFE_ROUTES:
            assert response.status_code not in (401, 403), f"{url.path} → {response.status_code}"
        else:
            assert response.status_code in (403, 404), f"{url.path} → {response.status_code}"
        assert wall.post(url.path).status_code in (403, 404), f"POST {url.path}"


def test_a_token_for_another_cluster_finds_nothing_here(samples: dict[str, Any], elsewhere: Client) -> None:
    for path in ("/clusters/demo/", "/api/v1/clusters/demo/state", "/wall/demo/", "/clusters/nope/"):
        response = elsewhere.get(path)
        assert response.status_code == 404, path
        assert nothing_named(response)
    assert elsewhere.get("/api/v1/clusters").json() == {"clusters": []}


# --- HTTP, scoping of what is shown ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["", "?pods=objects", "?pods=table"])
def test_the_wall_state_holds_only_its_namespace(
    samples: dict[str, Any], wall: Client, admin: Client, fmt: str
) -> None:
    """In either pod format: a table's shared values would name other namespaces, so a scoped viewer gets
    its few pods as objects."""
    full = orjson.loads(admin.get("/api/v1/clusters/demo/state").content)
    raw = wall.get("/api/v1/clusters/demo/state" + fmt).content
    assert OTHER_NS not in raw.decode()
    scoped = orjson.loads(raw)
    assert "podTable" not in scoped
    assert {p["namespace"] for p in full["pods"]} > {SCOPED_NS}
    assert {p["namespace"] for p in scoped["pods"]} == {SCOPED_NS}
    assert len(scoped["pods"]) == len([p for p in full["pods"] if p["namespace"] == SCOPED_NS])
    assert scoped["nodes"] and all(a["pod"] is None for n in scoped["nodes"] for a in n["agents"])
    assert OTHER_NS not in wall.get("/api/v1/clusters/demo/state").content.decode()


def test_the_wall_opens_pods_of_its_namespace_only(samples: dict[str, Any], wall: Client, admin: Client) -> None:
    state = orjson.loads(admin.get("/api/v1/clusters/demo/state").content)
    mine = next(p for p in state["pods"] if p["namespace"] == SCOPED_NS)
    theirs = next(p for p in state["pods"] if p["namespace"] == OTHER_NS)
    assert wall.get(f"/clusters/demo/pods/{SCOPED_NS}/{mine['name']}/panel").status_code == 200
    hidden = wall.get(f"/clusters/demo/pods/{OTHER_NS}/{theirs['name']}/panel")
    assert hidden.status_code == 404 and theirs["name"] not in hidden.content.decode()
    assert wall.get(f"/clusters/demo/nodes/{samples['node']}/panel").status_code == 200  # filtered to its pods


def test_a_token_in_the_address_moves_into_the_session(running_hub: Hub) -> None:
    """Old links keep working: the token moves into the session, the address loses it. Once the token is
    revoked the wall says so and offers the login."""
    secret = make_token([SCOPED_NS])
    client = Client()
    response = client.get(f"/wall/demo/?every=20&token={secret}")
    assert response.status_code == 302 and response["Location"] == "/wall/demo/?every=20"
    assert client.get("/wall/demo/?every=20").status_code == 200
    DisplayToken.objects.get().revoke()
    refused = client.get("/wall/demo/")
    assert refused.status_code == 401 and 'data-kind="token"' in refused.content.decode()
    assert 'href="/accounts/login/?next=' in refused.content.decode()


def test_tokens_are_stored_hashed(running_hub: Hub) -> None:
    secret = make_token([])
    token = DisplayToken.objects.get()
    assert secret not in token.token_hash and len(token.token_hash) == 64
    assert secret not in orjson.dumps(list(DisplayToken.objects.values())).decode()


# --- the websocket ---------------------------------------------------------------------------------------------


async def ws(path: str, *headers: tuple[bytes, bytes]) -> tuple[WebsocketCommunicator, bool, Any]:
    communicator = WebsocketCommunicator(application, path, headers=[HOST, *headers])
    connected, code = await communicator.connect(timeout=10)
    return communicator, connected, code


async def session_cookie(user: User) -> tuple[bytes, bytes]:
    client = AsyncClient()
    await client.aforce_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


async def frames_until(communicator: WebsocketCommunicator, done: Any, limit: int = 400) -> list[dict[str, Any]]:
    frames = []
    for _ in range(limit):
        frames.append(orjson.loads(await communicator.receive_from(timeout=5)))
        if done(frames[-1]):
            return frames
    raise AssertionError("the expected frame never came")


async def test_the_websocket_refuses_outsiders_and_dead_tokens(running_hub: Hub) -> None:
    from asgiref.sync import sync_to_async

    secret = await sync_to_async(make_token)([])
    token = await DisplayToken.objects.aget()
    await sync_to_async(token.revoke)()
    for headers in ((ORIGIN,), (ORIGIN, (b"authorization", b"Bearer cvz_not-a-token"))):
        communicator, connected, code = await ws("/ws/clusters/demo/", *headers)
        assert not connected and code == 4401
        await communicator.disconnect()
    communicator, connected, code = await ws(f"/ws/clusters/demo/?token={secret}", ORIGIN)
    assert not connected and code == 4401
    await communicator.disconnect()


async def test_the_websocket_never_takes_a_token_from_its_address(running_hub: Hub) -> None:
    """Addresses end up in access logs: a valid token in ``?token=`` opens nothing."""
    from asgiref.sync import sync_to_async

    secret = await sync_to_async(make_token)([])
    communicator, connected, code = await ws(f"/ws/clusters/demo/?token={secret}", ORIGIN)
    assert not connected and code == 4401
    await communicator.disconnect()
    communicator, connected, _ = await ws("/ws/clusters/demo/", ORIGIN, (b"authorization", f"Bearer {secret}".encode()))
    assert connected
    await communicator.disconnect()


async def test_the_websocket_checks_the_origin_even_with_a_token(running_hub: Hub) -> None:
    from asgiref.sync import sync_to_async

    secret = await sync_to_async(make_token)([])
    bearer = (b"authorization", f"Bearer {secret}".encode())
    for origin in ((b"origin", b"https://evil.example"),):
        communicator, connected, _ = await ws("/ws/clusters/demo/", origin, bearer)
        assert not connected
        await communicator.disconnect()
    communicator, connected, _ = await ws("/ws/clusters/demo/", bearer)  # no Origin at all
    assert not connected
    await communicator.disconnect()


async def test_a_token_for_another_cluster_gets_the_unknown_cluster_close(running_hub: Hub) -> None:
    from asgiref.sync import sync_to_async

    secret = await sync_to_async(make_token)([], clusters=["other"])
    communicator, connected, code = await ws(
        "/ws/clusters/demo/", ORIGIN, (b"authorization", f"Bearer {secret}".encode())
    )
    assert not connected and code == 4404
    await communicator.disconnect()


async def test_a_logged_in_viewer_gets_the_whole_state(running_hub: Hub) -> None:
    user = await User.objects.acreate(username="vic")
    communicator, connected, _ = await ws("/ws/clusters/demo/", ORIGIN, await session_cookie(user))
    try:
        assert connected
        state = orjson.loads(await communicator.receive_from(timeout=10))
        assert state["type"] == "state" and {p["namespace"] for p in state["pods"]} > {SCOPED_NS}
    finally:
        await communicator.disconnect()


@pytest.mark.parametrize("fmt", ["", "pods=table"])
async def test_the_wall_websocket_carries_only_its_namespace(running_hub: Hub, fmt: str) -> None:
    from asgiref.sync import sync_to_async

    secret = await sync_to_async(make_token)([SCOPED_NS])
    communicator, connected, _ = await ws(
        f"/ws/clusters/demo/?{fmt}", ORIGIN, (b"authorization", f"Bearer {secret}".encode())
    )
    try:
        assert connected
        raw = await communicator.receive_from(timeout=10)
        assert "secret-team" not in raw and "podTable" not in raw
        state = orjson.loads(raw)
        assert state["type"] == "state" and {p["namespace"] for p in state["pods"]} == {SCOPED_NS}
        source = running_hub.runtime("demo").source

        def script(cluster: Any) -> list[Any]:
            return [*cluster.add_pod("secret-team", "hidden-pod"), *cluster.add_pod(SCOPED_NS, "shown-pod")]

        source.script(script)  # type: ignore[attr-defined]
        frames = await frames_until(
            communicator,
            lambda f: f["type"] == "delta" and any(p["name"] == "shown-pod" for p in f["pods"]["upsert"]),
        )
        pods = [p for f in frames if f["type"] == "delta" for p in f["pods"]["upsert"]]
        assert pods and {p["namespace"] for p in pods} == {SCOPED_NS}
        assert not any("hidden-pod" in orjson.dumps(f).decode() for f in frames)
    finally:
        await communicator.disconnect()


# --- the token pages and the command ---------------------------------------------------------------------------


def test_the_admin_creates_a_token_and_sees_its_secret_once(running_hub: Hub, admin: Client) -> None:
    response = admin.post(
        "/access/tokens/",
        {"name": "ops wall", "clusters": "demo", "namespaces": "default, shop", "days": "7"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 201
    token = DisplayToken.objects.get()
    assert (token.clusters, token.namespaces) == (["demo"], ["default", "shop"])
    body = response.content.decode()
    secret = body.split('id="token-secret">')[1].split("<")[0]
    assert secret.startswith("cvz_") and token.token_hash not in body
    assert secret not in admin.get("/access/tokens/").content.decode()
    assert Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/v1/clusters/demo/state").status_code == 200


def test_the_admin_revokes_a_token(running_hub: Hub, admin: Client) -> None:
    secret = make_token([])
    token = DisplayToken.objects.get()
    response = admin.post(f"/access/tokens/{token.pk}/revoke", headers={"HX-Request": "true"})
    assert response.status_code == 200 and 'data-status="revoked"' in response.content.decode()
    assert is_login(Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/v1/clusters/demo/state"))


def test_bad_token_input_gets_a_clear_error(running_hub: Hub, admin: Client) -> None:
    response = admin.post("/access/tokens/", {"name": "x", "namespaces": "<script>", "days": "7"})
    assert response.status_code == 400
    assert "is not a valid name" in response.content.decode()
    assert "<script>" not in response.content.decode().split("<main")[1].replace('"&lt;script&gt;"', "")
    assert not DisplayToken.objects.exists()


def test_the_command_creates_lists_and_revokes(running_hub: Hub) -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command(
        "display_token", "create", "tv", "--cluster", "demo", "--namespace", "default", "--days", "3", stdout=out
    )
    secret = out.getvalue().split("secret (shown once): ")[1].strip()
    token = DisplayToken.objects.get()
    assert token.namespaces == ["default"] and secret.startswith("cvz_")
    out = StringIO()
    call_command("display_token", "list", stdout=out)
    assert "active" in out.getvalue() and secret not in out.getvalue()
    call_command("display_token", "revoke", str(token.pk), stdout=StringIO())
    token.refresh_from_db()
    assert token.status == "revoked"
    with pytest.raises(CommandError, match="not a valid name"):
        call_command("display_token", "create", "bad", "--namespace", "a b", stdout=StringIO())
    with pytest.raises(CommandError, match="--days"):
        call_command("display_token", "create", "bad", "--days", "0", stdout=StringIO())


# --- hardening ---------------------------------------------------------------------------------------------------

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
)


class InlineFinder(HTMLParser):
    """Collects what a no-inline CSP would block: inline scripts, style elements and attributes, on* handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script" and "src" not in names and names.get("type") != "application/json":
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style>")
        self.found.extend(f"{tag}[{n}]" for n in names if n == "style" or n.startswith("on"))


def test_every_page_is_free_of_inline_script_and_style(samples: dict[str, Any], admin: Client) -> None:
    pages = 0
    for url in every_url(samples):
        if url.name in WRITE_ROUTES:
            continue
        response = admin.get(url.path)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            finder = InlineFinder()
            finder.feed(response.content.decode())
            assert not finder.found, f"{url.path}: {finder.found}"
            pages += 1
    assert pages >= 5


def test_every_response_carries_the_security_headers(samples: dict[str, Any], admin: Client, settings: Any) -> None:
    settings.CLUSTERVIZ_CSP_REPORT_ONLY = False
    for path in ("/clusters/demo/", "/api/v1/clusters/demo/state", "/wall/demo/", "/accounts/login/"):
        response = admin.get(path)
        assert response["Content-Security-Policy"] == CSP, path
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"
    assert Client().get("/clusters/demo/")["Content-Security-Policy"] == CSP, "refusals carry it too"


def test_htmx_neither_evaluates_nor_leaves_the_origin(samples: dict[str, Any], admin: Client) -> None:
    body = admin.get("/clusters/demo/").content.decode()
    config = orjson.loads(body.split('name="htmx-config" content=\'')[1].split("'")[0])
    assert config["allowEval"] is False and config["selfRequestsOnly"] is True
    assert config["allowScriptTags"] is False and config["includeIndicatorStyles"] is False


def production_check(secret_key: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SECRET_KEY": secret_key, "DJANGO_SETTINGS_MODULE": "dashboard.settings_production"}
    env.pop("CLUSTERVIZ_ANONYMOUS_READ", None)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_under_production_settings() -> None:
    result = production_check(secrets.token_urlsafe(64))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_the_development_secret_key() -> None:
    result = production_check("")
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


# --- languages -----------------------------------------------------------------------------------------------------


def test_the_dashboard_speaks_korean_when_asked(samples: dict[str, Any], viewer: Client) -> None:
    from dashboard.access.i18n import KOREAN

    page = viewer.get("/clusters/demo/", headers={"Accept-Language": "ko"}).content.decode()
    assert '<html lang="ko">' in page and "컨트롤 플레인" in page
    explained = orjson.loads(page.split('id="cluster-explanations" type="application/json">')[1].split("</script>")[0])
    assert explained["etcd"] == KOREAN["etcd"]
    panel = viewer.get("/clusters/demo/processes/kube-scheduler/panel", headers={"Accept-Language": "ko"})
    assert KOREAN["kube-scheduler"] in panel.content.decode()
    english = viewer.get("/clusters/demo/processes/kube-scheduler/panel").content.decode()
    assert "Evidence" in english and KOREAN["kube-scheduler"] not in english


def test_the_language_switcher_keeps_the_choice(samples: dict[str, Any], viewer: Client) -> None:
    response = viewer.post("/i18n/setlang/", {"language": "ko", "next": "/clusters/demo/"})
    assert response.status_code == 302 and response["Location"] == "/clusters/demo/"
    assert "컨트롤 플레인" in viewer.get("/clusters/demo/").content.decode()


def test_every_process_the_core_explains_has_a_korean_sentence() -> None:
    from clusterviz.processes import EXPLANATIONS
    from dashboard.access.i18n import KOREAN, explanations

    assert set(KOREAN) == set(EXPLANATIONS)
    assert explanations("ko")["kubelet"] == KOREAN["kubelet"]
    assert explanations("en") == EXPLANATIONS


def test_the_compiled_catalog_matches_its_source(tmp_path: Path) -> None:
    import shutil

    from tests.conftest import require

    require(shutil.which("msgfmt") is not None, "msgfmt (apt-get install gettext)")
    po = ROOT / "locale" / "ko" / "LC_MESSAGES" / "django.po"
    subprocess.run(["msgfmt", "--check", "-o", str(tmp_path / "django.mo"), str(po)], check=True)
    assert (tmp_path / "django.mo").read_bytes() == po.with_suffix(".mo").read_bytes(), "run compilemessages"


async def test_revoking_a_token_ends_a_websocket_it_opened(running_hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    """A wall streams for weeks: revocation must reach the open stream, not only the next connect."""
    from asgiref.sync import sync_to_async

    from dashboard.access import websocket

    monkeypatch.setattr(websocket, "RECHECK_SECONDS", 0.0)
    secret = await sync_to_async(make_token)([])
    communicator, connected, _ = await ws("/ws/clusters/demo/", ORIGIN, (b"authorization", f"Bearer {secret}".encode()))
    assert connected
    try:
        first = orjson.loads(await communicator.receive_from(timeout=5))
        assert first["type"] == "state"
        token = await DisplayToken.objects.aget()
        await sync_to_async(token.revoke)()
        closed = None
        for _ in range(100):
            output = await communicator.receive_output(timeout=5)
            if output["type"] == "websocket.close":
                closed = output
                break
        assert closed is not None and closed["code"] == websocket.CLOSE_TOKEN_ENDED
    finally:
        await communicator.disconnect()


def test_a_wall_token_sees_no_pod_of_another_namespace_in_panels(samples: dict[str, Any], wall: Client) -> None:
    """Process and node panels name pods (static pods, DaemonSet agents): a scoped token sees none of another
    namespace's."""
    for process in ("kube-scheduler", "kube-apiserver"):
        response = wall.get(f"/clusters/demo/processes/{process}/panel")
        assert response.status_code == 200
        assert f"{OTHER_NS}/" not in response.content.decode(), process


def test_a_wall_token_sees_a_node_with_only_its_namespace_pods(samples: dict[str, Any], wall: Client) -> None:
    state = orjson.loads(wall.get("/api/v1/clusters/demo/state").content)
    node = next(p["node"] for p in state["pods"] if p["node"])
    body = wall.get(f"/clusters/demo/nodes/{node}/panel").content.decode()
    assert f"{SCOPED_NS}/" in body
    assert f"{OTHER_NS}/" not in body
