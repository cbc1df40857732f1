"""Processes: the control-plane components and node agents, each with a health and the evidence for it.

Evidence strings are stable over time: they never say "3s ago" (the model diffs views, and a string that
changes every second would make every view change every second). Freshness is told in buckets
("renewed within its 15s lease duration", "lease overdue", "lease expired") and moments, when useful, as
absolute times "HH:MM:SS UTC".

Health of a process is the worst health among its evidence (unhealthy > degraded > healthy); evidence of
health "unknown" only counts when there is nothing else. Evidence is listed worst first.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Final, Literal, NamedTuple

from clusterviz.mapping import LeaseView
from clusterviz.wire import Health, NodeView, PodView, Process

__all__ = [
    "CONTROL_PLANE_COMPONENTS",
    "EXPLANATIONS",
    "Evidence",
    "Reporting",
    "control_plane_processes",
    "kubelet_reporting",
    "lease_freshness",
    "node_agents",
]

Evidence = tuple[Health, str]

EXPLANATIONS: Final[dict[str, str]] = {
    "kube-apiserver": (
        "The front door of the cluster: it validates every request, stores objects in etcd and streams "
        "changes to every other component, which all talk to it and never to each other."
    ),
    "etcd": (
        "The consistent key-value database that holds the whole cluster state; only the API server talks "
        "to it, and losing its quorum freezes the cluster."
    ),
    "kube-scheduler": (
        "Watches for pods without a node and picks one for each, weighing requests, affinities, taints "
        "and spread; only the elected leader schedules."
    ),
    "kube-controller-manager": (
        "Runs the built-in control loops (Deployments, ReplicaSets, Jobs, node lifecycle, endpoints and "
        "more) that keep the actual state moving toward the desired state; only the elected leader acts."
    ),
    "cloud-controller-manager": (
        "Runs the control loops that depend on the cloud provider: load balancers for Services, routes, "
        "and removing nodes whose machines are gone."
    ),
    "kubelet": (
        "The agent on every node: it starts and stops the pods bound to its node through the container "
        "runtime, runs their probes and reports node and pod status back to the API server."
    ),
    "container-runtime": (
        "The CRI runtime (containerd, CRI-O) that pulls images and runs the containers the kubelet asks "
        "for, in their sandboxes."
    ),
    "kube-proxy": (
        "Programs the node's packet rules (iptables, IPVS or nftables) so traffic to a Service's virtual "
        "IP reaches one of its ready pods."
    ),
    "node-agent": (
        "A DaemonSet pod that runs one copy per node to provide a node-level service, such as pod "
        "networking (CNI), storage drivers, log shipping or monitoring."
    ),
}

CONTROL_PLANE_COMPONENTS: Final = (
    "kube-apiserver",
    "etcd",
    "kube-scheduler",
    "kube-controller-manager",
    "cloud-controller-manager",
)
_CORE: Final = CONTROL_PLANE_COMPONENTS[:4]
_ELECTED: Final = frozenset(("kube-scheduler", "kube-controller-manager", "cloud-controller-manager"))
_APISERVER_IDENTITY_LABEL: Final = "apiserver.kubernetes.io/identity"

_RANK: Final[dict[str, int]] = {"unhealthy": 3, "degraded": 2, "healthy": 1, "unknown": 0}

Freshness = Literal["fresh", "overdue", "expired", "unknown"]


# ---------------------------------------------------------------------------------------------- helpers


def _clock(t: float) -> str:
    return time.strftime("%H:%M:%S UTC", time.gmtime(t))


def lease_freshness(lease: LeaseView, now: float) -> Freshness:
    """``fresh``: renewed within its duration (the boundary included; a renewTime in the future counts as
    fresh); ``overdue``: not renewed for up to twice its duration; ``expired``: longer; ``unknown``: the
    lease has no renewTime or no duration."""
    renew = lease["renewTime"]
    duration = lease["durationSeconds"]
    if renew is None or duration is None or duration <= 0:
        return "unknown"
    age = now - renew
    if age <= duration:
        return "fresh"
    if age <= 2 * duration:
        return "overdue"
    return "expired"


def _lease_evidence(lease: LeaseView, now: float, what: str) -> Evidence:
    """Evidence from a lease, e.g. "node lease renewed within its 40s duration"."""
    state = lease_freshness(lease, now)
    duration = lease["durationSeconds"]
    if state == "fresh":
        return "healthy", f"{what} renewed within its {duration}s duration"
    if state == "unknown":
        return "unknown", f"{what} carries no renew time or duration"
    renew = lease["renewTime"]
    assert renew is not None
    if state == "overdue":
        return "degraded", f"{what} overdue: last renewed {_clock(renew)}, duration {duration}s"
    return "unhealthy", f"{what} expired: last renewed {_clock(renew)}, duration {duration}s"


def _pod_health(pod: PodView) -> Health:
    cls = pod["statusClass"]
    if cls == "running":
        return "healthy"
    if cls == "failed" or cls == "succeeded":  # a process that should run, but exited
        return "unhealthy"
    if cls == "unknown":
        return "unknown"
    return "degraded"  # pending (starting, not ready) or terminating


def _pod_evidence(pod: PodView) -> Evidence:
    owner = pod["owner"]
    kind = "static pod" if owner is not None and owner["kind"] == "Node" else "pod"
    text = (
        f"{kind} {pod['namespace']}/{pod['name']} {pod['status']}, "
        f"{pod['readyContainers']}/{pod['totalContainers']} ready, {pod['restarts']} restarts"
    )
    return _pod_health(pod), text


def _image_version(pod: PodView) -> str:
    """The tag of the pod's first regular container image: "registry.k8s.io/kube-proxy:v1.33.1" → "v1.33.1"."""
    for c in pod["containers"]:
        if c["init"]:
            continue
        image = c["image"].split("@", 1)[0]
        slash = image.rfind("/")
        colon = image.rfind(":")
        return image[colon + 1 :] if colon > slash else ""
    return ""


