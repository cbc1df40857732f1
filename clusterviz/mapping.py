"""The one boundary from Kubernetes API objects (raw JSON dicts) to the view model of :mod:`clusterviz.wire`.

Safety: views are built from an allow-list of fields, never by copying. Nothing from env, command, args,
annotations, managedFields or termination messages enters a view. Every string taken from an object is
capped (``…`` marks a cut) and every list or map is bounded, so a hostile object cannot blow up memory.

Robustness: the functions accept any JSON-ish value where the API has an object, tolerate missing and null
fields (an object may have no status at all) and never raise. A bad quantity counts as 0.

Speed: :func:`map_pod` runs for every pod of a large cluster at startup (150,000 of them), so it reads each
field once, uses no deepcopy and no per-field regex.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, Final, Literal, Protocol, TypedDict

from clusterviz.events import RawObject
from clusterviz.quantity import bytes_of, cpu_millicores
from clusterviz.wire import (
    Condition,
    ConditionStatus,
    ContainerView,
    LastState,
    NodeCondition,
    NodeView,
    OwnerView,
    PodCondition,
    PodView,
    Resources,
    Taint,
    VolumeView,
)

__all__ = [
    "LeaseView",
    "OwnerResolver",
    "map_lease",
    "map_node",
    "map_node_conditions",
    "map_pod",
    "map_pod_conditions",
    "parse_time",
    "pod_failing",
    "pod_status_class",
    "replicaset_of",
    "revision_annotation",
]

# ---------------------------------------------------------------------------------------------- caps

MAX_LABELS: Final = 64
MAX_LABEL_KEY: Final = 253 + 1 + 63  # the longest valid key: DNS-subdomain prefix, "/", name
MAX_LABEL_VALUE: Final = 63 * 4  # 4x the API's limit: valid values are never cut, unvalidated ones are bounded
MAX_NAME: Final = 253  # object names (DNS subdomain)
MAX_SHORT: Final = 128  # reasons, kinds, versions, phases
MAX_IMAGE: Final = 512
MAX_MESSAGE: Final = 1024
MAX_CONTAINERS: Final = 64  # per pod, init containers included; counts still cover them all
MAX_VOLUMES: Final = 128
MAX_TAINTS: Final = 64
MAX_ROLES: Final = 16
MAX_CONDITIONS: Final = 32

ELLIPSIS: Final = "…"

_EMPTY: Final[dict[str, Any]] = {}
_NO_ITEMS: Final[tuple[Any, ...]] = ()


def _cap(value: object, limit: int) -> str:
    """``value`` if it is a short enough string; cut with "…" if too long; "" if not a string."""
    if type(value) is not str:
        return ""
    if len(value) <= limit:
        return value
    return value[: limit - 1] + ELLIPSIS


def _dict(value: object) -> dict[str, Any]:
    return value if type(value) is dict else _EMPTY


def _list(value: object) -> list[Any] | tuple[Any, ...]:
    return value if type(value) is list else _NO_ITEMS


def _int(value: object) -> int:
    return value if type(value) is int else 0


def _labels(value: object) -> dict[str, str]:
    """At most MAX_LABELS labels (in the object's order), keys and values capped; non-strings dropped."""
    if type(value) is not dict or not value:
        return {}
    out: dict[str, str] = {}
    for key, val in value.items():
        if type(key) is not str or type(val) is not str:
            continue
        if len(key) > MAX_LABEL_KEY:
            key = key[: MAX_LABEL_KEY - 1] + ELLIPSIS
        if len(val) > MAX_LABEL_VALUE:
            val = val[: MAX_LABEL_VALUE - 1] + ELLIPSIS
        out[key] = val
        if len(out) >= MAX_LABELS:
            break
    return out


def parse_time(value: object) -> float | None:
    """Epoch seconds of an RFC 3339 timestamp ("2026-01-01T00:00:00Z", with or without fractional
    seconds or an offset); None when absent or unparseable."""
    if type(value) is not str or not value or len(value) > 64:
        return None
    try:
        if value[-1] in "Zz":
            value = value[:-1] + "+00:00"
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:  # the API always says UTC; be explicit rather than use local time
        return moment.replace(tzinfo=UTC).timestamp()
    return moment.timestamp()


# Quantities repeat across a cluster ("100m", "128Mi"): a plain dict lookup beats re-parsing. The caches are
# bounded (a hostile stream of distinct quantities only makes them start over).
_CPU_CACHE: dict[str, int] = {}
_AMOUNT_CACHE: dict[str, int] = {}
_CACHE_LIMIT: Final = 4096


def _millicores(value: object) -> int:
    if type(value) is str:
        cached = _CPU_CACHE.get(value)
        if cached is not None:
            return cached
        try:
            result = cpu_millicores(value)
        except ValueError:
            result = 0
        if len(_CPU_CACHE) >= _CACHE_LIMIT:
            _CPU_CACHE.clear()
        _CPU_CACHE[value] = result
        return result
    if type(value) is int:
        return value * 1000
    return 0


def _amount(value: object) -> int:
    if type(value) is str:
        cached = _AMOUNT_CACHE.get(value)
        if cached is not None:
            return cached
        try:
            result = bytes_of(value)
        except ValueError:
            result = 0
        if len(_AMOUNT_CACHE) >= _CACHE_LIMIT:
            _AMOUNT_CACHE.clear()
        _AMOUNT_CACHE[value] = result
        return result
    if type(value) is int:
        return value
    return 0


# ---------------------------------------------------------------------------------------------- nodes

_ROLE_PREFIX: Final = "node-role.kubernetes.io/"
_LEGACY_ROLE: Final = "kubernetes.io/role"
_CONTROL_PLANE_ROLES: Final = frozenset(("control-plane", "master"))
_NODE_CONDITIONS: Final = ("MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable")
_CONDITION_STATUSES: Final[dict[object, ConditionStatus]] = {"True": "True", "False": "False", "Unknown": "Unknown"}


def _roles(labels: dict[str, Any]) -> list[str]:
    roles: set[str] = set()
    for key, val in labels.items():
        if type(key) is not str:
            continue
        if key.startswith(_ROLE_PREFIX):
            role = key[len(_ROLE_PREFIX) :]
            if role:
                roles.add(_cap(role, 63))
        elif key == _LEGACY_ROLE and type(val) is str and val:
            roles.add(_cap(val, 63))
        if len(roles) >= MAX_ROLES:
            break
    ordered = sorted(roles)
    if "control-plane" in roles:
        ordered.remove("control-plane")
        ordered.insert(0, "control-plane")
    return ordered


def map_node(raw: RawObject) -> NodeView:
    """A Node object as a :class:`NodeView`; ``requested`` is zero and ``agents`` empty (the store fills them)."""
    meta = _dict(raw.get("metadata")) if type(raw) is dict else _EMPTY
    spec = _dict(raw.get("spec")) if type(raw) is dict else _EMPTY
    status = _dict(raw.get("status")) if type(raw) is dict else _EMPTY
    raw_labels = _dict(meta.get("labels"))
    roles = _roles(raw_labels)

    ready: ConditionStatus = "Unknown"
    conditions: dict[str, ConditionStatus] = {}
    for cond in _list(status.get("conditions")):
        cond = _dict(cond)
        kind = cond.get("type")
        state = _CONDITION_STATUSES.get(cond.get("status"), "Unknown")
        if kind == "Ready":
            ready = state
        elif kind in _NODE_CONDITIONS:
            conditions[kind] = state

    taints: list[Taint] = []
    for taint in _list(spec.get("taints"))[:MAX_TAINTS]:
        taint = _dict(taint)
        taints.append(
            {
                "key": _cap(taint.get("key"), MAX_LABEL_KEY),
                "value": _cap(taint.get("value"), MAX_LABEL_VALUE),
                "effect": _cap(taint.get("effect"), MAX_SHORT),
            }
        )

    info = _dict(status.get("nodeInfo"))
    alloc = _dict(status.get("allocatable"))
    return {
        "name": _cap(meta.get("name"), MAX_NAME),
        "roles": roles,
        "controlPlane": not _CONTROL_PLANE_ROLES.isdisjoint(roles),
        "ready": ready,
        "conditions": conditions,
        "unschedulable": spec.get("unschedulable") is True,
        "taints": taints,
        "labels": _labels(raw_labels),
        "kubeletVersion": _cap(info.get("kubeletVersion"), MAX_SHORT),
        "containerRuntime": _cap(info.get("containerRuntimeVersion"), MAX_SHORT),
        "osImage": _cap(info.get("osImage"), MAX_SHORT),
        "architecture": _cap(info.get("architecture"), MAX_SHORT),
        "allocatable": {
            "cpu": _millicores(alloc.get("cpu", 0)),
            "memory": _amount(alloc.get("memory", 0)),
            "pods": _amount(alloc.get("pods", 0)),
        },
        "requested": {"cpu": 0, "memory": 0, "pods": 0},
        "usage": None,  # not in the Node object: metrics.k8s.io, filled by the store
        "agents": [],
        "createdAt": parse_time(meta.get("creationTimestamp")) or 0.0,
    }


def _condition(raw: object) -> Condition:
    cond = _dict(raw)
    status = cond.get("status")
    return {
        "type": _cap(cond.get("type"), MAX_SHORT),
        "status": _CONDITION_STATUSES.get(status, "Unknown") if type(status) is str else "Unknown",
        "reason": _cap(cond.get("reason"), MAX_SHORT),
        "message": _cap(cond.get("message"), MAX_MESSAGE),
    }


def map_node_conditions(raw: RawObject) -> list[NodeCondition]:
    """A Node's conditions with their reason, message and times: the node panel's "why" (not in the NodeView
    the map loads, where the heartbeat would make every status report a change)."""
    status = _dict(raw.get("status")) if type(raw) is dict else _EMPTY
    out: list[NodeCondition] = []
    for cond in _list(status.get("conditions"))[:MAX_CONDITIONS]:
        times = _dict(cond)
        out.append(
            {
                **_condition(cond),
                "lastHeartbeatAt": parse_time(times.get("lastHeartbeatTime")),
                "lastTransitionAt": parse_time(times.get("lastTransitionTime")),
            }
        )
    return out


# ---------------------------------------------------------------------------------------------- leases


class LeaseView(TypedDict):
    """A coordination.k8s.io/v1 Lease: leader election, node heartbeats, API server identity."""

    namespace: str
    name: str
    holder: str  # spec.holderIdentity; "" when nobody holds it
    renewTime: float | None  # epoch seconds
    durationSeconds: int | None  # spec.leaseDurationSeconds
    labels: dict[str, str]


def map_lease(raw: RawObject) -> LeaseView:
    meta = _dict(raw.get("metadata")) if type(raw) is dict else _EMPTY
    spec = _dict(raw.get("spec")) if type(raw) is dict else _EMPTY
    duration = spec.get("leaseDurationSeconds")
    return {
        "namespace": _cap(meta.get("namespace"), MAX_NAME),
        "name": _cap(meta.get("name"), MAX_NAME),
        "holder": _cap(spec.get("holderIdentity"), MAX_NAME),
        "renewTime": parse_time(spec.get("renewTime")),
        "durationSeconds": duration if type(duration) is int else None,
        "labels": _labels(meta.get("labels")),
    }


# ---------------------------------------------------------------------------------------------- pods


class OwnerResolver(Protocol):
    def deployment_of(self, namespace: str, replicaset: str) -> str | None:
        """The name of the Deployment that controls ReplicaSet ``namespace/replicaset``, if any."""
        ...

    def revision_of(self, namespace: str, replicaset: str) -> int | None:
        """The ReplicaSet's ``deployment.kubernetes.io/revision``, if it has one."""
        ...


StatusClass = Literal["running", "pending", "succeeded", "failed", "terminating", "unknown"]

# Display statuses (kubectl's STATUS column) that mean "not there yet, no fault known".
_PENDING_STATUSES: Final = frozenset(("Pending", "ContainerCreating", "PodInitializing", "SchedulingGated"))
# Display statuses that mean something went wrong: container waiting/terminated reasons and pod reasons.
_FAILED_STATUSES: Final = frozenset(
    (
        "Failed",
        "Error",
        "Evicted",
        "OOMKilled",
        "CrashLoopBackOff",
        "ImagePullBackOff",
        "ErrImagePull",
        "ErrImageNeverPull",
        "InvalidImageName",
        "ImageInspectError",
        "RegistryUnavailable",
        "SignatureValidationFailed",
        "CreateContainerConfigError",
        "CreateContainerError",
        "RunContainerError",
        "PreStartHookError",
        "PostStartHookError",
        "ContainerCannotRun",
        "StartError",
        "ContainerStatusUnknown",
        "DeadlineExceeded",
        "UnexpectedAdmissionError",
        "NodeAffinity",
        "OutOfcpu",
        "OutOfmemory",
        "OutOfpods",
    )
)
_PHASE_CLASS: Final[dict[str, StatusClass]] = {
    "Pending": "pending",
    "Running": "running",
    "Succeeded": "succeeded",
    "Failed": "failed",
}


def pod_status_class(status: str, phase: str, ready: int, total: int) -> StatusClass:
    """Bucket a kubectl display status for colouring.

    * ``terminating``: "Terminating". ``unknown``: "Unknown" (NodeLost, node unreachable) or nothing to go on.
    * ``running``: "Running" with every container ready (ready == total > 0).
    * ``pending``: Pending, ContainerCreating, PodInitializing, SchedulingGated, progress of init containers
      ("Init:0/2", "Init:ContainerCreating"); and also a *Running pod whose containers are not all ready*
      ("Running" with ready < total, or kubectl's "NotReady"). Such a pod is up but not serving yet, or
      failing its readiness probe: nothing has crashed (a crashing container would show CrashLoopBackOff and
      land in ``failed``), so it is drawn as "not there yet" rather than as a failure.
    * ``failed``: container and pod failure reasons (CrashLoopBackOff, ImagePullBackOff, ErrImagePull, Error,
      OOMKilled, CreateContainerConfigError, Evicted, ...), "ExitCode:N", "Signal:N", and the same behind
      "Init:" ("Init:CrashLoopBackOff", "Init:Error", "Init:ExitCode:1").
    * ``succeeded``: "Completed" and "Succeeded" (unless the phase is Failed).
    * anything else falls back to the phase: Pending → pending, Running → running when all ready (else
      pending), Succeeded → succeeded, Failed → failed, otherwise unknown.
    """
    if status == "Terminating":
        return "terminating"
    if status == "Unknown":
        return "unknown"
    if status == "Running" or status == "NotReady":
        return "running" if status == "Running" and 0 < total == ready else "pending"
    if status == "Completed" or status == "Succeeded":
        return "failed" if phase == "Failed" else "succeeded"
    if status.startswith("Init:"):
        inner = status[5:]
        if inner in _FAILED_STATUSES or inner.startswith(("ExitCode:", "Signal:")):
            return "failed"
        return "pending"
    if status in _PENDING_STATUSES:
        return "pending"
    if status in _FAILED_STATUSES or status.startswith(("ExitCode:", "Signal:")):
        return "failed"
    bucket = _PHASE_CLASS.get(phase, "unknown")
    if bucket == "running" and not 0 < total == ready:
        return "pending"
    return bucket


FAILING_WORDS: Final = re.compile(
    r"BackOff|Err|Error|OOMKilled|Evicted|CreateContainer|InvalidImageName|DeadlineExceeded|Failed"
)


def pod_failing(status: str, status_class: str) -> bool:
    """Whether a pod counts as failing (the map's and the wall's "Failing", the wall's problem list, the history's
    "pod failed" events): its class is ``failed``, or its status words name a failure while it is not Running or
    Completed (a ``pending`` "ImagePullBackOff" or "CreateContainerConfigError"). Decided here only: the pods carry
    it on the wire as ``failing``."""
    return status_class == "failed" or (status not in ("Running", "Completed") and bool(FAILING_WORDS.search(status)))


def _terminated_reason(terminated: dict[str, Any], prefix: str) -> str:
    reason = terminated.get("reason")
    if type(reason) is str and reason:
        return prefix + _cap(reason, MAX_SHORT)
    signal = _int(terminated.get("signal"))
    if signal:
        return f"{prefix}Signal:{signal}"
    return f"{prefix}ExitCode:{_int(terminated.get('exitCode'))}"


def _last_state(status: dict[str, Any]) -> LastState | None:
    terminated = _dict(status.get("lastState")).get("terminated")
    if type(terminated) is not dict:
        return None
    return {
        "reason": _terminated_reason(terminated, ""),
        "exitCode": _int(terminated.get("exitCode")),
        "finishedAt": parse_time(terminated.get("finishedAt")),
    }


def _container_view(
    spec: dict[str, Any], status: dict[str, Any] | None, init: bool, pod_pending: bool
) -> ContainerView:
    view: ContainerView = {
        "name": _cap(spec.get("name"), MAX_NAME),
        "image": _cap(spec.get("image"), MAX_IMAGE),
        "ready": False,
        "state": "waiting" if pod_pending else "unknown",  # no status yet: a Pending pod's has not started
        "reason": "",
        "restarts": 0,
        "init": init,
        "exitCode": None,
        "startedAt": None,
        "lastState": None,
    }
    if status is not None:
        _container_status(view, status)
    return view


def _container_status(view: ContainerView, status: dict[str, Any]) -> None:
    """What the kubelet reports of a container: its current state, when it started, how the last run ended."""
    cstate = _dict(status.get("state"))
    waiting, terminated, running = cstate.get("waiting"), cstate.get("terminated"), cstate.get("running")
    view["state"] = "unknown"
    if type(waiting) is dict:
        view["state"], view["reason"] = "waiting", _cap(waiting.get("reason"), MAX_SHORT)
    elif type(terminated) is dict:
        view["state"], view["reason"] = "terminated", _terminated_reason(terminated, "")
        view["exitCode"] = _int(terminated.get("exitCode"))
        view["startedAt"] = parse_time(terminated.get("startedAt"))
    elif type(running) is dict:
        view["state"], view["startedAt"] = "running", parse_time(running.get("startedAt"))
    view["ready"] = status.get("ready") is True
    view["restarts"] = _int(status.get("restartCount"))
    view["lastState"] = _last_state(status)


def _by_name(statuses: object) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for st in _list(statuses):
        if type(st) is dict:
            name = st.get("name")
            if type(name) is str:
                out[name] = st
    return out


def _display_status(
    phase: str,
    status: dict[str, Any],
    init_specs: list[Any] | tuple[Any, ...],
    deleting: bool,
) -> tuple[str, int, int]:
    """kubectl's STATUS, the ready-container count and the restart count, following printPod
    (k8s.io/kubernetes pkg/printers/internalversion/printers.go), sidecars included."""
    reason = phase
    pod_reason = status.get("reason")
    if type(pod_reason) is str and pod_reason:
        reason = _cap(pod_reason, MAX_SHORT)

    conditions = _list(status.get("conditions"))
    initialized = False
    pod_ready = False
    for cond in conditions:
        if type(cond) is not dict:
            continue
        ctype = cond.get("type")
        if ctype == "PodScheduled":
            if cond.get("reason") == "SchedulingGated":
                reason = "SchedulingGated"
        elif ctype == "Initialized":
            initialized = cond.get("status") == "True"
        elif ctype == "Ready":
            pod_ready = cond.get("status") == "True"

    restartable: set[str] = set()
    for c in init_specs:
        if type(c) is dict and c.get("restartPolicy") == "Always":
            name = c.get("name")
            if type(name) is str:
                restartable.add(name)

    ready = 0
    restarts = 0
    sidecar_restarts = 0
    initializing = False
    init_statuses = _list(status.get("initContainerStatuses"))
    for i, cs in enumerate(init_statuses):
        if type(cs) is not dict:
            continue
        count = _int(cs.get("restartCount"))
        restarts += count
        is_sidecar = cs.get("name") in restartable
        if is_sidecar:
            sidecar_restarts += count
        state = _dict(cs.get("state"))
        terminated = state.get("terminated")
        waiting = state.get("waiting")
        if type(terminated) is dict and _int(terminated.get("exitCode")) == 0:
            continue  # finished successfully
        if is_sidecar and cs.get("started") is True:
            if cs.get("ready") is True:
                ready += 1
            continue  # a started sidecar does not hold up initialization
        waiting_reason = _dict(waiting).get("reason")
        if type(terminated) is dict:
            reason = _terminated_reason(terminated, "Init:")
        elif type(waiting_reason) is str and waiting_reason not in ("", "PodInitializing"):
            reason = "Init:" + _cap(waiting_reason, MAX_SHORT)
        else:
            reason = f"Init:{i}/{len(init_specs)}"
        initializing = True
        break

    if not initializing or initialized:
        restarts = sidecar_restarts
        has_running = False
        statuses = _list(status.get("containerStatuses"))
        for cs in reversed(statuses):  # the first container's reason wins, as in kubectl
            if type(cs) is not dict:
                continue
            restarts += _int(cs.get("restartCount"))
            state = _dict(cs.get("state"))
            waiting = state.get("waiting")
            terminated = state.get("terminated")
            if type(waiting) is dict and type(waiting.get("reason")) is str and waiting["reason"]:
                reason = _cap(waiting["reason"], MAX_SHORT)
            elif type(terminated) is dict:
                reason = _terminated_reason(terminated, "")
            elif cs.get("ready") is True and type(state.get("running")) is dict:
                has_running = True
                ready += 1
        # A container that completed while another still runs: the pod is Running (or NotReady).
        if reason == "Completed" and has_running:
            reason = "Running" if pod_ready else "NotReady"

    if deleting:
        if pod_reason == "NodeLost":
            reason = "Unknown"
        elif phase not in ("Succeeded", "Failed"):
            reason = "Terminating"
    return reason, ready, restarts


_QOS: Final = frozenset(("Guaranteed", "Burstable", "BestEffort"))
_QOS_RESOURCES: Final = ("cpu", "memory")


def _add_requests(total: list[int], requests: dict[str, Any]) -> None:
    if requests:
        cpu = requests.get("cpu")
        if cpu is not None:
            total[0] += _millicores(cpu)
        mem = requests.get("memory")
        if mem is not None:
            total[1] += _amount(mem)


def _effective_requests(
    spec: dict[str, Any], containers: list[Any] | tuple[Any, ...], inits: list[Any] | tuple[Any, ...]
) -> Resources:
    """The pod's requests as the scheduler counts them: the larger of (regular containers + sidecars) and,
    for each classic init container, its own request plus the sidecars started before it; plus overhead.
    Pod-level resources (spec.resources.requests), when set, take the place of the container sums."""
    pod_level = _dict(_dict(spec.get("resources")).get("requests"))
    regular = [0, 0]
    if pod_level:
        _add_requests(regular, pod_level)
        cpu, mem = regular
    else:
        for c in containers:
            if type(c) is dict:
                _add_requests(regular, _dict(_dict(c.get("resources")).get("requests")))
        sidecars = [0, 0]
        init_peak = [0, 0]
        for c in inits:
            if type(c) is not dict:
                continue
            req = _dict(_dict(c.get("resources")).get("requests"))
            if c.get("restartPolicy") == "Always":
                _add_requests(sidecars, req)
                # a sidecar's start is itself a moment when it and the earlier sidecars run together
                init_peak[0] = max(init_peak[0], sidecars[0])
                init_peak[1] = max(init_peak[1], sidecars[1])
            else:
                one = [sidecars[0], sidecars[1]]
                _add_requests(one, req)
                init_peak[0] = max(init_peak[0], one[0])
                init_peak[1] = max(init_peak[1], one[1])
        cpu = max(regular[0] + sidecars[0], init_peak[0])
        mem = max(regular[1] + sidecars[1], init_peak[1])
    overhead = _dict(spec.get("overhead"))
    if overhead:
        extra = [0, 0]
        _add_requests(extra, overhead)
        cpu += extra[0]
        mem += extra[1]
    return {"cpu": cpu, "memory": mem, "pods": 1}


def _qos_class(containers: list[Any] | tuple[Any, ...], inits: list[Any] | tuple[Any, ...]) -> str:
    """Kubernetes' GetPodQOS over cpu and memory, for objects whose status does not carry qosClass.

    A missing request defaults to the limit, as API defaulting would have set it.
    """
    requests = [0, 0]
    limits = [0, 0]
    has_request = [False, False]
    has_limit = [False, False]
    guaranteed = True
    for group in (containers, inits):
        for c in group:
            if type(c) is not dict:
                continue
            res = _dict(c.get("resources"))
            req = _dict(res.get("requests"))
            lim = _dict(res.get("limits"))
            for i, name in enumerate(_QOS_RESOURCES):
                convert = _millicores if i == 0 else _amount
                limit = convert(lim[name]) if name in lim else 0
                request = convert(req[name]) if name in req else limit
                if request:
                    has_request[i] = True
                    requests[i] += request
                if limit:
                    has_limit[i] = True
                    limits[i] += limit
                else:
                    guaranteed = False
    if not any(has_request) and not any(has_limit):
        return "BestEffort"
    if guaranteed and has_request == has_limit and requests == limits:
        return "Guaranteed"
    return "Burstable"


def _owner(meta: dict[str, Any], namespace: str, node: str | None, owners: OwnerResolver) -> OwnerView | None:
    refs = _list(meta.get("ownerReferences"))
    chosen: dict[str, Any] | None = None
    for ref in refs:
        if type(ref) is dict:
            if ref.get("controller") is True:
                chosen = ref
                break
            if chosen is None:
                chosen = ref
    if chosen is None:
        # A static pod's mirror carries the config.mirror annotation (read here, never copied to the view).
        if node and "kubernetes.io/config.mirror" in _dict(meta.get("annotations")):
            return {"kind": "Node", "name": node}
        return None
    kind = _cap(chosen.get("kind"), MAX_SHORT)
    name = _cap(chosen.get("name"), MAX_NAME)
    if kind == "ReplicaSet" and name:
        try:
            deployment = owners.deployment_of(namespace, name)
        except Exception:  # a resolver's failure must not stop the mapping
            deployment = None
        if type(deployment) is str and deployment:
            return {"kind": "Deployment", "name": _cap(deployment, MAX_NAME)}
    return {"kind": kind, "name": name}


def replicaset_of(meta: dict[str, Any]) -> str | None:
    """The name of the ReplicaSet that controls a pod (its controller reference), if one does."""
    for ref in _list(meta.get("ownerReferences")):
        if type(ref) is dict and ref.get("controller") is True:
            name = ref.get("name")
            return name if ref.get("kind") == "ReplicaSet" and type(name) is str and name else None
    return None


def _revision(meta: dict[str, Any], namespace: str, owners: OwnerResolver) -> int | None:
    replicaset = replicaset_of(meta)
    if replicaset is None:
        return None
    try:
        revision = owners.revision_of(namespace, replicaset)
    except Exception:  # a resolver without revisions, or a failing one, must not stop the mapping
        return None
    return revision if type(revision) is int else None


def revision_annotation(meta: dict[str, Any]) -> int | None:
    """``deployment.kubernetes.io/revision`` of a ReplicaSet (read here, never copied into a view)."""
    value = _dict(meta.get("annotations")).get("deployment.kubernetes.io/revision")
    if type(value) is not str or not value.isdigit() or len(value) > 18:
        return None
    return int(value)


def _message(status: dict[str, Any], conditions: list[Any] | tuple[Any, ...]) -> str:
    message = status.get("message")
    if type(message) is str and message:
        return _cap(message, MAX_MESSAGE)
    for cond in conditions:
        if type(cond) is dict and cond.get("type") == "PodScheduled" and cond.get("status") == "False":
            return _cap(cond.get("message"), MAX_MESSAGE)
    return ""


def _readiness_gates(spec: dict[str, Any]) -> set[str]:
    gates = (_dict(g).get("conditionType") for g in _list(spec.get("readinessGates"))[:MAX_CONDITIONS])
    return {_cap(g, MAX_SHORT) for g in gates if type(g) is str and g}


def map_pod_conditions(raw: RawObject) -> list[PodCondition]:
    """A Pod's conditions with their reason and message, each marked when a readiness gate adds it: the pod
    panel's "why" (the store keeps them beside the PodView, which history and exports share)."""
    if type(raw) is not dict:
        return []
    gates = _readiness_gates(_dict(raw.get("spec")))
    conditions = _list(_dict(raw.get("status")).get("conditions"))[:MAX_CONDITIONS]
    out: list[PodCondition] = []
    for cond in conditions:
        view = _condition(cond)
        out.append({**view, "readinessGate": view["type"] in gates})
    return out


def _volumes(spec: dict[str, Any]) -> list[VolumeView]:
    out: list[VolumeView] = []
    for vol in _list(spec.get("volumes"))[:MAX_VOLUMES]:
        if type(vol) is not dict:
            continue
        kind = ""
        for key in vol:  # the one key beside "name" names the volume source
            if key != "name" and type(key) is str:
                kind = _cap(key, MAX_SHORT)
                break
        view: VolumeView = {"name": _cap(vol.get("name"), MAX_NAME), "kind": kind}
        claim = _cap(_dict(vol.get("persistentVolumeClaim")).get("claimName"), MAX_NAME)
        if claim:
            view["claim"] = claim
        out.append(view)
    return out


def map_pod(raw: RawObject, owners: OwnerResolver) -> PodView:
    """A Pod object as a :class:`PodView` (see :func:`pod_status_class` for ``statusClass``).

    Never raises: on an object too odd for the mapping, a minimal view with status "Unknown" comes back.
    """
    try:
        return _map_pod(raw, owners)
    except Exception:  # the last line of defence against a shape nobody foresaw
        meta = _dict(raw.get("metadata")) if type(raw) is dict else _EMPTY
        return {
            "uid": _cap(meta.get("uid"), MAX_SHORT),
            "name": _cap(meta.get("name"), MAX_NAME),
            "namespace": _cap(meta.get("namespace"), MAX_NAME),
            "node": None,
            "phase": "Unknown",
            "status": "Unknown",
            "statusClass": "unknown",
            "failing": False,
            "readyContainers": 0,
            "totalContainers": 0,
            "restarts": 0,
            "owner": None,
            "qosClass": "",
            "containers": [],
            "volumes": [],
            "labels": {},
            "requests": {"cpu": 0, "memory": 0, "pods": 1},
            "usage": None,
            "message": "",
            "createdAt": 0.0,
            "revision": None,
        }


def _map_pod(raw: RawObject, owners: OwnerResolver) -> PodView:
    meta = _dict(raw.get("metadata"))
    spec = _dict(raw.get("spec"))
    status = _dict(raw.get("status"))

    namespace = _cap(meta.get("namespace"), MAX_NAME)
    node = _cap(spec.get("nodeName"), MAX_NAME) or None
    phase = _cap(status.get("phase"), MAX_SHORT) or "Pending"  # the API sets Pending on create
    containers = _list(spec.get("containers"))
    inits = _list(spec.get("initContainers"))
    conditions = _list(status.get("conditions"))

    display, ready, restarts = _display_status(phase, status, inits, meta.get("deletionTimestamp") is not None)
    total = len(containers)
    for c in inits:
        if type(c) is dict and c.get("restartPolicy") == "Always":
            total += 1

    pod_pending = phase == "Pending"
    views: list[ContainerView] = []
    if inits:
        by_name = _by_name(status.get("initContainerStatuses"))
        for c in inits[:MAX_CONTAINERS]:
            if type(c) is dict:
                views.append(_container_view(c, by_name.get(c.get("name")), True, pod_pending))  # type: ignore[arg-type]
    by_name = _by_name(status.get("containerStatuses"))
    for c in containers[: MAX_CONTAINERS - len(views)]:
        if type(c) is dict:
            views.append(_container_view(c, by_name.get(c.get("name")), False, pod_pending))  # type: ignore[arg-type]

    qos = status.get("qosClass")
    status_class = pod_status_class(display, phase, ready, total)
    return {
        "uid": _cap(meta.get("uid"), MAX_SHORT),
        "name": _cap(meta.get("name"), MAX_NAME),
        "namespace": namespace,
        "node": node,
        "phase": phase,
        "status": display,
        "statusClass": status_class,
        "failing": pod_failing(display, status_class),
        "readyContainers": ready,
        "totalContainers": total,
        "restarts": restarts,
        "owner": _owner(meta, namespace, node, owners),
        "qosClass": qos if qos in _QOS else _qos_class(containers, inits),
        "containers": views,
        "volumes": _volumes(spec),
        "labels": _labels(meta.get("labels")),
        "requests": _effective_requests(spec, containers, inits),
        "usage": None,  # not in the Pod object: metrics.k8s.io, filled by the store
        "message": _message(status, conditions),
        "createdAt": parse_time(meta.get("creationTimestamp")) or 0.0,
        "revision": _revision(meta, namespace, owners),
    }
