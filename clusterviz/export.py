"""The snapshot file: one moment of one cluster as JSON, written in a stable order and checked on the way in.

A document is ``{"schema": "clusterviz.snapshot/v2", "cluster", "at", "exportedAt", "state": ClusterState}``
whose pods are whole :class:`~clusterviz.wire.PodView` objects: containers (image, state, reason, exit code,
restarts, last termination, init or not) and volumes, what an incident review asks first (JSON Schema:
``clusterviz/schema/snapshot-v2.schema.json``). Version 1 (``snapshot-v1.schema.json``) held pod summaries
only; it is still read, and still written for a stored moment recorded before containers were (a v2 file with
no containers would claim the pods had none). Keys are sorted, nodes come by name, pods by
namespace/name, the control plane by name/node, one value per line: two exports diff cleanly with ``diff``.
Reading refuses, with a :class:`SnapshotError` that says why, anything that is not such a document: invalid or
truncated JSON or gzip, another schema version, files over the size limit, duplicate names, wrong types.
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Mapping
from typing import Any, TypedDict, get_args

import orjson

from clusterviz.history import pod_key
from clusterviz.wire import ClusterState, ExclusionReason, object_key

SCHEMA_V1 = "clusterviz.snapshot/v1"
SCHEMA = "clusterviz.snapshot/v2"
READS = (SCHEMA, SCHEMA_V1)
GZIP_MAGIC = b"\x1f\x8b"
DEFAULT_MAX_BYTES = 512 * 1024 * 1024
CLUSTER_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$")
STATUS_CLASSES = frozenset({"running", "pending", "succeeded", "failed", "terminating", "unknown"})


class SnapshotError(ValueError):
    """The input is not a snapshot this version can load; the message says why, for a person to read."""


class Snapshot(TypedDict):
    schema: str
    cluster: str
    at: float
    exportedAt: float
    state: ClusterState


# -- writing ---------------------------------------------------------------------------------------------------


def _process_key(p: Mapping[str, Any]) -> tuple[str, str]:
    return (str(p.get("name", "")), str(p.get("node") or ""))


def _has_containers(pods: list[Any]) -> bool:
    return all("containers" in p and "volumes" in p for p in pods)


def _v1_pod(pod: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in pod.items() if k in POD_FIELDS or k == "usage"}


def document(state: ClusterState, *, at: float | None = None, exported_at: float) -> Snapshot:
    """The export document of a state, in the stable order (the state itself is not modified): version 2 when
    every pod has its containers and volumes, else version 1 with the pod summaries."""
    v2 = _has_containers(state["pods"])
    pods = sorted(state["pods"], key=pod_key)
    ordered: ClusterState = {
        **{k: v for k, v in state.items() if k in STATE_FIELDS},  # type: ignore[typeddict-item]
        "controlPlane": sorted(state["controlPlane"], key=_process_key),
        "nodes": sorted(state["nodes"], key=lambda n: n["name"]),
        "pods": pods if v2 else [_v1_pod(p) for p in pods],
    }
    if v2 and "objects" in state:  # version 2 carries workloads, Services, claims and volumes when it has them
        ordered["objects"] = sorted(state["objects"], key=object_key)
    return {
        "schema": SCHEMA if v2 else SCHEMA_V1,
        "cluster": state["cluster"],
        "at": state["at"] if at is None else at,
        "exportedAt": exported_at,
        "state": ordered,
    }


def dumps(doc: Snapshot) -> bytes:
    """JSON bytes with sorted keys and two-space indent, ending in a newline."""
    return orjson.dumps(doc, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)


def compress(data: bytes, level: int = 1) -> bytes:
    """gzip at a fast level (an export of 150,000 pods is ~200 MB of text; level 1 keeps it to seconds)."""
    return gzip.compress(data, compresslevel=level, mtime=0)


# -- reading ---------------------------------------------------------------------------------------------------


MAX_RATIO = 200
"""Largest ratio of unpacked to packed bytes (checked once 16 MiB are unpacked): an export packs about 20 times
(measured on the fake cluster's 54,000 pods, 42 MB: 17.7x at gzip level 1, 21.2x at level 9), a gzip bomb
about a thousand times. A bomb is refused after 16 MiB, whatever the size limit."""
RATIO_FLOOR = 16 * 1024 * 1024
CHUNK = 1024 * 1024


def _gunzip(data: bytes, max_bytes: int) -> bytes:
    """Unpacked in chunks into one bounded buffer: at most ``max_bytes`` (or 16 MiB of a bomb) are ever held."""
    inflater = zlib.decompressobj(wbits=31)
    out = bytearray()
    pending = data
    try:
        while pending and not inflater.eof:
            out += inflater.decompress(pending, CHUNK)
            pending = inflater.unconsumed_tail
            _check_unpacked(len(out), len(data) - len(pending), max_bytes)
    except zlib.error as error:
        raise SnapshotError(f"the file is not valid gzip ({error})") from None
    if not inflater.eof:
        raise SnapshotError("the gzip file is truncated (it ends before its data does)")
    return bytes(out)


def _check_unpacked(unpacked: int, consumed: int, max_bytes: int) -> None:
    if unpacked > max_bytes:
        raise SnapshotError(f"the file unpacks to more than the limit of {max_bytes // (1024 * 1024)} MB")
    if unpacked > RATIO_FLOOR and unpacked > MAX_RATIO * max(consumed, 1):
        raise SnapshotError(f"the file unpacks to more than {MAX_RATIO} times its size: not a snapshot export")


def parse(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Snapshot:
    """Read a snapshot file (plain or gzip) and check it thoroughly; raise SnapshotError on anything wrong."""
    if len(data) > max_bytes:
        raise SnapshotError(f"the file is larger than the limit of {max_bytes // (1024 * 1024)} MB")
    if not data.strip():
        raise SnapshotError("the file is empty")
    if data[:2] == GZIP_MAGIC:
        data = _gunzip(data, max_bytes)
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        hint = " — is the file truncated?" if error.pos >= len(data.rstrip()) - 1 else ""
        raise SnapshotError(f"the file is not valid JSON: {error.msg} at line {error.lineno}{hint}") from None
    return validate(doc)


def validate(doc: Any) -> Snapshot:
    """Check an already-parsed document; returns it typed, or raises SnapshotError with the first problem."""
    _expect(isinstance(doc, dict), "the file is not a clusterviz snapshot (expected a JSON object)")
    version = doc.get("schema")
    _expect(version is not None, 'the file is not a clusterviz snapshot (no "schema" field)')
    _expect(
        version in READS,
        f"unsupported snapshot schema {str(version)[:80]!r}: this version reads {' and '.join(map(repr, READS))}",
    )
    _fields(doc, TOP_FIELDS, "the document")
    _expect(bool(CLUSTER_NAME.match(doc["cluster"])), f"cluster name {doc['cluster'][:80]!r} is not a valid name")
    state = doc["state"]
    _fields(state, STATE_FIELDS, "state")
    _expect(state["cluster"] == doc["cluster"], "state.cluster differs from the document's cluster")
    _fields(state["source"], SOURCE_FIELDS, "state.source")
    for i, process in enumerate(state["controlPlane"]):
        _fields(process, PROCESS_FIELDS, f"state.controlPlane[{i}]")
    _check_nodes(state["nodes"])
    _check_pods(state["pods"], version == SCHEMA)
    if version == SCHEMA and "objects" in state:
        _check_objects(state["objects"])
    return doc  # type: ignore[no-any-return]


def _check_nodes(nodes: list[Any]) -> None:
    seen: set[str] = set()
    for i, node in enumerate(nodes):
        _fields(node, NODE_FIELDS, f"state.nodes[{i}]")
        _check_name(node["name"], f"state.nodes[{i}].name")
        _check_labels(node["labels"], f"state.nodes[{i}].labels")
        for key in ("allocatable", "requested"):
            _fields(node[key], RESOURCE_FIELDS, f"state.nodes[{i}].{key}")
        _check_usage(node, f"state.nodes[{i}]")
        for j, agent in enumerate(node["agents"]):
            _fields(agent, PROCESS_FIELDS, f"state.nodes[{i}].agents[{j}]")
        _expect(node["name"] not in seen, f"duplicate node name {node['name'][:120]!r}")
        seen.add(node["name"])


def _check_usage(obj: dict[str, Any], where: str) -> None:
    """``usage`` is optional (older snapshots lack it) and may be null; when present it is {cpu, memory}."""
    usage = obj.get("usage")
    if usage is not None:
        _fields(usage, USAGE_FIELDS, f"{where}.usage")


def _check_containers(pod: dict[str, Any], where: str) -> None:
    """Version 2: every pod's containers and volumes (the revision may be absent, or null)."""
    _fields(pod, POD_V2_FIELDS, where)
    if "revision" in pod:
        _fields(pod, REVISION_FIELD, where)
    for j, container in enumerate(pod["containers"]):
        _fields(container, CONTAINER_FIELDS, f"{where}.containers[{j}]")
        if container["state"] not in CONTAINER_STATES:
            raise SnapshotError(f"{where}.containers[{j}].state {str(container['state'])[:40]!r} is unknown")
        if container["lastState"] is not None:
            _fields(container["lastState"], LAST_STATE_FIELDS, f"{where}.containers[{j}].lastState")
    for j, volume in enumerate(pod["volumes"]):
        _fields(volume, VOLUME_FIELDS, f"{where}.volumes[{j}]")


def _check_pods(pods: list[Any], v2: bool) -> None:
    names: set[tuple[str, str]] = set()
    uids: set[str] = set()
    for i, pod in enumerate(pods):
        where = f"state.pods[{i}]"
        _fields(pod, POD_FIELDS, where)
        if "failing" in pod:  # optional: files from before pods carried it
            _fields(pod, FAILING_FIELD, where)
        if v2:
            _check_containers(pod, where)
        _fields(pod["requests"], RESOURCE_FIELDS, f"{where}.requests")
        _check_usage(pod, where)
        if pod["owner"] is not None:
            _fields(pod["owner"], OWNER_FIELDS, f"{where}.owner")
        _check_name(pod["namespace"], f"{where}.namespace")
        _check_name(pod["name"], f"{where}.name")
        _check_labels(pod["labels"], f"{where}.labels")
        if pod["statusClass"] not in STATUS_CLASSES:
            raise SnapshotError(f"{where}.statusClass {str(pod['statusClass'])[:40]!r} is unknown")
        key = pod_key(pod)
        if key in names:  # messages are built only on failure: 150,000 pods are checked in well under a second
            raise SnapshotError(f"duplicate pod {key[0][:60]}/{key[1][:120]}")
        if pod["uid"] in uids:
            raise SnapshotError(f"duplicate pod uid {pod['uid'][:80]!r}")
        names.add(key)
        uids.add(pod["uid"])


def _check_objects(objects: Any) -> None:
    """Version 2's optional ``objects``: each of a known kind with its fields; no key twice."""
    _expect(type(objects) is list, "state.objects must be a list")
    keys: set[str] = set()
    for i, obj in enumerate(objects):
        where = f"state.objects[{i}]"
        _expect(type(obj) is dict and obj.get("kind") in OBJECT_FIELDS, f"{where} is not a known kind of object")
        _fields(obj, OBJECT_FIELDS[obj["kind"]], where)
        _check_name(obj["name"], f"{where}.name")
        if obj["kind"] != "PersistentVolume":
            _check_name(obj["namespace"], f"{where}.namespace")
        for key, spec in NESTED_FIELDS.get(obj["kind"], {}).items():
            _check_nested(obj[key], spec, f"{where}.{key}")
        if obj["kind"] == "Service":
            _check_reasons(obj["excluded"], f"{where}.excluded")
        for key in STRING_LISTS & obj.keys():
            _expect(all(type(v) is str for v in obj[key]), f"{where}.{key} must be a list of strings")
        if obj.get("selector"):
            _check_labels(obj["selector"], f"{where}.selector")
        key = object_key(obj)
        _expect(key not in keys, f"duplicate object {key[:200]}")
        keys.add(key)


def _check_reasons(excluded: list[Any], where: str) -> None:
    """An excluded pod's ``reason`` is optional (files from before it), one of the known ones when given."""
    for j, pod in enumerate(excluded):
        _expect(pod.get("reason", "notReady") in EXCLUSION_REASONS, f"{where}[{j}].reason is unknown")


def _check_nested(value: Any, spec: Mapping[str, tuple[type, ...]], where: str) -> None:
    for j, item in enumerate(value if type(value) is list else [value]):
        _fields(item, spec, f"{where}[{j}]" if type(value) is list else where)


def _check_name(name: str, where: str) -> None:
    """Object names become parts of addresses (panels): no ``/``, nothing empty, no control characters."""
    _expect(bool(name) and "/" not in name and name.isprintable(), f"{where} {name[:80]!r} is not an object name")


def _check_labels(labels: dict[str, Any], where: str) -> None:
    """Labels are strings to strings (nothing nested: a value 255 objects deep could not even be stored)."""
    for key, value in labels.items():
        _expect(isinstance(value, str), f"{where}.{str(key)[:60]} must be a string")


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise SnapshotError(message)


# Field specs: name → accepted JSON types. Tests keep them equal to the TypedDicts of clusterviz.wire and to
# the JSON Schema file, so the three never drift apart.
_NUM = (int, float)
_STR = (str,)
_OPT_STR = (str, type(None))
TOP_FIELDS: dict[str, tuple[type, ...]] = {
    "schema": _STR,
    "cluster": _STR,
    "at": _NUM,
    "exportedAt": _NUM,
    "state": (dict,),
}
STATE_FIELDS: dict[str, tuple[type, ...]] = {
    "cluster": _STR,
    "revision": (int,),
    "seq": (int,),
    "at": _NUM,
    "source": (dict,),
    "controlPlane": (list,),
    "nodes": (list,),
    "pods": (list,),
}
SOURCE_FIELDS: dict[str, tuple[type, ...]] = {
    "kind": _STR,
    "state": _STR,
    "reason": _STR,
    "lastEventAt": (int, float, type(None)),
    "resourceVersion": _STR,
}
PROCESS_FIELDS: dict[str, tuple[type, ...]] = {
    "name": _STR,
    "role": _STR,
    "health": _STR,
    "evidence": (list,),
    "version": _STR,
    "node": _OPT_STR,
    "pod": _OPT_STR,
}
RESOURCE_FIELDS: dict[str, tuple[type, ...]] = {"cpu": (int,), "memory": (int,), "pods": (int,)}
USAGE_FIELDS: dict[str, tuple[type, ...]] = {"cpu": (int,), "memory": (int,)}
OWNER_FIELDS: dict[str, tuple[type, ...]] = {"kind": _STR, "name": _STR}
NODE_FIELDS: dict[str, tuple[type, ...]] = {
    "name": _STR,
    "roles": (list,),
    "controlPlane": (bool,),
    "ready": _STR,
    "conditions": (dict,),
    "unschedulable": (bool,),
    "taints": (list,),
    "labels": (dict,),
    "kubeletVersion": _STR,
    "containerRuntime": _STR,
    "osImage": _STR,
    "architecture": _STR,
    "allocatable": (dict,),
    "requested": (dict,),
    "agents": (list,),
    "createdAt": _NUM,
}
POD_FIELDS: dict[str, tuple[type, ...]] = {
    "uid": _STR,
    "name": _STR,
    "namespace": _STR,
    "node": _OPT_STR,
    "phase": _STR,
    "status": _STR,
    "statusClass": _STR,
    "readyContainers": (int,),
    "totalContainers": (int,),
    "restarts": (int,),
    "owner": (dict, type(None)),
    "qosClass": _STR,
    "labels": (dict,),
    "requests": (dict,),
    "message": _STR,
    "createdAt": _NUM,
}
POD_V2_FIELDS: dict[str, tuple[type, ...]] = {"containers": (list,), "volumes": (list,)}
REVISION_FIELD: dict[str, tuple[type, ...]] = {"revision": (int, type(None))}
FAILING_FIELD: dict[str, tuple[type, ...]] = {"failing": (bool,)}
CONTAINER_STATES = frozenset({"running", "waiting", "terminated", "unknown"})
CONTAINER_FIELDS: dict[str, tuple[type, ...]] = {
    "name": _STR,
    "image": _STR,
    "ready": (bool,),
    "state": _STR,
    "reason": _STR,
    "restarts": (int,),
    "init": (bool,),
    "exitCode": (int, type(None)),
    "startedAt": (int, float, type(None)),
    "lastState": (dict, type(None)),
}
LAST_STATE_FIELDS: dict[str, tuple[type, ...]] = {
    "reason": _STR,
    "exitCode": (int,),
    "finishedAt": (int, float, type(None)),
}
VOLUME_FIELDS: dict[str, tuple[type, ...]] = {"name": _STR, "kind": _STR}
_INT = (int,)
_LIST = (list,)
CONDITION_FIELDS: dict[str, tuple[type, ...]] = {"type": _STR, "status": _STR, "reason": _STR, "message": _STR}
STRATEGY_FIELDS: dict[str, tuple[type, ...]] = {"type": _STR, "maxSurge": _STR, "maxUnavailable": _STR}
REPLICASET_FIELDS: dict[str, tuple[type, ...]] = {
    "name": _STR,
    "revision": (int, type(None)),
    "images": _LIST,
    "desired": _INT,
    "ready": _INT,
    "available": _INT,
    "createdAt": _NUM,
}
WORKLOAD_FIELDS: dict[str, tuple[type, ...]] = {
    "kind": _STR,
    "namespace": _STR,
    "name": _STR,
    "desired": _INT,
    "updated": _INT,
    "ready": _INT,
    "available": _INT,
    "active": _INT,
    "succeeded": _INT,
    "failed": _INT,
    "conditions": _LIST,
    "images": _LIST,
    "strategy": (dict,),
    "revision": (int, type(None)),
    "replicaSets": _LIST,
    "selector": (dict,),
    "createdAt": _NUM,
}
PORT_FIELDS: dict[str, tuple[type, ...]] = {
    "name": _STR,
    "protocol": _STR,
    "port": _INT,
    "targetPort": _STR,
    "nodePort": (int, type(None)),
}
ENDPOINT_FIELDS: dict[str, tuple[type, ...]] = {
    "address": _STR,
    "pod": _OPT_STR,
    "node": _OPT_STR,
    "ready": (bool,),
    "serving": (bool,),
    "terminating": (bool,),
}
EXCLUSION_REASONS = frozenset(get_args(ExclusionReason))
EXCLUDED_FIELDS: dict[str, tuple[type, ...]] = {"pod": _STR, "node": _OPT_STR, "status": _STR, "endpoint": (bool,)}
SERVICE_FIELDS: dict[str, tuple[type, ...]] = {
    "kind": _STR,
    "namespace": _STR,
    "name": _STR,
    "type": _STR,
    "clusterIP": _STR,
    "headless": (bool,),
    "externalName": _STR,
    "ports": _LIST,
    "selector": (dict, type(None)),
    "endpoints": _LIST,
    "endpointsTotal": _INT,
    "excluded": _LIST,
    "loadBalancer": _LIST,
    "createdAt": _NUM,
}
CLAIM_FIELDS: dict[str, tuple[type, ...]] = {
    "kind": _STR,
    "namespace": _STR,
    "name": _STR,
    "phase": _STR,
    "capacity": _STR,
    "requested": _STR,
    "storageClass": _STR,
    "volume": _STR,
    "accessModes": _LIST,
    "pods": _LIST,
    "createdAt": _NUM,
}
PERSISTENT_VOLUME_FIELDS: dict[str, tuple[type, ...]] = {
    "kind": _STR,
    "namespace": _STR,
    "name": _STR,
    "phase": _STR,
    "capacity": _STR,
    "storageClass": _STR,
    "claim": _STR,
    "reclaimPolicy": _STR,
    "source": _STR,
    "accessModes": _LIST,
    "createdAt": _NUM,
}
OBJECT_FIELDS: dict[str, dict[str, tuple[type, ...]]] = {
    **{kind: WORKLOAD_FIELDS for kind in ("Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet")},
    "Service": SERVICE_FIELDS,
    "PersistentVolumeClaim": CLAIM_FIELDS,
    "PersistentVolume": PERSISTENT_VOLUME_FIELDS,
}
_WORKLOAD_NESTED = {"conditions": CONDITION_FIELDS, "strategy": STRATEGY_FIELDS, "replicaSets": REPLICASET_FIELDS}
NESTED_FIELDS: dict[str, dict[str, dict[str, tuple[type, ...]]]] = {
    **{kind: _WORKLOAD_NESTED for kind in ("Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet")},
    "Service": {"ports": PORT_FIELDS, "endpoints": ENDPOINT_FIELDS, "excluded": EXCLUDED_FIELDS},
}
"""The lists and objects inside an object, checked field by field (panels render them from a replay)."""
STRING_LISTS: frozenset[str] = frozenset({"images", "accessModes", "pods", "loadBalancer"})
_TYPE_NAMES = {
    int: "an integer",
    float: "a number",
    str: "a string",
    bool: "true/false",
    dict: "an object",
    list: "a list",
    type(None): "null",
}


def _fields(obj: Any, spec: Mapping[str, tuple[type, ...]], where: str) -> None:
    """Every field of ``spec`` present with one of its types. Exact types, as parsed JSON has them: a bool is
    not an integer here. 150,000 pods with their containers pass through this, so the message is made only
    when a field is wrong."""
    _expect(type(obj) is dict, f"{where} must be an object")
    for name, types in spec.items():
        value = obj.get(name, _MISSING)
        if type(value) not in types:
            if value is _MISSING:
                raise SnapshotError(f"{where} has no field {name!r}")
            raise SnapshotError(f"{where}.{name} must be {' or '.join(_TYPE_NAMES[t] for t in types)}")


_MISSING: Any = object()
