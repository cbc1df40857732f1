"""The public shape of the cluster model: what the state endpoint returns and the websocket sends.

Every value is plain JSON. Names follow the Kubernetes API's camelCase so the browser code reads naturally.
The contract (see README, "Live API"):

* ``GET /api/v1/clusters/<cluster>/state`` returns a :class:`ClusterState`.
* ``/ws/clusters/<cluster>/`` sends ``{"type": "state", ...ClusterState}`` first, then
  ``{"type": "delta", ...Delta}`` messages whose ``seq`` is the previous message's ``seq + 1``, and
  ``{"type": "heartbeat", "seq": n, "source": SourceStatus}`` when nothing changed for a while.
  A client that sees a gap in ``seq`` (or reconnects) fetches the state endpoint again. A new watcher (after
  a handover, see README "More than one process") continues far above the old ``seq``: a gap like any other.
* Both take ``?pods=table``: the state's ``pods`` then come as ``podTable`` (see :mod:`clusterviz.podtable`)
  and its ``nodes`` as ``nodeTable`` (see :mod:`clusterviz.nodetable`).
"""

from __future__ import annotations

from typing import Generic, Literal, NotRequired, TypedDict, TypeVar

T = TypeVar("T")

Health = Literal["healthy", "degraded", "unhealthy", "unknown"]
ConditionStatus = Literal["True", "False", "Unknown"]


class Resources(TypedDict):
    cpu: int  # millicores
    memory: int  # bytes
    pods: int


class ResourceUsage(TypedDict):
    """What a node or pod actually uses, as metrics.k8s.io reports it (metrics-server), not what it requested."""

    cpu: int  # millicores
    memory: int  # bytes (working set)


class Taint(TypedDict):
    key: str
    value: str
    effect: str


class Process(TypedDict):
    """A control-plane component or a node agent, drawn as a real process with evidence of its health."""

    name: str  # kube-apiserver, etcd, kube-scheduler, kube-controller-manager, cloud-controller-manager,
    #            kubelet, container-runtime, kube-proxy, or another DaemonSet agent's name
    role: Literal["control-plane", "node-agent"]
    health: Health
    evidence: list[str]  # human-readable facts the health was derived from, most important first
    version: str  # "" when unknown
    node: str | None  # where it runs, when known
    pod: str | None  # "namespace/name" of the pod that runs it, when it runs as a pod
    leader: NotRequired[str]  # leader-election holder, for scheduler and controller-manager


class NodeView(TypedDict):
    name: str
    roles: list[str]  # from node-role.kubernetes.io/<role> labels; "control-plane" first when present
    controlPlane: bool
    ready: ConditionStatus
    conditions: dict[str, ConditionStatus]  # MemoryPressure, DiskPressure, PIDPressure, NetworkUnavailable
    unschedulable: bool  # cordoned
    taints: list[Taint]
    labels: dict[str, str]
    kubeletVersion: str
    containerRuntime: str  # e.g. "containerd://2.1.4"
    osImage: str
    architecture: str
    allocatable: Resources
    requested: Resources  # sum of requests of the non-terminal pods bound to this node
    usage: ResourceUsage | None  # measured use (metrics.k8s.io); None when unknown (no metrics-server, fake)
    agents: list[Process]
    createdAt: float  # epoch seconds
    # Whether the node's kubelet still reports (its lease is renewed, Ready is not Unknown), decided by the
    # server (clusterviz.processes.kubelet_reporting). When False, what is drawn of its pods and agents is only
    # what the kubelet last reported, at lastReportedAt (its lease's last renewal; None when never seen).
    # Absent in documents from before it existed: read absent as reporting.
    reporting: NotRequired[bool]
    lastReportedAt: NotRequired[float | None]


class LastState(TypedDict):
    """How a container's previous run ended (``lastState.terminated``): why it restarted, and when."""

    reason: str  # e.g. Error, OOMKilled, Completed; "ExitCode:N" / "Signal:N" when the runtime gave none
    exitCode: int
    finishedAt: float | None  # epoch seconds: the time of the last restart, as kubectl's RESTARTS ages it


class ContainerView(TypedDict):
    name: str
    image: str
    ready: bool
    state: Literal["running", "waiting", "terminated", "unknown"]
    reason: str  # e.g. CrashLoopBackOff, ImagePullBackOff, Completed, OOMKilled; "" when none
    restarts: int
    init: bool
    exitCode: int | None  # of the current run when it has terminated; None otherwise
    startedAt: float | None  # epoch seconds the current (running or terminated) run started; None when unknown
    lastState: LastState | None  # None until the container has restarted (or ended once before)


class Condition(TypedDict):
    """A pod or node condition with the why: its reason and message as the API gives them."""

    type: str  # PodScheduled, Initialized, ContainersReady, Ready, a readiness gate's type; Node: Ready, ...
    status: ConditionStatus
    reason: str
    message: str


class PodCondition(Condition):
    readinessGate: bool  # a condition spec.readinessGates adds to Ready (e.g. a load balancer's registration)


class NodeCondition(Condition):
    lastHeartbeatAt: float | None  # when the kubelet last reported it
    lastTransitionAt: float | None  # since when it has had this status


