"""Compact records of the fake cluster's objects and the builders of their Kubernetes API JSON.

The simulation (``cluster.py``) keeps small slotted records and renders the exact JSON the API server
returns (v1 Node/Pod/Namespace, apps/v1 Deployment/ReplicaSet/DaemonSet/StatefulSet, batch/v1 Job,
coordination.k8s.io/v1 Lease) only when an event or a list needs it. Zero-valued ``omitempty`` fields
are left out the way the API leaves them out, so consumers meet the real shapes.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import ClassVar

import orjson

from clusterviz.events import RawObject

K8S_VERSION = "v1.36.3"
ETCD_IMAGE = "registry.k8s.io/etcd:3.6.16-0"
CONTAINER_RUNTIME = "containerd://2.1.4"
OS_IMAGE = "Ubuntu 24.04.3 LTS"
KERNEL = "6.8.0-88-generic"
SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # k8s.io/apimachinery/pkg/util/rand
MI = 1024 * 1024
GI = 1024 * MI
SA_MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"
TERMINAL_PHASES = ("Succeeded", "Failed")


# ---------------------------------------------------------------------------------------------- formats


@lru_cache(maxsize=1 << 16)
def _seconds(t: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def rfc3339(t: float) -> str:
    """RFC3339 with whole seconds, as metav1.Time marshals."""
    return _seconds(int(t))


def rfc3339_micro(t: float) -> str:
    """RFC3339 with microseconds, as metav1.MicroTime marshals (Lease renewTime/acquireTime)."""
    micros = round(t * 1_000_000)
    secs, frac = divmod(micros, 1_000_000)
    return f"{_seconds(secs)[:-1]}.{frac:06d}Z"


def cpu_quantity(millis: int) -> str:
    return str(millis // 1000) if millis % 1000 == 0 else f"{millis}m"


def memory_quantity(value: int) -> str:
    for suffix, unit in (("Gi", GI), ("Mi", MI), ("Ki", 1024)):
        if value % unit == 0 and value >= unit:
            return f"{value // unit}{suffix}"
    return str(value)


def fnv32a(data: bytes) -> int:
    h = 0x811C9DC5
    for byte in data:
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


def safe_encode(text: str) -> str:
    """rand.SafeEncodeString: what turns a template hash into a pod-template-hash."""
    return "".join(SAFE_ALPHABET[ord(ch) % len(SAFE_ALPHABET)] for ch in text)


_PAIRS = [a + b for a in SAFE_ALPHABET for b in SAFE_ALPHABET]


def random_suffix(bits: int) -> str:
    """Five characters of the safe alphabet (27**5 values) from a 24-bit integer drawn by the caller's rng."""
    return _PAIRS[bits % 729] + _PAIRS[(bits // 729) % 729] + SAFE_ALPHABET[(bits // 531441) % 27]


def uuid_from(bits: int) -> str:
    """A version-4 UUID string from 128 random bits."""
    h = f"{(bits & ~(0xF000 << 64) | (0x4000 << 64)) & ~(0xC000 << 48) | (0x8000 << 48):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def sha256_hex(*parts: object) -> str:
    return hashlib.sha256("/".join(str(p) for p in parts).encode()).hexdigest()


@lru_cache(maxsize=4096)
def normalize_image(image: str) -> str:
    """What the container runtime reports once an image is pulled: registry and tag made explicit."""
    name, _, digest = image.partition("@")
    if digest:
        return image
    last = name.rsplit("/", 1)[-1]
    if ":" not in last:
        name += ":latest"
    first = name.split("/", 1)[0]
    if "/" not in name:
        name = f"docker.io/library/{name}"
    elif "." not in first and ":" not in first and first != "localhost":
        name = f"docker.io/{name}"
    return name


@lru_cache(maxsize=4096)
def image_id(image: str) -> str:
    repo = normalize_image(image).rsplit(":", 1)[0]
    return f"{repo}@sha256:{sha256_hex('image', image)}"


# ---------------------------------------------------------------------------------------------- specs


@dataclass(frozen=True, slots=True)
class Container:
    name: str
    image: str
    cpu: int = 0  # request, millicores
    memory: int = 0  # request, bytes
    cpu_limit: int = 0
    memory_limit: int = 0
    ports: tuple[tuple[str, int, str], ...] = ()  # (name, containerPort, protocol)
    env: tuple[tuple[str, str], ...] = ()  # literal values: never secrets
    secret_env: tuple[tuple[str, str, str], ...] = ()  # (env name, secret name, key)
    mounts: tuple[tuple[str, str, bool], ...] = ()  # (volume, mountPath, readOnly)
    args: tuple[str, ...] = ()
    readiness_delay: float = 0.0  # > 0: has a readiness probe that passes after this long
    pullable: bool = True  # False: the image does not exist (ErrImagePull / ImagePullBackOff)

    def to_api(self, *, sa_volume: str = "") -> RawObject:
        out: RawObject = {"name": self.name, "image": self.image}
        if self.args:
            out["args"] = list(self.args)
        if self.ports:
            out["ports"] = [{"name": n, "containerPort": p, "protocol": proto} for n, p, proto in self.ports]
        env: list[RawObject] = [{"name": k, "value": v} for k, v in self.env]
        env += [
            {"name": k, "valueFrom": {"secretKeyRef": {"name": s, "key": key}}} for k, s, key in self.secret_env
        ]
        if env:
            out["env"] = env
        out["resources"] = self._resources()
        mounts = [{"name": v, "mountPath": p, **({"readOnly": True} if ro else {})} for v, p, ro in self.mounts]
        if sa_volume:
            mounts.append({"name": sa_volume, "readOnly": True, "mountPath": SA_MOUNT})
        if mounts:
            out["volumeMounts"] = mounts
        if self.readiness_delay:
            out["readinessProbe"] = {
                "httpGet": {"path": "/ready", "port": 8080, "scheme": "HTTP"},
                "initialDelaySeconds": int(self.readiness_delay),
                "periodSeconds": 10,
                "timeoutSeconds": 1,
                "successThreshold": 1,
                "failureThreshold": 3,
            }
        out["terminationMessagePath"] = "/dev/termination-log"
        out["terminationMessagePolicy"] = "File"
        out["imagePullPolicy"] = "Always" if ":" not in image_tail(self.image) else "IfNotPresent"
        return out

    def _resources(self) -> RawObject:
        out: RawObject = {}
        limits = _quantities(self.cpu_limit, self.memory_limit)
        if limits:
            out["limits"] = limits
        requests = _quantities(self.cpu or self.cpu_limit, self.memory or self.memory_limit)
        if requests:
            out["requests"] = requests
        return out


def image_tail(image: str) -> str:
    return image.rsplit("/", 1)[-1]


def _quantities(cpu: int, memory: int) -> dict[str, str]:
    out: dict[str, str] = {}
    if cpu:
        out["cpu"] = cpu_quantity(cpu)
    if memory:
        out["memory"] = memory_quantity(memory)
    return out


@dataclass(frozen=True, slots=True)
class Volume:
    name: str
    kind: str  # configMap | secret | emptyDir | persistentVolumeClaim | hostPath
    source: str = ""  # configMap / secret / claim name, or the hostPath path
    host_type: str = ""

    def to_api(self) -> RawObject:
        if self.kind == "configMap":
            return {"name": self.name, "configMap": {"name": self.source, "defaultMode": 420}}
        if self.kind == "secret":
            return {"name": self.name, "secret": {"secretName": self.source, "defaultMode": 420}}
        if self.kind == "emptyDir":
            return {"name": self.name, "emptyDir": {}}
        if self.kind == "persistentVolumeClaim":
            return {"name": self.name, "persistentVolumeClaim": {"claimName": self.source}}
        if self.kind == "hostPath":
            return {"name": self.name, "hostPath": {"path": self.source, "type": self.host_type}}
        raise ValueError(f"unknown volume kind {self.kind}")


def kube_api_access(name: str) -> RawObject:
    """The projected service-account volume the admission controller adds to every pod."""
    return {
        "name": name,
        "projected": {
            "defaultMode": 420,
            "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                {
                    "downwardAPI": {
                        "items": [
                            {
                                "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                                "path": "namespace",
                            }
                        ]
                    }
                },
            ],
        },
    }


