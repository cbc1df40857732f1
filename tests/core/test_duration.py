"""Ages and restart counts as kubectl prints them (HumanDuration of k8s.io/apimachinery), at every boundary."""

from __future__ import annotations

import pytest

from clusterviz.duration import DAY, HOUR, MINUTE, YEAR, human_duration, restarts_text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-2.0, "<invalid>"),  # more than a second in the future: a clock is wrong
        (-1.9, "0s"),  # up to a second of skew is "now"
        (-0.5, "0s"),
        (0.0, "0s"),
        (0.9, "0s"),
        (1.0, "1s"),
        (59.0, "59s"),
        (119.9, "119s"),  # seconds up to two minutes
        (120.0, "2m"),
        (2 * MINUTE + 30, "2m30s"),
        (9 * MINUTE + 59, "9m59s"),
        (10 * MINUTE, "10m"),
        (10 * MINUTE + 59, "10m"),  # from ten minutes on, seconds are dropped
        (3 * HOUR - 1, "179m"),  # minutes up to three hours
        (3 * HOUR, "3h"),
        (3 * HOUR + 5 * MINUTE, "3h5m"),
        (8 * HOUR - 1, "7h59m"),
        (8 * HOUR, "8h"),
        (8 * HOUR + 59 * MINUTE, "8h"),
        (48 * HOUR - 1, "47h"),  # hours up to two days
        (48 * HOUR, "2d"),
        (2 * DAY + 3 * HOUR, "2d3h"),
        (8 * DAY - 1, "7d23h"),
        (8 * DAY, "8d"),
        (2 * YEAR - 1, "729d"),
        (2 * YEAR, "2y"),
        (2 * YEAR + 10 * DAY, "2y10d"),
        (8 * YEAR - 1, "7y364d"),
        (8 * YEAR, "8y"),
        (20 * YEAR + 100 * DAY, "20y"),
    ],
)
def test_human_duration_follows_kubectls_rules(seconds: float, text: str) -> None:
    assert human_duration(seconds) == text


def test_restarts_with_the_age_of_the_last_one() -> None:
    assert restarts_text(3, 1000.0, 1000.0 + 2 * MINUTE) == "3 (2m ago)"
    assert restarts_text(1, 1000.0, 1005.0) == "1 (5s ago)"


def test_restarts_without_a_time_or_without_restarts_are_the_bare_count() -> None:
    assert restarts_text(0, 1000.0, 2000.0) == "0"
    assert restarts_text(4, None, 2000.0) == "4"
