"""The Deployment controller: one ReplicaSet per pod template (its revision), and the RollingUpdate strategy
that scales the new one up and the old ones down within maxSurge / maxUnavailable."""

from __future__ import annotations

import math
from dataclasses import replace
from functools import partial

from clusterviz.fake import objects as o
from clusterviz.fake.component import Component
from clusterviz.fake.objects import Condition, DeploymentRec, OwnerRef, ReplicaSetRec

PROGRESS_DEADLINE = 600.0
REVISION = "deployment.kubernetes.io/revision"
HISTORY_LIMIT = 10  # revisionHistoryLimit


class DeploymentController(Component):
    def set_image(self, dep: DeploymentRec, image: str, container: str | None, pullable: bool) -> None:
        """A new image in the pod template (kubectl set image): a new generation, and a new revision follows."""
        names = [c.name for c in dep.template.containers]
        target = container or names[0]
        if target not in names:
            raise KeyError(f"no container {target} in deployment {dep.namespace}/{dep.name}")
        containers = tuple(replace(c, image=image, pullable=pullable) if c.name == target else c
                           for c in dep.template.containers)
        dep.template = replace(dep.template, containers=containers)
        dep.generation += 1
        self.api.emit("MODIFIED", dep)
        self.c.controllers.touch(dep)

    def create(self, dep: DeploymentRec) -> None:
        self.api.ensure_namespace(dep.namespace, self.now())
        self.api.emit("ADDED", dep)
        self.c.controllers.touch(dep)

    def sync(self, dep: DeploymentRec) -> None:
        new = self._current_rs(dep)
        olds = [rs for rs in dep.replica_sets if rs is not new and rs.replicas > 0]
        if not olds:
            self._scale_rs(new, dep.replicas, dep)
        else:
            self._roll(dep, new, olds)
        self._prune_history(dep, new)
        self._status(dep, new)

    def new_replicaset(self, dep: DeploymentRec, h: str, replicas: int) -> ReplicaSetRec:
        tpl = replace(dep.template, labels=(*dep.template.labels, ("pod-template-hash", h)))
        labels = dict(tpl.labels)
        rs = ReplicaSetRec(
            name=f"{dep.name}-{h}", namespace=dep.namespace, uid=self.api.uid(), created=self.now(), labels=labels,
            owner=OwnerRef("apps/v1", "Deployment", dep.name, dep.uid), generation=1,
            selector={**dep.selector, "pod-template-hash": h}, template=tpl, pod_labels=labels,
            replicas=replicas, revision=dep.revision, deployment=dep,
        )
        annotate(rs, dep)
        return rs

    def _current_rs(self, dep: DeploymentRec) -> ReplicaSetRec:
        h = dep.template.hash()
        for rs in dep.replica_sets:
            if rs.labels.get("pod-template-hash") == h:
                if rs.revision != dep.revision:  # a rollback: the old ReplicaSet becomes the newest revision
                    dep.revision += 1
                    rs.revision = dep.revision
                    annotate(rs, dep)
                    self.api.emit("MODIFIED", rs)
                return rs
        dep.revision += 1
        live = any(rs.replicas for rs in dep.replica_sets)
        rs = self.new_replicaset(dep, h, 0 if live else dep.replicas)
        dep.replica_sets.append(rs)
        self.api.emit("ADDED", rs)
        self.c.controllers.touch(rs)  # the ReplicaSet controller sees the new set (and its replicas, if any)
        return rs

    def _scale_rs(self, rs: ReplicaSetRec, replicas: int, dep: DeploymentRec) -> None:
        replicas = max(replicas, 0)
        desired = (rs.annotations or {}).get("deployment.kubernetes.io/desired-replicas")
        if rs.replicas == replicas and desired == str(dep.replicas):
            return
        rs.replicas, rs.generation = replicas, rs.generation + 1
        annotate(rs, dep)
        self.api.emit("MODIFIED", rs)
        self.c.controllers.touch(rs)

    def _prune_history(self, dep: DeploymentRec, new: ReplicaSetRec) -> None:
        """revisionHistoryLimit 10: the oldest idle ReplicaSets beyond ten are deleted."""
        idle = [rs for rs in dep.replica_sets if rs is not new and rs.replicas == 0 and not rs.pods]
        for rs in sorted(idle, key=lambda r: r.revision)[:max(len(idle) - HISTORY_LIMIT, 0)]:
            dep.replica_sets.remove(rs)
            self.api.emit("DELETED", rs)

    def _roll(self, dep: DeploymentRec, new: ReplicaSetRec, olds: list[ReplicaSetRec]) -> None:
        """The RollingUpdate strategy (maxSurge 25 %, maxUnavailable 25 %), as the deployment controller."""
        surge, unavailable = surge_and_unavailable(dep.replicas)
        total = new.replicas + sum(rs.replicas for rs in olds)
        if new.replicas > dep.replicas:
            self._scale_rs(new, dep.replicas, dep)
        elif new.replicas < dep.replicas and total < dep.replicas + surge:
            self._scale_rs(new, min(dep.replicas, new.replicas + dep.replicas + surge - total), dep)
        min_available = dep.replicas - unavailable
        all_pods = new.replicas + sum(rs.replicas for rs in olds)
        budget = all_pods - min_available - max(new.replicas - new.n_ready, 0)
        for rs in olds:  # first the old replicas that are not available anyway
            cut = min(budget, max(rs.replicas - rs.n_ready, 0))
            if cut > 0:
                self._scale_rs(rs, rs.replicas - cut, dep)
                budget -= cut
        spare = new.n_ready + sum(rs.n_ready for rs in olds) - min_available
        for rs in olds:
            cut = min(rs.replicas, spare)
            if cut > 0:
                self._scale_rs(rs, rs.replicas - cut, dep)
                spare -= cut

    def _status(self, dep: DeploymentRec, new: ReplicaSetRec) -> None:
        counts = (sum(rs.n_active for rs in dep.replica_sets), new.n_active,
                  sum(rs.n_ready for rs in dep.replica_sets))
        progressed = counts != (dep.st_replicas, dep.st_updated, dep.st_ready)
        changed = progressed or dep.observed != dep.generation
        dep.st_replicas, dep.st_updated, dep.st_ready = counts
        dep.observed = dep.generation
        revision = str(dep.revision)
        if (dep.annotations or {}).get(REVISION) != revision:
            dep.annotations = {REVISION: revision}
            changed = True
        changed |= self._conditions(dep, new, progressed)
        if changed:
            self.api.emit("MODIFIED", dep)

    def _conditions(self, dep: DeploymentRec, new: ReplicaSetRec, progressed: bool) -> bool:
        now = self.now()
        available = dep.st_ready >= dep.replicas - surge_and_unavailable(dep.replicas)[1]
        changed = o.set_condition(dep.conditions, Condition(
            "Available", "True" if available else "False",
            "MinimumReplicasAvailable" if available else "MinimumReplicasUnavailable",
            "Deployment has minimum availability." if available else "Deployment does not have minimum availability.",
            now, now))
        done = dep.st_updated == dep.replicas == dep.st_ready == dep.st_replicas
        current = dep.conditions.get("Progressing")
        if done:
            cond = Condition("Progressing", "True", "NewReplicaSetAvailable",
                             f'ReplicaSet "{new.name}" has successfully progressed.', now, now)
        elif progressed or current is None or current.status == "True":
            cond = Condition("Progressing", "True", "ReplicaSetUpdated",
                             f'ReplicaSet "{new.name}" is progressing.', now, now)
        else:
            return changed
        cond_changed = o.set_condition(dep.conditions, cond)
        if not done and (progressed or cond_changed):
            dep.progress_epoch += 1
            self.after(PROGRESS_DEADLINE, partial(self._progress_deadline, dep, dep.progress_epoch, new))
        return cond_changed or changed

    def _progress_deadline(self, dep: DeploymentRec, epoch: int, new: ReplicaSetRec) -> None:
        if dep.progress_epoch != epoch or not self.api.exists(dep):
            return
        progressing = dep.conditions.get("Progressing")
        if progressing is None or progressing.reason != "ReplicaSetUpdated":
            return
        now = self.now()
        o.set_condition(dep.conditions, Condition("Progressing", "False", "ProgressDeadlineExceeded",
                                                  f'ReplicaSet "{new.name}" has timed out progressing.', now, now))
        self.api.emit("MODIFIED", dep)


def annotate(rs: ReplicaSetRec, dep: DeploymentRec) -> None:
    """The annotations the deployment controller keeps on its ReplicaSets (revision, desired and max replicas)."""
    surge = surge_and_unavailable(dep.replicas)[0]
    rs.annotations = {
        "deployment.kubernetes.io/desired-replicas": str(dep.replicas),
        "deployment.kubernetes.io/max-replicas": str(dep.replicas + surge),
        REVISION: str(rs.revision),
    }


def surge_and_unavailable(replicas: int) -> tuple[int, int]:
    """(maxSurge, maxUnavailable) for 25 % / 25 %: surge rounds up, unavailable down, never both 0."""
    surge, unavailable = math.ceil(replicas * 0.25), math.floor(replicas * 0.25)
    return (surge, 1) if surge == 0 and unavailable == 0 else (surge, unavailable)