@dataclass(frozen=True, slots=True)
class Toleration:
    key: str = ""  # "" with Exists: every key
    operator: str = "Exists"
    value: str = ""
    effect: str = ""  # "" : every effect
    seconds: int | None = None

    def tolerates(self, taint: Taint) -> bool:
        if self.effect and self.effect != taint.effect:
            return False
        if not self.key:
            return self.operator == "Exists"
        if self.key != taint.key:
            return False
        return self.operator == "Exists" or self.value == taint.value

    def to_api(self) -> RawObject:
        out: RawObject = {}
        if self.key:
            out["key"] = self.key
        out["operator"] = self.operator
        if self.value:
            out["value"] = self.value
        if self.effect:
            out["effect"] = self.effect
        if self.seconds is not None:
            out["tolerationSeconds"] = self.seconds
        return out


DEFAULT_TOLERATIONS = (
    Toleration("node.kubernetes.io/not-ready", effect="NoExecute", seconds=300),
    Toleration("node.kubernetes.io/unreachable", effect="NoExecute", seconds=300),
)


@dataclass(frozen=True, slots=True)
class Taint:
    key: str
    effect: str
    value: str = ""
    added: float | None = None  # timeAdded, set for NoExecute taints by the node controller

    def to_api(self) -> RawObject:
        out: RawObject = {"key": self.key, "effect": self.effect}
        if self.value:
            out["value"] = self.value
        if self.added is not None:
            out["timeAdded"] = rfc3339(self.added)
        return out


@dataclass(frozen=True, slots=True, eq=False)
class PodTemplate:
    """A pod template: shared and immutable; what a controller stamps pods from.

    Compared and hashed by identity (caches key on it); ``hash()`` is the content hash.
    """

    labels: tuple[tuple[str, str], ...]
    containers: tuple[Container, ...]
    init_containers: tuple[Container, ...] = ()
    volumes: tuple[Volume, ...] = ()
    tolerations: tuple[Toleration, ...] = ()
    node_selector: tuple[tuple[str, str], ...] = ()
    annotations: tuple[tuple[str, str], ...] = ()
    service_account: str = "default"
    automount_token: bool = True
    restart_policy: str = "Always"
    grace: int = 30
    priority_class: str = ""
    priority: int = 0
    host_network: bool = False
    run_seconds: float = 0.0  # > 0: the containers exit 0 after this long (Jobs)

    @property
    def requests(self) -> tuple[int, int]:
        """Effective (cpu millicores, memory bytes) requests, as the scheduler counts them."""
        return _requests(self)

    def pod_tolerations(self) -> tuple[Toleration, ...]:
        return _pod_tolerations(self)

    def spec(self) -> RawObject:
        """The template's pod spec, as stored in a controller's spec.template."""
        spec: RawObject = orjson.loads(_template_spec_bytes(self))
        return spec

    def to_api(self) -> RawObject:
        meta: RawObject = {"labels": dict(self.labels)}
        if self.annotations:
            meta["annotations"] = dict(self.annotations)
        return {"metadata": meta, "spec": self.spec()}

    def hash(self) -> str:
        """pod-template-hash: fnv32a of the template, encoded with the safe alphabet."""
        return _template_hash(self)


@lru_cache(maxsize=4096)
def _requests(tpl: PodTemplate) -> tuple[int, int]:
    cpu = sum(c.cpu or c.cpu_limit for c in tpl.containers)
    mem = sum(c.memory or c.memory_limit for c in tpl.containers)
    for c in tpl.init_containers:
        cpu, mem = max(cpu, c.cpu or c.cpu_limit), max(mem, c.memory or c.memory_limit)
    return cpu, mem


@lru_cache(maxsize=4096)
def _template_hash(tpl: PodTemplate) -> str:
    return safe_encode(str(fnv32a(orjson.dumps(tpl.to_api(), option=orjson.OPT_SORT_KEYS))))


@lru_cache(maxsize=1024)
def _pod_tolerations(tpl: PodTemplate) -> tuple[Toleration, ...]:
    """The template's tolerations plus what DefaultTolerationSeconds admission adds."""
    extra = tuple(d for d in DEFAULT_TOLERATIONS if not any(_covers(t, d) for t in tpl.tolerations))
    return tpl.tolerations + extra


