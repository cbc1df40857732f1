"""The browser libraries npm installs (package-lock.json, `npm ci`) are static files Django serves."""

from __future__ import annotations

import json
from pathlib import Path

from django.contrib.staticfiles import finders

from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]


def test_uplot_is_served_from_node_modules_at_the_locked_version() -> None:
    installed = ROOT / "node_modules" / "uplot" / "package.json"
    require(installed.exists(), "node_modules/uplot (npm ci)")
    locked = json.loads((ROOT / "package-lock.json").read_text())["packages"]["node_modules/uplot"]["version"]
    assert json.loads(installed.read_text())["version"] == locked
    found = finders.find("uplot/uPlot.iife.min.js")
    assert found is not None and Path(found).is_relative_to(ROOT / "node_modules" / "uplot" / "dist")
    assert finders.find("uplot/uPlot.min.css") is not None
