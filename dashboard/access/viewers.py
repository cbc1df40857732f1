"""Who is asking: the facts the policy needs, gathered from a request's user, session and headers."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import Resolver404, resolve
from django.utils import timezone

from dashboard.access.models import DisplayToken, hash_secret
from dashboard.access.policy import OUTSIDER, Route, Viewer
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


def viewer_of(user: Any, token: DisplayToken | None) -> Viewer:
    """A logged-in user first, then a display token, then anonymous read when it is switched on."""
    if user is not None and user.is_authenticated and user.is_active:
        return Viewer("staff" if user.is_staff else "user", username=user.get_username())
    if token is not None:
        return token_viewer(token)
    if getattr(settings, "CLUSTERVIZ_ANONYMOUS_READ", False):
        return Viewer("anonymous")
    return OUTSIDER