def _process(
    name: str,
    role: Literal["control-plane", "node-agent"],
    evidence: Iterable[Evidence],
    version: str = "",
    node: str | None = None,
    pod: str | None = None,
) -> Process:
    items = list(evidence)
    items.sort(key=lambda e: -_RANK[e[0]])  # stable: worst first, otherwise in the order found
    health: Health = items[0][0] if items else "unknown"
    return {
        "name": name,
        "role": role,
        "health": health,
        "evidence": [text for _, text in items],
        "version": version,
        "node": node,
        "pod": pod,
    }


def _pod_key(pod: PodView) -> str:
    return f"{pod['namespace']}/{pod['name']}"


# ---------------------------------------------------------------------------------------------- control plane


def _component_of(pod: PodView) -> str | None:
    labels = pod["labels"]
    for key in ("component", "k8s-app", "app.kubernetes.io/name"):
        value = labels.get(key)
        if value in CONTROL_PLANE_COMPONENTS:
            return value
    return None


def control_plane_processes(
    nodes: list[NodeView],
    system_pods: list[PodView],
    leases: list[LeaseView],
    now: float,
    extra_evidence: Mapping[str, Sequence[Evidence]] | None = None,
    observed: bool = True,
) -> list[Process]:
    """The control-plane processes, in the order apiserver, etcd, scheduler, controller-manager,
    cloud-controller-manager, then by node name.

    * With kubeadm-style static pods in kube-system (labels ``tier=control-plane``, ``component=<name>``;
      ``k8s-app=<name>`` is accepted too) there is one process per pod, i.e. per instance, on its node.
    * Without any (managed control plane) the four core components still appear, one process each, with no
      node, health "unknown" unless a lease or ``extra_evidence`` says more. cloud-controller-manager appears
      only when a pod, its leader lease or extra evidence shows it exists.
    * Leader leases kube-system/<component> give the leader (holderIdentity before "_") and freshness;
      apiserver identity leases (label apiserver.kubernetes.io/identity=kube-apiserver) count the API
      servers.
    * ``extra_evidence[component]`` is added to every instance of that component (e.g. a /readyz probe).
    * ``observed`` False (no node seen at all yet): a missing pod says nothing about how the control plane is
      run, so no process claims to be managed or external.
    """
    extra = extra_evidence or {}
    node_names = {n["name"] for n in nodes}

    pods_by_component: dict[str, list[PodView]] = {}
    for pod in system_pods:
        if pod["namespace"] != "kube-system":
            continue
        component = _component_of(pod)
        if component is not None:
            pods_by_component.setdefault(component, []).append(pod)

    leader_leases: dict[str, LeaseView] = {}
    identity_leases: list[LeaseView] = []
    for candidate in leases:
        if candidate["namespace"] != "kube-system":
            continue
        if candidate["name"] in _ELECTED:
            leader_leases[candidate["name"]] = candidate
        elif candidate["labels"].get(_APISERVER_IDENTITY_LABEL) == "kube-apiserver":
            identity_leases.append(candidate)

    processes: list[Process] = []
    for component in CONTROL_PLANE_COMPONENTS:
        pods = sorted(pods_by_component.get(component, ()), key=lambda p: (p["node"] or "", p["name"]))
        lease = leader_leases.get(component)
        if component not in _CORE and not pods and lease is None and component not in extra:
            continue

        shared: list[Evidence] = list(extra.get(component, ()))
        leader: str | None = None
        if lease is not None:
            holder = lease["holder"]
            if holder:
                leader = holder.split("_", 1)[0]
                health, text = _lease_evidence(lease, now, "lease")
                shared.append((health, f"leader {leader}, {text}"))
            else:
                shared.append(("unhealthy", f"leader lease kube-system/{component} has no holder"))
        elif component in _ELECTED:
            shared.append(("unknown", f"no leader lease kube-system/{component} visible"))

        if component == "kube-apiserver":
            shared.extend(_identity_evidence(identity_leases, now))

        if not pods:
            if not observed:
                shared.append(("unknown", "not observed yet: nothing listed from the cluster"))
            elif component == "etcd":
                shared.append(("unknown", "no etcd pod visible: etcd is external or run by the provider"))
            else:
                shared.append(("unknown", f"no {component} pod visible: the control plane may be managed"))
            process = _process(component, "control-plane", shared, node=leader if leader in node_names else None)
            if leader is not None:
                process["leader"] = leader
            processes.append(process)
            continue

        for pod in pods:
            evidence = [_pod_evidence(pod), *shared]
            if leader is not None and pod["node"] is not None and len(pods) > 1:
                role = "holds the leader lease" if pod["node"] == leader else "standby, not the leader"
                evidence.append(("unknown", role))  # a fact, not a health signal
            process = _process(component, "control-plane", evidence, _image_version(pod), pod["node"], _pod_key(pod))
            if leader is not None:
                process["leader"] = leader
            processes.append(process)
    return processes


