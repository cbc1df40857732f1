"""The objects that group pods, from API objects to views: workloads, Services and EndpointSlices, claims and
volumes. The same rules as :mod:`clusterviz.mapping`: allow-listed fields, capped strings, bounded lists, no
exceptions on odd shapes.
"""

from __future__ import annotations

from typing import Any, Final, TypedDict

from clusterviz.events import RawObject
from clusterviz.mapping import (
    MAX_CONDITIONS,
    MAX_IMAGE,
    MAX_NAME,
    MAX_SHORT,
    _cap,
    _condition,
    _dict,
    _int,
    _labels,
    _list,
    parse_time,
    revision_annotation,
)
from clusterviz.wire import (
    ClaimView,
    Condition,
    EndpointView,
    PersistentVolumeView,
    ReplicaSetView,
    RolloutStrategy,
    ServicePort,
    ServiceView,
    WorkloadKind,
    WorkloadView,
)

__all__ = [
    "SliceView",
    "map_claim",
    "map_endpoint_slice",
    "map_replicaset",
    "map_service",
    "map_volume",
    "map_workload",
    "service_of_slice",
]

MAX_IMAGES: Final = 16
MAX_PORTS: Final = 32
MAX_SLICE_ENDPOINTS: Final = 1000  # the API's own limit per EndpointSlice
SERVICE_NAME_LABEL: Final = "kubernetes.io/service-name"
WORKLOAD_KINDS: Final[tuple[WorkloadKind, ...]] = ("Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet")


def _meta(raw: RawObject) -> dict[str, Any]:
    return _dict(raw.get("metadata")) if type(raw) is dict else {}


def _part(raw: RawObject, key: str) -> dict[str, Any]:
    return _dict(raw.get(key)) if type(raw) is dict else {}


def _name_of(meta: dict[str, Any]) -> tuple[str, str]:
    return _cap(meta.get("namespace"), MAX_NAME), _cap(meta.get("name"), MAX_NAME)


def _created(meta: dict[str, Any]) -> float:
    return parse_time(meta.get("creationTimestamp")) or 0.0


def _conditions(status: dict[str, Any]) -> list[Condition]:
    return [_condition(c) for c in _list(status.get("conditions"))[:MAX_CONDITIONS]]


def _images(spec: dict[str, Any]) -> list[str]:
    containers = _list(_dict(_dict(spec.get("template")).get("spec")).get("containers"))
    return [_cap(_dict(c).get("image"), MAX_IMAGE) for c in containers[:MAX_IMAGES]]


def _int_or_percent(value: object) -> str:
    if type(value) is int:
        return str(value)
    return _cap(value, 16)


def _strategy(spec: dict[str, Any]) -> RolloutStrategy:
    strategy = _dict(spec.get("strategy") or spec.get("updateStrategy"))
    rolling = _dict(strategy.get("rollingUpdate"))
    return {
        "type": _cap(strategy.get("type"), MAX_SHORT),
        "maxSurge": _int_or_percent(rolling.get("maxSurge")),
        "maxUnavailable": _int_or_percent(rolling.get("maxUnavailable")),
    }


def _counts(kind: WorkloadKind, spec: dict[str, Any], status: dict[str, Any]) -> tuple[int, int, int, int]:
    """(desired, updated, ready, available) as ``kubectl get`` reads them for each kind."""
    if kind == "DaemonSet":
        return (
            _int(status.get("desiredNumberScheduled")),
            _int(status.get("updatedNumberScheduled")),
            _int(status.get("numberReady")),
            _int(status.get("numberAvailable")),
        )
    if kind == "Job":
        desired = spec.get("completions")
        completions = _int(desired) if desired is not None else 1
        return completions, 0, _int(status.get("ready")), _int(status.get("succeeded"))
    replicas = spec.get("replicas")
    desired = _int(replicas) if replicas is not None else 1  # the API's default
    updated = _int(status.get("updatedReplicas"))
    return desired, updated, _int(status.get("readyReplicas")), _int(status.get("availableReplicas"))


def map_workload(kind: WorkloadKind, raw: RawObject) -> WorkloadView:
    """A Deployment, StatefulSet, DaemonSet, Job or ReplicaSet as a :class:`WorkloadView` (no ReplicaSets yet:
    the store adds a Deployment's)."""
    meta, spec, status = _meta(raw), _part(raw, "spec"), _part(raw, "status")
    namespace, name = _name_of(meta)
    desired, updated, ready, available = _counts(kind, spec, status)
    return {
        "kind": kind,
        "namespace": namespace,
        "name": name,
        "desired": desired,
        "updated": updated,
        "ready": ready,
        "available": available,
        "active": _int(status.get("active")),
        "succeeded": _int(status.get("succeeded")),
        "failed": _int(status.get("failed")),
        "conditions": _conditions(status),
        "images": _images(spec),
        "strategy": _strategy(spec),
        "revision": revision_annotation(meta) if kind == "Deployment" else None,
        "replicaSets": [],
        "selector": _labels(_dict(spec.get("selector")).get("matchLabels")),
        "createdAt": _created(meta),
    }


