"""Pages and JSON endpoints. Thin: each asks the cluster (its runtime here, or its watcher) for a view."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from django.conf import settings
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseNotModified,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from clusterviz.processes import EXPLANATIONS
from clusterviz.store import pod_format
from dashboard import fake_controls, metrics, panels
from dashboard import wall as wall_pages
from dashboard.access.scope import EVERYTHING, Scope
from dashboard.access.viewers import may
from dashboard.fake_controls import CONTROLS
from dashboard.firststate import first_states
from dashboard.hub import UnknownCluster, hub
from dashboard.remote import QueryRefused, WatcherUnavailable
from dashboard.remote import no_metrics as _no_metrics  # noqa: F401  (its old home)

View = TypeVar("View", bound=Callable[..., Awaitable[HttpResponse]])


async def _query(cluster: str, query: str, **args: Any) -> Any:
    """A named query (dashboard.remote.QUERIES) of the cluster's runtime, here or in the watcher process."""
    try:
        source = hub.cluster(cluster)
    except UnknownCluster:
        raise Http404(f"no cluster named {cluster!r}") from None
    return await source.query(query, **args)


def _needs_watcher(view: View) -> View:
    """External mode: when no watcher answers, say so (503) instead of failing."""

    @functools.wraps(view)
    async def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return await view(request, *args, **kwargs)
        except WatcherUnavailable as error:
            if request.path.startswith("/api/"):
                return JsonResponse({"error": str(error)}, status=503)
            return HttpResponse(str(error), status=503, content_type="text/plain; charset=utf-8")

    return wrapper  # type: ignore[return-value]


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """One cluster: its map. Several: all of them on one screen (the fleet wall), each name leading to its map."""
    clusters = wall_pages.visible_clusters(request)
    if len(clusters) == 1:
        return redirect("cluster-map", cluster=clusters[0])
    return wall_pages.fleet(request, links=True)


@require_GET
@_needs_watcher
async def cluster_map(request: HttpRequest, cluster: str) -> HttpResponse:
    counts = panels.scope_of(request).counts(await _query(cluster, "counts"))
    context = {
        "cluster": cluster,
        "clusters": hub.names(),
        "counts": counts,
        "explanations": EXPLANATIONS,
        "state_url": f"/api/v1/clusters/{cluster}/state?pods=table",
        "ws_path": f"/ws/clusters/{cluster}/?pods=table",
        "panel_base": f"/clusters/{cluster}/",
        "replay_base": f"/replays/{cluster}/",
        "fake_controls": CONTROLS if _shows_controls(request, cluster) else [],
    }
    return render(request, "dashboard/cluster_map.html", context)


def _shows_controls(request: HttpRequest, cluster: str) -> bool:
    """The fake cluster's buttons, for those who may press them (not anonymous visitors, not walls)."""
    return _is_fake(cluster) and settings.CLUSTERVIZ_FAKE_CONTROLS and may(request, "fake-control")


def _is_fake(cluster: str) -> bool:
    return hub.is_fake(cluster)


def _live(cluster: str) -> panels.Source:
    """The live source of a cluster's panels: its runtime's named queries (here, or of its watcher)."""

    async def fetch(kind: str, args: Mapping[str, Any]) -> dict[str, Any] | None:
        result: dict[str, Any] | None = await _query(cluster, kind, **args)
        return result

    return panels.Source(cluster, fetch, f"/clusters/{cluster}/")


@require_GET
@_needs_watcher
async def node_panel(request: HttpRequest, cluster: str, name: str) -> HttpResponse:
    return await panels.render_panel(request, _live(cluster), "node", {"name": name})


@require_GET
@_needs_watcher
async def pod_panel(request: HttpRequest, cluster: str, namespace: str, name: str) -> HttpResponse:
    return await panels.render_panel(request, _live(cluster), "pod", {"namespace": namespace, "name": name})


@require_GET
@_needs_watcher
async def process_panel(request: HttpRequest, cluster: str, name: str) -> HttpResponse:
    args = {"name": name, "node": request.GET.get("node") or None}
    return await panels.render_panel(request, _live(cluster), "process", args)


@require_GET
@_needs_watcher
async def workload_panel(request: HttpRequest, cluster: str, kind: str, namespace: str, name: str) -> HttpResponse:
    args = {"kind": kind, "namespace": namespace, "name": name}
    return await panels.render_panel(request, _live(cluster), "object", args)


