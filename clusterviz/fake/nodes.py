"""The machines: Node objects joining and leaving, cordoned, and their kubelet's reported status going bad
(NotReady, or silent) and good again. What follows from a bad node is the node lifecycle controller's."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from clusterviz.fake import objects as o
from clusterviz.fake.component import Component
from clusterviz.fake.controllers.nodelifecycle import NOT_READY_TAINT, UNREACHABLE_TAINT
from clusterviz.fake.kubelet import NODE_LEASE_PERIOD, NODE_STATUS_PERIOD
from clusterviz.fake.objects import LeaseRec, NodeRec, OwnerRef, Taint
from clusterviz.fake.scheduler import UNSCHEDULABLE_TAINT

if TYPE_CHECKING:
    from clusterviz.fake.cluster import FakeCluster

NODE_MONITOR_GRACE = 50.0  # node-monitor-grace-period: kubelet silent this long -> conditions Unknown
NODE_CONTROLLER_DELAY = 2.0  # node-monitor-period 5 s: mean reaction time of the node lifecycle controller
ZONES = ("a", "b", "c")
REGION = "region-1"
CONTROL_PLANE_TAINT = "node-role.kubernetes.io/control-plane"
CNI_NOT_READY = (
    "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady "
    "message:Network plugin returns error: cni plugin not initialized"
)
__all__ = ["NOT_READY_TAINT", "UNREACHABLE_TAINT", "Nodes"]


class Nodes(Component):
    def __init__(self, c: FakeCluster) -> None:
        super().__init__(c)
        self.count = 0  # workers named so far (add_node names the next one)
        self.index = 0  # nodes ever created: addresses and pod CIDRs

    # the kubelet's reported status -------------------------------------------------------------------

    def fail(self, node: NodeRec, reachable: bool) -> None:
        node.epoch += 1
        lifecycle = self.c.controllers.node_lifecycle
        if reachable:
            self.set_ready_condition(node, "False", "KubeletNotReady", CNI_NOT_READY)
            self.api.emit("MODIFIED", node)
            delay = self.rng.uniform(0.5, NODE_CONTROLLER_DELAY)
            self.after(delay, partial(lifecycle.node_lost, node, NOT_READY_TAINT, node.epoch))
        else:
            node.kubelet_up = False
            self.after(NODE_MONITOR_GRACE, partial(lifecycle.node_unknown, node, node.epoch))

    def recover(self, node: NodeRec) -> None:
        node.epoch += 1
        node.kubelet_up = True
        if node.pressure != "False":
            node.pressure, node.pressure_since = "False", self.now()
        self.set_ready_condition(node, "True", "KubeletReady", "kubelet is posting ready status")
        self.api.emit("MODIFIED", node)
        untaint = self.c.controllers.node_lifecycle.untaint
        self.after(self.rng.uniform(0.5, NODE_CONTROLLER_DELAY), partial(untaint, node, node.epoch))
        self.after(self.rng.uniform(1.0, 3.0), partial(self.c.kubelet.resync, node, node.epoch))

    def set_ready_condition(self, node: NodeRec, status: str, reason: str, message: str) -> None:
        now = self.now()
        if node.ready != status:
            node.ready_since = now
        node.ready, node.ready_reason, node.ready_message = status, reason, message
        if node.kubelet_up:
            node.heartbeat = now

    def cordon(self, node: NodeRec, cordoned: bool) -> None:
        if node.unschedulable == cordoned:
            return
        node.unschedulable = cordoned
        others = tuple(t for t in node.taints if t.key != UNSCHEDULABLE_TAINT)
        node.taints = others + ((Taint(UNSCHEDULABLE_TAINT, "NoSchedule"),) if cordoned else ())
        self.api.emit("MODIFIED", node)
        if not cordoned:
            self.c.scheduler.kick()

    # joining and leaving ---------------------------------------------------------------------------------

    def next_worker_number(self) -> int:
        self.count += 1
        while ("", f"worker-{self.count}") in self.api.nodes:
            self.count += 1
        return self.count

    def join(self, name: str, zone: str | None) -> None:
        """A worker joins: NotReady with the not-ready taint until its CNI agent runs, then Ready."""
        node = self.make(name, control_plane=False, zone=zone or ZONES[len(self.api.nodes) % 3], created=self.now())
        self.set_ready_condition(node, "False", "KubeletNotReady", CNI_NOT_READY)
        node.taints = (Taint(NOT_READY_TAINT, "NoSchedule"),)
        self.add_record(node)
        self.after(8.0, partial(self.recover, node))

    def add_record(self, node: NodeRec) -> None:
        self.api.emit("ADDED", node)
        self.c.scheduler.ring.append(node.name)
        lease = LeaseRec(name=node.name, namespace="kube-node-lease", uid=self.api.uid(), created=node.created,
                         owner=OwnerRef("v1", "Node", node.name, node.uid, controller=False),
                         holder=node.name, duration=40, renewed=self.now())
        self.api.emit("ADDED", lease)
        for ds in self.api.daemonsets.values():
            ds.check_nodes[node.name] = None
            self.c.controllers.touch(ds)
        if self.c.lease_renewals:
            kubelet = self.c.kubelet
            self.after(NODE_LEASE_PERIOD * self.rng.random(), partial(kubelet.renew_node_lease, node))
            self.after(NODE_STATUS_PERIOD * self.rng.random(), partial(kubelet.post_node_status, node))
        self.c.scheduler.kick()

    def remove(self, node: NodeRec) -> None:
        """The Node object is deleted (e.g. scaled in); pod GC then force-deletes the pods bound to it."""
        node.epoch += 1
        self.api.emit("DELETED", node)
        self.c.scheduler.ring.remove(node.name)
        lease = self.api.leases.get(("kube-node-lease", node.name))
        if lease is not None:
            self.api.emit("DELETED", lease)
        for ds in self.api.daemonsets.values():
            self.c.controllers.touch(ds)
        for pod in list(node.pods.values()):  # pod GC: orphaned pods are force-deleted
            self.after(self.rng.uniform(0.5, 2.0), partial(self.c.pods.delete, pod, 0, None))

    def make(self, name: str, *, control_plane: bool, zone: str, created: float) -> NodeRec:
        index = self.index
        self.index += 1
        return NodeRec(
            name=name, uid=self.api.uid(), created=created, labels=_labels(name, control_plane, zone),
            annotations={
                "kubeadm.alpha.kubernetes.io/cri-socket": "unix:///run/containerd/containerd.sock",
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
            index=index, control_plane=control_plane,
            internal_ip=f"172.18.{index // 250}.{index % 250 + 2}",
            pod_cidr=f"10.{64 + index // 256}.{index % 256}.0/24",
            cpu=4000, memory=16 * o.GI - 200 * o.MI, alloc_cpu=3800, alloc_memory=15 * o.GI,
            ready_since=created + 20, pressure_since=created, heartbeat=self.now(),
            taints=(Taint(CONTROL_PLANE_TAINT, "NoSchedule"),) if control_plane else (),
            boot_id=self.api.uid(), system_uuid=self.api.uid(),
        )


def _labels(name: str, control_plane: bool, zone: str) -> dict[str, str]:
    labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": "standard-4",
        "topology.kubernetes.io/region": REGION,
        "topology.kubernetes.io/zone": f"{REGION}{zone}",
    }
    if control_plane:
        labels["node-role.kubernetes.io/control-plane"] = ""
        labels["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
    else:
        labels["node-pool"] = "general"
    return labels