class WarningEvent(TypedDict):
    """A Warning event about an object (core/v1 Event, as ``kubectl describe`` lists them)."""

    reason: str  # BackOff, FailedScheduling, Unhealthy, NodeNotReady, ...
    message: str
    count: int
    firstAt: float | None
    lastAt: float | None
    source: str  # the component that reported it (kubelet, default-scheduler, node-controller, ...)


class VolumeView(TypedDict):
    name: str
    kind: str  # configMap, secret, emptyDir, persistentVolumeClaim, hostPath, projected, ...
    claim: NotRequired[str]  # a persistentVolumeClaim volume's claim name (in the pod's namespace)


class OwnerView(TypedDict):
    kind: str  # Deployment (resolved through its ReplicaSet), ReplicaSet, DaemonSet, StatefulSet, Job, Node, ...
    name: str


class PodSummary(TypedDict):
    """A pod as the map needs it: everything but containers and volumes, which only the pod panel, history and
    exports carry.

    At 150,000 pods every field costs megabytes on the wire, so the map gets this projection.
    """

    uid: str
    name: str
    namespace: str
    node: str | None  # None while no node has taken it
    phase: str
    status: str  # the display status as `kubectl get pods` computes it
    statusClass: Literal["running", "pending", "succeeded", "failed", "terminating", "unknown"]
    readyContainers: int
    totalContainers: int
    restarts: int
    owner: OwnerView | None
    qosClass: str
    labels: dict[str, str]
    requests: Resources  # pods == 1
    usage: ResourceUsage | None  # measured use (metrics.k8s.io); None when unknown
    message: str  # e.g. the scheduler's reason for an unschedulable pod; "" when none
    createdAt: float
    revision: int | None  # its ReplicaSet's deployment.kubernetes.io/revision (tells old pods from new in a
    #                       rollout); None when not owned through a ReplicaSet or not known yet
    failing: bool  # whether it counts as failing (clusterviz.mapping.pod_failing): decided here, the pages read it


class PodView(PodSummary):
    """The whole pod as the store keeps it and the pod panel shows it."""

    containers: list[ContainerView]
    volumes: list[VolumeView]


SUMMARY_FIELDS: tuple[str, ...] = tuple(PodSummary.__annotations__)


# -- the objects that group pods: workloads, Services with their endpoints, claims and volumes -----------------

WorkloadKind = Literal["Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"]


class ReplicaSetView(TypedDict):
    """One revision of a Deployment: its ReplicaSet, the images of its template, its counts."""

    name: str
    revision: int | None  # deployment.kubernetes.io/revision
    images: list[str]
    desired: int
    ready: int
    available: int
    createdAt: float


class RolloutStrategy(TypedDict):
    type: str  # RollingUpdate, Recreate (Deployment), OnDelete (StatefulSet, DaemonSet); "" for a Job
    maxSurge: str  # as the spec says it ("25%", "1"); "" when not given
    maxUnavailable: str


class WorkloadView(TypedDict):
    """A Deployment, StatefulSet, DaemonSet, Job (or a ReplicaSet no Deployment owns) with the counts
    ``kubectl get`` prints. ``desired`` is spec.replicas (DaemonSet: desiredNumberScheduled, Job: completions)."""

    kind: WorkloadKind
    namespace: str
    name: str
    desired: int
    updated: int
    ready: int
    available: int
    active: int  # a Job's running pods (0 for the others)
    succeeded: int
    failed: int
    conditions: list[Condition]  # Progressing, Available, ReplicaFailure; a Job's Complete, Failed; with reasons
    images: list[str]  # of the pod template
    strategy: RolloutStrategy
    revision: int | None  # a Deployment's current revision
    replicaSets: list[ReplicaSetView]  # a Deployment's, newest revision first
    selector: dict[str, str]  # spec.selector.matchLabels
    createdAt: float


class ServicePort(TypedDict):
    name: str
    protocol: str
    port: int
    targetPort: str  # a number or a container port's name, as the spec says it
    nodePort: int | None


class EndpointView(TypedDict):
    """One endpoint of an EndpointSlice (discovery.k8s.io/v1): where the Service sends traffic."""

    address: str
    pod: str | None  # the pod's name (same namespace) when the endpoint is a pod
    node: str | None
    ready: bool  # receives traffic now
    serving: bool  # would serve (true also while terminating)
    terminating: bool


ExclusionReason = Literal["notReady", "terminating", "noEndpoint"]
"""Why a matching pod gets no traffic (clusterviz.grouping.exclusion_reason): decided here, the pages read it."""


class ExcludedPod(TypedDict):
    """A pod the Service's selector matches that does not receive its traffic (no ready endpoint)."""

    pod: str
    node: str | None
    status: str  # its kubectl status (Running but not ready, Pending, Terminating, ...)
    endpoint: bool  # whether it is an endpoint at all (a not-ready one) or not listed yet
    reason: ExclusionReason  # optional in snapshot v2: files from before it get it by the same rule


