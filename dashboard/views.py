"""Pages and JSON endpoints. Thin: each asks the cluster's runtime for a view and renders it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from clusterviz.processes import EXPLANATIONS
from clusterviz.sources import FakeSource
from clusterviz.store import ClusterStore
from dashboard import metrics
from dashboard.fake_controls import CONTROLS
from dashboard.hub import UnknownCluster, hub

T = TypeVar("T")


async def _read(cluster: str, fn: Callable[[ClusterStore], T]) -> T:
    try:
        runtime = await hub.running(cluster)
    except UnknownCluster:
        raise Http404(f"no cluster named {cluster!r}") from None
    return await runtime.aread(fn)


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return redirect("cluster-map", cluster=hub.names()[0])


@require_GET
async def cluster_map(request: HttpRequest, cluster: str) -> HttpResponse:
    counts = await _read(cluster, lambda store: store.counts())
    context = {
        "cluster": cluster,
        "clusters": hub.names(),
        "counts": counts,
        "explanations": EXPLANATIONS,
        "state_url": f"/api/v1/clusters/{cluster}/state",
        "ws_path": f"/ws/clusters/{cluster}/",
        "panel_base": f"/clusters/{cluster}/",
        "fake_controls": CONTROLS if _is_fake(cluster) and settings.CLUSTERVIZ_FAKE_CONTROLS else [],
    }
    return render(request, "dashboard/cluster_map.html", context)


def _is_fake(cluster: str) -> bool:
    return isinstance(hub.runtime(cluster).source, FakeSource)


@require_GET
async def node_panel(request: HttpRequest, cluster: str, name: str) -> HttpResponse:
    def view(store: ClusterStore) -> dict[str, Any] | None:
        node = store.node(name)
        if node is None:
            return None
        return {"node": node, "pods": store.pods_on(name), "no_metrics": _no_metrics(store, "node")}

    context = await _read(cluster, view)
    if context is None:
        return _gone(request, cluster, f"Node {name} is no longer in the cluster.")
    context.update(cluster=cluster, explanations=EXPLANATIONS)
    return render(request, "dashboard/panels/node.html", context)


@require_GET
async def pod_panel(request: HttpRequest, cluster: str, namespace: str, name: str) -> HttpResponse:
    pod, no_metrics = await _read(cluster, lambda store: (store.pod(namespace, name), _no_metrics(store, "pod")))
    if pod is None:
        return _gone(request, cluster, f"Pod {namespace}/{name} is no longer in the cluster.")
    return render(request, "dashboard/panels/pod.html", {"cluster": cluster, "pod": pod, "no_metrics": no_metrics})


def _no_metrics(store: ClusterStore, what: str) -> str:
    """What a panel says instead of measured usage when it has none. Not an error: most clusters (and the
    fake) have no metrics-server."""
    if store.usage_available:
        return f"no metrics for this {what} yet"
    return f"no metrics ({store.usage_reason or 'metrics-server not installed'})"


@require_GET
async def process_panel(request: HttpRequest, cluster: str, name: str) -> HttpResponse:
    node = request.GET.get("node") or None
    process = await _read(cluster, lambda store: store.process(name, node))
    if process is None:
        return _gone(request, cluster, f"No process {name} is known here.")
    context = {
        "cluster": cluster,
        "process": process,
        "explanation": EXPLANATIONS.get(name, EXPLANATIONS["node-agent"]),
    }
    return render(request, "dashboard/panels/process.html", context)


def _gone(request: HttpRequest, cluster: str, message: str) -> HttpResponse:
    return render(request, "dashboard/panels/gone.html", {"cluster": cluster, "message": message}, status=404)


@require_POST
async def fake_control(request: HttpRequest, cluster: str, action: str) -> HttpResponse:
    """Script the fake cluster (fake clusters only, when the controls are switched on)."""
    if not settings.CLUSTERVIZ_FAKE_CONTROLS:
        raise Http404("fake-cluster controls are switched off")
    try:
        runtime = await hub.running(cluster)
    except UnknownCluster:
        raise Http404(f"no cluster named {cluster!r}") from None
    control = next((c for c in CONTROLS if c.action == action), None)
    if control is None or not isinstance(runtime.source, FakeSource):
        raise Http404(f"no control {action!r} for cluster {cluster!r}")
    try:
        script = control.script(request.POST)
    except ValueError as error:
        return HttpResponseBadRequest(str(error))
    runtime.source.script(script)
    return HttpResponse(status=202)


# --- JSON API ------------------------------------------------------------------------------------------------


@require_GET
def api_clusters(request: HttpRequest) -> JsonResponse:
    clusters = [
        {"name": name, "state": f"/api/v1/clusters/{name}/state", "websocket": f"/ws/clusters/{name}/"}
        for name in hub.names()
    ]
    return JsonResponse({"clusters": clusters})


@require_GET
async def api_health(request: HttpRequest, cluster: str) -> JsonResponse:
    """Watcher health: source state and reason, last event, resourceVersion, relists and errors per resource."""
    try:
        runtime = await hub.running(cluster)
    except UnknownCluster:
        return JsonResponse({"error": f"no cluster named {cluster!r}"}, status=404)
    return JsonResponse(await asyncio.to_thread(metrics.health, runtime))


@require_GET
async def prometheus_metrics(request: HttpRequest) -> HttpResponse:
    healths = [await asyncio.to_thread(metrics.health, runtime) for runtime in hub.runtimes()]
    return HttpResponse(metrics.prometheus_text(healths), content_type="text/plain; version=0.0.4; charset=utf-8")


@require_GET
async def api_state(request: HttpRequest, cluster: str) -> HttpResponse:
    try:
        runtime = await hub.running(cluster)
    except UnknownCluster:
        return JsonResponse({"error": f"no cluster named {cluster!r}"}, status=404)
    return HttpResponse(await runtime.astate_json(), content_type="application/json")