def _identity_evidence(identity_leases: list[LeaseView], now: float) -> list[Evidence]:
    if not identity_leases:
        return []
    fresh = sum(1 for lease in identity_leases if lease_freshness(lease, now) == "fresh")
    stale = len(identity_leases) - fresh
    out: list[Evidence] = []
    if fresh:
        noun = "instance" if fresh == 1 else "instances"
        out.append(("healthy", f"{fresh} API server {noun} renewing identity leases"))
    if stale:
        noun = "lease" if stale == 1 else "leases"
        whose = "its" if stale == 1 else "their"
        out.append(("degraded", f"{stale} API server identity {noun} not renewed within {whose} duration"))
    return out


# ---------------------------------------------------------------------------------------------- node agents

_RUNTIME_FAILURES: Final = frozenset(
    ("CreateContainerError", "RunContainerError", "ContainerCannotRun", "StartError", "CreatePodSandboxError")
)


def _runtime_name(version: str) -> str:
    """ "containerd://2.1.4" → "containerd 2.1.4"; "cri-o://1.33.0" → "cri-o 1.33.0"."""
    name, sep, rest = version.partition("://")
    return f"{name} {rest}" if sep else version


def _is_kube_proxy(pod: PodView) -> bool:
    return pod["labels"].get("k8s-app") == "kube-proxy" or (
        pod["namespace"] == "kube-system" and pod["name"].startswith("kube-proxy-")
    )


class Reporting(NamedTuple):
    """Whether a node's kubelet is still reporting, and if not, since when (its lease's last renewal)."""

    reporting: bool
    since: float | None  # the last renewal of the node lease when not reporting; None while reporting


REPORTING: Final = Reporting(True, None)


def kubelet_reporting(node: NodeView, lease: LeaseView | None, now: float) -> Reporting:
    """A kubelet renews its node lease every quarter of its duration and posts status; it has stopped
    reporting when the lease went unrenewed for its whole duration (the node lifecycle controller's own
    rule, a little before its grace period ends) or when that controller already set Ready to Unknown.

    ``since`` is frozen while the kubelet stays silent, so the view does not change with every renewal."""
    fresh = lease_freshness(lease, now) if lease is not None else "unknown"
    if fresh in ("overdue", "expired"):
        assert lease is not None
        return Reporting(False, lease["renewTime"])
    if node["ready"] == "Unknown":
        return Reporting(False, lease["renewTime"] if lease is not None else None)
    return REPORTING


def _silent_since(reporting: Reporting) -> str:
    return f"since {_clock(reporting.since)}" if reporting.since is not None else "(no lease renewal seen)"


def _last_reported(evidence: Iterable[Evidence], reporting: Reporting) -> list[Evidence]:
    """What the kubelet last said about an agent, kept as facts, no longer as health: nobody vouches for
    it now. The reason comes first."""
    reason: Evidence = ("unknown", f"the kubelet is not reporting {_silent_since(reporting)}: status unknown")
    return [reason, *(("unknown", f"last reported: {text}") for _, text in evidence)]


