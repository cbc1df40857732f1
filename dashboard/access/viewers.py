"""Who is asking: the facts the policy needs, gathered from a request's user, session and headers."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from dashboard.access.models import DisplayToken, hash_secret
from dashboard.access.policy import OUTSIDER, Decision, Route, Viewer, decide
from dashboard.access.scope import Scope

SESSION_KEY = "clusterviz_display_token"
QUERY_PARAM = "token"


def route_of(path: str) -> Route:
    if path.startswith("/" + settings.STATIC_URL.lstrip("/")):
        return Route(None, static=True)
    try:
        match = resolve(path)
    except Resolver404:
        return Route(None)
    kwargs = match.kwargs
    return Route(match.url_name, kwargs.get("cluster"), kwargs.get("namespace"))


def bearer(authorization: str) -> str:
    scheme, _, value = authorization.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def token_by_secret(secret: str) -> DisplayToken | None:
    if not secret:
        return None
    token = DisplayToken.objects.filter(token_hash=hash_secret(secret)).first()
    return token if token is not None and token.is_valid else None


def token_by_id(token_id: Any) -> DisplayToken | None:
    if not isinstance(token_id, int):
        return None
    token = DisplayToken.objects.filter(pk=token_id).first()
    return token if token is not None and token.is_valid else None


def token_viewer(token: DisplayToken) -> Viewer:
    if token.needs_touch():
        DisplayToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return Viewer("token", Scope.of(token.clusters, token.namespaces), token_id=token.pk)


def viewer_of(user: Any, token: DisplayToken | None, *, presented: bool = False) -> Viewer:
    """A logged-in user first, then a display token, then anonymous read when it is switched on — except for
    someone who ``presented`` a token that is not valid (revoked, expired, mistyped): an outsider, told so."""
    if user is not None and user.is_authenticated and user.is_active:
        return Viewer("staff" if user.is_staff else "user", username=user.get_username(), user_id=user.pk)
    if token is not None:
        return token_viewer(token)
    if getattr(settings, "CLUSTERVIZ_ANONYMOUS_READ", False) and not presented:
        return Viewer("anonymous")
    return OUTSIDER


def exchange(request: HttpRequest, token: DisplayToken) -> None:
    """The token becomes this browser's session (a new session key: nothing planted before survives), for as
    long as the token lives — a wall is not logged out after two weeks."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = token.pk
    request.session.set_expiry(token.expires_at)


def safe_target(request: HttpRequest, target: str, fallback: str = "/") -> str:
    """``target`` when it stays on this host (and scheme); ``fallback`` for ``//evil.example/`` and the like."""
    ok = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return target if ok else fallback


def may(request: HttpRequest, route: str, method: str = "POST") -> bool:
    """Whether this request's viewer may use the route: pages show a control only to those who may press it."""
    viewer = getattr(request, "viewer", None) or OUTSIDER
    return decide(viewer, Route(route), method) is Decision.ALLOW