class ServiceView(TypedDict):
    kind: Literal["Service"]
    namespace: str
    name: str
    type: str  # ClusterIP, NodePort, LoadBalancer, ExternalName
    clusterIP: str  # "None" for a headless Service
    headless: bool
    externalName: str
    ports: list[ServicePort]
    selector: dict[str, str] | None  # None: no selector (its endpoints are managed by someone else)
    endpoints: list[EndpointView]  # from its EndpointSlices, by pod name (at most MAX_ENDPOINTS)
    endpointsTotal: int  # all of them, also beyond the cap
    excluded: list[ExcludedPod]  # matching pods with no ready endpoint (at most MAX_ENDPOINTS)
    loadBalancer: list[str]  # status.loadBalancer.ingress, IPs or host names
    createdAt: float


class ClaimView(TypedDict):
    """A PersistentVolumeClaim: what a pod asked for and the volume it got."""

    kind: Literal["PersistentVolumeClaim"]
    namespace: str
    name: str
    phase: str  # Pending, Bound, Lost
    capacity: str  # status.capacity.storage ("" until bound)
    requested: str  # spec.resources.requests.storage
    storageClass: str
    volume: str  # the bound PersistentVolume's name; "" until bound
    accessModes: list[str]
    pods: list[str]  # the pods (same namespace) that mount it, by name
    createdAt: float


class PersistentVolumeView(TypedDict):
    kind: Literal["PersistentVolume"]
    namespace: Literal[""]
    name: str
    phase: str  # Available, Bound, Released, Failed
    capacity: str
    storageClass: str
    claim: str  # "namespace/name" of the claim it is bound to; "" when none
    reclaimPolicy: str
    source: str  # "csi: ebs.csi.aws.com", "hostPath", "nfs", ...
    accessModes: list[str]
    createdAt: float


ObjectView = WorkloadView | ServiceView | ClaimView | PersistentVolumeView
"""One object of the state's ``objects``, told apart by ``kind``; keyed by :func:`object_key`."""


def object_key(view: ObjectView) -> str:
    """``Kind/namespace/name`` (namespace "" for a PersistentVolume): how deltas name what they remove."""
    return f"{view['kind']}/{view['namespace']}/{view['name']}"


class SourceStatus(TypedDict):
    kind: Literal["fake", "kubernetes", "replay"]
    state: Literal["live", "connecting", "stale", "error"]
    reason: str  # why it is not live; "" when live
    lastEventAt: float | None  # epoch seconds of the last event received
    resourceVersion: str
    # Where a real cluster's source connects (no credentials) and the kubeconfig context, so a cluster that was
    # never reached can say which one it tried ("" when unknown; absent for the fake cluster and old documents).
    server: NotRequired[str]
    context: NotRequired[str]


class ClusterState(TypedDict):
    cluster: str
    revision: int  # increases with every change applied to the model
    seq: int  # sequence number of the last delta published before this state
    at: float  # epoch seconds (the source's clock) the state describes
    source: SourceStatus
    controlPlane: list[Process]
    nodes: list[NodeView]  # sorted by name
    pods: list[PodSummary]  # sorted by namespace, name
    feed: NotRequired[list[ChangeEvent]]  # what just happened, newest last (the runtime's last FEED_SIZE changes)
    rollouts: NotRequired[dict[str, int]]  # "namespace/deployment" rolling out → its new revision: pods of an
    #                                        older revision are the old pods
    objects: NotRequired[list[ObjectView]]  # workloads, Services, claims and volumes, by object_key (absent in
    #                                         documents from before they were kept)


ChangeKind = Literal[
    "pod-failed",
    "node-not-ready",
    "node-ready",
    "node-added",
    "node-removed",
    "scaled",
    "rollout",
    "rolled-out",
    "unschedulable",
    "image-changed",
    "endpoints",
]


class ObjectRef(TypedDict):
    """An object a change is about, for a link that selects it on the map."""

    kind: Literal["Pod", "Node", "Deployment", "StatefulSet", "ReplicaSet", "DaemonSet", "Service"]
    namespace: str  # "" for a node
    name: str


class ChangeEvent(TypedDict):
    """One thing that happened, as the history timeline stores it and the map's feed shows it.

    ``text`` is the English sentence; ``args`` are the values it is made of (the page translates from ``kind``
    and ``args``); ``key`` names what a later event replaces in the feed (a rollout's progress)."""

    at: float
    seq: int
    kind: ChangeKind
    subject: str
    text: str
    args: NotRequired[dict[str, str | int | None]]
    refs: NotRequired[list[ObjectRef]]
    key: NotRequired[str]


class Changes(TypedDict, Generic[T]):
    upsert: list[T]
    remove: list[str]  # node names, pod uids or object keys


class Delta(TypedDict):
    cluster: str
    seq: int
    revision: int
    at: float
    source: SourceStatus
    nodes: Changes[NodeView]
    pods: Changes[PodSummary]
    controlPlane: NotRequired[list[Process]]  # present only when it changed
    feed: NotRequired[list[ChangeEvent]]  # what this delta changed, when it changed something worth telling
    rollouts: NotRequired[dict[str, int]]  # present only when it changed (see ClusterState)
    objects: NotRequired[Changes[ObjectView]]  # present only when one changed; removals by object_key
