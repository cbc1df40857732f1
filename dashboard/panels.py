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
from clusterviz.grouping import with_reasons
from clusterviz.history import format_moment
from clusterviz.objects import OBJECT_EXPLANATIONS
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


def _q(text: str) -> str:
    return quote(text, safe="")


def object_url(source: Source, kind: str, namespace: str, name: str) -> str:
    """The panel of a workload (``workloads/<kind>/…``), a Service (``services/…``) or a claim (``claims/…``)."""
    if kind == "Service":
        return source.url(f"services/{_q(namespace)}/{_q(name)}/panel")
    if kind == "PersistentVolumeClaim":
        return source.url(f"claims/{_q(namespace)}/{_q(name)}/panel")
    return source.url(f"workloads/{_q(kind)}/{_q(namespace)}/{_q(name)}/panel")


def select_key(kind: str, namespace: str, name: str) -> str:
    """What the map lights up for an object's panel (the ``select`` of its URL): ``Kind/namespace/name``."""
    return f"{kind}/{namespace}/{name}"


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
    namespace, owner = pod["namespace"], pod.get("owner")
    claims = [v["claim"] for v in pod.get("volumes") or [] if v.get("claim")]
    return {
        "pod": {**pod, "containers": containers},
        "owner_url": object_url(source, owner["kind"], namespace, owner["name"])
        if owner and owner["kind"] in WORKLOAD_KINDS
        else "",
        "claims": [{"name": c, "panel_url": object_url(source, "PersistentVolumeClaim", namespace, c)} for c in claims],
        "services": [
            {"name": s, "panel_url": object_url(source, "Service", namespace, s)} for s in data.get("services") or []
        ],
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


# -- the objects that group pods ---------------------------------------------------------------------------------

WORKLOAD_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"})


def _pod_rows(source: Source, pods: Sequence[Mapping[str, Any]]) -> list[Data]:
    return [{**p, "panel_url": pod_url(source, p["namespace"], p["name"])} for p in pods]


def rollout(view: Mapping[str, Any]) -> Data:
    """A Deployment's rollout as a person reads it: done, or how far (updated, available of desired), with the
    rules at work (maxSurge, maxUnavailable) and how many pods the older revisions still run."""
    desired = view["desired"]
    old = sum(rs["desired"] for rs in view["replicaSets"] if rs["revision"] != view["revision"])
    done = view["updated"] >= desired and view["available"] >= desired and old == 0
    percent = 100 if desired == 0 else min(100, round(100 * view["updated"] / desired))
    return {"done": done, "percent": percent, "old": old, **view["strategy"]}


def _by_node(rows: Sequence[Mapping[str, Any]]) -> list[tuple[str, list[Mapping[str, Any]]]]:
    nodes: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        nodes.setdefault(row.get("node") or "", []).append(row)
    return sorted(nodes.items())


def workload_context(source: Source, data: Data, scope: Scope) -> Data:
    view, now = data["object"], data["at"]
    pods = _pod_rows(source, scope.pods(data["pods"]))
    return {
        "object": view,
        "conditions": view["conditions"],
        "rollout": rollout(view) if view["kind"] == "Deployment" else None,
        "pods": pods,
        "nodes": _by_node(pods),
        "events": _events(data.get("events") or [], now),
        "created_ago": ago(view["createdAt"] or None, now),
        "select": select_key(view["kind"], view["namespace"], view["name"]),
        "follow": "object:" + select_key(view["kind"], view["namespace"], view["name"]),
        "url": object_url(source, view["kind"], view["namespace"], view["name"]),
    }


def service_context(source: Source, data: Data, scope: Scope) -> Data:
    view = with_reasons(data["object"])  # a replay of a Service recorded before the reasons were sent
    pods = {p["name"]: p for p in data["pods"]}
    endpoints = [
        {**e, "panel_url": pod_url(source, view["namespace"], e["pod"]) if e["pod"] else "",
         "status": pods[e["pod"]]["status"] if e["pod"] in pods else ""}
        for e in view["endpoints"]
    ]
    excluded = [{**p, "panel_url": pod_url(source, view["namespace"], p["pod"])} for p in view["excluded"]]
    return {
        "object": view,
        "endpoints": endpoints,
        "ready_count": sum(1 for e in endpoints if e["ready"]),
        "excluded": excluded,
        "more_endpoints": view["endpointsTotal"] - len(endpoints),
        "events": _events(data.get("events") or [], data["at"]),
        "select": select_key("Service", view["namespace"], view["name"]),
        "follow": "object:" + select_key("Service", view["namespace"], view["name"]),
        "url": object_url(source, "Service", view["namespace"], view["name"]),
    }


def claim_context(source: Source, data: Data, scope: Scope) -> Data:
    view = data["object"]
    return {
        "object": view,
        "volume": data.get("volume"),
        "pods": _pod_rows(source, scope.pods(data["pods"])),
        "events": _events(data.get("events") or [], data["at"]),
        "select": select_key("PersistentVolumeClaim", view["namespace"], view["name"]),
        "follow": "object:" + select_key("PersistentVolumeClaim", view["namespace"], view["name"]),
        "url": object_url(source, "PersistentVolumeClaim", view["namespace"], view["name"]),
    }


CONTEXTS: dict[str, Callable[[Source, Data, Scope], Data]] = {
    "node": node_context,
    "pod": pod_context,
    "process": process_context,
    "workload": workload_context,
    "service": service_context,
    "claim": claim_context,
}
PANEL_OF_KIND = {**{k: "workload" for k in WORKLOAD_KINDS}, "Service": "service", "PersistentVolumeClaim": "claim"}


# -- the list beside the map --------------------------------------------------------------------------------------

LIST_LIMIT = 100
"""Lines per section of the list; the ones short of what they should be come first."""


def _line(source: Source, line: Mapping[str, Any], rollouts: Mapping[str, int]) -> Data:
    kind, namespace, name = line["kind"], line["namespace"], line["name"]
    rolling = kind == "Deployment" and f"{namespace}/{name}" in rollouts
    return {**line, "key": select_key(kind, namespace, name), "rolling": rolling,
            "panel_url": object_url(source, kind, namespace, name)}


def object_list_context(source: Source, data: Data, scope: Scope) -> Data:
    """The workloads, Services and claims of the viewer's namespaces, troubles first, each a link to its panel."""
    lines = sorted(scope.objects(data["objects"]), key=lambda o: (not o["short"], o["namespace"], o["name"]))
    sections: dict[str, list[Data]] = {"workloads": [], "services": [], "claims": []}
    for line in lines:
        section = {"Service": "services", "PersistentVolumeClaim": "claims"}.get(line["kind"], "workloads")
        sections[section].append(_line(source, line, data.get("rollouts") or {}))
    more = sum(max(0, len(rows) - LIST_LIMIT) for rows in sections.values())
    as_of = _("as of %(time)s UTC") % {"time": clock(data["at"])} if data["at"] else ""
    return {**{k: rows[:LIST_LIMIT] for k, rows in sections.items()}, "more": more, "at": data["at"], "as_of": as_of}


async def render_object_list(request: HttpRequest, source: Source) -> HttpResponse:
    data = await source.fetch("objects", {})
    context = object_list_context(source, data or {"objects": [], "at": 0.0}, scope_of(request))
    return render(request, "dashboard/objects.html", context)


def _gone_message(source: Source, kind: str, args: Mapping[str, Any]) -> str:
    what = {
        "node": _("Node %(name)s"),
        "pod": _("Pod %(namespace)s/%(name)s"),
        "process": _("Process %(name)s"),
        "object": _("%(kind)s %(namespace)s/%(name)s"),
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
    if kind == "object":
        kind = PANEL_OF_KIND[data["object"]["kind"]]
        common["explanation"] = OBJECT_EXPLANATIONS.get(data["object"]["kind"], "")
        common["endpointslice_explanation"] = OBJECT_EXPLANATIONS["EndpointSlice"]
        common["replicaset_explanation"] = OBJECT_EXPLANATIONS["ReplicaSet"]
    context = {**common, **CONTEXTS[kind](source, data, scope_of(request)), "as_of": as_of(source, data["at"])}
    return render(request, f"dashboard/panels/{kind}.html", context)
