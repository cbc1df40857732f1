"""The security review's findings (issue 14), each as the behaviour that replaces it: redirects stay on this host,
display tokens leave addresses, logins are throttled, anonymous visitors change nothing, a bad token is a 401,
the websocket's Origin is compared in full and every open socket re-checks the login that opened it."""

from __future__ import annotations

import builtins
import getpass
from datetime import timedelta
from io import StringIO
from typing import Any
from urllib.parse import urlsplit

import orjson
import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import AsyncClient, Client
from django.utils import timezone

from dashboard.access import websocket
from dashboard.access.models import DisplayToken
from dashboard.asgi import application
from dashboard.hub import Hub

pytestmark = pytest.mark.django_db(transaction=True)
HOST = (b"host", b"127.0.0.1:8000")
ORIGIN = (b"origin", b"http://127.0.0.1:8000")
PASSWORD = "a long enough passphrase 7"


def make_token(namespaces: list[str] | None = None, clusters: list[str] | None = None) -> str:
    expires = timezone.now() + timedelta(days=30)
    return DisplayToken.issue("wall", expires_at=expires, clusters=clusters or ["demo"], namespaces=namespaces)[1]


def bearer(secret: str) -> tuple[bytes, bytes]:
    return (b"authorization", f"Bearer {secret}".encode())


# --- redirects and the display link -------------------------------------------------------------------------------


def test_a_token_redirect_never_leaves_this_host(running_hub: Hub) -> None:
    secret = make_token()
    for path in ("//evil.example/", "/\\evil.example/", "///evil.example/"):
        response = Client().get(f"{path}?token={secret}")
        location = response["Location"]
        assert response.status_code == 302 and location.startswith("/") and location[1:2] not in ("/", "\\"), path
        assert urlsplit(location).netloc == "" and "evil" not in urlsplit(location).netloc


def test_the_display_link_trades_the_token_for_a_session(running_hub: Hub) -> None:
    secret = make_token(["default"])
    client = Client(enforce_csrf_checks=True)
    page = client.get("/access/display/?next=/wall/demo/%3Fevery%3D20")
    body = page.content.decode()
    assert page.status_code == 200 and 'data-next="/wall/demo/?every=20"' in body and "access/display.js" in body
    csrf = body.split('data-csrf="')[1].split('"')[0]
    answer = client.post(
        "/access/display/exchange", {"token": secret, "next": "/wall/demo/?every=20"}, headers={"X-CSRFToken": csrf}
    )
    assert answer.status_code == 200 and answer.json() == {"next": "/wall/demo/?every=20"}
    assert client.get("/wall/demo/?every=20").status_code == 200
    assert secret not in str(client.session.items())


def test_the_display_exchange_refuses_a_bad_token_a_foreign_next_and_a_forged_post(running_hub: Hub) -> None:
    secret = make_token()
    client = Client(enforce_csrf_checks=True)
    assert client.post("/access/display/exchange", {"token": secret}).status_code == 403  # no CSRF token
    client = Client()
    assert client.post("/access/display/exchange", {"token": "cvz_wrong"}).status_code == 401
    assert client.post("/access/display/exchange", {"token": secret, "next": "//evil.example/"}).json() == {
        "next": "/wall/"
    }
    assert 'data-next="/wall/"' in client.get("/access/display/?next=https://evil.example/").content.decode()


def test_staff_get_a_wall_link_with_the_secret_in_its_fragment(running_hub: Hub) -> None:
    admin = Client()
    admin.force_login(User.objects.create_user("ada", is_staff=True))
    response = admin.post("/access/tokens/", {"name": "tv", "clusters": "demo", "days": "7"})
    link = response.content.decode().split('id="token-wall-url">')[1].split("<")[0]
    secret = response.content.decode().split('id="token-secret">')[1].split("<")[0]
    assert link == f"http://testserver/access/display/?next=%2Fwall%2Fdemo%2F#token={secret}"
    out = StringIO()
    call_command("display_token", "create", "tv2", "--cluster", "demo", "--base-url", "https://cv.example", stdout=out)
    assert "wall link: https://cv.example/access/display/?next=%2Fwall%2Fdemo%2F#token=cvz_" in out.getvalue()


