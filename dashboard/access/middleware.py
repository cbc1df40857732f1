"""The HTTP side of access control: every request is decided by :func:`policy.decide` before any view runs.

A display token arrives as ``?token=…`` (once: it is moved into the session and the address is redirected
without it, so it stays out of logs and history) or as ``Authorization: Bearer …``. For namespace-scoped
viewers the JSON state is filtered on its way out (:data:`RESPONSE_FILTERS`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from asgiref.sync import iscoroutinefunction, sync_to_async
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect, JsonResponse
from django.utils.decorators import sync_and_async_middleware

from dashboard.access.policy import Decision, Route, Viewer, decide
from dashboard.access.scope import Scope
from dashboard.access.viewers import (
    QUERY_PARAM,
    SESSION_KEY,
    bearer,
    route_of,
    token_by_id,
    token_by_secret,
    viewer_of,
)

Handler = Callable[[HttpRequest], Any]


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


def _token_redirect(request: HttpRequest) -> HttpResponse | None:
    """Move ``?token=`` into the session and redirect to the same address without it."""
    secret = request.GET.get(QUERY_PARAM)
    if secret is None or request.method != "GET":
        return None
    token = token_by_secret(secret)
    if token is None:
        request.session.pop(SESSION_KEY, None)
        return None
    if not request.user.is_authenticated:
        request.session.cycle_key()
        request.session[SESSION_KEY] = token.pk
    query = request.GET.copy()
    del query[QUERY_PARAM]
    return HttpResponseRedirect(request.path + (f"?{query.urlencode()}" if query else ""))


def identify(request: HttpRequest) -> Viewer:
    secret = bearer(request.headers.get("Authorization", ""))
    token = token_by_secret(secret) if secret else token_by_id(request.session.get(SESSION_KEY))
    return viewer_of(request.user, token)


def refusal(decision: Decision, request: HttpRequest) -> HttpResponse:
    api = request.path.startswith("/api/")
    if decision is Decision.LOGIN:
        if api or request.headers.get("Authorization"):
            return JsonResponse({"error": "authentication required"}, status=401)
        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
    status = 403 if decision is Decision.FORBIDDEN else 404
    text = "forbidden" if status == 403 else "not found"
    if api:
        return JsonResponse({"error": text}, status=status)
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


def before_view(request: HttpRequest) -> tuple[HttpResponse | None, Route, Viewer]:
    """Everything that needs the database: the token redirect, who is asking, and the decision."""
    route = route_of(request.path_info)
    early = None if route.static else _token_redirect(request)
    viewer = identify(request)
    request.viewer = viewer  # type: ignore[attr-defined]
    if early is not None:
        return early, route, viewer
    decision = decide(viewer, route, request.method or "GET")
    return (None if decision is Decision.ALLOW else refusal(decision, request)), route, viewer


def after_view(response: HttpResponseBase, route: Route, viewer: Viewer) -> HttpResponseBase:
    if viewer.kind == "token":
        response.headers.setdefault("Cache-Control", "private, no-store")
    apply = RESPONSE_FILTERS.get(route.name or "")
    if apply is None or viewer.scope == Scope() or response.status_code != 200:
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
