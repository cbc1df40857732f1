"""The ReplicaSet controller: as many live pods as spec.replicas, the least valuable removed first."""

from __future__ import annotations

import heapq
import itertools

from clusterviz.fake.component import Component
from clusterviz.fake.objects import ControllerRec, PodRec, ReplicaSetRec

BURST = 500  # pods the controller creates per sync at most


class ReplicaSetController(Component):
    def sync(self, rs: ReplicaSetRec) -> None:
        diff = rs.replicas - rs.n_active
        pods = self.c.pods
        for _ in range(min(diff, BURST)):
            name = self.api.fresh_pod_name(rs.namespace, rs.name)
            pods.submit(pods.new(rs, rs.namespace, name, rs.template, generate=f"{rs.name}-"))
        if diff < 0:
            for pod in scale_down_victims(rs, -diff):
                pods.delete(pod)
        status = (rs.n_active, rs.n_ready, rs.generation)
        if status != (rs.st_replicas, rs.st_ready, rs.observed):
            rs.st_replicas, rs.st_ready, rs.observed = status
            self.api.emit("MODIFIED", rs)
            if rs.deployment is not None:
                self.c.controllers.touch(rs.deployment)


def scale_down_victims(rs: ControllerRec, count: int) -> list[PodRec]:
    """The controller's ranking: unscheduled, then pending, then not ready, then the newest first.

    Ranks the newest `count + 256` live pods only, so scaling a 20k-replica set down stays cheap."""
    live = list(itertools.islice((p for p in reversed(rs.pods.values())
                                  if p.deleted_at is None and not p.terminal), count + 256))
    return heapq.nsmallest(count, live, key=lambda p: (
        p.node is not None, p.phase == "Running", p.ready, -p.created, p.name))
