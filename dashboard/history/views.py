"""History pages and endpoints: rebuilt moments, timeline, chart series, diff, export and import.

Database work and rebuilding run in worker threads (``sync_to_async(thread_sensitive=False)``), never on the
event loop and never in the one thread Django gives sync views, so a slow rebuild does not hold up the map.
Cluster text reaches templates as data and is autoescaped there; nothing here marks it safe.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import orjson
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clusterviz import export
from clusterviz.export import SnapshotError
from clusterviz.history import (
    STATUS_CLASSES,
    Series,
    diff,
    diff_size,
    format_moment,
    map_delta,
    map_state,
    parse_moment,
    series,
)
from clusterviz.wire import ClusterState
from dashboard import panels
from dashboard.history.replay import answer, cached_state, replayed_state
from dashboard.history.store import HistoryConfig, HistoryError, HistoryStore, ImportRefused, stored_snapshot
from dashboard.hub import UnknownCluster

T = TypeVar("T")
GZIP_ABOVE = 8 * 1024 * 1024
"""Exports bigger than this download as .json.gz."""
DEFAULT_WINDOW = 3600.0
MAX_POINTS = 2000
CHART_W = 720
"""The timeline strip's drawing width (its SVG stretches to the page)."""


def _hub() -> Any:
    from dashboard import hub as hub_module  # the hub in use now (tests swap it)

    return hub_module.hub


async def in_thread(fn: Callable[..., T], *args: Any) -> T:
    """Run database work in a worker thread and release its connection afterwards."""

    def work() -> T:
        try:
            return fn(*args)
        finally:
            close_old_connections()

    return await sync_to_async(work, thread_sensitive=False)()


