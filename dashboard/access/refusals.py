"""Refusals as pages a person can act on: what happened, why, and the way forward (usually: log in)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

TEMPLATE = "access/refusal.html"


def _texts(kind: str) -> tuple[str, str]:
    texts = {
        "token": (
            _("This display token is not valid"),
            _(
                "The token this screen uses was revoked, has expired or was mistyped. Ask an administrator for a "
                "new wall link, or log in."
            ),
        ),
        "forbidden": (
            _("Not for this account"),
            _("This page is for administrators; a display token reads only its walls and maps."),
        ),
        "missing": (
            _("Nothing here"),
            _("There is no such page or cluster here, or it is outside what you may see."),
        ),
        "address": (_("This address has a mistake"), _("Correct the address and load it again.")),
        "anonymous": (
            _("Log in to change anything"),
            _("Anyone may look at this dashboard, but only someone logged in may change something."),
        ),
    }
    return texts[kind]


def login_url(request: HttpRequest, next_path: str) -> str:
    return str(redirect_to_login(next_path, settings.LOGIN_URL)["Location"])


def refusal_page(request: HttpRequest, status: int, kind: str, detail: str = "", next_path: str = "") -> HttpResponse:
    title, message = _texts(kind)
    user = getattr(request, "user", None)
    context = {
        "status": status,
        "kind": kind,
        "title": title,
        "message": message,
        "detail": detail,
        "language_next": "/",  # not the refused address: a refusal echoes nothing of what it refused
        "login": None if user is not None and user.is_authenticated else login_url(request, next_path or "/"),
    }
    return render(request, TEMPLATE, context, status=status)