def _covers(tol: Toleration, default: Toleration) -> bool:
    return tol.operator == "Exists" and tol.key in ("", default.key) and tol.effect in ("", default.effect)


@lru_cache(maxsize=1024)
def _template_spec_bytes(tpl: PodTemplate) -> bytes:
    return orjson.dumps(_spec(tpl, sa_volume=""))


def _spec(tpl: PodTemplate, *, sa_volume: str) -> RawObject:
    spec: RawObject = {}
    if tpl.init_containers:
        spec["initContainers"] = [c.to_api(sa_volume=sa_volume) for c in tpl.init_containers]
    spec["containers"] = [c.to_api(sa_volume=sa_volume) for c in tpl.containers]
    spec["restartPolicy"] = tpl.restart_policy
    spec["terminationGracePeriodSeconds"] = tpl.grace
    spec["dnsPolicy"] = "ClusterFirstWithHostNet" if tpl.host_network and tpl.automount_token else "ClusterFirst"
    if tpl.node_selector:
        spec["nodeSelector"] = dict(tpl.node_selector)
    if tpl.automount_token:
        spec["serviceAccountName"] = tpl.service_account
        spec["serviceAccount"] = tpl.service_account
    if tpl.host_network:
        spec["hostNetwork"] = True
    spec["securityContext"] = {}
    spec["schedulerName"] = "default-scheduler"
    if tpl.tolerations:
        spec["tolerations"] = [t.to_api() for t in tpl.tolerations]
    if tpl.priority_class:
        spec["priorityClassName"] = tpl.priority_class
    volumes = [v.to_api() for v in tpl.volumes]
    if volumes:
        spec["volumes"] = volumes
    return spec


SA_PLACEHOLDER = "kube-api-access-\u0000\u0000\u0000\u0000\u0000"
_SA_PLACEHOLDER_JSON = orjson.dumps(SA_PLACEHOLDER)


@lru_cache(maxsize=4096)
def _pod_spec_bytes(tpl: PodTemplate) -> bytes:
    """A pod's spec with a placeholder for its kube-api-access volume name (spliced in per pod)."""
    spec = _spec(tpl, sa_volume=SA_PLACEHOLDER if tpl.automount_token else "")
    spec["tolerations"] = [t.to_api() for t in tpl.pod_tolerations()]
    spec["priority"] = tpl.priority
    spec["enableServiceLinks"] = True
    spec["preemptionPolicy"] = "PreemptLowerPriority"
    if tpl.automount_token:
        spec.setdefault("volumes", []).append(kube_api_access(SA_PLACEHOLDER))
    return orjson.dumps(spec)


def pod_spec(tpl: PodTemplate, sa_volume: str) -> RawObject:
    raw = _pod_spec_bytes(tpl)
    if sa_volume:
        raw = raw.replace(_SA_PLACEHOLDER_JSON, orjson.dumps(sa_volume))
    spec: RawObject = orjson.loads(raw)
    return spec


# ---------------------------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class OwnerRef:
    api_version: str
    kind: str
    name: str
    uid: str
    controller: bool = True

    def to_api(self) -> RawObject:
        out: RawObject = {"apiVersion": self.api_version, "kind": self.kind, "name": self.name, "uid": self.uid}
        if self.controller:
            out["controller"] = True
            out["blockOwnerDeletion"] = True
        return out


@dataclass(frozen=True, slots=True)
class Condition:
    type: str
    status: str
    reason: str = ""
    message: str = ""
    since: float = 0.0  # lastTransitionTime
    updated: float | None = None  # lastUpdateTime (Deployment) / lastProbeTime (Job)

    def to_api(self, *, update_key: str = "lastUpdateTime") -> RawObject:
        out: RawObject = {"type": self.type, "status": self.status}
        if update_key == "lastProbeTime":
            out[update_key] = None if self.updated is None else rfc3339(self.updated)
        elif self.updated is not None:
            out[update_key] = rfc3339(self.updated)
        out["lastTransitionTime"] = rfc3339(self.since)
        if self.reason:
            out["reason"] = self.reason
        if self.message:
            out["message"] = self.message
        return out


def set_condition(conds: dict[str, Condition], new: Condition) -> bool:
    """Put a condition, keeping lastTransitionTime when its status did not change. True when it changed."""
    old = conds.get(new.type)
    if old is not None and (old.status, old.reason, old.message) == (new.status, new.reason, new.message):
        return False
    since = old.since if old is not None and old.status == new.status else new.since
    conds[new.type] = Condition(new.type, new.status, new.reason, new.message, since, new.updated)
    return True


@dataclass(slots=True, eq=False, kw_only=True)
class Record:
    """Metadata common to every object."""

    KIND: ClassVar[str] = ""
    API_VERSION: ClassVar[str] = "v1"
    name: str
    namespace: str = ""
    uid: str
    created: float
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] | None = None
    owner: OwnerRef | None = None
    generate_name: str = ""
    rv: int = 0
    generation: int = 0  # 0: not reported (Pods, Nodes, Leases...)
    deleted_at: float | None = None
    deletion_grace: int = 0

    @property
    def key(self) -> tuple[str, str]:
        return (self.namespace, self.name)

    def meta(self) -> RawObject:
        m: RawObject = {"name": self.name}
        if self.generate_name:
            m["generateName"] = self.generate_name
        if self.namespace:
            m["namespace"] = self.namespace
        m["uid"] = self.uid
        m["resourceVersion"] = str(self.rv)
        if self.generation:
            m["generation"] = self.generation
        m["creationTimestamp"] = rfc3339(self.created)
        if self.deleted_at is not None:
            m["deletionTimestamp"] = rfc3339(self.deleted_at)
            m["deletionGracePeriodSeconds"] = self.deletion_grace
        if self.labels:
            m["labels"] = dict(self.labels)
        if self.annotations:
            m["annotations"] = dict(self.annotations)
        if self.owner is not None:
            m["ownerReferences"] = [self.owner.to_api()]
        return m

    def head(self) -> RawObject:
        return {"apiVersion": self.API_VERSION, "kind": self.KIND, "metadata": self.meta()}

    def to_api(self) -> RawObject:
        raise NotImplementedError


