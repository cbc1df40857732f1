"""The wall: a kiosk view, configured entirely by its address (a TV is set by its bookmark).

    /wall/<cluster>/?rotate=clusters|namespaces|groups&every=30&group=<label>&ns=<namespace>&animate=0
    /wall/?animate=0      every cluster the viewer may see, on one screen (the fleet)

Access is decided by the access middleware like everywhere else; a wall usually carries a display token.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from dashboard.access.policy import Viewer
from dashboard.access.refusals import refusal_page
from dashboard.access.scope import EVERYTHING
from dashboard.hub import hub

ROTATIONS = ("", "clusters", "namespaces", "groups")
MIN_EVERY, MAX_EVERY = 5, 3600
LABEL_KEY = re.compile(r"^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


@dataclass(frozen=True)
class WallConfig:
    rotate: str = ""
    every: int = 30
    group: str = ""
    ns: str = ""
    animate: bool = True


def parse_config(query: QueryDict) -> WallConfig:
    """The wall's settings from its address; raises ValueError with a message fit for the person setting it."""
    rotate = query.get("rotate", "")
    if rotate not in ROTATIONS:
        raise ValueError(f"rotate must be one of clusters, namespaces, groups (got {rotate[:40]!r})")
    every = _every(query.get("every", "30"))
    group = query.get("group", "")
    if group and not LABEL_KEY.match(group):
        raise ValueError(f"group must be a label key such as topology.kubernetes.io/zone (got {group[:80]!r})")
    ns = query.get("ns", "")
    if ns and not NAMESPACE.match(ns):
        raise ValueError(f"ns must be a namespace name (got {ns[:80]!r})")
    animate = query.get("animate", "1")
    if animate not in ("0", "1"):
        raise ValueError("animate must be 0 or 1")
    return WallConfig(rotate, every, group, ns, animate == "1")


def _every(value: str) -> int:
    try:
        every = int(value)
    except ValueError:
        raise ValueError(f"every must be a whole number of seconds (got {value[:20]!r})") from None
    if not MIN_EVERY <= every <= MAX_EVERY:
        raise ValueError(f"every must be between {MIN_EVERY} and {MAX_EVERY} seconds")
    return every


def labels() -> dict[str, str]:
    """The words wall.js writes, in the viewer's language."""
    return {
        "live": _("live"),
        "connecting": _("connecting…"),
        "stale": _("stale"),
        "lastUpdate": _("last update %(time)s"),
        "noUpdate": _("no update since %(time)s"),
        "notReady": _("Node %(name)s NotReady"),
        "failing": _("%(count)s failing in %(ns)s"),
        "unhealthy": _("%(name)s %(health)s"),
        "unscheduled": _("%(count)s pods wait for a node"),
        "allGood": _("Nothing is wrong right now"),
        "unknownStale": _("What is wrong right now is unknown: this picture is not live"),
        "unknownConnecting": _("What is wrong is unknown: the cluster was not reached yet"),
        "notConnected": _("not connected yet"),
        "notConnectedHead": _("NOT CONNECTED YET"),
        "staleHead": _("STALE"),
        "error": _("error"),
        "errorHead": _("ERROR"),
        "sourceError": _("the cluster's source reports an error"),
        "notReporting": _("Node %(name)s not reporting since %(time)s"),
        "notReportingNoTime": _("Node %(name)s not reporting"),
        "namespace": _("namespace %(name)s"),
        "group": _("%(key)s = %(value)s"),
        "nodes": _("%(count)s nodes"),
        "more": _("and %(count)s more"),
        "agentUnhealthy": _("%(node)s: %(name)s %(health)s"),
        "failingPod": _("%(pod)s %(status)s on %(node)s"),
        "silentShort": _("not reporting"),
        "notReadyShort": _("NotReady"),
        "controlPlaneShort": _("control plane"),
        "notReadyCount": _("%(count)s NotReady"),
        "leader": _("leader %(name)s"),
        "noControlPlane": _("control plane not visible"),
        "cpHealthy": _("control plane healthy"),
        "fleetSummary": _("%(live)s of %(count)s clusters live"),
        "lastSeen": _("as last seen: %(what)s"),
    }


def _viewer(request: HttpRequest) -> Viewer | None:
    return getattr(request, "viewer", None)


def visible_clusters(request: HttpRequest) -> list[str]:
    viewer = _viewer(request)
    scope = viewer.scope if viewer is not None else EVERYTHING
    return [name for name in hub.names() if scope.sees_cluster(name)]


def _bad_address(request: HttpRequest, error: ValueError) -> HttpResponse:
    return refusal_page(request, 400, "address", detail=_("Wall address: %(error)s") % {"error": error})


def _stream(cluster: str) -> dict[str, str]:
    return {
        "name": cluster,
        "stateUrl": f"/api/v1/clusters/{cluster}/state?pods=table",
        "wsPath": f"/ws/clusters/{cluster}/?pods=table",
        "mapUrl": f"/clusters/{cluster}/",
    }


def fleet(request: HttpRequest, *, links: bool) -> HttpResponse:
    """Every cluster the viewer may see on one screen: counts, health, staleness and nodes of each.

    ``links``: the cluster names lead to their maps (the index, for people); the kiosk at /wall/ has none."""
    clusters = visible_clusters(request)
    if not clusters:
        raise Http404("no cluster")
    try:
        config = parse_config(request.GET)
    except ValueError as error:
        return _bad_address(request, error)
    streams = [_stream(name) for name in clusters]
    context = {
        "streams": streams,
        "links": links,
        "animate": config.animate,
        "config": {**asdict(config), "fleet": streams},
        "labels": labels(),
    }
    return render(request, "wall/fleet.html", context)


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """/wall/: the fleet as a kiosk (no links), for a team's one bookmark."""
    return fleet(request, links=False)


@require_GET
def wall(request: HttpRequest, cluster: str) -> HttpResponse:
    clusters = visible_clusters(request)
    if cluster not in clusters:
        raise Http404(f"no cluster named {cluster!r}")
    try:
        config = parse_config(request.GET)
    except ValueError as error:
        return _bad_address(request, error)
    viewer = _viewer(request)
    namespaces = sorted(viewer.scope.namespaces or []) if viewer is not None else []
    context = {
        "cluster": cluster,
        "config": {**asdict(config), "cluster": cluster, "clusters": clusters, "namespaces": namespaces},
        "state_url": f"/api/v1/clusters/{cluster}/state?pods=table",
        "ws_path": f"/ws/clusters/{cluster}/?pods=table",
        "animate": config.animate,
        "labels": labels(),
    }
    return render(request, "wall/wall.html", context)
