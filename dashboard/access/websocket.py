"""The websocket side of access control: the same viewers and the same decision as HTTP.

Sits inside ``AllowedHostsOriginValidator(AuthMiddlewareStack(...))`` — the Origin is checked first, the user
and session are loaded next — and refuses a connection before the consumer ever sees it. For a
namespace-scoped viewer every outgoing frame passes through :meth:`Scope.filter_message`.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async

from dashboard.access.policy import Decision, Route, Viewer, decide
from dashboard.access.scope import Scope
from dashboard.access.viewers import QUERY_PARAM, SESSION_KEY, bearer, token_by_id, token_by_secret, viewer_of

Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[dict[str, Any], Receive, Send], Awaitable[None]]

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404  # the consumer's code for a cluster that does not exist: out of scope looks the same
CLOSE_CODES = {Decision.LOGIN: CLOSE_UNAUTHENTICATED, Decision.FORBIDDEN: CLOSE_FORBIDDEN}
WS_PREFIX = "/ws/clusters/"
RECHECK_SECONDS = 30.0
"""How often an open websocket that a display token opened checks that the token is still valid: a wall
streams for weeks, and revoking (or the expiry of) its token must end the stream, not only the next connect."""
CLOSE_TOKEN_ENDED = 4401


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
    """Runs in a thread (it reads the session and the database)."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    secret = bearer(_header(scope, b"authorization")) or (query.get(QUERY_PARAM) or [""])[0]
    session = scope.get("session")
    token = token_by_secret(secret) if secret else token_by_id(session.get(SESSION_KEY) if session else None)
    return viewer_of(scope.get("user"), token)


async def refuse(receive: Receive, send: Send, code: int) -> None:
    message = await receive()
    if message["type"] == "websocket.connect":
        await send({"type": "websocket.close", "code": code})


def scoped_send(send: Send, scope: Scope) -> Send:
    visible: set[str] = set()

    async def filtered(message: Message) -> None:
        if message.get("type") == "websocket.send" and message.get("text") is not None:
            message = {**message, "text": scope.filter_message(message["text"], visible)}
        await send(message)

    return filtered


def token_still_valid(token_id: int) -> bool:
    """Runs in a thread (it reads the database)."""
    return token_by_id(token_id) is not None


def revalidating_send(send: Send, token_id: int, every: float | None = None) -> Send:
    """Before a frame goes out, at most every ``every`` seconds, check the token; once it has ended, close."""
    every = RECHECK_SECONDS if every is None else every
    last_check = time.monotonic()
    ended = False

    async def checked(message: Message) -> None:
        nonlocal last_check, ended
        if ended:
            return
        if message.get("type") == "websocket.send" and time.monotonic() - last_check >= every:
            last_check = time.monotonic()
            if not await database_sync_to_async(token_still_valid)(token_id):
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
        if viewer.token_id is not None:
            send = revalidating_send(send, viewer.token_id)
        await self.inner({**scope, "viewer": viewer}, receive, send)
