"""The websocket's Origin check: scheme, host and port, against the page's own origin and the configured ones.

Browsers send cookies with a websocket from any site, so the Origin header is what tells the dashboard's own
pages from another site's script. Allowed: the origin the request itself came to (its Host, when Host is one
of ALLOWED_HOSTS by name — a ``*`` there allows no origin) and ``CLUSTERVIZ_ALLOWED_ORIGINS`` (by default
``CSRF_TRUSTED_ORIGINS``). A missing Origin is refused: every browser sends one, and a non-browser client
holding a token has no reason to leave it out.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http.request import split_domain_port, validate_host

DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise(origin: str) -> str | None:
    """``scheme://host:port`` in lower case with the port always written; None for anything else."""
    try:
        parts = urlsplit(origin.strip())
        port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError:
        return None
    if parts.scheme.lower() not in DEFAULT_PORTS or not parts.hostname or port is None:
        return None
    if parts.path not in ("", "/") or parts.query or parts.username:
        return None
    return f"{parts.scheme.lower()}://{parts.hostname.lower()}:{port}"


def configured() -> frozenset[str]:
    listed = list(getattr(settings, "CLUSTERVIZ_ALLOWED_ORIGINS", []) or getattr(settings, "CSRF_TRUSTED_ORIGINS", []))
    if any("*" in origin for origin in listed):
        raise ImproperlyConfigured("CLUSTERVIZ_ALLOWED_ORIGINS: list origins (scheme://host:port), never '*'")
    found = {normalise(origin) for origin in listed}
    return frozenset(o for o in found if o is not None)


def headers_of(scope: dict[str, Any]) -> dict[bytes, str]:
    return {key.lower(): value.decode("latin-1") for key, value in scope.get("headers", [])}


def request_scheme(scope: dict[str, Any], headers: dict[bytes, str]) -> str:
    proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy is not None:
        name = proxy[0].removeprefix("HTTP_").replace("_", "-").lower().encode()
        if headers.get(name, "").split(",")[0].strip() == proxy[1]:
            return "https"
    return "https" if scope.get("scheme") in ("wss", "https") else "http"


def own_origin(scope: dict[str, Any], headers: dict[bytes, str]) -> str | None:
    host = headers.get(b"host", "")
    domain, _ = split_domain_port(host)
    names = [h for h in settings.ALLOWED_HOSTS if h != "*"]
    if not domain or not validate_host(domain, names):
        return None
    return normalise(f"{request_scheme(scope, headers)}://{host}")


def origin_allowed(scope: dict[str, Any]) -> bool:
    headers = headers_of(scope)
    origin = normalise(headers.get(b"origin", ""))
    if origin is None:
        return False
    return origin == own_origin(scope, headers) or origin in configured()


class OriginValidator:
    """ASGI middleware: a websocket whose Origin is not allowed is closed (403) before anything else runs."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] == "websocket" and not origin_allowed(scope):
            message = await receive()
            if message["type"] == "websocket.connect":
                await send({"type": "websocket.close", "code": 4403})
            return None
        return await self.inner(scope, receive, send)
