"""The objects that group pods, kept by the store: workloads with their ReplicaSets, Services with the endpoints
of their EndpointSlices and the matching pods that get no traffic, claims with the pods that mount them, volumes.

An object's view is composed from several watches (a Deployment and its ReplicaSets; a Service, its slices and
the pods its selector matches; a claim and its pods), which race each other. Every change marks the objects it
touches; :meth:`Groups.take` composes the marked ones and returns what differs from what was last sent, so a
delta carries an object only when its view changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

from clusterviz.events import WatchEvent
from clusterviz.objects import (
    WORKLOAD_KINDS,
    SliceView,
    map_claim,
    map_endpoint_slice,
    map_replicaset,
    map_service,
    map_volume,
    map_workload,
)
from clusterviz.wire import (
    ClaimView,
    EndpointView,
    ExcludedPod,
    ExclusionReason,
    ObjectView,
    PersistentVolumeView,
    PodSummary,
    PodView,
    ReplicaSetView,
    ServiceView,
    WorkloadView,
    object_key,
)

__all__ = [
    "GROUP_KINDS",
    "Groups",
    "ObjectKey",
    "exclusion_reason",
    "pods_of",
    "services_of",
    "wire_key",
    "with_reasons",
]

MAX_ENDPOINTS: Final = 2000
"""Endpoints (and excluded pods) a Service's view lists; endpointsTotal counts them all. A Service over 10,000
pods would otherwise re-send a megabyte with every endpoint that changes."""
MAX_CLAIM_PODS: Final = 500

ObjectKey = tuple[str, str, str]  # (kind, namespace, name)
PodKey = tuple[str, str]  # (namespace, name)
GROUP_KINDS: Final = frozenset(
    {*WORKLOAD_KINDS, "Service", "EndpointSlice", "PersistentVolumeClaim", "PersistentVolume"}
)


def wire_key(key: ObjectKey) -> str:
    return "/".join(key)


def _selects(selector: Mapping[str, str] | None, labels: Mapping[str, str]) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())  # type: ignore[union-attr]


def _claims(pod: PodView | None) -> set[str]:
    if pod is None:
        return set()
    return {v["claim"] for v in pod.get("volumes", ()) if "claim" in v}


def _revision_order(rs: ReplicaSetView) -> tuple[int, str]:
    return (-(rs["revision"] or 0), rs["name"])


class Groups:
    """The grouping objects of one cluster (see the module's docstring). Not thread-safe, like its store."""

    def __init__(self) -> None:
        self._workloads: dict[ObjectKey, WorkloadView] = {}
        self._replicasets: dict[PodKey, tuple[str | None, ReplicaSetView]] = {}  # → (its Deployment, view)
        self._services: dict[PodKey, ServiceView] = {}
        self._by_selector_item: dict[tuple[str, str, str], set[str]] = {}  # (ns, label, value) → services
        self._matched: dict[PodKey, set[str]] = {}  # a Service → the pods its selector matches
        self._slices: dict[PodKey, SliceView] = {}
        self._slices_of: dict[PodKey, set[str]] = {}  # a Service → its slices' names
        self._replicasets_of: dict[PodKey, set[str]] = {}  # a Deployment → its ReplicaSets' names
        self._claims: dict[PodKey, ClaimView] = {}
        self._claim_pods: dict[PodKey, set[str]] = {}
        self._volumes: dict[str, PersistentVolumeView] = {}
        self._pods: dict[PodKey, PodView] = {}
        self._pods_in: dict[str, set[str]] = {}  # namespace → pod names
        self._sent: dict[ObjectKey, ObjectView] = {}
        self._dirty: set[ObjectKey] = set()  # touched since the last refresh
        self._upserted: dict[ObjectKey, ObjectView] = {}  # changed since the last take
        self._removed: set[ObjectKey] = set()

    # -- reading ---------------------------------------------------------------------------------------------

    def views(self) -> list[ObjectView]:
        """Every object as last composed, by key (call :meth:`refresh` first to have the latest)."""
        return sorted(self._sent.values(), key=object_key)  # as replays and clients sort them

    def get(self, kind: str, namespace: str, name: str) -> ObjectView | None:
        return self._sent.get((kind, namespace, name))

    def pods_in(self, namespace: str) -> list[PodView]:
        return [self._pods[(namespace, name)] for name in self._pods_in.get(namespace, ())]

    # -- events ----------------------------------------------------------------------------------------------

    def apply(self, event: WatchEvent) -> None:
        kind = event.kind
        if kind in WORKLOAD_KINDS and kind != "ReplicaSet":
            self._on_workload(event)
        elif kind == "ReplicaSet":
            self._on_replicaset(event)
        elif kind == "Service":
            self._on_service(event)
        elif kind == "EndpointSlice":
            self._on_slice(event)
        elif kind == "PersistentVolumeClaim":
            self._on_claim(event)
        elif kind == "PersistentVolume":
            self._on_volume(event)

    def _on_workload(self, event: WatchEvent) -> None:
        key = (event.kind, *event.key)
        if event.type == "DELETED":
            self._workloads.pop(key, None)
        else:
            self._workloads[key] = map_workload(event.kind, event.object)  # type: ignore[arg-type]
        self._dirty.add(key)

    def _on_replicaset(self, event: WatchEvent) -> None:
        namespace, name = event.key
        old = self._replicasets.pop(event.key, None)
        self._workloads.pop(("ReplicaSet", namespace, name), None)
        if old is not None:
            self._replicasets_of.get((namespace, old[0] or ""), set()).discard(name)
            self._dirty.add(self._replicaset_home(namespace, name, old[0]))
        if event.type == "DELETED":
            return
        refs = (event.object.get("metadata") or {}).get("ownerReferences") or []
        owner = next((r.get("name") for r in refs if r.get("controller") and r.get("kind") == "Deployment"), None)
        self._replicasets[event.key] = (owner, map_replicaset(event.object))
        self._replicasets_of.setdefault((namespace, owner or ""), set()).add(name)
        if owner is None:  # a ReplicaSet of its own is a workload of its own
            self._workloads[("ReplicaSet", namespace, name)] = map_workload("ReplicaSet", event.object)
        self._dirty.add(self._replicaset_home(namespace, name, owner))

    @staticmethod
    def _replicaset_home(namespace: str, name: str, deployment: str | None) -> ObjectKey:
        """Where a ReplicaSet is shown: in its Deployment, or as a workload of its own when it has none."""
        return ("Deployment", namespace, deployment) if deployment else ("ReplicaSet", namespace, name)

    def _on_service(self, event: WatchEvent) -> None:
        old = self._services.pop(event.key, None)
        if old is not None:
            self._index_selector(event.key, old["selector"], remove=True)
        if event.type != "DELETED":
            view = map_service(event.object)
            self._services[event.key] = view
            self._index_selector(event.key, view["selector"])
            if old is None or old["selector"] != view["selector"]:
                self._match_all(event.key, view["selector"])
        else:
            self._matched.pop(event.key, None)
        self._dirty.add(("Service", *event.key))

    def _index_selector(self, key: PodKey, selector: Mapping[str, str] | None, remove: bool = False) -> None:
        """A Service is found from any one item of its selector (a pod has a handful of labels to look up)."""
        if not selector:
            return
        item = (key[0], *min(selector.items()))
        names = self._by_selector_item.setdefault(item, set())
        if remove:
            names.discard(key[1])
        else:
            names.add(key[1])

    def _match_all(self, key: PodKey, selector: Mapping[str, str] | None) -> None:
        namespace = key[0]
        names = self._pods_in.get(namespace, set())
        self._matched[key] = {n for n in names if _selects(selector, self._pods[(namespace, n)]["labels"])}

    def _on_slice(self, event: WatchEvent) -> None:
        namespace, name = event.key
        old = self._slices.pop(event.key, None)
        if old is not None:
            self._slices_of.get((namespace, old["service"]), set()).discard(name)
            self._dirty.add(("Service", namespace, old["service"]))
        if event.type != "DELETED":
            view = map_endpoint_slice(event.object)
            self._slices[event.key] = view
            self._slices_of.setdefault((namespace, view["service"]), set()).add(name)
            self._dirty.add(("Service", namespace, view["service"]))

    def _on_claim(self, event: WatchEvent) -> None:
        if event.type == "DELETED":
            self._claims.pop(event.key, None)
        else:
            self._claims[event.key] = map_claim(event.object)
        self._dirty.add(("PersistentVolumeClaim", *event.key))

    def _on_volume(self, event: WatchEvent) -> None:
        name = event.key[1]
        if event.type == "DELETED":
            self._volumes.pop(name, None)
        else:
            self._volumes[name] = map_volume(event.object)
        self._dirty.add(("PersistentVolume", "", name))

    def keep_only(self, kind: str, present: set[tuple[str, str]]) -> None:
        """After a relist of ``kind``: forget what the list no longer has."""
        for key in self._keys_of(kind):
            if key not in present:
                self.apply(WatchEvent("DELETED", kind, {"metadata": {"namespace": key[0], "name": key[1]}}))

    def _keys_of(self, kind: str) -> list[tuple[str, str]]:
        if kind == "ReplicaSet":
            return list(self._replicasets)
        tables: dict[str, Iterable[tuple[str, str]]] = {
            "Service": self._services,
            "EndpointSlice": self._slices,
            "PersistentVolumeClaim": self._claims,
            "PersistentVolume": [("", n) for n in self._volumes],
        }
        if kind in tables:
            return list(tables[kind])
        return [(ns, name) for k, ns, name in self._workloads if k == kind]

    # -- pods ------------------------------------------------------------------------------------------------

    def pod_changed(self, old: PodView | None, new: PodView | None) -> None:
        """A pod appeared, changed or went: the Services that match it and the claims it mounts are marked."""
        some = new or old
        if some is None:
            return
        key = (some["namespace"], some["name"])
        if new is None:
            self._pods.pop(key, None)
            self._pods_in.get(key[0], set()).discard(key[1])
        else:
            self._pods[key] = new
            self._pods_in.setdefault(key[0], set()).add(key[1])
        for service in self._candidate_services(key[0], old, new):
            self._rematch(service, key, old, new)
        for claim in _claims(old) ^ _claims(new):
            self._claim_pods.setdefault((key[0], claim), set()).symmetric_difference_update({key[1]})
            self._dirty.add(("PersistentVolumeClaim", key[0], claim))

    def _candidate_services(self, namespace: str, *pods: PodView | None) -> set[str]:
        found: set[str] = set()
        for pod in pods:
            if pod is not None:
                for item in pod["labels"].items():
                    found |= self._by_selector_item.get((namespace, *item), set())
        return found

    def _rematch(self, service: str, pod: PodKey, old: PodView | None, new: PodView | None) -> None:
        """Mark the Service if the pod joins or leaves what it selects, or changes what its view shows of a
        selected pod (node, status). A change of anything else (a label churned, an annotation) leaves the view
        as it was: recomposing a Service of 1,500 endpoints for it cost ~0.7 ms per Service and tick."""
        skey = (pod[0], service)
        view = self._services.get(skey)
        matched = self._matched.setdefault(skey, set())
        selected = view is not None and new is not None and _selects(view["selector"], new["labels"])
        if selected == (pod[1] in matched) and not (selected and _shown_changed(old, new)):
            return
        if selected:
            matched.add(pod[1])
        else:
            matched.discard(pod[1])
        self._dirty.add(("Service", *skey))

    # -- composing -------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Compose the marked objects; what changed waits for :meth:`take`."""
        for key in sorted(self._dirty):
            view = self._compose(key)
            if view is None:
                if self._sent.pop(key, None) is not None:
                    self._upserted.pop(key, None)
                    self._removed.add(key)
            elif self._sent.get(key) != view:
                self._sent[key] = view
                self._upserted[key] = view
                self._removed.discard(key)
        self._dirty.clear()

    def take(self) -> tuple[list[ObjectView], list[str]] | None:
        """The objects whose views changed since the last call, and the keys of those that went."""
        self.refresh()
        if not (self._upserted or self._removed):
            return None
        changes = [self._upserted[k] for k in sorted(self._upserted)], [wire_key(k) for k in sorted(self._removed)]
        self._upserted, self._removed = {}, set()
        return changes

    def _compose(self, key: ObjectKey) -> ObjectView | None:
        kind, namespace, name = key
        if kind == "Service":
            return self._compose_service((namespace, name))
        if kind == "PersistentVolumeClaim":
            return self._compose_claim((namespace, name))
        if kind == "PersistentVolume":
            return self._volumes.get(name)
        workload = self._workloads.get(key)
        if workload is None or kind != "Deployment":
            return workload
        names = self._replicasets_of.get((namespace, name), set())
        owned = [self._replicasets[(namespace, rs)][1] for rs in names]
        return {**workload, "replicaSets": sorted(owned, key=_revision_order)}

    def _compose_service(self, key: PodKey) -> ServiceView | None:
        view = self._services.get(key)
        if view is None:
            return None
        endpoints = self._endpoints_of(key)
        return {
            **view,
            "endpoints": endpoints[:MAX_ENDPOINTS],
            "endpointsTotal": len(endpoints),
            "excluded": self._excluded(key, endpoints)[:MAX_ENDPOINTS],
        }

    def _endpoints_of(self, key: PodKey) -> list[EndpointView]:
        """The endpoints of every slice of the Service, one per address (slices overlap while they are
        rewritten), by pod name."""
        found: dict[str, EndpointView] = {}
        for name in sorted(self._slices_of.get(key, set())):
            for endpoint in self._slices[(key[0], name)]["endpoints"]:
                found.setdefault(endpoint["address"] or endpoint["pod"] or "", endpoint)
        return sorted(found.values(), key=lambda e: (e["pod"] or "", e["address"]))

    def _excluded(self, key: PodKey, endpoints: list[EndpointView]) -> list[ExcludedPod]:
        ready = {e["pod"] for e in endpoints if e["ready"]}
        listed = _by_pod(endpoints)
        out: list[ExcludedPod] = []
        for name in sorted(self._matched.get(key, set()) - ready):
            pod = self._pods[(key[0], name)]
            endpoint = listed.get(name)
            out.append({"pod": name, "node": pod["node"], "status": pod["status"], "endpoint": endpoint is not None,
                        "reason": exclusion_reason(endpoint, pod["status"])})
        return out

    def _compose_claim(self, key: PodKey) -> ClaimView | None:
        view = self._claims.get(key)
        if view is None:
            return None
        return {**view, "pods": sorted(self._claim_pods.get(key, set()))[:MAX_CLAIM_PODS]}


def _shown_changed(old: PodView | None, new: PodView | None) -> bool:
    """Whether a Service's view of a selected pod changes: its excluded list shows the pod's node and status."""
    return old is None or new is None or (old["node"], old["status"]) != (new["node"], new["status"])


def exclusion_reason(endpoint: EndpointView | None, status: str) -> ExclusionReason:
    """Why a pod the Service's selector matches gets none of its traffic: it is going away (its endpoint says
    terminating, or the pod is being deleted), its endpoint is not ready, or it is no endpoint yet (no address,
    or the EndpointSlice controller has not listed it)."""
    if status == "Terminating" or (endpoint is not None and endpoint["terminating"]):
        return "terminating"
    return "notReady" if endpoint is not None else "noEndpoint"


def _by_pod(endpoints: list[EndpointView]) -> dict[str, EndpointView]:
    return {e["pod"]: e for e in endpoints if e["pod"]}


def with_reasons(view: ServiceView) -> ServiceView:
    """A Service recorded before excluded pods carried their reason gets it by the same rule as a live one."""
    if all("reason" in p for p in view["excluded"]):
        return view
    listed = _by_pod(view["endpoints"])
    excluded: list[ExcludedPod] = [
        {**p, "reason": exclusion_reason(listed.get(p["pod"]), p["status"])} for p in view["excluded"]
    ]
    return {**view, "excluded": excluded}


# -- which pods an object groups (the panels, live and replayed, and the map's lighting agree on this) ----------


def pods_of(view: ObjectView, pods: Iterable[PodSummary]) -> list[PodSummary]:
    """The pods an object groups, by namespace and name: a workload's (by owner), a Service's endpoints and the
    matching pods without traffic, a claim's mounting pods. A PersistentVolume groups none itself."""
    kind, namespace = view["kind"], view["namespace"]
    if view["kind"] == "Service":
        names = {e["pod"] for e in view["endpoints"]} | {p["pod"] for p in view["excluded"]}
    elif view["kind"] == "PersistentVolumeClaim":
        names = set(view["pods"])
    elif view["kind"] == "PersistentVolume":
        return []
    else:
        return sorted(
            (p for p in pods if p["namespace"] == namespace and p["owner"] == {"kind": kind, "name": view["name"]}),
            key=lambda p: p["name"],
        )
    return sorted((p for p in pods if p["namespace"] == namespace and p["name"] in names), key=lambda p: p["name"])


def services_of(pod: PodSummary, objects: Iterable[ObjectView]) -> list[ServiceView]:
    """The Services whose selector matches the pod (whether or not it is ready)."""
    return [
        o
        for o in objects
        if o["kind"] == "Service" and o["namespace"] == pod["namespace"] and _selects(o["selector"], pod["labels"])
    ]


def object_summary(view: ObjectView) -> dict[str, object]:
    """One line of the list beside the map: the object's name and the counts that say whether it is short of
    what it should be (``short``, decided here: fewer ready than desired, a ready endpoint missing, a claim
    not bound)."""
    line: dict[str, object] = {"kind": view["kind"], "namespace": view["namespace"], "name": view["name"]}
    if view["kind"] == "Service":
        ready = sum(1 for e in view["endpoints"] if e["ready"])
        total = view["endpointsTotal"]
        missing = bool(view["excluded"]) or (view["selector"] is not None and total == 0)
        return {**line, "type": view["type"], "ready": ready, "total": total, "short": missing}
    if view["kind"] == "PersistentVolumeClaim":
        return {**line, "phase": view["phase"], "capacity": view["capacity"], "short": view["phase"] != "Bound"}
    if view["kind"] == "PersistentVolume":
        return {**line, "phase": view["phase"], "short": view["phase"] == "Failed"}
    desired = view["desired"]
    ready = view["succeeded"] if view["kind"] == "Job" else view["ready"]
    return {**line, "desired": desired, "ready": ready, "revision": view["revision"], "short": ready < desired}