@dataclass(slots=True, eq=False, kw_only=True)
class NamespaceRec(Record):
    KIND: ClassVar[str] = "Namespace"

    def to_api(self) -> RawObject:
        out = self.head()
        out["spec"] = {"finalizers": ["kubernetes"]}
        out["status"] = {"phase": "Terminating" if self.deleted_at is not None else "Active"}
        return out


@dataclass(slots=True, eq=False, kw_only=True)
class LeaseRec(Record):
    KIND: ClassVar[str] = "Lease"
    API_VERSION: ClassVar[str] = "coordination.k8s.io/v1"
    holder: str
    duration: int
    renewed: float
    acquired: float | None = None
    transitions: int | None = None

    def to_api(self) -> RawObject:
        out = self.head()
        spec: RawObject = {"holderIdentity": self.holder, "leaseDurationSeconds": self.duration}
        if self.acquired is not None:
            spec["acquireTime"] = rfc3339_micro(self.acquired)
        spec["renewTime"] = rfc3339_micro(self.renewed)
        if self.transitions is not None:
            spec["leaseTransitions"] = self.transitions
        out["spec"] = spec
        return out


NODE_PRESSURES = (
    ("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
)
NODE_UNKNOWN = ("NodeStatusUnknown", "Kubelet stopped posting node status.")


@dataclass(slots=True, eq=False, kw_only=True)
class NodeRec(Record):
    KIND: ClassVar[str] = "Node"
    index: int
    control_plane: bool
    internal_ip: str
    pod_cidr: str
    cpu: int  # capacity, millicores
    memory: int  # capacity, bytes
    alloc_cpu: int
    alloc_memory: int
    max_pods: int = 110
    ready: str = "True"
    ready_reason: str = "KubeletReady"
    ready_message: str = "kubelet is posting ready status"
    ready_since: float = 0.0
    pressure: str = "False"  # MemoryPressure / DiskPressure / PIDPressure status
    pressure_since: float = 0.0
    heartbeat: float = 0.0
    taints: tuple[Taint, ...] = ()
    unschedulable: bool = False
    boot_id: str = ""
    system_uuid: str = ""
    # simulation state, never rendered
    kubelet_up: bool = True
    used_cpu: int = 0
    used_memory: int = 0
    used_pods: int = 0
    pods: dict[str, PodRec] = field(default_factory=dict)  # uid -> pod bound here
    next_ip: int = 0
    epoch: int = 0  # bumped when NoExecute taints go, cancelling pending evictions

    def to_api(self) -> RawObject:
        out = self.head()
        spec: RawObject = {"podCIDR": self.pod_cidr, "podCIDRs": [self.pod_cidr]}
        if self.taints:
            spec["taints"] = [t.to_api() for t in self.taints]
        if self.unschedulable:
            spec["unschedulable"] = True
        out["spec"] = spec
        out["status"] = self._status()
        return out

    def _status(self) -> RawObject:
        capacity = self._resources(self.cpu, self.memory, "101430960Ki")
        return {
            "addresses": [
                {"type": "InternalIP", "address": self.internal_ip},
                {"type": "Hostname", "address": self.name},
            ],
            "allocatable": self._resources(self.alloc_cpu, self.alloc_memory, "95551679124"),
            "capacity": capacity,
            "conditions": self._conditions(),
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "architecture": "amd64",
                "bootID": self.boot_id,
                "containerRuntimeVersion": CONTAINER_RUNTIME,
                "kernelVersion": KERNEL,
                "kubeletVersion": K8S_VERSION,
                "machineID": self.system_uuid.replace("-", ""),
                "operatingSystem": "linux",
                "osImage": OS_IMAGE,
                "systemUUID": self.system_uuid,
            },
        }

    def _resources(self, cpu: int, memory: int, storage: str) -> RawObject:
        return {
            "cpu": cpu_quantity(cpu),
            "ephemeral-storage": storage,
            "hugepages-1Gi": "0",
            "hugepages-2Mi": "0",
            "memory": memory_quantity(memory),
            "pods": str(self.max_pods),
        }

    def _conditions(self) -> list[RawObject]:
        beat = rfc3339(self.heartbeat)
        out = []
        for kind, reason, message in NODE_PRESSURES:
            if self.pressure == "Unknown":
                reason, message = NODE_UNKNOWN
            out.append(_node_condition(kind, self.pressure, beat, self.pressure_since, reason, message))
        out.append(_node_condition("Ready", self.ready, beat, self.ready_since, self.ready_reason, self.ready_message))
        return out


def _node_condition(kind: str, status: str, beat: str, since: float, reason: str, message: str) -> RawObject:
    return {
        "type": kind,
        "status": status,
        "lastHeartbeatTime": beat,
        "lastTransitionTime": rfc3339(since),
        "reason": reason,
        "message": message,
    }


@dataclass(slots=True, eq=False)
class ContainerState:
    """The kubelet's view of one container: state, lastState, restarts, readiness."""

    image: str
    state: str = "waiting"  # waiting | running | terminated
    reason: str = "ContainerCreating"
    message: str = ""
    started_at: float = 0.0
    finished_at: float = 0.0
    exit_code: int = 0
    restarts: int = 0
    ready: bool = False
    container_id: str = ""
    image_ref: str = ""  # imageID once pulled
    last: tuple[str, int, float, float, str] | None = None  # reason, exitCode, startedAt, finishedAt, id

    def wait(self, reason: str, message: str = "") -> None:
        self.state, self.reason, self.message, self.ready = "waiting", reason, message, False

    def run(self, now: float, container_id: str) -> None:
        self.state, self.reason, self.message = "running", "", ""
        self.started_at, self.container_id = now, container_id

    def terminate(self, now: float, reason: str, exit_code: int) -> None:
        self.state, self.reason, self.message, self.ready = "terminated", reason, "", False
        self.finished_at, self.exit_code = now, exit_code

    def archive(self) -> None:
        """Move a terminated state into lastState, as a restart does."""
        self.last = (self.reason, self.exit_code, self.started_at, self.finished_at, self.container_id)

    def to_api(self, name: str) -> RawObject:
        out: RawObject = {}
        if self.container_id:
            out["containerID"] = self.container_id
        out["image"] = self.image
        out["imageID"] = self.image_ref
        out["lastState"] = {} if self.last is None else {"terminated": _terminated(*self.last)}
        out["name"] = name
        out["ready"] = self.ready
        out["restartCount"] = self.restarts
        out["started"] = self.state == "running"
        out["state"] = self._state()
        return out

    def _state(self) -> RawObject:
        if self.state == "running":
            return {"running": {"startedAt": rfc3339(self.started_at)}}
        if self.state == "terminated":
            return {
                "terminated": _terminated(
                    self.reason, self.exit_code, self.started_at, self.finished_at, self.container_id
                )
            }
        waiting: RawObject = {"reason": self.reason}
        if self.message:
            waiting["message"] = self.message
        return {"waiting": waiting}


