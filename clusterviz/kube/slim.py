"""Slim copies of API objects, made at the boundary: only the fields :mod:`clusterviz.mapping` reads.

A watch keeps objects in flight (queues, relists) and a pod's spec can be huge (env values, commands,
managedFields): none of that crosses into the rest of the program. A shape says what to keep: ``True``
keeps a value as it is, a dict keeps only its keys (recursively, element-wise for lists), a callable
computes the kept value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final, TypeAlias

from clusterviz.events import RawObject

__all__ = ["SHAPES", "slim"]

Shape: TypeAlias = "bool | Callable[[Any], Any] | Mapping[str, Shape]"

MIRROR_ANNOTATION: Final = "kubernetes.io/config.mirror"
"""The one annotation the mapping reads (a static pod's mirror); every other annotation is dropped."""

MAX_EVENT_MESSAGE: Final = 1024


def _mirror_only(annotations: Any) -> Any:
    if isinstance(annotations, dict) and MIRROR_ANNOTATION in annotations:
        return {MIRROR_ANNOTATION: ""}  # its presence is what counts; the value is a hash
    return None


REVISION_ANNOTATION: Final = "deployment.kubernetes.io/revision"
"""A ReplicaSet's revision within its Deployment: it tells a rollout's old pods from the new ones."""


def _revision_only(annotations: Any) -> Any:
    if isinstance(annotations, dict) and isinstance(annotations.get(REVISION_ANNOTATION), str):
        return {REVISION_ANNOTATION: annotations[REVISION_ANNOTATION][:20]}
    return None


def _volume(volume: Any) -> Any:
    """A volume's name and the key that names its source ({"name": "data", "configMap": {}}); of a claim, its
    name too (the pod panel links it): never a Secret's or a ConfigMap's name or items."""
    if not isinstance(volume, dict):
        return None
    out: dict[str, Any] = {"name": volume.get("name")}
    for key in volume:
        if key != "name":
            source = volume[key]
            claim = source.get("claimName") if key == "persistentVolumeClaim" and isinstance(source, dict) else None
            out[key] = {"claimName": claim} if isinstance(claim, str) else {}
            break
    return out


def _capped(text: Any) -> Any:
    return text[:MAX_EVENT_MESSAGE] if isinstance(text, str) else None


_OWNER: Final[Shape] = {"apiVersion": True, "kind": True, "name": True, "uid": True, "controller": True}
_META: Final[Shape] = {
    "name": True,
    "namespace": True,
    "uid": True,
    "resourceVersion": True,
    "creationTimestamp": True,
    "deletionTimestamp": True,
    "labels": True,
    "ownerReferences": _OWNER,
    "annotations": _mirror_only,
}
_RESOURCES: Final[Shape] = {"requests": True, "limits": True}
_CONTAINER: Final[Shape] = {"name": True, "image": True, "resources": _RESOURCES, "restartPolicy": True}
_TERMINATED: Final[Shape] = {
    "reason": True,
    "exitCode": True,
    "signal": True,
    "startedAt": True,
    "finishedAt": True,
}  # not its message: a termination message is whatever the container wrote
_STATE: Final[Shape] = {
    "waiting": {"reason": True},
    "running": {"startedAt": True},
    "terminated": _TERMINATED,
}
_CONTAINER_STATUS: Final[Shape] = {
    "name": True,
    "ready": True,
    "started": True,
    "restartCount": True,
    "state": _STATE,
    "lastState": {"terminated": _TERMINATED},
}
_CONDITION: Final[Shape] = {"type": True, "status": True, "reason": True, "message": _capped}
_NODE_CONDITION: Final[Shape] = {
    "type": True,
    "status": True,
    "reason": True,
    "message": _capped,
    "lastHeartbeatTime": True,
    "lastTransitionTime": True,
}
_REPLICAS: Final[Shape] = {
    "replicas": True,
    "readyReplicas": True,
    "availableReplicas": True,
    "updatedReplicas": True,
    "currentNumberScheduled": True,
    "desiredNumberScheduled": True,
    "numberReady": True,
    "active": True,
    "succeeded": True,
    "failed": True,
}

SHAPES: Final[dict[str, Shape]] = {
    "Pod": {
        "metadata": _META,
        "spec": {
            "nodeName": True,
            "containers": _CONTAINER,
            "initContainers": _CONTAINER,
            "volumes": _volume,
            "overhead": True,
            "resources": _RESOURCES,
            "readinessGates": {"conditionType": True},
        },
        "status": {
            "phase": True,
            "reason": True,
            "message": _capped,
            "qosClass": True,
            "conditions": _CONDITION,
            "containerStatuses": _CONTAINER_STATUS,
            "initContainerStatuses": _CONTAINER_STATUS,
        },
    },
    "Node": {
        "metadata": _META,
        "spec": {"unschedulable": True, "taints": {"key": True, "value": True, "effect": True}},
        "status": {
            "conditions": _NODE_CONDITION,
            "allocatable": True,
            "nodeInfo": {
                "kubeletVersion": True,
                "containerRuntimeVersion": True,
                "osImage": True,
                "architecture": True,
            },
        },
    },
    "Lease": {
        "metadata": _META,
        "spec": {"holderIdentity": True, "renewTime": True, "leaseDurationSeconds": True},
    },
    "Namespace": {"metadata": _META, "status": {"phase": True}},
    "Event": {
        "metadata": _META,
        "type": True,
        "reason": True,
        "message": _capped,
        "count": True,
        "firstTimestamp": True,
        "lastTimestamp": True,
        "eventTime": True,
        "involvedObject": {"kind": True, "namespace": True, "name": True, "uid": True},
        "source": {"component": True, "host": True},
        "reportingComponent": True,
    },
}
_REVISIONED_META: Final[Shape] = {**_META, "annotations": _revision_only}  # type: ignore[dict-item]
_TEMPLATE: Final[Shape] = {"spec": {"containers": {"name": True, "image": True}}}  # images, not env or commands
_ROLLING: Final[Shape] = {"maxSurge": True, "maxUnavailable": True, "partition": True}
_STRATEGY: Final[Shape] = {"type": True, "rollingUpdate": _ROLLING}
_SELECTOR: Final[Shape] = {"matchLabels": True}
_WORKLOAD_SPEC: Final[Shape] = {
    "replicas": True,
    "parallelism": True,
    "completions": True,
    "selector": _SELECTOR,
    "strategy": _STRATEGY,
    "updateStrategy": _STRATEGY,
    "template": _TEMPLATE,
}
_WORKLOAD_STATUS: Final[Shape] = {
    **_REPLICAS,  # type: ignore[dict-item]
    "updatedNumberScheduled": True,
    "numberAvailable": True,
    "ready": True,
    "observedGeneration": True,
    "currentRevision": True,
    "updateRevision": True,
    "conditions": _CONDITION,
}
for _workload in ("Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job"):
    SHAPES[_workload] = {"metadata": _META, "spec": _WORKLOAD_SPEC, "status": _WORKLOAD_STATUS}
SHAPES["Deployment"] = {**SHAPES["Deployment"], "metadata": _REVISIONED_META}  # type: ignore[dict-item]
SHAPES["ReplicaSet"] = {**SHAPES["ReplicaSet"], "metadata": _REVISIONED_META}  # type: ignore[dict-item]


_PV_SPEC: Final[Shape] = {
    "capacity": True,
    "accessModes": True,
    "persistentVolumeReclaimPolicy": True,
    "storageClassName": True,
    "volumeMode": True,
    "claimRef": {"namespace": True, "name": True},
}
_NOT_SOURCES: Final = frozenset({"nodeAffinity", "mountOptions"})


def _volume_source(spec: Any) -> Any:
    """A PersistentVolume's spec without its source's settings (paths, servers, secret references): the source's
    name ("csi", "hostPath", "nfs", ...) and a CSI driver's name are what the claim panel says."""
    if not isinstance(spec, dict):
        return None
    kept: dict[str, Any] = _pick(spec, _PV_SPEC)
    for key, value in spec.items():
        if key not in _PV_SPEC and key not in _NOT_SOURCES and isinstance(value, dict):  # type: ignore[operator]
            driver = value.get("driver")
            kept[key] = {"driver": driver[:253]} if isinstance(driver, str) else {}
            break
    return kept


SHAPES["Service"] = {
    "metadata": _META,
    "spec": {
        "type": True,
        "clusterIP": True,
        "externalName": True,
        "selector": True,
        "ports": {"name": True, "protocol": True, "port": True, "targetPort": True, "nodePort": True},
    },
    "status": {"loadBalancer": {"ingress": {"ip": True, "hostname": True}}},
}
SHAPES["EndpointSlice"] = {
    "metadata": _META,
    "addressType": True,
    "endpoints": {
        "addresses": True,
        "conditions": {"ready": True, "serving": True, "terminating": True},
        "targetRef": {"kind": True, "namespace": True, "name": True, "uid": True},
        "nodeName": True,
    },
    "ports": {"name": True, "protocol": True, "port": True},
}
SHAPES["PersistentVolumeClaim"] = {
    "metadata": _META,
    "spec": {
        "accessModes": True,
        "resources": {"requests": {"storage": True}},
        "storageClassName": True,
        "volumeName": True,
        "volumeMode": True,
    },
    "status": {"phase": True, "capacity": {"storage": True}, "accessModes": True},
}
SHAPES["PersistentVolume"] = {
    "metadata": _META,
    "spec": _volume_source,
    "status": {"phase": True, "reason": True, "message": _capped},
}


def _pick(value: Any, shape: Shape) -> Any:
    if shape is True:
        return value
    if isinstance(value, list):  # shapes apply to each element of a list
        return [_pick(item, shape) for item in value]
    if callable(shape):
        return shape(value)
    if not isinstance(value, dict) or not isinstance(shape, Mapping):
        return None
    out: dict[str, Any] = {}
    for key, inner in shape.items():
        if key in value:
            kept = _pick(value[key], inner)
            if kept is not None:
                out[key] = kept
    return out


def slim(kind: str, obj: RawObject) -> RawObject:
    """The fields of ``obj`` the map needs; an unknown kind keeps its metadata only."""
    shape = SHAPES.get(kind, {"metadata": _META})
    kept = _pick(obj, shape)
    return kept if isinstance(kept, dict) else {}
