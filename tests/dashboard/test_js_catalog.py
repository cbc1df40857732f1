"""The words map.js and wall.js write come from Django's JavaScript catalog (/jsi18n/), in the viewer's language."""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dashboard.access.models import DisplayToken
from dashboard.hub import Hub
from tests.conftest import require

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "locale"
PO = LOCALE / "ko" / "LC_MESSAGES" / "djangojs.po"
SCRIPTS = sorted((ROOT / "static" / "clusterviz").glob("*.js"))  # the map and the wall are modules of these
WRAPPED = re.compile(r"""\b(?:_|ngettext)\(\s*'((?:[^'\\]|\\.)*)'""")
"""A literal handed to ``_('…')`` or ``ngettext('…', …)`` in the scripts (the singular, for ngettext)."""


def catalog(response: Any) -> dict[str, Any]:
    """The translations the catalog script installs (``const newcatalog = {…};``), empty for English."""
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/javascript")
    found = re.search(r"const newcatalog = (\{.*?\n  \});", response.content.decode(), re.S)
    return orjson.loads(found.group(1)) if found else {}


def korean(client: Client) -> dict[str, Any]:
    client.cookies["django_language"] = "ko"
    return catalog(client.get(reverse("javascript-catalog")))


def test_the_catalog_speaks_korean_to_a_korean_viewer() -> None:
    words = korean(Client())
    assert words["What does it do?"] == "어떤 일을 하나요?"
    assert words["Control plane"] == "컨트롤 플레인"
    assert words["live"] == "실시간"
    assert words["%(count)s node"] == ["노드 %(count)s개"]  # ngettext: one form in Korean
    by_header = catalog(Client().get(reverse("javascript-catalog"), headers={"Accept-Language": "ko"}))
    assert by_header["replay — not live"] == "다시 보기 — 실시간 아님"


def test_the_catalog_is_english_by_default() -> None:
    words = catalog(Client().get(reverse("javascript-catalog")))
    assert "What does it do?" not in words and "Control plane" not in words


@pytest.mark.parametrize("anonymous_read", [False, True])
def test_everyone_may_read_the_catalog(settings: Any, anonymous_read: bool) -> None:
    """Outsiders (the login page), users and namespace-scoped wall tokens alike: it holds no cluster data."""
    settings.CLUSTERVIZ_ANONYMOUS_READ = anonymous_read
    _, secret = DisplayToken.issue(
        "wall", expires_at=timezone.now() + timedelta(days=1), clusters=["demo"], namespaces=["default"]
    )
    for client in (Client(), Client(headers={"Authorization": f"Bearer {secret}"})):
        assert korean(client)["What does it do?"] == "어떤 일을 하나요?"
        assert client.post(reverse("javascript-catalog")).status_code in (403, 405)  # read-only


@pytest.mark.parametrize(("path", "script"), [("/clusters/demo/", "map.js"), ("/wall/demo/", "wall.js")])
def test_the_pages_load_the_catalog_before_their_script(running_hub: Hub, path: str, script: str) -> None:
    html = Client().get(path).content.decode()
    catalog_at = html.find(f'<script src="{reverse("javascript-catalog")}"')
    script_at = html.find(f"clusterviz/{script}")
    assert 0 <= catalog_at < script_at, "the catalog must come first (scripts run in order)"
    assert "<script>" not in html, "no inline script: CSP script-src 'self'"


def test_every_wrapped_string_has_a_korean_translation() -> None:
    translation = gettext.translation("djangojs", localedir=str(LOCALE), languages=["ko"])
    wrapped = {m.group(1).replace("\\'", "'") for path in SCRIPTS for m in WRAPPED.finditer(path.read_text())}
    assert {"What does it do?", "Control plane", "live", "%(count)s node", "healthy"} <= wrapped
    missing = sorted(s for s in wrapped if translation.gettext(s) == s)
    assert not missing, f"add these to {PO.relative_to(ROOT)} and compile: {missing}"
    placeholders = re.compile(r"%\(\w+\)s")
    for msgid in wrapped:  # a translation keeps every placeholder of its source
        assert sorted(placeholders.findall(translation.gettext(msgid))) == sorted(placeholders.findall(msgid)), msgid


def test_the_compiled_js_catalog_matches_its_source(tmp_path: Path) -> None:
    require(shutil.which("msgfmt") is not None, "msgfmt (apt-get install gettext)")
    subprocess.run(["msgfmt", "--check", "-o", str(tmp_path / "djangojs.mo"), str(PO)], check=True)
    assert (tmp_path / "djangojs.mo").read_bytes() == PO.with_suffix(".mo").read_bytes(), "run compilemessages"