# --- refusals say why and offer the way forward -------------------------------------------------------------------


def test_the_token_pages_refuse_a_viewer_with_a_page_that_says_why(running_hub: Hub) -> None:
    viewer = Client()
    viewer.force_login(User.objects.create_user("vic"))
    page = viewer.get("/access/tokens/", headers={"Accept-Language": "ko"})
    body = page.content.decode()
    assert page.status_code == 403 and 'data-kind="forbidden"' in body and "이 계정으로는 볼 수 없습니다" in body
    anonymous = Client().get("/access/tokens/")  # anonymous read is on in these tests: refused, with the login
    assert anonymous.status_code == 403 and 'href="/accounts/login/?next=' in anonymous.content.decode()


def test_a_bad_wall_address_is_a_styled_400_that_names_the_mistake(running_hub: Hub, anonymous_read: None) -> None:
    page = Client().get("/wall/demo/?every=1")
    body = page.content.decode()
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")
    assert 'data-kind="address"' in body and "every must be between 5 and 3600 seconds" in body


# --- a token that was presented and is not valid ------------------------------------------------------------------


@pytest.fixture
def anonymous_read(settings: Any) -> None:
    settings.CLUSTERVIZ_ANONYMOUS_READ = True


def test_with_anonymous_read_a_dead_token_is_refused_not_anonymous(running_hub: Hub, anonymous_read: None) -> None:
    secret = make_token()
    DisplayToken.objects.get().revoke()
    assert Client().get("/api/v1/clusters/demo/state").status_code == 200  # anonymous read itself works
    assert Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/v1/clusters/demo/state").status_code == 401
    assert Client(headers={"Authorization": "Bearer cvz_mistyped"}).get("/clusters/demo/").status_code == 401
    page = Client().get(f"/wall/demo/?token={secret}")
    assert page.status_code == 401 and 'data-kind="token"' in page.content.decode()
    assert "/accounts/login/" in page.content.decode() and secret not in page.content.decode()


def test_a_wall_whose_token_is_revoked_stays_refused(running_hub: Hub, anonymous_read: None) -> None:
    secret = make_token(["default"])
    client = Client()
    client.get(f"/wall/demo/?token={secret}")
    assert client.get("/wall/demo/").status_code == 200
    DisplayToken.objects.get().revoke()
    for _ in range(2):  # not once, then anonymous with more than the token ever showed
        assert client.get("/wall/demo/").status_code == 401
        assert client.get("/api/v1/clusters/demo/state").status_code == 401


@pytest.mark.parametrize("query", ["", "?token=cvz_anything"])
async def test_with_anonymous_read_a_dead_token_opens_no_websocket(
    running_hub: Hub, anonymous_read: None, query: str
) -> None:
    """Nor does a token in the address, valid or not: it is refused, not ignored into anonymous read."""
    headers = [HOST, ORIGIN] + ([] if query else [bearer("cvz_mistyped")])
    communicator = WebsocketCommunicator(application, f"/ws/clusters/demo/{query}", headers)
    connected, code = await communicator.connect(timeout=10)
    assert not connected and code == websocket.CLOSE_UNAUTHENTICATED
    await communicator.disconnect()


# --- anonymous visitors change nothing ----------------------------------------------------------------------------


def test_anonymous_visitors_neither_see_nor_press_the_fake_clusters_buttons(
    running_hub: Hub, anonymous_read: None
) -> None:
    anonymous = Client()
    assert 'data-action="scale"' not in anonymous.get("/clusters/demo/").content.decode()
    refused = anonymous.post("/clusters/demo/fake/scale", {"replicas": "3"})
    assert refused.status_code == 403 and 'data-kind="anonymous"' in refused.content.decode()
    user = Client()
    user.force_login(User.objects.create_user("vic"))
    assert 'data-action="scale"' in user.get("/clusters/demo/").content.decode()
    assert user.post("/clusters/demo/fake/scale", {"replicas": "3"}).status_code == 202


# --- logins -------------------------------------------------------------------------------------------------------