def _terminated(reason: str, code: int, started: float, finished: float, container_id: str) -> RawObject:
    out: RawObject = {"exitCode": code, "reason": reason}
    if started:
        out["startedAt"] = rfc3339(started)
    out["finishedAt"] = rfc3339(finished)
    if container_id:
        out["containerID"] = container_id
    return out


@dataclass(slots=True, eq=False, kw_only=True)
class ControllerRec(Record):
    """What every workload controller keeps about its pods (maintained incrementally by the cluster)."""

    selector: dict[str, str]
    template: PodTemplate
    pods: dict[str, PodRec] = field(default_factory=dict)  # name -> pod, terminating ones included
    n_active: int = 0  # neither terminating nor terminal
    n_ready: int = 0
    n_succeeded: int = 0
    n_failed: int = 0
    sync_pending: bool = False
    observed: int = 0
    pod_labels: dict[str, str] = field(default_factory=dict)  # shared by its pods, never mutated

    def selector_api(self) -> RawObject:
        return {"matchLabels": dict(self.selector)}


@dataclass(slots=True, eq=False, kw_only=True)
class PodRec(Record):
    KIND: ClassVar[str] = "Pod"
    template: PodTemplate
    ctrl: ControllerRec | None = None
    api_suffix: str = ""
    extra_volumes: tuple[Volume, ...] = ()
    hostname: str = ""
    subdomain: str = ""
    node: str | None = None
    target_node: str | None = None  # DaemonSet pods: required node affinity on metadata.name
    mirror: bool = False
    phase: str = "Pending"
    reason: str = ""
    message: str = ""
    scheduled_at: float | None = None
    unschedulable: Condition | None = None
    accepted_at: float | None = None  # startTime: the kubelet took the pod
    sandbox_at: float | None = None
    initialized_at: float | None = None
    ready: bool = False
    ready_since: float = 0.0
    disruption: Condition | None = None
    host_ip: str = ""
    pod_ip: str = ""
    init_states: list[ContainerState] = field(default_factory=list)
    states: list[ContainerState] = field(default_factory=list)
    # simulation state, never rendered
    token: int = 0  # bumped to cancel pending lifecycle steps
    crashing: bool = False
    probe_failing: bool = False  # its readiness probes fail: running but not ready
    pull_failures: int = 0
    c_active: bool = False
    c_ready: bool = False
    c_done: bool = False
    charged: str | None = None

    @property
    def terminal(self) -> bool:
        return self.phase in TERMINAL_PHASES

    def to_api(self) -> RawObject:
        out = self.head()
        spec = pod_spec(self.template, self.api_suffix)
        if self.extra_volumes:
            spec.setdefault("volumes", []).extend(v.to_api() for v in self.extra_volumes)
        if self.hostname:
            spec["hostname"], spec["subdomain"] = self.hostname, self.subdomain
        if self.target_node:
            spec["affinity"] = _node_name_affinity(self.target_node)
        if self.node is not None:
            spec["nodeName"] = self.node
        out["spec"] = spec
        out["status"] = self._status()
        return out

    def _status(self) -> RawObject:
        st: RawObject = {"phase": self.phase}
        conditions = self._conditions()
        if conditions:
            st["conditions"] = conditions
        if self.reason:
            st["reason"] = self.reason
        if self.message:
            st["message"] = self.message
        if self.host_ip:
            st["hostIP"] = self.host_ip
            st["hostIPs"] = [{"ip": self.host_ip}]
        if self.pod_ip:
            st["podIP"] = self.pod_ip
            st["podIPs"] = [{"ip": self.pod_ip}]
        if self.accepted_at is not None:
            st["startTime"] = rfc3339(self.accepted_at)
            if self.init_states:
                st["initContainerStatuses"] = [
                    s.to_api(c.name) for c, s in zip(self.template.init_containers, self.init_states, strict=True)
                ]
            st["containerStatuses"] = [
                s.to_api(c.name) for c, s in zip(self.template.containers, self.states, strict=True)
            ]
        st["qosClass"] = qos_class(self.template)
        return st

    def _conditions(self) -> list[RawObject]:
        out: list[RawObject] = []
        if self.disruption is not None:
            out.append(self.disruption.to_api(update_key="lastProbeTime"))
        if self.accepted_at is not None:
            out.extend(c.to_api(update_key="lastProbeTime") for c in self._kubelet_conditions(self.accepted_at))
        if self.scheduled_at is not None:
            out.append(Condition("PodScheduled", "True", since=self.scheduled_at).to_api(update_key="lastProbeTime"))
        elif self.unschedulable is not None:
            out.append(self.unschedulable.to_api(update_key="lastProbeTime"))
        return out

    def _kubelet_conditions(self, start: float) -> list[Condition]:
        done = "PodCompleted" if self.terminal else ""
        sandbox = self.sandbox_at is not None and not self.terminal
        unready = [c.name for c, s in zip(self.template.containers, self.states, strict=True) if not s.ready]
        reason = done or ("ContainersNotReady" if unready else "")
        message = "" if done or not unready else f"containers with unready status: [{' '.join(unready)}]"
        return [
            Condition("PodReadyToStartContainers", _tf(sandbox), "", "", self.sandbox_at or start, None),
            self._initialized(start),
            Condition("Ready", _tf(self.ready), reason if not self.ready else "", message, self.ready_since, None),
            Condition("ContainersReady", _tf(self.ready), reason if not self.ready else "", message,
                      self.ready_since, None),
        ]

    def _initialized(self, start: float) -> Condition:
        if self.initialized_at is not None:
            return Condition("Initialized", "True", "PodCompleted" if self.terminal else "", "",
                             self.initialized_at, None)
        pending = [c.name for c, s in zip(self.template.init_containers, self.init_states, strict=True)
                   if s.state != "terminated"]
        message = f"containers with incomplete status: [{' '.join(pending)}]"
        return Condition("Initialized", "False", "ContainersNotInitialized", message, start, None)