def map_replicaset(raw: RawObject) -> ReplicaSetView:
    meta, spec, status = _meta(raw), _part(raw, "spec"), _part(raw, "status")
    replicas = spec.get("replicas")
    return {
        "name": _cap(meta.get("name"), MAX_NAME),
        "revision": revision_annotation(meta),
        "images": _images(spec),
        "desired": _int(replicas) if replicas is not None else 1,
        "ready": _int(status.get("readyReplicas")),
        "available": _int(status.get("availableReplicas")),
        "createdAt": _created(meta),
    }


# -- Services and their EndpointSlices -------------------------------------------------------------------------


def _port(raw: object) -> ServicePort:
    port = _dict(raw)
    target = port.get("targetPort")
    node_port = port.get("nodePort")
    return {
        "name": _cap(port.get("name"), MAX_SHORT),
        "protocol": _cap(port.get("protocol"), 16) or "TCP",
        "port": _int(port.get("port")),
        "targetPort": str(target) if type(target) is int else _cap(target, MAX_SHORT) or str(_int(port.get("port"))),
        "nodePort": node_port if type(node_port) is int else None,
    }


def _ingress(status: dict[str, Any]) -> list[str]:
    ingress = _list(_dict(status.get("loadBalancer")).get("ingress"))
    return [_cap(_dict(i).get("ip") or _dict(i).get("hostname"), MAX_NAME) for i in ingress[:MAX_PORTS]]


def map_service(raw: RawObject) -> ServiceView:
    """A Service without its endpoints (the store adds them from the EndpointSlices and the pods)."""
    meta, spec = _meta(raw), _part(raw, "spec")
    namespace, name = _name_of(meta)
    cluster_ip = _cap(spec.get("clusterIP"), 64)
    selector = spec.get("selector")
    return {
        "kind": "Service",
        "namespace": namespace,
        "name": name,
        "type": _cap(spec.get("type"), MAX_SHORT) or "ClusterIP",
        "clusterIP": cluster_ip,
        "headless": cluster_ip == "None",
        "externalName": _cap(spec.get("externalName"), MAX_NAME),
        "ports": [_port(p) for p in _list(spec.get("ports"))[:MAX_PORTS]],
        "selector": _labels(selector) if type(selector) is dict and selector else None,
        "endpoints": [],
        "endpointsTotal": 0,
        "excluded": [],
        "loadBalancer": _ingress(_part(raw, "status")),
        "createdAt": _created(meta),
    }


class SliceView(TypedDict):
    """An EndpointSlice as the store keeps it: which Service it belongs to and its endpoints."""

    namespace: str
    name: str
    service: str  # its kubernetes.io/service-name label; "" when it has none
    endpoints: list[EndpointView]


def service_of_slice(meta: dict[str, Any]) -> str:
    return _labels(meta.get("labels")).get(SERVICE_NAME_LABEL, "")


def _endpoint(raw: object, namespace: str) -> EndpointView:
    endpoint = _dict(raw)
    conditions = _dict(endpoint.get("conditions"))
    ref = _dict(endpoint.get("targetRef"))
    is_pod = ref.get("kind") == "Pod" and ref.get("namespace", namespace) == namespace
    ready = conditions.get("ready") is not False  # the API: nil ready means ready (unknown state)
    addresses = _list(endpoint.get("addresses"))
    return {
        "address": _cap(addresses[0], 64) if addresses else "",
        "pod": _cap(ref.get("name"), MAX_NAME) or None if is_pod else None,
        "node": _cap(endpoint.get("nodeName"), MAX_NAME) or None,
        "ready": ready,
        "serving": conditions.get("serving", ready) is not False,  # nil serving: as ready
        "terminating": conditions.get("terminating") is True,
    }


def map_endpoint_slice(raw: RawObject) -> SliceView:
    meta = _meta(raw)
    namespace, name = _name_of(meta)
    endpoints = _list(raw.get("endpoints") if type(raw) is dict else None)[:MAX_SLICE_ENDPOINTS]
    return {
        "namespace": namespace,
        "name": name,
        "service": service_of_slice(meta),
        "endpoints": [_endpoint(e, namespace) for e in endpoints],
    }