@pytest.fixture
def fast_hashing(settings: Any) -> None:
    """Forty logins with the production hasher take over a minute on this machine; what is counted is the same."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def login(client: Client, password: str, address: str = "10.0.0.1") -> Any:
    return client.post("/accounts/login/", {"username": "ada", "password": password}, REMOTE_ADDR=address)


def test_twenty_failed_logins_lock_the_account_even_against_the_right_password(
    running_hub: Hub, fast_hashing: None
) -> None:
    User.objects.create_user("ada", password=PASSWORD)
    client = Client()
    for attempt in range(19):
        assert login(client, f"guess-{attempt}").status_code == 200  # the form again, with its error
    assert login(client, PASSWORD).status_code == 302  # under the limit the right password still works
    client = Client()
    for attempt in range(20):
        login(client, f"guess-{attempt}")
    locked = login(client, PASSWORD)
    assert locked.status_code == 429 and "_auth_user_id" not in client.session
    assert login(Client(), PASSWORD, address="10.9.9.9").status_code == 429, "the account, from anywhere"
    assert "15" in locked.content.decode()


def test_twenty_failed_logins_from_one_address_lock_it_for_every_account(running_hub: Hub, fast_hashing: None) -> None:
    User.objects.create_user("bob", password=PASSWORD)
    client = Client()
    for attempt in range(20):
        client.post("/accounts/login/", {"username": f"user{attempt}", "password": "x"}, REMOTE_ADDR="10.0.0.2")
    response = client.post("/accounts/login/", {"username": "bob", "password": PASSWORD}, REMOTE_ADDR="10.0.0.2")
    assert response.status_code == 429


def test_passwords_go_through_djangos_validators() -> None:
    from django.contrib.auth.password_validation import validate_password

    for weak in ("a", "password123", "12345678901234"):
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password(PASSWORD)


def test_createsuperuser_refuses_a(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter(["a", "a", PASSWORD, PASSWORD])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    monkeypatch.setattr(builtins, "input", lambda prompt="": "N")  # "Bypass password validation?" — no
    stdin, err = StringIO(), StringIO()
    stdin.isatty = lambda: True  # type: ignore[method-assign]
    call_command("createsuperuser", username="root", email="", stdin=stdin, stdout=StringIO(), stderr=err)
    assert "too short" in err.getvalue()
    assert User.objects.get(username="root").check_password(PASSWORD)


# --- the websocket's Origin ---------------------------------------------------------------------------------------


async def connects(*headers: tuple[bytes, bytes]) -> bool:
    secret = await sync_to_async(make_token)()
    communicator = WebsocketCommunicator(application, "/ws/clusters/demo/", [*headers, bearer(secret)])
    connected, _ = await communicator.connect(timeout=10)
    await communicator.disconnect()
    return connected


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("http://127.0.0.1:8000", True),
        ("http://127.0.0.1:8001", False),  # another port
        ("https://127.0.0.1:8000", False),  # another scheme
        ("http://127.0.0.1", False),  # port 80
        ("https://evil.example", False),
        ("null", False),
    ],
)
async def test_the_origin_must_be_the_pages_own_scheme_host_and_port(
    running_hub: Hub, origin: str, allowed: bool
) -> None:
    assert await connects(HOST, (b"origin", origin.encode())) is allowed


async def test_a_missing_origin_is_refused(running_hub: Hub) -> None:
    assert not await connects(HOST)


async def test_a_wildcard_allowed_host_allows_no_foreign_origin(running_hub: Hub, settings: Any) -> None:
    settings.ALLOWED_HOSTS = ["*"]
    assert not await connects((b"host", b"evil.example"), (b"origin", b"https://evil.example"))
    assert not await connects(HOST, (b"origin", b"https://evil.example"))


async def test_configured_origins_are_allowed_too(running_hub: Hub, settings: Any) -> None:
    settings.CLUSTERVIZ_ALLOWED_ORIGINS = ["https://wall.example"]
    assert await connects(HOST, (b"origin", b"https://wall.example"))
    assert await connects(HOST, (b"origin", b"https://wall.example:443"))
    assert not await connects(HOST, (b"origin", b"https://wall.example:8443"))


# --- an open socket ends with its login ---------------------------------------------------------------------------


async def closed_code(communicator: WebsocketCommunicator) -> int | None:
    for _ in range(200):
        output = await communicator.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            return int(output.get("code", 1000))
    return None


async def user_socket(user: User) -> tuple[WebsocketCommunicator, AsyncClient]:
    client = AsyncClient()
    await client.aforce_login(user)
    cookie = (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())
    communicator = WebsocketCommunicator(application, "/ws/clusters/demo/", [HOST, ORIGIN, cookie])
    connected, _ = await communicator.connect(timeout=10)
    assert connected
    assert orjson.loads(await communicator.receive_from(timeout=10))["type"] == "state"
    return communicator, client


async def end_by_logout(user: User, client: AsyncClient) -> None:
    await client.post("/accounts/logout/")


async def end_by_deactivation(user: User, client: AsyncClient) -> None:
    await User.objects.filter(pk=user.pk).aupdate(is_active=False)


async def end_by_password_change(user: User, client: AsyncClient) -> None:
    await sync_to_async(user.set_password)("another long passphrase 9")
    await user.asave()


@pytest.mark.parametrize("end", [end_by_logout, end_by_deactivation, end_by_password_change])
async def test_a_users_socket_closes_when_the_login_ends(
    running_hub: Hub, monkeypatch: pytest.MonkeyPatch, end: Any
) -> None:
    monkeypatch.setattr(websocket, "RECHECK_SECONDS", 0.0)
    user = await sync_to_async(User.objects.create_user)("vic", password=PASSWORD)
    communicator, client = await user_socket(user)
    try:
        await end(user, client)
        assert await closed_code(communicator) == websocket.CLOSE_SESSION_ENDED
    finally:
        await communicator.disconnect()


async def test_a_users_socket_stays_open_while_the_login_holds(
    running_hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(websocket, "RECHECK_SECONDS", 0.0)
    user = await sync_to_async(User.objects.create_user)("vic", password=PASSWORD)
    communicator, _ = await user_socket(user)
    try:
        for _ in range(3):  # heartbeats and deltas keep coming, each after a check
            assert orjson.loads(await communicator.receive_from(timeout=10))["type"] in ("heartbeat", "delta")
    finally:
        await communicator.disconnect()


# --- every scope applies everywhere -------------------------------------------------------------------------------


def token_client(namespaces: list[str] | None = None, clusters: list[str] | None = None) -> Client:
    return Client(headers={"Authorization": f"Bearer {make_token(namespaces, clusters)}"})


def test_metrics_hold_only_the_clusters_a_token_may_see(running_hub: Hub) -> None:
    assert token_client().get("/api/v1/clusters/demo/state").status_code == 200  # the runtime is up
    mine = token_client(clusters=["demo"]).get("/metrics")
    assert mine.status_code == 200 and 'clusterviz_pods{cluster="demo"}' in mine.content.decode()
    other = token_client(clusters=["other"]).get("/metrics")
    assert other.status_code == 200 and "demo" not in other.content.decode()
    assert token_client(["default"]).get("/metrics").status_code == 403, "totals count every namespace"


@pytest.fixture
def scoped_state(running_hub: Hub) -> tuple[dict[str, Any], dict[str, Any]]:
    admin = Client()
    admin.force_login(User.objects.create_user("ada", is_staff=True))
    full = orjson.loads(admin.get("/api/v1/clusters/demo/state").content)
    scoped = orjson.loads(token_client(["default"]).get("/api/v1/clusters/demo/state?pods=table").content)
    return full, scoped


def test_a_namespace_token_sees_only_its_own_pods_requests_on_each_node(
    scoped_state: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    full, scoped = scoped_state
    for node in scoped["nodes"]:
        mine = [p for p in full["pods"] if p["namespace"] == "default" and p["node"] == node["name"]]
        mine = [p for p in mine if p["phase"] not in ("Succeeded", "Failed")]
        assert node["requested"]["pods"] == len(mine), node["name"]
        assert node["requested"]["cpu"] == sum(p["requests"]["cpu"] for p in mine)
        assert node["requested"]["memory"] == sum(p["requests"]["memory"] for p in mine)
    totals = {n["name"]: n["requested"]["pods"] for n in full["nodes"]}
    assert any(totals[n["name"]] > n["requested"]["pods"] for n in scoped["nodes"]), "the totals were the cluster's"


def test_a_namespace_token_sees_no_other_namespaces_daemonsets_or_their_image_tags(
    scoped_state: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    full, scoped = scoped_state
    everyone = {a["name"] for n in full["nodes"] for a in n["agents"]}
    assert everyone - {"kubelet", "container-runtime", "kube-proxy"}, "the fake cluster runs a CNI DaemonSet"
    shown = {a["name"] for n in scoped["nodes"] for a in n["agents"]}
    assert shown <= {"kubelet", "container-runtime", "kube-proxy"}
    proxies = [a for n in scoped["nodes"] for a in n["agents"] if a["name"] == "kube-proxy"]
    assert proxies and all(a["pod"] is None and a["version"] is None for a in proxies)
    hidden = {a["version"] for n in full["nodes"] for a in n["agents"] if a["name"] not in shown and a["version"]}
    assert hidden and not any(tag in orjson.dumps(scoped).decode() for tag in hidden)


def test_a_namespace_token_gets_no_cluster_pod_total_on_the_map_page(running_hub: Hub) -> None:
    page = token_client(["default"]).get("/clusters/demo/").content.decode()
    assert '<dd id="count-pods">\u2013</dd>' in page
    admin = Client()
    admin.force_login(User.objects.create_user("ada", is_staff=True))
    assert '<dd id="count-pods">\u2013</dd>' not in admin.get("/clusters/demo/").content.decode()


def test_the_feed_keeps_node_events_and_a_namespaces_own(running_hub: Hub) -> None:
    from dashboard.access.scope import Scope

    scope = Scope.of([], ["default"])
    events = [
        {"kind": "node-not-ready", "refs": [{"kind": "Node", "namespace": "", "name": "worker-1"}]},
        {"kind": "scaled", "refs": [{"kind": "Deployment", "namespace": "default", "name": "web"}]},
        {"kind": "scaled", "refs": [{"kind": "Deployment", "namespace": "secret-team", "name": "x"}]},
        {
            "kind": "pod-failed",
            "refs": [
                {"kind": "Pod", "namespace": "default", "name": "a"},
                {"kind": "Pod", "namespace": "secret-team", "name": "b"},
            ],
        },
        {"kind": "pod-failed", "text": "110 pods failed"},
    ]
    assert scope.feed(events) == events[:2]


async def test_a_scoped_socket_filters_its_first_state_in_another_process(
    running_hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A namespace filter over a 150,000-pod state holds the GIL for seconds (bench/scoped_filter.py): in a
    thread, as on the event loop, it would stall every socket. The first state goes to a process of its own;
    deltas, small, to a thread. It is made there once per version and scope (dashboard.firststate)."""
    import multiprocessing
    import threading
    from concurrent.futures import ProcessPoolExecutor

    from dashboard.access.scope import Scope, scoped_state

    class Recording(ProcessPoolExecutor):
        submitted: list[Any] = []

        def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
            self.submitted.append(fn)
            return super().submit(fn, *args, **kwargs)

    pool = Recording(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    monkeypatch.setattr(websocket, "filter_processes", lambda: pool)
    threads: list[threading.Thread] = []
    original = Scope.filter_message

    def recording(self: Scope, text: str, seen: dict[str, Any]) -> str:
        threads.append(threading.current_thread())
        return original(self, text, seen)

    monkeypatch.setattr(Scope, "filter_message", recording)
    secret = await sync_to_async(make_token)(["default"])
    communicator = WebsocketCommunicator(application, "/ws/clusters/demo/", [HOST, ORIGIN, bearer(secret)])
    assert (await communicator.connect(timeout=10))[0]
    try:
        state = orjson.loads(await communicator.receive_from(timeout=60))
        assert state["type"] == "state" and {p["namespace"] for p in state["pods"]} == {"default"}
        assert Recording.submitted == [scoped_state] and not threads
        assert orjson.loads(await communicator.receive_from(timeout=10))["type"] in ("heartbeat", "delta")
        assert threads and threading.main_thread() not in threads
    finally:
        await communicator.disconnect()
        pool.shutdown()