def node_agents(
    node: NodeView, pods_on_node: list[PodView], lease: LeaseView | None, now: float, reporting: Reporting | None = None
) -> list[Process]:
    """The agents of one node, in order: kubelet, container-runtime, kube-proxy, then the other
    DaemonSet pods on the node (name = the DaemonSet's name) sorted by name.

    ``lease`` is the node's heartbeat lease, kube-node-lease/<node name>, if any; ``reporting`` is
    :func:`kubelet_reporting` of the node (worked out here when not given). When the kubelet is not reporting,
    every agent but the kubelet is of unknown health: their status is only what the kubelet last reported.
    The container runtime's name and version ("containerd 2.1.4") is the process's ``version``.
    """
    name = node["name"]
    if reporting is None:
        reporting = kubelet_reporting(node, lease, now)
    agents = [_kubelet(node, lease, now, reporting), _runtime(node, pods_on_node, reporting)]
    agents.extend(_pod_agents(name, pods_on_node, reporting))
    return agents


def _kubelet(node: NodeView, lease: LeaseView | None, now: float, reporting: Reporting) -> Process:
    ready = node["ready"]
    kubelet: list[Evidence] = []
    if not reporting.reporting:
        kubelet.append(("unhealthy", f"not reporting {_silent_since(reporting)}"))
    if ready == "True":
        kubelet.append(("healthy", "node Ready: the kubelet reports the node healthy"))
    elif ready == "False":
        kubelet.append(("degraded", "node NotReady: the kubelet is reporting, but the node is not ready"))
    else:
        kubelet.append(("unhealthy", "node Ready condition Unknown: the kubelet stopped posting status"))
    if lease is None:
        kubelet.append(("unknown", "no node lease in kube-node-lease"))
    else:
        kubelet.append(_lease_evidence(lease, now, "node lease"))
    return _process("kubelet", "node-agent", kubelet, node["kubeletVersion"], node["name"])


def _runtime(node: NodeView, pods_on_node: list[PodView], reporting: Reporting) -> Process:
    ready = node["ready"]
    version = _runtime_name(node["containerRuntime"])
    facts: list[Evidence] = [("unknown", f"runtime {version}")] if version else []
    if not reporting.reporting:
        reason = f"the kubelet is not reporting {_silent_since(reporting)}: the runtime cannot be observed"
        return _process("container-runtime", "node-agent", [("unknown", reason), *facts], version, node["name"])
    runtime = list(facts)
    if ready == "True":
        runtime.append(("healthy", "node Ready: the kubelet reports the runtime ready"))
    else:
        runtime.append(("degraded", "node NotReady: the runtime may be down"))
    running = False
    failing: set[str] = set()
    for pod in pods_on_node:
        for c in pod["containers"]:
            if c["state"] == "running":
                running = True
            elif c["reason"] in _RUNTIME_FAILURES:
                failing.add(c["reason"])
    if running:
        runtime.append(("healthy", "containers are running on this node"))
    if failing:
        runtime.append(("degraded", "containers fail to start: " + ", ".join(sorted(failing))))
    return _process("container-runtime", "node-agent", runtime, version, node["name"])


def _pod_agents(name: str, pods_on_node: list[PodView], reporting: Reporting) -> list[Process]:
    """kube-proxy (or a note that there is none), then the other DaemonSet pods by name."""

    def agent(process: str, pod: PodView) -> Process:
        evidence = [_pod_evidence(pod)]
        if not reporting.reporting:
            evidence = _last_reported(evidence, reporting)
        return _process(process, "node-agent", evidence, _image_version(pod), name, _pod_key(pod))

    proxies = sorted((p for p in pods_on_node if _is_kube_proxy(p)), key=lambda p: p["name"])
    agents = [agent("kube-proxy", pod) for pod in proxies]
    if not proxies:
        none: Evidence = ("unknown", "no kube-proxy pod on this node (the cluster may use a CNI that replaces it)")
        agents.append(_process("kube-proxy", "node-agent", [none], node=name))
    others: list[tuple[str, str, PodView]] = []
    for pod in pods_on_node:
        owner = pod["owner"]
        if owner is not None and owner["kind"] == "DaemonSet" and not _is_kube_proxy(pod):
            others.append((owner["name"], _pod_key(pod), pod))
    others.sort(key=lambda t: (t[0], t[1]))
    agents.extend(agent(process, pod) for process, _, pod in others)
    return agents
