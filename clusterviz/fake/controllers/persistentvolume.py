"""The PersistentVolume side of the controller manager, with the storage class's provisioner: a claim waits
(Pending) for its first pod to be scheduled (volumeBindingMode WaitForFirstConsumer), then a volume is
provisioned on that pod's node and bound to the claim. The volume stays on that node: a pod mounting the
claim can only run there (the scheduler's volume node affinity check)."""

from __future__ import annotations

from functools import partial

from clusterviz.fake.component import Component
from clusterviz.fake.objects import NodeRec, PodRec, StatefulSetRec
from clusterviz.fake.storage import ClaimRec, VolumeRec

PROVISION_DELAY = 1.5  # the provisioner's helper pod creating the directory on the node


class PersistentVolumeController(Component):
    def ensure_claims(self, ss: StatefulSetRec, pod_name: str) -> None:
        """The StatefulSet controller creates a replica's claims before its pod (and keeps them: Retain)."""
        if ss.claim is None:
            return
        template, size = ss.claim
        name = f"{template}-{pod_name}"
        if (ss.namespace, name) in self.api.store["PersistentVolumeClaim"]:
            return
        claim = ClaimRec(name=name, namespace=ss.namespace, uid=self.api.uid(), created=self.now(),
                         labels=dict(ss.selector), size=size)
        self.api.emit("ADDED", claim)

    def claims_of(self, pod: PodRec) -> list[ClaimRec]:
        table = self.api.store["PersistentVolumeClaim"]
        found = (table.get((pod.namespace, v.source)) for v in pod.extra_volumes if v.kind == "persistentVolumeClaim")
        return [claim for claim in found if isinstance(claim, ClaimRec)]

    def pod_bound(self, pod: PodRec, node: NodeRec) -> None:
        """The scheduler chose a node for a pod: its pending claims are provisioned there."""
        for claim in self.claims_of(pod):
            if not claim.node:
                claim.node = node.name
                self.api.emit("MODIFIED", claim)
                self.after(PROVISION_DELAY, partial(self.provision, claim))

    def provision(self, claim: ClaimRec, at: float | None = None) -> None:
        if not self.api.exists(claim) or claim.volume:
            return
        now = self.now() if at is None else at
        volume = VolumeRec(name=f"pvc-{claim.uid}", uid=self.api.uid(), created=now, size=claim.size, claim=claim,
                           node=claim.node, phase_since=now)
        self.api.emit("ADDED", volume)
        claim.volume, claim.bound_at = volume.name, now
        self.api.emit("MODIFIED", claim)

    def conflict(self, pod: PodRec, node: NodeRec) -> bool:
        """True when a claim the pod mounts is bound to a volume on another node."""
        return any(claim.volume and claim.node != node.name for claim in self.claims_of(pod))
