"""The process's memory (dashboard/memory.py): the malloc setting that gives freed state buffers back to the
system, and the freezer that keeps long-lived objects out of the cyclic collector's walks."""

from __future__ import annotations

import gc
import platform
import weakref
from collections.abc import Iterator
from typing import Any

import pytest

from dashboard import memory
from dashboard.memory import Freezer, fix_mmap_threshold
from tests.conftest import wait_until


def test_the_threshold_is_fixed_on_glibc_unless_the_environment_sets_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    assert fix_mmap_threshold() is (platform.libc_ver()[0] == "glibc")
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "4194304")
    assert fix_mmap_threshold() is False, "an operator's own setting wins"


class Linked:
    """An object that can refer to itself: a reference cycle, which only the cyclic collector frees."""

    me: object = None


@pytest.fixture
def thawed() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # the test run's objects stay collectable


def test_a_freeze_takes_what_lives_out_of_the_collector_and_a_thaw_frees_the_cycles_that_died_frozen(
    thawed: None,
) -> None:
    clock = [0.0]
    freezer = Freezer(every=0, thaw_every=100, clock=lambda: clock[0])
    cycle = Linked()
    cycle.me = cycle
    dead = weakref.ref(cycle)
    freezer.freeze()
    assert gc.get_freeze_count() > 0
    del cycle
    gc.collect()
    assert dead() is not None, "no collection walks the frozen objects"
    clock[0] = 99
    freezer.freeze()
    assert dead() is not None, "within thaw_every nothing is thawed"
    clock[0] = 100
    freezer.freeze()
    assert dead() is None, "the thaw let the collection free it"
    assert gc.get_freeze_count() > 0, "and what lives is frozen again"


def test_after_its_first_freeze_the_freezer_freezes_again_every_few_seconds(thawed: None) -> None:
    freezer = Freezer(every=0.05, thaw_every=10**9)
    try:
        freezer.freeze()
        gc.unfreeze()
        wait_until(lambda: gc.get_freeze_count() > 0, 10, "the freezer's thread to freeze again")
    finally:
        freezer.stop()


def test_a_runtime_s_full_list_freezes_unless_turned_off(thawed: None, settings: Any) -> None:
    settings.CLUSTERVIZ_GC_FREEZE_SECONDS = 0
    memory.freeze_long_lived()
    assert gc.get_freeze_count() == 0
    settings.CLUSTERVIZ_GC_FREEZE_SECONDS = 3600
    memory.freeze_long_lived()
    assert gc.get_freeze_count() > 0
    assert memory._freezer is not None
    memory._freezer.stop()
    memory._freezer = None
