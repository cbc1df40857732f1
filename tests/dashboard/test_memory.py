"""The process-wide malloc setting that gives freed state buffers back to the system (dashboard/memory.py)."""

from __future__ import annotations

import platform

import pytest

from dashboard.memory import fix_mmap_threshold


def test_the_threshold_is_fixed_on_glibc_unless_the_environment_sets_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    assert fix_mmap_threshold() is (platform.libc_ver()[0] == "glibc")
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "4194304")
    assert fix_mmap_threshold() is False, "an operator's own setting wins"
