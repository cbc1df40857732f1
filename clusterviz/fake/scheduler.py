"""kube-scheduler: binds each pending pod to a feasible node, or marks it Unschedulable with the FitError.

Nodes are scored in a round-robin window (percentageOfNodesToScore), least requested first; unschedulable pods
are retried when capacity frees up, as the scheduler's requeue does."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from clusterviz.fake.component import Component
from clusterviz.fake.objects import Condition, NodeRec, PodRec

if TYPE_CHECKING:
    from clusterviz.fake.cluster import FakeCluster

SCORE_NODES = 8  # feasible nodes the scheduler scores before choosing (percentageOfNodesToScore)
UNSCHEDULABLE_TAINT = "node.kubernetes.io/unschedulable"
UNHELPFUL = "Preemption is not helpful for scheduling"
NO_VICTIMS = "No preemption victims found for incoming pod."
Misfit = list[tuple[str, bool]]


class Scheduler(Component):
    def __init__(self, c: FakeCluster) -> None:
        super().__init__(c)
        self.ring: list[str] = []  # node names, the round-robin order
        self.rr = 0
        self.unschedulable: dict[str, PodRec] = {}
        self.retry_pending = False

    def schedule_pod(self, pod: PodRec, token: int) -> None:
        if pod.token != token or pod.node is not None or pod.deleted_at is not None or not self.api.exists(pod):
            return
        node = self.pick_node(pod)
        if node is None:
            self._mark_unschedulable(pod)
        else:
            self._bind(pod, node)

    def pick_node(self, pod: PodRec) -> NodeRec | None:
        if pod.target_node is not None:
            node = self.api.nodes.get(("", pod.target_node))
            return node if node is not None and not self.misfit(pod, node) else None
        ring, best, best_score, found = self.ring, None, 0.0, 0
        for step in range(len(ring)):
            node = self.api.nodes[("", ring[(self.rr + step) % len(ring)])]
            if self.misfit(pod, node):
                continue
            score = node.used_cpu / max(node.alloc_cpu, 1) + node.used_memory / max(node.alloc_memory, 1)
            if best is None or score < best_score:
                best, best_score = node, score
            found += 1
            if found >= SCORE_NODES:
                break
        if ring:
            self.rr = (self.rr + 1) % len(ring)
        return best

    def misfit(self, pod: PodRec, node: NodeRec) -> Misfit:
        """Why `pod` cannot go to `node` (reason, whether preemption could help); [] when it fits."""
        tpl = pod.template
        if pod.target_node is not None and pod.target_node != node.name:
            return [("node(s) didn't match Pod's node affinity/selector", False)]
        tolerations = tpl.pod_tolerations()
        for taint in node.taints:
            if taint.effect != "PreferNoSchedule" and not any(t.tolerates(taint) for t in tolerations):
                if taint.key == UNSCHEDULABLE_TAINT:
                    return [("node(s) were unschedulable", False)]
                return [(f"node(s) had untolerated taint {{{taint.key}: {taint.value}}}", False)]
        if any(node.labels.get(k) != v for k, v in tpl.node_selector):
            return [("node(s) didn't match Pod's node affinity/selector", False)]
        if pod.extra_volumes and self.c.controllers.persistentvolume.conflict(pod, node):
            return [("node(s) had volume node affinity conflict", False)]
        return _resource_misfit(pod, node)

    def fit_error(self, pod: PodRec) -> str:
        """The scheduler's FitError message, e.g. "0/4 nodes are available: 1 node(s) had ... ."."""
        nodes = self.api.nodes
        if not nodes:
            return "no nodes available to schedule pods"
        reasons: dict[str, int] = {}
        preemption = {UNHELPFUL: 0, NO_VICTIMS: 0}
        for node in nodes.values():
            misfit = self.misfit(pod, node)
            for reason, _ in misfit:
                reasons[reason] = reasons.get(reason, 0) + 1
            preemption[NO_VICTIMS if misfit and all(r for _, r in misfit) else UNHELPFUL] += 1
        total = len(nodes)
        head = ", ".join(sorted(f"{n} {r}" for r, n in reasons.items()))
        tail = ", ".join(sorted(f"{n} {r}" for r, n in preemption.items() if n))
        return f"0/{total} nodes are available: {head}. preemption: 0/{total} nodes are available: {tail}."

    def kick(self) -> None:
        """Capacity changed: retry the unschedulable pods a moment later (the scheduler's requeue)."""
        if self.unschedulable and not self.retry_pending:
            self.retry_pending = True
            self.after(1.0, self._retry_unschedulable)

    def _mark_unschedulable(self, pod: PodRec) -> None:
        self.unschedulable[pod.uid] = pod
        message = self.fit_error(pod)
        old = pod.unschedulable
        if old is not None and old.message == message:
            return
        since = old.since if old is not None else self.now()
        pod.unschedulable = Condition("PodScheduled", "False", "Unschedulable", message, since)
        self.api.emit("MODIFIED", pod)
        self.c.recorder.warn(pod, "FailedScheduling", message, "default-scheduler")

    def _retry_unschedulable(self) -> None:
        self.retry_pending = False
        for pod in list(self.unschedulable.values()):
            self.schedule_pod(pod, pod.token)

    def _bind(self, pod: PodRec, node: NodeRec) -> None:
        self.unschedulable.pop(pod.uid, None)
        pod.node, pod.scheduled_at, pod.unschedulable = node.name, self.now(), None
        self.api.emit("MODIFIED", pod)
        if pod.extra_volumes:
            self.c.controllers.persistentvolume.pod_bound(pod, node)
        self.after(self.rng.uniform(0.2, 0.8), partial(self.c.kubelet.accept, pod, pod.token))


def _resource_misfit(pod: PodRec, node: NodeRec) -> Misfit:
    cpu, memory = pod.template.requests
    out = []
    if node.used_pods + 1 > node.max_pods:
        out.append(("Too many pods", True))
    if node.used_cpu + cpu > node.alloc_cpu:
        out.append(("Insufficient cpu", True))
    if node.used_memory + memory > node.alloc_memory:
        out.append(("Insufficient memory", True))
    return out
