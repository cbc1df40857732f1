"""Fixtures shared by every tier."""

from __future__ import annotations

import os

import pytest


def require(condition: bool, what: str) -> None:
    """Skip a test whose prerequisite is missing — except under CI=true, where a missing prerequisite fails."""
    if condition:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"prerequisite missing under CI=true: {what}", pytrace=False)
    pytest.skip(f"prerequisite missing: {what}")
