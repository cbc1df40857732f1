"""Content-Security-Policy and the headers Django's SecurityMiddleware does not set (Django 5.2 has no CSP).

No inline script and no inline style anywhere: scripts and styles are files under /static/, data reaches
scripts through ``data-*`` attributes and ``json_script`` blocks (JSON, which the policy never executes).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from asgiref.sync import iscoroutinefunction
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.decorators import sync_and_async_middleware

Handler = Callable[[HttpRequest], Any]

DEFAULT_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "object-src 'none'",
    )
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def add_headers(response: HttpResponseBase) -> HttpResponseBase:
    policy: str = getattr(settings, "CLUSTERVIZ_CSP", DEFAULT_POLICY)
    report_only = getattr(settings, "CLUSTERVIZ_CSP_REPORT_ONLY", False)
    header = "Content-Security-Policy-Report-Only" if report_only else "Content-Security-Policy"
    response.headers.setdefault(header, policy)
    response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


@sync_and_async_middleware
def csp_middleware(get_response: Handler) -> Handler:
    if iscoroutinefunction(get_response):

        async def async_middleware(request: HttpRequest) -> HttpResponseBase:
            return add_headers(await get_response(request))

        return async_middleware

    def middleware(request: HttpRequest) -> HttpResponseBase:
        return add_headers(get_response(request))

    return middleware
