"""Ages as kubectl prints them ("2m30s", "3h", "5d2h"), and the RESTARTS column ("3 (2m ago)").

The rules are those of ``HumanDuration`` in k8s.io/apimachinery/pkg/util/duration (what ``kubectl get``
uses for AGE and for the age of the last restart): about two or three significant figures, whole units
truncated, and a clock up to a second behind the object's forgiven as "0s".
"""

from __future__ import annotations

import math

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR
YEAR = 365 * DAY


def _two(big: int, big_unit: str, small: int, small_unit: str) -> str:
    """``5d2h``, or ``5d`` when the smaller unit is zero."""
    return f"{big}{big_unit}{small}{small_unit}" if small else f"{big}{big_unit}"


def human_duration(seconds: float) -> str:
    """A duration as kubectl's HumanDuration writes it; ``<invalid>`` for one more than a second negative."""
    whole = math.trunc(seconds)  # Go's int(d.Seconds()) truncates toward zero
    if whole < -1:
        return "<invalid>"
    if whole < 0:
        return "0s"
    if whole < 2 * MINUTE:
        return f"{whole}s"
    return _minutes_and_up(whole)


def _minutes_and_up(whole: int) -> str:
    minutes, hours = whole // MINUTE, whole // HOUR
    if minutes < 10:
        return _two(minutes, "m", whole % MINUTE, "s")
    if minutes < 3 * 60:
        return f"{minutes}m"
    if hours < 8:
        return _two(hours, "h", minutes % 60, "m")
    if hours < 48:
        return f"{hours}h"
    return _days_and_up(hours)


def _days_and_up(hours: int) -> str:
    days = hours // 24
    if hours < 24 * 8:
        return _two(days, "d", hours % 24, "h")
    if hours < 24 * 365 * 2:
        return f"{days}d"
    if hours < 24 * 365 * 8:
        return _two(days // 365, "y", days % 365, "d")
    return f"{days // 365}y"


def restarts_text(restarts: int, last_restart_at: float | None, now: float) -> str:
    """The RESTARTS column of ``kubectl get pods``: ``3 (2m ago)``, or just ``0`` / ``3`` when no restart time
    is known (kubectl takes it from the containers' last termination)."""
    if restarts == 0 or last_restart_at is None:
        return str(restarts)
    return f"{restarts} ({human_duration(now - last_restart_at)} ago)"