@require_GET
@_needs_watcher
async def service_panel(request: HttpRequest, cluster: str, namespace: str, name: str) -> HttpResponse:
    args = {"kind": "Service", "namespace": namespace, "name": name}
    return await panels.render_panel(request, _live(cluster), "object", args)


@require_GET
@_needs_watcher
async def claim_panel(request: HttpRequest, cluster: str, namespace: str, name: str) -> HttpResponse:
    args = {"kind": "PersistentVolumeClaim", "namespace": namespace, "name": name}
    return await panels.render_panel(request, _live(cluster), "object", args)


@require_GET
@_needs_watcher
async def object_list(request: HttpRequest, cluster: str) -> HttpResponse:
    """The list beside the map (an htmx fragment the map fetches again when a delta changes an object)."""
    return await panels.render_object_list(request, _live(cluster))


@require_POST
@_needs_watcher
async def fake_control(request: HttpRequest, cluster: str, action: str) -> HttpResponse:
    """Script the fake cluster (fake clusters only, when the controls are switched on); in external mode the
    watcher's runtime runs the script."""
    if not settings.CLUSTERVIZ_FAKE_CONTROLS:
        raise Http404("fake-cluster controls are switched off")
    try:
        fake = hub.is_fake(cluster)
    except UnknownCluster:
        raise Http404(f"no cluster named {cluster!r}") from None
    if not fake or not any(c.action == action for c in CONTROLS):
        raise Http404(f"no control {action!r} for cluster {cluster!r}")
    try:
        answer = await _query(cluster, "control", action=action, form=request.POST.dict())
    except QueryRefused as error:
        return HttpResponseBadRequest(str(error))
    return fake_controls.render_answer(request, answer)


# --- JSON API ------------------------------------------------------------------------------------------------


@require_GET
def api_clusters(request: HttpRequest) -> JsonResponse:
    clusters = [
        {"name": name, "state": f"/api/v1/clusters/{name}/state", "websocket": f"/ws/clusters/{name}/"}
        for name in hub.names()
    ]
    return JsonResponse({"clusters": clusters})


@require_GET
@_needs_watcher
async def api_health(request: HttpRequest, cluster: str) -> HttpResponse:
    """Watcher health: source state and reason, last event, resourceVersion, relists and errors per resource."""
    try:
        source = hub.cluster(cluster)
    except UnknownCluster:
        return JsonResponse({"error": f"no cluster named {cluster!r}"}, status=404)
    return JsonResponse(await source.query("health"))


@require_GET
async def prometheus_metrics(request: HttpRequest) -> HttpResponse:
    """Every cluster the viewer may see (a token scoped to some clusters gets theirs; to namespaces, none: the
    access policy refuses it, as the totals count every namespace's pods)."""
    visible = [name for name in hub.names() if panels.scope_of(request).sees_cluster(name)]
    if hub.external:  # every cluster whose watcher answers
        healths = []
        for name in visible:
            try:
                healths.append(await hub.cluster(name).query("health"))
            except WatcherUnavailable:
                continue
    else:
        runtimes = [runtime for runtime in hub.runtimes() if runtime.name in visible]
        healths = [await asyncio.to_thread(metrics.health, runtime) for runtime in runtimes]
    return HttpResponse(metrics.prometheus_text(healths), content_type="text/plain; version=0.0.4; charset=utf-8")


@require_GET
@_needs_watcher
async def api_state(request: HttpRequest, cluster: str) -> HttpResponse:
    try:
        source = hub.cluster(cluster)
    except UnknownCluster:
        return JsonResponse({"error": f"no cluster named {cluster!r}"}, status=404)
    try:
        pods = pod_format(request.GET.get("pods"))
    except ValueError as error:
        return JsonResponse({"error": str(error)}, status=400)
    scope = viewer_scope(request)
    state = await first_states.get(source, "json", pods, scope)
    if state.etag in request.headers.get("If-None-Match", "").split(", "):
        response: HttpResponse = HttpResponseNotModified()
    else:  # the shared bytes as the body: HttpResponse keeps a bytes object as it is
        response = HttpResponse(state.data, content_type="application/json")
    response["ETag"] = state.etag
    response.scoped_for = scope  # type: ignore[attr-defined]  # made for this scope: the middleware leaves it
    return response


def viewer_scope(request: HttpRequest) -> Scope:
    viewer = getattr(request, "viewer", None)  # set by dashboard.access.middleware
    return viewer.scope if viewer is not None else EVERYTHING
