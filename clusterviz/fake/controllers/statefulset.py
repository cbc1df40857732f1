"""The StatefulSet controller: pods with stable names (name-0, name-1, ...) created in order, removed from
the top, each with its own claims from the volumeClaimTemplates."""

from __future__ import annotations

from clusterviz.fake.component import Component
from clusterviz.fake.objects import PodRec, StatefulSetRec, Volume


class StatefulSetController(Component):
    def sync(self, ss: StatefulSetRec) -> None:
        """OrderedReady: create ordinal i only when 0..i-1 are Running and Ready; remove from the top."""
        for i in range(ss.replicas):
            pod = ss.pods.get(f"{ss.name}-{i}")
            if pod is None:
                self.c.pods.submit(self.new_pod(ss, i))
                break
            if pod.deleted_at is not None or not pod.ready:
                break
        else:
            self._remove_extra(ss)
        status = (ss.n_active, ss.n_ready, ss.generation)
        if status != (ss.st_replicas, ss.st_ready, ss.observed):
            ss.st_replicas, ss.st_ready, ss.observed = status
            self.api.emit("MODIFIED", ss)

    def _remove_extra(self, ss: StatefulSetRec) -> None:
        extra = sorted((p for p in ss.pods.values() if ordinal(p.name) >= ss.replicas),
                       key=lambda p: -ordinal(p.name))
        if extra and all(p.deleted_at is None for p in extra):
            self.c.pods.delete(extra[0])

    def new_pod(self, ss: StatefulSetRec, i: int) -> PodRec:
        name = f"{ss.name}-{i}"
        labels = {**ss.pod_labels, "apps.kubernetes.io/pod-index": str(i),
                  "statefulset.kubernetes.io/pod-name": name}
        claims = () if ss.claim is None else (Volume(ss.claim[0], "persistentVolumeClaim", f"{ss.claim[0]}-{name}"),)
        self.c.controllers.persistentvolume.ensure_claims(ss, name)
        return self.c.pods.new(ss, ss.namespace, name, ss.template, labels=labels, generate=f"{ss.name}-",
                               extra_volumes=claims, subdomain=ss.service_name)


def ordinal(pod_name: str) -> int:
    return int(pod_name.rsplit("-", 1)[1])
