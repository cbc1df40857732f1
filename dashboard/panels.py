"""The node, pod and process panels: one code path, fed by a live runtime query or by a replayed state.

A *source* answers ``(kind, args)`` with the same plain data whichever it is: the runtime's query
(:mod:`dashboard.remote`, here or in the watcher) for the live map, or a rebuilt history state
(:mod:`dashboard.history.replay`) for a replay. Everything a person reads in a panel is derived here, from
that data alone: the ages ("2m ago") count from the moment the data describes, not from the wall clock, so a
replayed panel shows the replayed moment. Panels carry ``data-follow`` (what the map's stream client
watches for changes) and ``data-url`` (where it fetches the panel again).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from clusterviz.duration import human_duration
from clusterviz.history import format_moment
from clusterviz.processes import EXPLANATIONS
from dashboard.access.scope import EVERYTHING, Scope

Data = dict[str, Any]
Fetch = Callable[[str, Mapping[str, Any]], Awaitable[Data | None]]
PRESSURES = ("MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable")


@dataclass(frozen=True)
class Source:
    """Where a panel's data comes from: ``fetch`` answers (kind, args); ``base`` and ``query`` make the panel
    URLs of this source (``/clusters/c/`` live, ``/replays/c/`` with ``?at=`` in a replay)."""

    cluster: str
    fetch: Fetch
    base: str
    at: float | None = None  # the replayed moment; None: live

    @property
    def replay(self) -> bool:
        return self.at is not None

    def url(self, path: str, **params: str) -> str:
        query = {**params, **({"at": repr(self.at)} if self.at is not None else {})}
        return self.base + path + ("?" + urlencode(query) if query else "")


def pod_url(source: Source, namespace: str, name: str) -> str:
    return source.url(f"pods/{quote(namespace, safe='')}/{quote(name, safe='')}/panel")


def node_url(source: Source, name: str) -> str:
    return source.url(f"nodes/{quote(name, safe='')}/panel")


def process_url(source: Source, name: str, node: str | None) -> str:
    return source.url(f"processes/{quote(name, safe='')}/panel", **({"node": node} if node else {}))


# -- what a person reads: ages, restarts, conditions --------------------------------------------------------------


def ago(then: float | None, now: float) -> str:
    """``2m30s ago`` as kubectl would say it; "" when the moment is unknown."""
    return "" if then is None else _("%(age)s ago") % {"age": human_duration(now - then)}


def restarts_text(restarts: int, last_restart_at: float | None, now: float) -> str:
    """kubectl's RESTARTS column, "3 (2m ago)" (clusterviz.duration.restarts_text), in the reader's language."""
    if restarts == 0 or last_restart_at is None:
        return str(restarts)
    return f"{restarts} ({ago(last_restart_at, now)})"


def _for(since: float | None, now: float) -> str:
    return "" if since is None else human_duration(now - since)


def clock(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%H:%M:%S")


def as_of(source: Source, at: float) -> str:
    """The panel's moment: "as of 21:04:05 UTC" live; in a replay "as of 2025-… UTC", after a Replay tag."""
    if source.replay:
        return _("as of %(moment)s") % {"moment": format_moment(at)}
    return _("as of %(time)s UTC") % {"time": clock(at)}


def _container(c: Mapping[str, Any], now: float) -> Data:
    last = c.get("lastState")
    finished = last.get("finishedAt") if last else None
    return {
        **c,
        "restarts_text": restarts_text(c["restarts"], finished, now),
        "started_ago": ago(c.get("startedAt"), now),
        "last_finished_ago": ago(finished, now),
    }


def last_restart_at(containers: Sequence[Mapping[str, Any]]) -> float | None:
    """When the pod last restarted a container: the latest end of a previous run (as kubectl takes it)."""
    ends = [c["lastState"]["finishedAt"] for c in containers if c.get("lastState") and c["lastState"]["finishedAt"]]
    return max(ends, default=None)


def _events(events: Sequence[Mapping[str, Any]], now: float) -> list[Data]:
    return [{**e, "age": ago(e.get("lastAt"), now), "first_age": ago(e.get("firstAt"), now)} for e in events]


def statuses_only(node: Mapping[str, Any]) -> list[Data]:
    """A node's conditions when only their statuses are known (a replayed state keeps no reasons)."""
    known = [("Ready", node["ready"]), *node["conditions"].items()]
    return [{"type": t, "status": s, "reason": "", "message": "", "lastHeartbeatAt": None} for t, s in known]


def _node_conditions(conditions: Sequence[Mapping[str, Any]], now: float) -> list[Data]:
    return [
        {
            **c,
            "heartbeat_ago": ago(c.get("lastHeartbeatAt"), now),
            "for": _for(c.get("lastTransitionAt"), now),
            "bad": (c["type"] == "Ready") != (c["status"] == "True"),
        }
        for c in conditions
    ]