def _tf(value: bool) -> str:
    return "True" if value else "False"


def _node_name_affinity(node: str) -> RawObject:
    term = {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [term]}}}


@lru_cache(maxsize=1024)
def qos_class(tpl: PodTemplate) -> str:
    containers = tpl.containers + tpl.init_containers
    if not any(c.cpu or c.memory or c.cpu_limit or c.memory_limit for c in containers):
        return "BestEffort"
    guaranteed = all(
        c.cpu_limit and c.memory_limit and c.cpu in (0, c.cpu_limit) and c.memory in (0, c.memory_limit)
        for c in containers
    )
    return "Guaranteed" if guaranteed else "Burstable"


@dataclass(slots=True, eq=False, kw_only=True)
class ReplicaSetRec(ControllerRec):
    KIND: ClassVar[str] = "ReplicaSet"
    API_VERSION: ClassVar[str] = "apps/v1"
    replicas: int
    revision: int
    deployment: DeploymentRec | None = None
    st_replicas: int = 0
    st_ready: int = 0

    def to_api(self) -> RawObject:
        out = self.head()
        out["spec"] = {
            "replicas": self.replicas,
            "selector": self.selector_api(),
            "template": self.template.to_api(),
        }
        status: RawObject = {"replicas": self.st_replicas, "fullyLabeledReplicas": self.st_replicas}
        if self.st_ready:
            status["readyReplicas"] = self.st_ready
            status["availableReplicas"] = self.st_ready
        if self.observed:
            status["observedGeneration"] = self.observed
        if not self.st_replicas:
            del status["fullyLabeledReplicas"]
        out["status"] = status
        return out


@dataclass(slots=True, eq=False, kw_only=True)
class DeploymentRec(Record):
    KIND: ClassVar[str] = "Deployment"
    API_VERSION: ClassVar[str] = "apps/v1"
    replicas: int
    selector: dict[str, str]
    template: PodTemplate
    revision: int = 0
    replica_sets: list[ReplicaSetRec] = field(default_factory=list)
    st_replicas: int = 0
    st_updated: int = 0
    st_ready: int = 0
    conditions: dict[str, Condition] = field(default_factory=dict)
    observed: int = 0
    sync_pending: bool = False
    progress_epoch: int = 0

    def to_api(self) -> RawObject:
        out = self.head()
        out["spec"] = {
            "replicas": self.replicas,
            "selector": {"matchLabels": dict(self.selector)},
            "template": self.template.to_api(),
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
        }
        status: RawObject = {"observedGeneration": self.observed}
        for key, value in (("replicas", self.st_replicas), ("updatedReplicas", self.st_updated),
                           ("readyReplicas", self.st_ready), ("availableReplicas", self.st_ready),
                           ("unavailableReplicas", max(self.st_replicas - self.st_ready, 0))):
            if value:
                status[key] = value
        if self.conditions:
            status["conditions"] = [self.conditions[k].to_api() for k in ("Available", "Progressing")
                                    if k in self.conditions]
        out["status"] = status
        return out


@dataclass(slots=True, eq=False, kw_only=True)
class DaemonSetRec(ControllerRec):
    KIND: ClassVar[str] = "DaemonSet"
    API_VERSION: ClassVar[str] = "apps/v1"
    by_node: dict[str, PodRec] = field(default_factory=dict)  # node -> its active pod
    check_nodes: dict[str, None] = field(default_factory=dict)  # nodes to look at on the next sync
    desired: int = 0
    st_current: int = 0
    st_ready: int = 0

    def to_api(self) -> RawObject:
        out = self.head()
        out["spec"] = {
            "selector": self.selector_api(),
            "template": self.template.to_api(),
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}},
            "revisionHistoryLimit": 10,
        }
        unavailable = max(self.desired - self.st_ready, 0)
        status: RawObject = {
            "currentNumberScheduled": self.st_current,
            "numberMisscheduled": 0,
            "desiredNumberScheduled": self.desired,
            "numberReady": self.st_ready,
            "observedGeneration": self.observed,
            "updatedNumberScheduled": self.st_current,
        }
        if self.st_ready:
            status["numberAvailable"] = self.st_ready
        if unavailable:
            status["numberUnavailable"] = unavailable
        out["status"] = status
        return out


@dataclass(slots=True, eq=False, kw_only=True)
class StatefulSetRec(ControllerRec):
    KIND: ClassVar[str] = "StatefulSet"
    API_VERSION: ClassVar[str] = "apps/v1"
    replicas: int
    service_name: str
    claim: tuple[str, str] | None = None  # (volumeClaimTemplate name, storage request)
    st_replicas: int = 0
    st_ready: int = 0

    @property
    def revision(self) -> str:
        return f"{self.name}-{self.template.hash()}"

    def to_api(self) -> RawObject:
        out = self.head()
        spec: RawObject = {
            "replicas": self.replicas,
            "selector": self.selector_api(),
            "serviceName": self.service_name,
            "template": self.template.to_api(),
            "podManagementPolicy": "OrderedReady",
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
            "revisionHistoryLimit": 10,
            "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"},
        }
        if self.claim is not None:
            spec["volumeClaimTemplates"] = [_claim_template(*self.claim)]
        out["spec"] = spec
        status: RawObject = {"observedGeneration": self.observed, "replicas": self.st_replicas}
        if self.st_ready:
            status["readyReplicas"] = self.st_ready
            status["availableReplicas"] = self.st_ready
        status.update(currentReplicas=self.st_replicas, updatedReplicas=self.st_replicas,
                      currentRevision=self.revision, updateRevision=self.revision, collisionCount=0)
        out["status"] = status
        return out


