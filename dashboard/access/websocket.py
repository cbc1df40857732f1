"""The websocket side of access control: the same viewers and the same decision as HTTP.

Sits inside ``OriginValidator(AuthMiddlewareStack(...))`` — the Origin is checked first, the user and session
are loaded next — and refuses a connection before the consumer ever sees it. A display token comes only from
the session or an ``Authorization: Bearer`` header, never from the address (which servers log). For a
namespace-scoped viewer every outgoing frame passes through :meth:`Scope.filter_message`, off the event loop.
An open socket re-checks its credential every :data:`RECHECK_SECONDS` as frames go out and closes once it ended.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from importlib import import_module
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib import auth

from dashboard.access.policy import Decision, Route, Viewer, decide
from dashboard.access.scope import Scope, Seen, filter_state_frame
from dashboard.access.viewers import QUERY_PARAM, SESSION_KEY, bearer, token_by_id, token_by_secret, viewer_of

Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[dict[str, Any], Receive, Send], Awaitable[None]]
Check = Callable[[], bool]

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404  # the consumer's code for a cluster that does not exist: out of scope looks the same
CLOSE_CODES = {Decision.LOGIN: CLOSE_UNAUTHENTICATED, Decision.FORBIDDEN: CLOSE_FORBIDDEN}
WS_PREFIX = "/ws/clusters/"
RECHECK_SECONDS = 30.0
"""How often an open websocket checks that what opened it still holds — a display token not revoked nor expired,
a login not logged out, its user still active and its password unchanged: a wall streams for weeks, and the end
of its credential must end the stream, not only the next connect."""
CLOSE_TOKEN_ENDED = 4401
CLOSE_SESSION_ENDED = 4401


def ws_route(path: str) -> Route:
    if not path.startswith(WS_PREFIX):
        return Route(None)
    cluster = path[len(WS_PREFIX) :].strip("/")
    return Route("ws-cluster", cluster=cluster) if cluster and "/" not in cluster else Route(None)


def _header(scope: dict[str, Any], name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return ""


def viewer_of_scope(scope: dict[str, Any]) -> Viewer:
    """Runs in a thread (it reads the session and the database). A token that was presented and is not valid
    makes an outsider, never an anonymous reader; so does any ``?token=``, which is never taken from an address."""
    if QUERY_PARAM in parse_qs(scope.get("query_string", b"").decode("latin-1")):
        return viewer_of(None, None, presented=True)
    secret = bearer(_header(scope, b"authorization"))
    session = scope.get("session")
    token_id = session.get(SESSION_KEY) if session is not None else None
    token = token_by_secret(secret) if secret else token_by_id(token_id)
    return viewer_of(scope.get("user"), token, presented=bool(secret) or token_id is not None)


async def refuse(receive: Receive, send: Send, code: int) -> None:
    message = await receive()
    if message["type"] == "websocket.connect":
        await send({"type": "websocket.close", "code": code})


STATE_FRAME = '{"type":"state"'
_filters: ProcessPoolExecutor | None = None


def filter_processes() -> ProcessPoolExecutor:
    """One process that filters first states. A thread would not do: orjson and the filter hold the GIL for
    seconds at 150,000 pods (bench/scoped_filter.py), and every other socket's event loop would wait."""
    global _filters
    if _filters is None:
        _filters = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    return _filters


SEEN = "clusterviz.seen"
"""Key of a ``websocket.send`` message that carries a state already made for this scope (dashboard.firststate),
with the pods it holds: passed on as it is; the deltas after it are filtered by those pods."""
SHARED = "clusterviz.shared"  # dashboard.outbound.SHARED: a message's bytes, written as they are


def scoped_send(send: Send, scope: Scope) -> Send:
    """Frames filtered off the event loop, one at a time (so their order and ``seen`` stay consistent): a first
    state in the filter process, deltas (small) in a worker thread. A state the consumer made for this scope
    (with :data:`SEEN`) is not filtered again; one without it is, whatever its form."""
    seen: Seen = {}

    async def filtered(message: Message) -> None:
        if SEEN in message:
            seen.clear()
            seen.update(message[SEEN])
            await send({k: v for k, v in message.items() if k != SEEN})
            return
        if SHARED in message:  # not made for this scope: filtered as text
            message = {"type": "websocket.send", "text": bytes(message[SHARED]).decode()}
        text = message.get("text") if message.get("type") == "websocket.send" else None
        if text is not None and text.startswith(STATE_FRAME):
            loop = asyncio.get_running_loop()
            text, fresh = await loop.run_in_executor(filter_processes(), filter_state_frame, scope, text)
            seen.clear()
            seen.update(fresh)
            message = {**message, "text": text}
        elif text is not None:
            message = {**message, "text": await asyncio.to_thread(scope.filter_message, text, seen)}
        await send(message)

    return filtered


def token_still_valid(token_id: int) -> bool:
    """Runs in a thread (it reads the database)."""
    return token_by_id(token_id) is not None


def session_still_valid(session_key: str, user_id: int) -> bool:
    """Runs in a thread. Django's own rules: the session exists (logout deletes it), its user is active and its
    password hash is the one the session was made with (a password change ends other sessions)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    user = auth.get_user(SimpleNamespace(session=store))  # type: ignore[arg-type]
    return bool(user.is_authenticated and user.pk == user_id and user.is_active)


def credential_check(viewer: Viewer, scope: dict[str, Any]) -> Check | None:
    """What an open socket of this viewer re-checks; None when nothing can end (anonymous read)."""
    if viewer.token_id is not None:
        token_id = viewer.token_id
        return lambda: token_still_valid(token_id)
    session = scope.get("session")
    key = getattr(session, "session_key", None)
    if viewer.user_id is not None and key:
        user_id = viewer.user_id
        return lambda: session_still_valid(key, user_id)
    return None


def revalidating_send(send: Send, check: Check, every: float | None = None) -> Send:
    """Before a frame goes out, at most every ``every`` seconds, run the check; once it fails, close."""
    every = RECHECK_SECONDS if every is None else every
    last_check = time.monotonic()
    ended = False

    async def checked(message: Message) -> None:
        nonlocal last_check, ended
        if ended:
            return
        if message.get("type") == "websocket.send" and time.monotonic() - last_check >= every:
            last_check = time.monotonic()
            if not await database_sync_to_async(check)():
                ended = True
                await send({"type": "websocket.close", "code": CLOSE_TOKEN_ENDED})
                return
        await send(message)

    return checked


class WebsocketAccessMiddleware:
    def __init__(self, inner: ASGIApp) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        viewer = await database_sync_to_async(viewer_of_scope)(scope)
        route = ws_route(scope.get("path", ""))
        decision = decide(viewer, route, "GET") if route.name else Decision.NOT_FOUND
        if decision is not Decision.ALLOW:
            await refuse(receive, send, CLOSE_CODES.get(decision, CLOSE_NOT_FOUND))
            return
        if viewer.scope.narrowed:
            send = scoped_send(send, viewer.scope)
        check = credential_check(viewer, scope)
        if check is not None:
            send = revalidating_send(send, check)
        await self.inner({**scope, "viewer": viewer}, receive, send)