# -- the three panels ---------------------------------------------------------------------------------------------


def _stopped_reporting(node: Mapping[str, Any], now: float) -> str:
    """ "the kubelet stopped reporting 2m ago" when the server decided it no longer reports (NodeView.reporting)."""
    if node.get("reporting", True):
        return ""
    since = node.get("lastReportedAt")
    if since is None:
        return _("the kubelet has not reported since this dashboard started watching")
    return _("the kubelet stopped reporting %(age)s") % {"age": ago(since, now)}


def node_context(source: Source, data: Data, scope: Scope) -> Data:
    node, now = scope.node(data["node"], data["pods"]), data["at"]  # its requests: the viewer's pods only
    conditions = _node_conditions(data.get("conditions") or statuses_only(node), now)
    lease = data.get("lease")
    agents = [{**p, "panel_url": process_url(source, p["name"], p.get("node"))} for p in node["agents"]]
    pods = [{**p, "panel_url": pod_url(source, p["namespace"], p["name"])} for p in scope.pods(data["pods"])]
    return {
        "node": {**node, "agents": agents},
        "pods": pods,
        "ready": next((c for c in conditions if c["type"] == "Ready"), None),
        "pressures": [c for c in conditions if c["type"] != "Ready"],
        "reasons_known": bool(data.get("conditions")),
        "lease_ago": ago(lease.get("renewTime"), now) if lease else "",
        "stopped_reporting": _stopped_reporting(node, now),
        "events": _events(data.get("events") or [], now),
        "no_metrics": data.get("no_metrics", ""),
        "follow": "node:" + node["name"],
        "url": node_url(source, node["name"]),
    }


def pod_context(source: Source, data: Data, scope: Scope) -> Data:
    pod, now = data["pod"], data["at"]
    containers = [_container(c, now) for c in pod.get("containers") or []]
    node = pod.get("node")
    return {
        "pod": {**pod, "containers": containers},
        "stopped_reporting": _stopped_reporting(data["node"], now) if data.get("node") else "",
        "conditions": data.get("conditions") or [],
        "restarts_text": restarts_text(pod["restarts"], last_restart_at(containers), now),
        "node_url": node_url(source, node) if node else "",
        "events": _events(data.get("events") or [], now),
        "no_metrics": data.get("no_metrics", ""),
        "follow": "pod:" + pod["uid"],
        "url": pod_url(source, pod["namespace"], pod["name"]),
    }


def process_context(source: Source, data: Data, scope: Scope) -> Data:
    process = scope.process(data["process"])
    name, node = process["name"], process.get("node")
    return {
        "process": process,
        "explanation": EXPLANATIONS.get(name, EXPLANATIONS["node-agent"]),
        "follow": "node:" + node if process["role"] == "node-agent" and node else "cp",
        "url": process_url(source, name, node if process["role"] == "node-agent" else None),
    }


CONTEXTS: dict[str, Callable[[Source, Data, Scope], Data]] = {
    "node": node_context,
    "pod": pod_context,
    "process": process_context,
}


def _gone_message(source: Source, kind: str, args: Mapping[str, Any]) -> str:
    what = {
        "node": _("Node %(name)s"),
        "pod": _("Pod %(namespace)s/%(name)s"),
        "process": _("Process %(name)s"),
    }[kind] % dict(args)
    if source.replay:
        return _("%(what)s did not exist at %(moment)s (the moment being replayed).") % {
            "what": what,
            "moment": format_moment(source.at or 0.0),
        }
    return _("%(what)s is no longer in the cluster.") % {"what": what}


def scope_of(request: HttpRequest) -> Scope:
    """What the viewer may see (the access middleware attaches it); everything when no viewer is attached."""
    viewer = getattr(request, "viewer", None)
    return viewer.scope if viewer is not None else EVERYTHING


async def render_panel(request: HttpRequest, source: Source, kind: str, args: Mapping[str, Any]) -> HttpResponse:
    """The panel of one object from ``source``; when the source does not have it, a panel that says so
    (404, rendered in place of the panel: the page around it stays)."""
    data = await source.fetch(kind, args)
    common = {"cluster": source.cluster, "replay": source.replay, "explanations": EXPLANATIONS}
    if data is None:
        message = _gone_message(source, kind, args)
        context = {**common, "message": message, "url": request.get_full_path(), "follow": ""}
        return render(request, "dashboard/panels/gone.html", context, status=404)
    context = {**common, **CONTEXTS[kind](source, data, scope_of(request)), "as_of": as_of(source, data["at"])}
    return render(request, f"dashboard/panels/{kind}.html", context)