def _error(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


class BadQuery(ValueError):
    pass


def _moment(request: HttpRequest, key: str) -> float | None:
    text = request.GET.get(key, "").strip()
    if not text:
        return None
    try:
        return parse_moment(text)
    except ValueError as error:
        raise BadQuery(f"{key}: {error}") from None


def _json(data: Any) -> HttpResponse:
    return HttpResponse(orjson.dumps(data), content_type="application/json")


# -- reading the store (worker threads) ------------------------------------------------------------------------


def _range(cluster: str) -> dict[str, Any]:
    store = HistoryStore()
    imported = store.imported(cluster)
    if imported is not None:
        return {"cluster": cluster, "from": imported[0].at, "to": imported[0].at, "imported": True}
    bounds = store.bounds(cluster)
    lo, hi = bounds if bounds else (None, None)
    return {"cluster": cluster, "from": lo, "to": hi, "imported": False}


Bounds = tuple[float, float] | None


async def _requested_window(request: HttpRequest, cluster: str) -> tuple[Bounds, float, float]:
    """The recorded bounds and the window ``?from=&to=`` asks for (default: the last hour recorded); raises
    BadQuery for an unreadable moment or a window that ends before it starts."""
    bounds = await in_thread(HistoryStore().bounds, cluster)
    return (bounds, *_window(request, bounds))


def _window(request: HttpRequest, bounds: Bounds) -> tuple[float, float]:
    """``?from=&to=``; what is missing defaults to the last hour recorded, in whole seconds (as the forms show
    them) rounded up: a start rounded below the first checkpoint could not be compared, an end rounded below
    the last recorded moment would leave out what changed last."""
    end = _moment(request, "to")
    start = _moment(request, "from")
    if end is None:
        end = float(math.ceil(bounds[1] if bounds else time.time()))
    if start is None:
        earliest = math.ceil(bounds[0]) if bounds else end - DEFAULT_WINDOW
        start = float(max(end - DEFAULT_WINDOW, earliest))
        end = max(end, start)
    if end < start:
        raise BadQuery("to is before from")
    return start, end


# -- JSON API --------------------------------------------------------------------------------------------------


@require_GET
async def api_state(request: HttpRequest, cluster: str) -> HttpResponse:
    """The cluster as it was at ``?at=`` (epoch seconds or ISO 8601; default: the latest recorded moment)."""
    try:
        at = _moment(request, "at")
    except BadQuery as error:
        return _error(str(error))
    state = await in_thread(replayed_state, cluster, at)
    if state is None:
        return _error(f"no stored history of {cluster!r} at that moment", 404)
    return _json(map_state(state))


@require_GET
async def api_deltas(request: HttpRequest, cluster: str) -> HttpResponse:
    """For replay: the deltas after ``seq`` up to ``to`` when they continue segment ``checkpoint``; otherwise
    ``{"resync": true}`` (fetch the state at ``to`` instead)."""
    try:
        to = _moment(request, "to")
        checkpoint, seq = int(request.GET["checkpoint"]), int(request.GET["seq"])
    except (BadQuery, KeyError, ValueError):
        return _error("checkpoint and seq (integers) and to (a moment) are required")
    if to is None:
        return _error("to is required")
    deltas = await in_thread(HistoryStore().deltas_between, cluster, checkpoint, seq, to)
    if deltas is None:
        return _json({"resync": True})
    return _json({"deltas": [map_delta(d) for d in deltas], "to": to})


@require_GET
async def api_range(request: HttpRequest, cluster: str) -> HttpResponse:
    return _json(await in_thread(_range, cluster))


@require_GET
async def api_timeline(request: HttpRequest, cluster: str) -> HttpResponse:
    try:
        _, start, end = await _requested_window(request, cluster)
    except BadQuery as error:
        return _error(str(error))
    events = await in_thread(HistoryStore().events, cluster, start, end)
    return _json({"cluster": cluster, "from": start, "to": end, "events": events})


def _series(cluster: str, start: float, end: float, step: float) -> Series:
    return series(HistoryStore().samples(cluster, start, end), start, end, step)


@require_GET
async def api_series(request: HttpRequest, cluster: str) -> HttpResponse:
    try:
        _, start, end = await _requested_window(request, cluster)
        step = float(request.GET.get("step") or max((end - start) / 240, 1.0))
    except (BadQuery, ValueError) as error:
        return _error(str(error))
    if step <= 0 or (end - start) / step > MAX_POINTS:
        return _error(f"step must be positive and give at most {MAX_POINTS} points")
    return _json({"cluster": cluster, "step": step, **await in_thread(_series, cluster, start, end, step)})


# -- export ----------------------------------------------------------------------------------------------------


async def _live_document(cluster: str) -> export.Snapshot | None:
    try:
        runtime = await _hub().running(cluster)
    except UnknownCluster:
        return None
    state: ClusterState = orjson.loads(await runtime.astate_json("full"))  # the pods with their containers
    return export.document(state, exported_at=time.time())


def _filename(cluster: str, at: float) -> str:
    return f"{cluster}-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(at))}.json"


@require_GET
async def export_snapshot(request: HttpRequest, cluster: str) -> HttpResponse:
    """Download a moment (``?at=``; default: the live state, or an imported snapshot) as a snapshot file."""
    try:
        at = _moment(request, "at")
    except BadQuery as error:
        return _error(str(error))
    live = await _live_document(cluster) if at is None else None
    if live is not None:
        doc = live
    else:
        try:
            doc = await in_thread(stored_snapshot, HistoryStore(), cluster, at, time.time())
        except HistoryError as error:
            return _error(str(error), 404)
    data = await in_thread(export.dumps, doc)
    name = _filename(cluster, doc["at"])
    if len(data) > GZIP_ABOVE or request.GET.get("gzip") == "1":
        data, name = await in_thread(export.compress, data), name + ".gz"
        response = HttpResponse(data, content_type="application/gzip")
        response["Content-Encoding"] = "identity"  # already compressed: keep GZipMiddleware off it
    else:
        response = HttpResponse(data, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# -- pages -----------------------------------------------------------------------------------------------------


SERIES_LABELS = {
    "running": _lazy("Running"),
    "pending": _lazy("Pending"),
    "succeeded": _lazy("Succeeded"),
    "failed": _lazy("Failed"),
    "terminating": _lazy("Terminating"),
    "unknown": _lazy("Unknown"),
    "nodes": _lazy("Nodes"),
    "ready": _lazy("Ready"),
    "restarts": _lazy("Restarts"),
    "cpu": _lazy("CPU requested"),
    "memory": _lazy("Memory requested"),
    "cpu-used": _lazy("CPU used"),
    "memory-used": _lazy("Memory used"),
}
"""What each chart series is called on the page (the charts' legends and the values under the pointer)."""


def _last(values: list[int | None]) -> int | None:
    return next((v for v in reversed(values) if v is not None), None)


def _chart(lines: dict[str, list[int | None]], unit: Any, suffix: str = "") -> dict[str, Any]:
    """One chart's series for charts.js (uPlot draws them against the page's shared time axis ``t``): ``unit``
    names the value axis, ``suffix`` follows each value written out."""
    return {
        "unit": unit,
        "suffix": suffix,
        "lines": [
            {"name": name, "label": SERIES_LABELS.get(name, name), "values": vs, "last": _last(vs)}
            for name, vs in lines.items()
        ],
    }


def _node_charts(s: Series, limit: int = 12) -> list[dict[str, Any]]:
    """Requested (and, where metrics exist, used) CPU and memory as a share of allocatable, for the nodes with
    the highest peaks."""

    def share(req: list[int | None], alloc: list[int | None]) -> list[int | None]:
        return [None if r is None or not a else round(100 * r / a) for r, a in zip(req, alloc, strict=True)]

    rows = []
    for name, d in s["perNode"].items():
        cpu = share(d["cpuRequested"], d["cpuAllocatable"])
        mem = share(d["memoryRequested"], d["memoryAllocatable"])
        used = {
            "cpu-used": share(d["cpuUsed"], d["cpuAllocatable"]),
            "memory-used": share(d["memoryUsed"], d["memoryAllocatable"]),
        }
        measured = {k: v for k, v in used.items() if any(x is not None for x in v)}
        peak = max([v for v in cpu + mem if v is not None], default=0)
        rows.append((peak, name, {"cpu": cpu, "memory": mem, **measured}))
    rows.sort(key=lambda r: (-r[0], r[1]))
    return [
        {
            "id": f"node/{name}",
            "html_id": f"chart-node-{i}",
            "name": name,
            "peak": peak,
            "chart": _chart(lines, "%", " %"),
        }
        for i, (peak, name, lines) in enumerate(rows[:limit])
    ]


def _timeline_marks(
    events: Sequence[Mapping[str, Any]], start: float, end: float, first: float
) -> list[dict[str, Any]]:
    """Each event placed on the strip, with the moment a minute before it (never before ``first``, the first
    recorded moment) for its "what changed" link."""
    span = (end - start) or 1.0
    return [
        {
            **e,
            "x": round((e["at"] - start) / span * CHART_W, 1),
            "when": format_moment(e["at"]),
            "before": max(e["at"] - 60, first),
        }
        for e in events
    ]


def _charts(s: Series) -> dict[str, Any]:
    """The page's charts, and all their data in one object for charts.js (a ``json_script`` block)."""
    charts = {
        "pods": _chart({c: s["pods"][c] for c in STATUS_CLASSES}, _lazy("pods")),
        "nodes": _chart({"nodes": s["nodes"], "ready": s["nodesReady"]}, _lazy("nodes")),
        "restarts": _chart({"restarts": s["restarts"]}, _lazy("restarts")),
    }
    nodes = _node_charts(s)
    data = {"t": s["t"], "charts": {**charts, **{n["id"]: n["chart"] for n in nodes}}}
    return {**{f"{k}_chart": v for k, v in charts.items()}, "node_charts": nodes, "chart_data": data}


def _history_context(cluster: str, start: float, end: float, first: float) -> dict[str, Any]:
    store = HistoryStore()
    step = max((end - start) / 240, 1.0)
    s = series(store.samples(cluster, start, end), start, end, step)
    events = store.events(cluster, start, end, limit=500)
    return {
        "events": _timeline_marks(events, start, end, first),
        **_charts(s),
        "usage_mb": round(store.usage() / 1024 / 1024, 1),
    }


@require_GET
async def history_page(request: HttpRequest, cluster: str) -> HttpResponse:
    try:
        bounds, start, end = await _requested_window(request, cluster)
    except BadQuery as error:
        return HttpResponseBadRequest(str(error))
    if bounds is None and cluster not in _hub().names():
        raise Http404(f"no cluster named {cluster!r}")
    context: dict[str, Any] = {
        "cluster": cluster,
        "bounds": bounds,
        "start": start,
        "end": end,
        "start_text": format_moment(start),
        "end_text": format_moment(end),
        "bounds_text": (format_moment(bounds[0]), format_moment(bounds[1])) if bounds else None,
        "live": cluster in _hub().names(),
        "chart_w": CHART_W,
        "windows": [
            (label, bounds[1] - seconds, bounds[1])
            for label, seconds in (("15 min", 900), ("1 h", 3600), ("6 h", 6 * 3600), ("24 h", 86400))
        ]
        if bounds
        else [],
    }
    if bounds is not None:
        context.update(await in_thread(_history_context, cluster, start, end, bounds[0]))
    return render(request, "dashboard/history/history.html", context)


def _diff_context(cluster: str, a: float, b: float) -> dict[str, Any]:
    store = HistoryStore()
    first, second = store.state_at(cluster, a).state, store.state_at(cluster, b).state
    d = diff(first, second)
    return {"diff": d, "total": diff_size(d)}


@require_GET
async def diff_page(request: HttpRequest, cluster: str) -> HttpResponse:
    """What changed between two moments (``from``, ``to``); the body alone for htmx requests."""
    try:
        a, b = _moment(request, "from"), _moment(request, "to")
    except BadQuery as error:
        return HttpResponseBadRequest(str(error))
    context: dict[str, Any] = {"cluster": cluster, "from": a, "to": b, "error": ""}
    if a is None or b is None:
        context["error"] = _("Choose two moments to compare.")
    else:
        context.update(from_text=format_moment(a), to_text=format_moment(b))
        try:
            context.update(await in_thread(_diff_context, cluster, a, b))
        except HistoryError as error:
            context["error"] = _("Cannot compare: %(reason)s.") % {"reason": error}
    template = "dashboard/history/_diff.html" if getattr(request, "htmx", False) else "dashboard/history/diff.html"
    return render(request, template, context, status=200 if not context["error"] or a is None else 404)


# -- import ----------------------------------------------------------------------------------------------------


def _import(data: bytes, name: str, filename: str) -> str:
    row = HistoryStore().import_snapshot(
        data,
        name=name or None,
        filename=filename,
        max_bytes=HistoryConfig.from_settings().import_max_bytes,
        taken=_hub().names(),
    )
    return str(row.name)


def _imports() -> list[dict[str, Any]]:
    return [{**r, "when": format_moment(r["at"])} for r in HistoryStore().imports()]


@require_http_methods(["GET", "POST"])
async def import_page(request: HttpRequest) -> HttpResponse:
    """Upload a snapshot file; it becomes a read-only replay cluster (``/replays/<name>/``)."""
    error = ""
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        limit = HistoryConfig.from_settings().import_max_bytes
        if upload is None:
            error, status = _("Choose a snapshot file to upload."), 400
        elif upload.size is not None and upload.size > limit:
            error, status = _("The file is larger than the limit of %(mb)s MB.") % {"mb": limit // (1024 * 1024)}, 400
        else:
            try:
                name = await in_thread(_import, upload.read(), request.POST.get("name", "").strip(), upload.name or "")
            except (SnapshotError, ImportRefused) as problem:
                error, status = _("Nothing was imported: %(reason)s.") % {"reason": problem}, 400
            else:
                return redirect("replay-map", cluster=name)
    config = HistoryConfig.from_settings()
    context = {
        "error": error,
        "imports": await in_thread(_imports),
        "clusters": _hub().names(),
        "limit_mb": config.import_max_bytes // (1024 * 1024),
        "keep_days": f"{settings.CLUSTERVIZ_IMPORT_KEEP_DAYS:g}",
    }
    return render(request, "dashboard/history/import.html", context, status=status)


@require_POST
async def import_delete(request: HttpRequest, name: str) -> HttpResponse:
    """Staff delete an imported snapshot (the access policy lets no one else here)."""
    if not await in_thread(HistoryStore().delete_import, name):
        raise Http404(f"no imported snapshot named {name!r}")
    return redirect("history-import")


@require_GET
async def replay_map(request: HttpRequest, cluster: str) -> HttpResponse:
    """The map of an imported snapshot: the live map's page, fed from the stored state, with no websocket."""
    state = await in_thread(replayed_state, cluster, None)
    if state is None or not state["history"]["imported"]:
        raise Http404(f"no imported snapshot named {cluster!r}")
    from clusterviz.processes import EXPLANATIONS

    context = {
        "cluster": cluster,
        "clusters": [cluster],
        "counts": {"nodes": len(state["nodes"]), "pods": len(state["pods"])},
        "explanations": EXPLANATIONS,
        "state_url": reverse("history-state", args=[cluster]),
        "ws_path": "",
        "panel_base": f"/replays/{cluster}/",
        "replay_base": f"/replays/{cluster}/",
        "fake_controls": [],
        "replay_imported": True,
        "replay_at": state["history"]["at"],
        "replay_at_text": format_moment(state["history"]["at"]),
    }
    return render(request, "dashboard/cluster_map.html", context)


async def _replay_panel(request: HttpRequest, cluster: str, kind: str, args: dict[str, Any]) -> HttpResponse:
    """A panel at the replayed moment (``?at=``; an imported snapshot has one moment), through the same code
    as the live panels (dashboard.panels), fed by the rebuilt state instead of the runtime."""
    try:
        at = _moment(request, "at")
    except BadQuery as error:
        return HttpResponseBadRequest(str(error))
    state = await in_thread(cached_state, cluster, at)
    if state is None:
        message = _("Nothing is recorded of %(cluster)s at %(moment)s.") % {
            "cluster": cluster,
            "moment": format_moment(at) if at is not None else _("any moment"),
        }
        context = {"cluster": cluster, "message": message, "url": request.get_full_path(), "follow": ""}
        return render(request, "dashboard/panels/gone.html", context, status=404)

    async def fetch(what: str, query: Mapping[str, Any]) -> dict[str, Any] | None:
        return answer(state, what, query)

    source = panels.Source(cluster, fetch, f"/replays/{cluster}/", at=state["history"]["at"])
    return await panels.render_panel(request, source, kind, args)


@require_GET
async def replay_node_panel(request: HttpRequest, cluster: str, name: str) -> HttpResponse:
    return await _replay_panel(request, cluster, "node", {"name": name})


@require_GET
async def replay_pod_panel(request: HttpRequest, cluster: str, namespace: str, name: str) -> HttpResponse:
    return await _replay_panel(request, cluster, "pod", {"namespace": namespace, "name": name})


@require_GET
async def replay_process_panel(request: HttpRequest, cluster: str, name: str) -> HttpResponse:
    return await _replay_panel(request, cluster, "process", {"name": name, "node": request.GET.get("node") or None})


@require_GET
async def replay_workload_panel(
    request: HttpRequest, cluster: str, kind: str, namespace: str, name: str
) -> HttpResponse:
    return await _replay_panel(request, cluster, "object", {"kind": kind, "namespace": namespace, "name": name})


@require_GET
async def replay_service_panel(request: HttpRequest, cluster: str, namespace: str, name: str) -> HttpResponse:
    return await _replay_panel(request, cluster, "object", {"kind": "Service", "namespace": namespace, "name": name})


@require_GET
async def replay_claim_panel(request: HttpRequest, cluster: str, namespace: str, name: str) -> HttpResponse:
    args = {"kind": "PersistentVolumeClaim", "namespace": namespace, "name": name}
    return await _replay_panel(request, cluster, "object", args)
