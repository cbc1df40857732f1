"""Kubernetes' probes: ``/livez`` (the process answers) and ``/readyz`` (it can serve the map).

Both are open without a login (the access policy lists them as public) and so say nothing about the clusters:
no names, no counts, no errors' text — only which check failed. Ready means the database answers and, when
the watchers run elsewhere (``CLUSTERVIZ_WATCHER=external``), every cluster's watcher answers: a web pod
without them can only show 503 pages, so it is taken out of its Service until a watcher leads again.
"""

from __future__ import annotations

import asyncio

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache

from dashboard.hub import hub
from dashboard.remote import WatcherUnavailable

WATCHER_TIMEOUT = 2.0
"""Seconds a readiness check waits for a watcher (the kubelet's default probe timeout is 1 s: set it above)."""


def _text(checks: dict[str, bool]) -> HttpResponse:
    body = "".join(f"{name}: {'ok' if ok else 'failing'}\n" for name, ok in checks.items())
    status = 200 if all(checks.values()) else 503
    return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        return False
    finally:
        connection.close()


async def _watcher_answers(name: str) -> bool:
    try:
        await hub.cluster(name).query("counts", timeout=WATCHER_TIMEOUT)
        return True
    except (WatcherUnavailable, TimeoutError):
        return False


async def _watchers_answer() -> bool:
    answers = await asyncio.gather(*(_watcher_answers(name) for name in hub.names()))
    return all(answers)


@never_cache
def livez(request: HttpRequest) -> HttpResponse:
    return _text({"process": True})


@never_cache
async def readyz(request: HttpRequest) -> HttpResponse:
    checks = {"database": await asyncio.to_thread(_database_answers)}
    if hub.external:
        checks["watchers"] = await _watchers_answer()
    return _text(checks)