def _claim_template(name: str, size: str) -> RawObject:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": name},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}},
                 "volumeMode": "Filesystem"},
        "status": {"phase": "Pending"},
    }


@dataclass(slots=True, eq=False, kw_only=True)
class JobRec(ControllerRec):
    KIND: ClassVar[str] = "Job"
    API_VERSION: ClassVar[str] = "batch/v1"
    completions: int
    parallelism: int
    ttl: int | None = None
    started: float = 0.0
    completed: float | None = None
    conditions: dict[str, Condition] = field(default_factory=dict)
    st_active: int = 0
    st_succeeded: int = 0
    st_failed: int = 0
    st_ready: int = 0

    def to_api(self) -> RawObject:
        out = self.head()
        spec: RawObject = {
            "parallelism": self.parallelism,
            "completions": self.completions,
            "backoffLimit": 6,
            "selector": self.selector_api(),
            "manualSelector": False,
            "template": self.template.to_api(),
            "completionMode": "NonIndexed",
            "suspend": False,
            "podReplacementPolicy": "TerminatingOrFailed",
        }
        if self.ttl is not None:
            spec["ttlSecondsAfterFinished"] = self.ttl
        out["spec"] = spec
        out["status"] = self._status()
        return out

    def _status(self) -> RawObject:
        status: RawObject = {}
        if self.conditions:
            status["conditions"] = [c.to_api(update_key="lastProbeTime") for c in self.conditions.values()]
        status["startTime"] = rfc3339(self.started)
        if self.completed is not None:
            status["completionTime"] = rfc3339(self.completed)
        for key, value in (("active", self.st_active), ("succeeded", self.st_succeeded),
                           ("failed", self.st_failed)):
            if value:
                status[key] = value
        status["terminating"] = 0
        status["uncountedTerminatedPods"] = {}
        status["ready"] = self.st_ready
        return status


# ---------------------------------------------------------------------------------------------- workloads

NODE_CRITICAL = ("system-node-critical", 2_000_001_000)
CLUSTER_CRITICAL = ("system-cluster-critical", 2_000_000_000)
TOLERATE_EVERYTHING = (Toleration(),)
LINUX = (("kubernetes.io/os", "linux"),)
XTABLES = Volume("xtables-lock", "hostPath", "/run/xtables.lock", "FileOrCreate")
LIB_MODULES = Volume("lib-modules", "hostPath", "/lib/modules", "")
STATIC_COMPONENTS: dict[str, tuple[str, int, int, tuple[Volume, ...]]] = {
    # component: (image, cpu request, memory request, hostPath volumes)
    "etcd": (ETCD_IMAGE, 100, 100 * MI, (
        Volume("etcd-certs", "hostPath", "/etc/kubernetes/pki/etcd", "DirectoryOrCreate"),
        Volume("etcd-data", "hostPath", "/var/lib/etcd", "DirectoryOrCreate"))),
    "kube-apiserver": (f"registry.k8s.io/kube-apiserver:{K8S_VERSION}", 250, 0, (
        Volume("ca-certs", "hostPath", "/etc/ssl/certs", "DirectoryOrCreate"),
        Volume("k8s-certs", "hostPath", "/etc/kubernetes/pki", "DirectoryOrCreate"))),
    "kube-controller-manager": (f"registry.k8s.io/kube-controller-manager:{K8S_VERSION}", 200, 0, (
        Volume("ca-certs", "hostPath", "/etc/ssl/certs", "DirectoryOrCreate"),
        Volume("k8s-certs", "hostPath", "/etc/kubernetes/pki", "DirectoryOrCreate"),
        Volume("kubeconfig", "hostPath", "/etc/kubernetes/controller-manager.conf", "FileOrCreate"))),
    "kube-scheduler": (f"registry.k8s.io/kube-scheduler:{K8S_VERSION}", 100, 0, (
        Volume("kubeconfig", "hostPath", "/etc/kubernetes/scheduler.conf", "FileOrCreate"),)),
}


def static_pod_template(component: str) -> PodTemplate:
    image, cpu, memory, volumes = STATIC_COMPONENTS[component]
    mounts = tuple((v.name, v.source, v.name != "etcd-data") for v in volumes)
    container = Container(component, image, cpu=cpu, memory=memory, mounts=mounts, args=(component,))
    return PodTemplate(
        labels=(("component", component), ("tier", "control-plane")),
        containers=(container,), volumes=volumes, tolerations=(Toleration(effect="NoExecute"),),
        automount_token=False, host_network=True, priority_class=NODE_CRITICAL[0], priority=NODE_CRITICAL[1],
    )


def kube_proxy_template() -> PodTemplate:
    container = Container(
        "kube-proxy", f"registry.k8s.io/kube-proxy:{K8S_VERSION}",
        args=("--config=/var/lib/kube-proxy/config.conf", "--hostname-override=$(NODE_NAME)"),
        mounts=(("kube-proxy", "/var/lib/kube-proxy", False), ("xtables-lock", "/run/xtables.lock", False),
                ("lib-modules", "/lib/modules", True)),
    )
    return PodTemplate(
        labels=(("k8s-app", "kube-proxy"),), containers=(container,),
        volumes=(Volume("kube-proxy", "configMap", "kube-proxy"), XTABLES, LIB_MODULES),
        tolerations=TOLERATE_EVERYTHING, node_selector=LINUX, service_account="kube-proxy", host_network=True,
        priority_class=NODE_CRITICAL[0], priority=NODE_CRITICAL[1],
    )


def kindnet_template(control_plane: str) -> PodTemplate:
    container = Container(
        "kindnet-cni", "docker.io/kindest/kindnetd:v20250512-df8de77b",
        cpu=100, memory=50 * MI, cpu_limit=100, memory_limit=50 * MI,
        env=(("CONTROL_PLANE_ENDPOINT", f"{control_plane}:6443"), ("POD_SUBNET", "10.64.0.0/10")),
        mounts=(("cni-cfg", "/etc/cni/net.d", False), ("xtables-lock", "/run/xtables.lock", False),
                ("lib-modules", "/lib/modules", True)),
    )
    return PodTemplate(
        labels=(("app", "kindnet"), ("k8s-app", "kindnet"), ("tier", "node")), containers=(container,),
        volumes=(Volume("cni-cfg", "hostPath", "/etc/cni/net.d", "DirectoryOrCreate"), XTABLES, LIB_MODULES),
        tolerations=TOLERATE_EVERYTHING, node_selector=LINUX, service_account="kindnet", host_network=True,
    )


