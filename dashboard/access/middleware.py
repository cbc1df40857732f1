"""The HTTP side of access control: every request is decided by :func:`policy.decide` before any view runs.

A display token arrives through the display link's exchange (its secret in the address's fragment, which no
server sees: :mod:`dashboard.access.views`), as ``Authorization: Bearer …``, or from an old link as
``?token=…`` (moved into the session, the address redirected without it). For namespace-scoped
viewers the JSON state is filtered on its way out (:data:`RESPONSE_FILTERS`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import orjson
from asgiref.sync import iscoroutinefunction, sync_to_async
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect, JsonResponse
from django.utils.decorators import sync_and_async_middleware

from dashboard.access.policy import Decision, Route, Viewer, decide
from dashboard.access.refusals import refusal_page
from dashboard.access.scope import Scope
from dashboard.access.viewers import (
    QUERY_PARAM,
    SESSION_KEY,
    bearer,
    exchange,
    route_of,
    safe_target,
    token_by_id,
    token_by_secret,
    viewer_of,
)

Handler = Callable[[HttpRequest], Any]
logger = logging.getLogger(__name__)


def _filter_state(scope: Scope, body: bytes) -> bytes:
    return orjson.dumps(scope.filter_state(orjson.loads(body)))


def _filter_clusters(scope: Scope, body: bytes) -> bytes:
    data = orjson.loads(body)
    data["clusters"] = [c for c in data.get("clusters", []) if scope.sees_cluster(c.get("name", ""))]
    return orjson.dumps(data)


RESPONSE_FILTERS: dict[str, Callable[[Scope, bytes], bytes]] = {
    "api-state": _filter_state,
    "api-clusters": _filter_clusters,
}


def _without_token(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop(QUERY_PARAM, None)
    return request.path + (f"?{query.urlencode()}" if query else "")


def _token_redirect(request: HttpRequest) -> HttpResponse | None:
    """An old wall link (``?token=`` in the address): the token moves into the session and the address is
    redirected without it — to this host only. Logs never hold the secret (:mod:`dashboard.access.logs`), but
    proxies in front may: the warning names the token so its wall can be given the new kind of link."""
    secret = request.GET.get(QUERY_PARAM)
    if secret is None or request.method != "GET":
        return None
    token = token_by_secret(secret)
    if token is None:
        return None  # identify() sees a token presented and refused
    if not request.user.is_authenticated:
        exchange(request, token)
    logger.warning("display token %s (%r) arrived in an address: give its wall the new link", token.pk, token.name)
    return HttpResponseRedirect(safe_target(request, _without_token(request)))


def identify(request: HttpRequest) -> Viewer:
    secret = bearer(request.headers.get("Authorization", ""))
    token_id = request.session.get(SESSION_KEY)
    token = token_by_secret(secret) if secret else token_by_id(token_id)
    presented = bool(secret) or token_id is not None or QUERY_PARAM in request.GET
    return viewer_of(request.user, token, presented=presented)


def _token_presented(request: HttpRequest) -> bool:
    return bool(request.headers.get("Authorization")) or SESSION_KEY in request.session or QUERY_PARAM in request.GET


def _page_path(request: HttpRequest) -> str:
    """The page a refused htmx request came from (to return to after logging in)."""
    return urlsplit(request.headers.get("HX-Current-URL", "")).path or "/"


def refusal(decision: Decision, request: HttpRequest, viewer: Viewer) -> HttpResponse:
    api = request.path.startswith("/api/") or request.path == "/metrics"
    if decision is Decision.LOGIN:
        if api or request.headers.get("Authorization"):
            return JsonResponse({"error": "authentication required"}, status=401)
        if viewer.kind == "anonymous":  # a change, refused: a redirect to the login page would lose it
            return refusal_page(request, 403, "anonymous", next_path=_page_path(request))
        if _token_presented(request) and not request.user.is_authenticated:
            return refusal_page(request, 401, "token")
        return redirect_to_login(_without_token(request), settings.LOGIN_URL)
    status = 403 if decision is Decision.FORBIDDEN else 404
    if api:
        return JsonResponse({"error": "forbidden" if status == 403 else "not found"}, status=status)
    return refusal_page(request, status, "forbidden" if status == 403 else "missing")


def before_view(request: HttpRequest) -> tuple[HttpResponse | None, Route, Viewer]:
    """Everything that needs the database: the token redirect, who is asking, and the decision."""
    route = route_of(request.path_info)
    early = None if route.static else _token_redirect(request)
    viewer = identify(request)
    request.viewer = viewer  # type: ignore[attr-defined]
    if early is not None:
        return early, route, viewer
    decision = decide(viewer, route, request.method or "GET")
    return (None if decision is Decision.ALLOW else refusal(decision, request, viewer)), route, viewer


def after_view(response: HttpResponseBase, route: Route, viewer: Viewer) -> HttpResponseBase:
    if viewer.kind == "token":
        response.headers.setdefault("Cache-Control", "private, no-store")
    apply = RESPONSE_FILTERS.get(route.name or "")
    if apply is None or viewer.scope == Scope() or response.status_code != 200:
        return response
    if getattr(response, "scoped_for", None) == viewer.scope:  # the view made it for this scope (the shared state)
        return response
    if not isinstance(response, HttpResponse):
        return HttpResponse("forbidden", status=403)  # streamed: cannot be filtered, so not sent
    response.content = apply(viewer.scope, response.content)
    return response


@sync_and_async_middleware
def access_middleware(get_response: Handler) -> Handler:
    if iscoroutinefunction(get_response):

        async def async_middleware(request: HttpRequest) -> HttpResponseBase:
            early, route, viewer = await sync_to_async(before_view)(request)
            if early is not None:
                return early
            response: Awaitable[HttpResponseBase] = get_response(request)
            return after_view(await response, route, viewer)

        return async_middleware

    def middleware(request: HttpRequest) -> HttpResponseBase:
        early, route, viewer = before_view(request)
        if early is not None:
            return early
        return after_view(get_response(request), route, viewer)

    return middleware
