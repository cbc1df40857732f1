"""Display tokens, for staff: list, create (the secret is shown once), revoke. htmx swaps the parts.

And the display link a wall opens once: ``/access/display/?next=/wall/demo/#token=cvz_…``. The secret is in
the fragment, which browsers never send to a server (nor in a Referer); the page's script posts it to the
exchange, which puts the token in the session, clears the fragment from the address bar and history, and goes
on to ``next``. The link can be opened again (a kiosk reopening its start page after a reboot).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dashboard.access.forms import TokenForm
from dashboard.access.models import DisplayToken
from dashboard.access.viewers import exchange, safe_target, token_by_secret
from dashboard.hub import hub

DISPLAY = "access/display.html"
WALLS = "/wall/"

PAGE = "access/tokens.html"
CREATED = "access/_created.html"
ROW = "access/_token_row.html"


def _context(form: TokenForm, **extra: object) -> dict[str, object]:
    return {"form": form, "tokens": DisplayToken.objects.all()[:500], "clusters": hub.names(), **extra}


@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, PAGE, _context(TokenForm()))
    form = TokenForm(request.POST)
    if not form.is_valid():
        return render(request, PAGE, _context(form), status=400)
    token, secret = DisplayToken.issue(
        form.cleaned_data["name"],
        expires_at=form.expires_at(),
        clusters=form.cleaned_data["clusters"],
        namespaces=form.cleaned_data["namespaces"],
        created_by=request.user,  # type: ignore[arg-type]
    )
    wall_cluster = (token.clusters or hub.names())[0]
    link = request.build_absolute_uri(display_link(reverse("wall", args=[wall_cluster]), secret))
    created = {"created": token, "secret": secret, "wall_link": link}
    template = CREATED if getattr(request, "htmx", False) else PAGE
    return render(request, template, _context(TokenForm(), **created), status=201)


@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(DisplayToken, pk=pk)
    token.revoke()
    if getattr(request, "htmx", False):
        return render(request, ROW, {"token": token})
    return render(request, PAGE, _context(TokenForm()))


def display_link(next_path: str, secret: str) -> str:
    """The path of a wall's link: the secret in the fragment, never in what a server receives."""
    return f"{reverse('display-link')}?{urlencode({'next': next_path})}#{urlencode({'token': secret})}"


@require_GET
def display(request: HttpRequest) -> HttpResponse:
    context = {"next": safe_target(request, request.GET.get("next") or WALLS, WALLS)}
    return render(request, DISPLAY, context)


@require_POST
def display_exchange(request: HttpRequest) -> JsonResponse:
    token = token_by_secret(request.POST.get("token", ""))
    if token is None:
        return JsonResponse(
            {"error": _("This display link is not valid: its token was revoked or has expired.")}, status=401
        )
    if not request.user.is_authenticated:
        exchange(request, token)
    return JsonResponse({"next": safe_target(request, request.POST.get("next") or WALLS, WALLS)})