def coredns_template() -> PodTemplate:
    container = Container(
        "coredns", "registry.k8s.io/coredns/coredns:v1.12.1", cpu=100, memory=70 * MI, memory_limit=170 * MI,
        ports=(("dns", 53, "UDP"), ("dns-tcp", 53, "TCP"), ("metrics", 9153, "TCP")),
        args=("-conf", "/etc/coredns/Corefile"), mounts=(("config-volume", "/etc/coredns", True),),
        readiness_delay=2.0,
    )
    return PodTemplate(
        labels=(("k8s-app", "kube-dns"),), containers=(container,),
        volumes=(Volume("config-volume", "configMap", "coredns"),),
        tolerations=(Toleration("CriticalAddonsOnly"),
                     Toleration("node-role.kubernetes.io/control-plane", effect="NoSchedule")),
        node_selector=LINUX, service_account="coredns",
        priority_class=CLUSTER_CRITICAL[0], priority=CLUSTER_CRITICAL[1],
    )


def users_template(image: str = "my-repo/users-application", pullable: bool = True) -> PodTemplate:
    """The seed's users-deployment, with a config map, a secret, a cache and a secret-sourced env var."""
    container = Container(
        "users", image, cpu=100, memory=128 * MI, cpu_limit=100, memory_limit=128 * MI,
        ports=(("http", 8080, "TCP"),), env=(("LOG_LEVEL", "info"),),
        secret_env=(("DB_PASSWORD", "users-db-credentials", "password"),),
        mounts=(("config", "/etc/users", True), ("db-credentials", "/var/run/secrets/db", True),
                ("cache", "/var/cache/users", False)),
        readiness_delay=3.0, pullable=pullable,
    )
    return PodTemplate(
        labels=(("app", "users"),), containers=(container,),
        volumes=(Volume("config", "configMap", "users-config"), Volume("db-credentials", "secret",
                                                                      "users-db-credentials"),
                 Volume("cache", "emptyDir")),
    )


def users_db_template() -> PodTemplate:
    init = Container("init-permissions", "busybox:1.37", args=("chown", "-R", "999:999", "/data"),
                     mounts=(("data", "/data", False),))
    container = Container(
        "postgres", "postgres:17.6", cpu=250, memory=512 * MI, memory_limit=1 * GI,
        ports=(("postgres", 5432, "TCP"),), env=(("PGDATA", "/data/pgdata"),),
        secret_env=(("POSTGRES_PASSWORD", "users-db-credentials", "password"),),
        mounts=(("data", "/data", False),), readiness_delay=5.0,
    )
    return PodTemplate(labels=(("app", "users-db"),), containers=(container,), init_containers=(init,),
                       grace=60)


def app_template(name: str, image: str, labels: dict[str, str]) -> PodTemplate:
    """The pod template of a one-container Deployment created through the API (kubectl create)."""
    container = Container(name, image, cpu=100, memory=128 * MI, ports=(("http", 8080, "TCP"),))
    return PodTemplate(labels=tuple(labels.items()), containers=(container,))


def job_template(seconds: float) -> PodTemplate:
    container = Container("report", "busybox:1.37", cpu=50, memory=32 * MI, args=("sh", "-c", "make-report"))
    return PodTemplate(labels=(), containers=(container,), restart_policy="Never", run_seconds=seconds)


def bare_pod_template(name: str, image: str, cpu: int, memory: int) -> PodTemplate:
    return PodTemplate(labels=(("app", name),), containers=(Container(name, image, cpu=cpu, memory=memory),))


EXTRA_WORKLOADS: tuple[tuple[str, str, str, int, int], ...] = (
    # namespace, deployment, image, cpu request, memory request (the --pods-per-node filler)
    ("shop", "frontend", "nginx:1.27.5", 50, 64 * MI),
    ("shop", "cart", "ghcr.io/acme/cart:3.2.1", 100, 128 * MI),
    ("shop", "catalog", "ghcr.io/acme/catalog:1.8.0", 80, 96 * MI),
    ("payments", "api", "ghcr.io/acme/payments-api:2.4.0", 100, 192 * MI),
    ("payments", "ledger-worker", "ghcr.io/acme/ledger:0.9.3", 60, 128 * MI),
    ("analytics", "ingest", "ghcr.io/acme/ingest:5.0.1", 90, 256 * MI),
)


def extra_template(name: str, image: str, cpu: int, memory: int) -> PodTemplate:
    container = Container(name, image, cpu=cpu, memory=memory, memory_limit=2 * memory,
                          ports=(("http", 8080, "TCP"),), mounts=(("tmp", "/tmp", False),))
    return PodTemplate(labels=(("app", name),), containers=(container,), volumes=(Volume("tmp", "emptyDir"),))


EVENT_TTL = 3600.0
"""The API server's default --event-ttl."""


@dataclass(slots=True, eq=False, kw_only=True)
class EventRec(Record):
    """A core/v1 Event of type Warning, as a component records it (repeats counted, as the recorder does)."""

    KIND: ClassVar[str] = "Event"
    involved: Record
    reason: str
    message: str
    component: str
    host: str = ""
    count: int = 1
    first: float
    last: float

    def to_api(self) -> RawObject:
        out = self.head()
        inv = self.involved
        out["involvedObject"] = {
            "apiVersion": inv.API_VERSION,
            "kind": inv.KIND,
            "name": inv.name,
            "namespace": inv.namespace,
            "uid": inv.uid,
        }
        if not inv.namespace:
            del out["involvedObject"]["namespace"]
        out.update(
            reason=self.reason,
            message=self.message,
            source={"component": self.component, **({"host": self.host} if self.host else {})},
            firstTimestamp=rfc3339(self.first),
            lastTimestamp=rfc3339(self.last),
            count=self.count,
            type="Warning",
            eventTime=None,
            reportingComponent=self.component,
            reportingInstance=self.host,
        )
        return out
