"""Fixtures shared by every tier."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import pytest


def require(condition: bool, what: str) -> None:
    """Skip a test whose prerequisite is missing — except under CI=true, where a missing prerequisite fails."""
    if condition:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"prerequisite missing under CI=true: {what}", pytrace=False)
    pytest.skip(f"prerequisite missing: {what}")


def wait_until(condition: Callable[[], Any], timeout: float, what: str, every: float = 0.1) -> Any:
    """``condition()``'s first truthy value, polled every ``every`` seconds; fails after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)