# -- claims and volumes ----------------------------------------------------------------------------------------


def _storage(value: object) -> str:
    return _cap(_dict(value).get("storage"), 32)


def _modes(value: object) -> list[str]:
    return [_cap(m, 32) for m in _list(value)[:8]]


def map_claim(raw: RawObject) -> ClaimView:
    """A PersistentVolumeClaim without its pods (the store adds the pods that mount it)."""
    meta, spec, status = _meta(raw), _part(raw, "spec"), _part(raw, "status")
    namespace, name = _name_of(meta)
    return {
        "kind": "PersistentVolumeClaim",
        "namespace": namespace,
        "name": name,
        "phase": _cap(status.get("phase"), MAX_SHORT) or "Pending",
        "capacity": _storage(status.get("capacity")),
        "requested": _storage(_dict(spec.get("resources")).get("requests")),
        "storageClass": _cap(spec.get("storageClassName"), MAX_NAME),
        "volume": _cap(spec.get("volumeName"), MAX_NAME),
        "accessModes": _modes(status.get("accessModes") or spec.get("accessModes")),
        "pods": [],
        "createdAt": _created(meta),
    }


_PV_FIELDS: Final = frozenset(
    {"capacity", "accessModes", "persistentVolumeReclaimPolicy", "storageClassName", "volumeMode", "claimRef"}
)
_NOT_SOURCES: Final = frozenset({"nodeAffinity", "mountOptions"})


def _source(spec: dict[str, Any]) -> str:
    for key, value in spec.items():
        if key not in _PV_FIELDS and key not in _NOT_SOURCES and type(value) is dict:
            driver = _cap(value.get("driver"), MAX_NAME)
            return f"{_cap(key, MAX_SHORT)}: {driver}" if driver else _cap(key, MAX_SHORT)
    return ""


def map_volume(raw: RawObject) -> PersistentVolumeView:
    meta, spec, status = _meta(raw), _part(raw, "spec"), _part(raw, "status")
    claim = _dict(spec.get("claimRef"))
    claim_name = _cap(claim.get("name"), MAX_NAME)
    return {
        "kind": "PersistentVolume",
        "namespace": "",
        "name": _cap(meta.get("name"), MAX_NAME),
        "phase": _cap(status.get("phase"), MAX_SHORT) or "Pending",
        "capacity": _storage(spec.get("capacity")),
        "storageClass": _cap(spec.get("storageClassName"), MAX_NAME),
        "claim": f"{_cap(claim.get('namespace'), MAX_NAME)}/{claim_name}" if claim_name else "",
        "reclaimPolicy": _cap(spec.get("persistentVolumeReclaimPolicy"), MAX_SHORT),
        "source": _source(spec),
        "accessModes": _modes(spec.get("accessModes")),
        "createdAt": _created(meta),
    }


OBJECT_EXPLANATIONS: Final[dict[str, str]] = {
    "Deployment": (
        "Keeps a number of identical pods running from one template. A change of the template is a rollout: "
        "a new ReplicaSet (the next revision) is scaled up while the old one is scaled down, within maxSurge "
        "and maxUnavailable."
    ),
    "ReplicaSet": (
        "Keeps exactly the desired number of pods of one template revision running, replacing any that fail "
        "or vanish. A Deployment makes one per revision and scales them; one rarely makes them by hand."
    ),
    "StatefulSet": (
        "Runs pods that each keep their name (web-0, web-1, …) and their own volume claim across restarts "
        "and moves, started and updated in order."
    ),
    "DaemonSet": (
        "Runs one copy of a pod on every node (or every node that matches), such as kube-proxy or a CNI agent."
    ),
    "Job": "Runs pods until a number of them have succeeded, retrying failures up to a limit; then it is complete.",
    "Service": (
        "A stable name and virtual IP for a changing set of pods chosen by a label selector: kube-proxy on every "
        "node sends its traffic to one of the pods that are ready."
    ),
    "EndpointSlice": (
        "The list of a Service's pods with their addresses and whether each is ready, serving or terminating, "
        "kept by the control plane's EndpointSlice controller as pods come, go and change readiness."
    ),
    "PersistentVolumeClaim": (
        "A pod's request for storage (a size, an access mode, a storage class). It binds to a PersistentVolume, "
        "whose data outlives the pods that mount it and can follow a pod to another node."
    ),
    "PersistentVolume": (
        "A piece of storage in the cluster (a cloud disk, an NFS share, a local disk), provisioned by an "
        "administrator or by a storage class, bound to one claim at a time."
    ),
}
"""What each kind of object is for, in a sentence or two (the panels; Korean in dashboard.access.i18n)."""
