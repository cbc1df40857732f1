"""The node lifecycle controller: a kubelet silent past the grace period makes the node Unknown; a node not
ready is tainted NoSchedule + NoExecute, its pods are marked not ready and evicted when their toleration of
the taint runs out; taints go when the node is Ready again."""

from __future__ import annotations

from functools import partial

from clusterviz.fake import objects as o
from clusterviz.fake.component import Component
from clusterviz.fake.objects import Condition, NodeRec, PodRec, Taint

NOT_READY_TAINT = "node.kubernetes.io/not-ready"
UNREACHABLE_TAINT = "node.kubernetes.io/unreachable"


class NodeLifecycleController(Component):
    def node_unknown(self, node: NodeRec, epoch: int) -> None:
        """The kubelet missed its grace period."""
        if node.epoch != epoch or not self.api.exists(node):
            return
        self.c.nodes.set_ready_condition(node, "Unknown", *o.NODE_UNKNOWN)
        node.pressure, node.pressure_since = "Unknown", self.now()
        self.api.emit("MODIFIED", node)
        self.node_lost(node, UNREACHABLE_TAINT, epoch)

    def node_lost(self, node: NodeRec, taint_key: str, epoch: int) -> None:
        """Taint the node NoSchedule + NoExecute, mark its pods not ready, schedule taint-based evictions."""
        if node.epoch != epoch or not self.api.exists(node):
            return
        now = self.now()
        execute = Taint(taint_key, "NoExecute", added=now)
        node.taints = (*tuple(t for t in node.taints if t.key != taint_key), Taint(taint_key, "NoSchedule"), execute)
        self.api.emit("MODIFIED", node)
        for pod in list(node.pods.values()):
            self._mark_not_ready(pod, now)
            seconds = toleration_seconds(pod, execute)
            if seconds is not None and pod.deleted_at is None:
                self.after(float(seconds), partial(self._evict, pod, pod.token, node, epoch))

    def _mark_not_ready(self, pod: PodRec, now: float) -> None:
        if pod.ready and pod.deleted_at is None:
            pod.ready, pod.ready_since = False, now
            self.api.emit("MODIFIED", pod)
            self.c.recorder.warn(pod, "NodeNotReady", "Node is not ready", "node-controller")

    def _evict(self, pod: PodRec, token: int, node: NodeRec, epoch: int) -> None:
        if pod.token != token or node.epoch != epoch or not self.api.exists(pod):
            return
        now = self.now()
        cond = Condition("DisruptionTarget", "True", "DeletionByTaintManager",
                         "Taint manager: deleting due to NoExecute taint", now)
        self.c.pods.delete(pod, None, cond)

    def untaint(self, node: NodeRec, epoch: int) -> None:
        if node.epoch != epoch or not self.api.exists(node):
            return
        kept = tuple(t for t in node.taints if t.key not in (NOT_READY_TAINT, UNREACHABLE_TAINT))
        if kept != node.taints:
            node.taints = kept
            self.api.emit("MODIFIED", node)
        self.c.scheduler.kick()


def toleration_seconds(pod: PodRec, taint: Taint) -> int | None:
    """How long the pod may stay on a node with this NoExecute taint: 0 now, None for ever."""
    matching = [t for t in pod.template.pod_tolerations() if t.tolerates(taint)]
    if not matching:
        return 0
    if any(t.seconds is None for t in matching):
        return None
    return min(t.seconds for t in matching if t.seconds is not None)
