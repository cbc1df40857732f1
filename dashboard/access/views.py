"""Display tokens, for staff: list, create (the secret is shown once), revoke. htmx swaps the parts."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods, require_POST

from dashboard.access.forms import TokenForm
from dashboard.access.models import DisplayToken
from dashboard.hub import hub

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
    created = {"created": token, "secret": secret, "wall_cluster": wall_cluster}
    template = CREATED if getattr(request, "htmx", False) else PAGE
    return render(request, template, _context(TokenForm(), **created), status=201)


@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(DisplayToken, pk=pk)
    token.revoke()
    if getattr(request, "htmx", False):
        return render(request, ROW, {"token": token})
    return render(request, PAGE, _context(TokenForm()))
