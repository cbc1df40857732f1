"""Buttons that script the fake cluster, so someone learning Kubernetes can poke it and watch it react."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import QueryDict
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from clusterviz.events import WatchEvent
from clusterviz.fake import FakeCluster
from clusterviz.sources import Script

USERS = ("default", "users-deployment")
MAX_REPLICAS = 50


def _replicas(post: QueryDict) -> int:
    try:
        replicas = int(post.get("replicas", "3"))
    except ValueError:
        raise ValueError("replicas must be a whole number") from None
    if not 0 <= replicas <= MAX_REPLICAS:
        raise ValueError(f"replicas must be between 0 and {MAX_REPLICAS}")
    return replicas


def _worker(cluster: FakeCluster, wanted: str) -> str:
    nodes, _ = cluster.list("Node")
    names = [
        n["metadata"]["name"]
        for n in nodes
        if "node-role.kubernetes.io/control-plane" not in n["metadata"].get("labels", {})
    ]
    if wanted:
        if wanted not in names:
            raise ValueError(f"no worker named {wanted!r}")
        return wanted
    return names[0]


def _first_pod(cluster: FakeCluster, namespace: str, prefix: str) -> str:
    pods, _ = cluster.list("Pod")
    names = sorted(
        p["metadata"]["name"]
        for p in pods
        if p["metadata"].get("namespace") == namespace
        and p["metadata"]["name"].startswith(prefix)
        and not p["metadata"].get("deletionTimestamp")
    )
    return names[0] if names else ""


def _scale(post: QueryDict) -> Script:
    replicas = _replicas(post)
    return lambda cluster: cluster.scale(*USERS, replicas)


def _node_ready(ready: bool) -> Callable[[QueryDict], Script]:
    def build(post: QueryDict) -> Script:
        wanted = post.get("node", "")
        # reachable=False: the kubelet falls silent (no lease renewals, no status), as the button says, rather
        # than reporting NotReady: only the lease's age and then the node lifecycle controller tell.
        return lambda cluster: cluster.set_node_ready(_worker(cluster, wanted), ready, reachable=False)

    return build


def _crash(post: QueryDict) -> Script:
    def script(cluster: FakeCluster) -> list[WatchEvent]:
        pod = _first_pod(cluster, USERS[0], USERS[1])
        return cluster.crash_loop(USERS[0], pod) if pod else []

    return script


def _unschedulable(post: QueryDict) -> Script:
    def script(cluster: FakeCluster) -> list[WatchEvent]:
        return cluster.add_unschedulable_pod("default", f"too-big-{cluster.resource_version}")

    return script


COMPONENTS = ("kube-scheduler", "kube-apiserver", "kube-controller-manager", "etcd")


def _crash_component(post: QueryDict) -> Script:
    component = post.get("component", COMPONENTS[0])
    if component not in COMPONENTS:
        raise ValueError(f"component must be one of {', '.join(COMPONENTS)}")

    def script(cluster: FakeCluster) -> list[WatchEvent]:
        pod = _first_pod(cluster, "kube-system", f"{component}-")
        return cluster.crash_loop("kube-system", pod) if pod else []

    return script


def _rolling_update(post: QueryDict) -> Script:
    image = post.get("image", "my-repo/users-application:v2")[:200]
    return lambda cluster: cluster.rolling_update(*USERS, image)


@dataclass(frozen=True)
class Control:
    action: str
    label: str | Promise  # lazily translated: rendered in the viewer's language
    description: str | Promise
    script: Callable[[QueryDict], Script]


CONTROLS: list[Control] = [
    Control(
        "scale",
        _("Scale users-deployment"),
        _("Change the Deployment's replicas and watch the ReplicaSet add or remove pods."),
        _scale,
    ),
    Control(
        "rolling-update",
        _("Roll out a new image"),
        _("Update users-deployment's image: a new ReplicaSet replaces pods one by one."),
        _rolling_update,
    ),
    Control(
        "node-not-ready",
        _("Break a worker"),
        _("The kubelet stops reporting: the node turns NotReady and its pods are evicted and rescheduled."),
        _node_ready(False),
    ),
    Control(
        "node-ready", _("Heal the worker"), _("The kubelet reports again and the node turns Ready."), _node_ready(True)
    ),
    Control(
        "crash",
        _("Crash a pod"),
        _("A users pod's container keeps exiting: CrashLoopBackOff, with growing restarts."),
        _crash,
    ),
    Control(
        "crash-component",
        _("Crash the scheduler"),
        _("kube-scheduler's static pod keeps exiting: the control plane shows the process unhealthy."),
        _crash_component,
    ),
    Control(
        "unschedulable",
        _("Ask for too much"),
        _("A pod requests more than any node has: the scheduler leaves it Pending."),
        _unschedulable,
    ),
]
