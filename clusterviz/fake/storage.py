"""Records of storage: v1 PersistentVolumeClaim and PersistentVolume, rendered as the API server returns them.

A StatefulSet's volumeClaimTemplates give each replica a claim of its own (``<template>-<pod>``); the
provisioner of the claim's storage class creates a volume for it and the PV controller binds the two
(``controllers/persistentvolume.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from clusterviz.events import RawObject
from clusterviz.fake.objects import Record, rfc3339

STORAGE_CLASS = "standard"
PROVISIONER = "rancher.io/local-path"
ACCESS_MODES = ("ReadWriteOnce",)


@dataclass(slots=True, eq=False, kw_only=True)
class ClaimRec(Record):
    KIND: ClassVar[str] = "PersistentVolumeClaim"
    size: str  # the storage request, e.g. "10Gi"
    volume: str = ""  # the bound PersistentVolume's name; "" while Pending
    bound_at: float = 0.0
    node: str = ""  # volume.kubernetes.io/selected-node

    def to_api(self) -> RawObject:
        out = self.head()
        out["metadata"]["finalizers"] = ["kubernetes.io/pvc-protection"]
        out["metadata"]["annotations"] = self._annotations()
        spec: RawObject = {"accessModes": list(ACCESS_MODES), "resources": {"requests": {"storage": self.size}},
                           "storageClassName": STORAGE_CLASS, "volumeMode": "Filesystem"}
        if self.volume:
            spec["volumeName"] = self.volume
        out["spec"] = spec
        out["status"] = self._status()
        return out

    def _annotations(self) -> dict[str, str]:
        notes = {"volume.beta.kubernetes.io/storage-provisioner": PROVISIONER,
                 "volume.kubernetes.io/storage-provisioner": PROVISIONER}
        if self.node:
            notes["volume.kubernetes.io/selected-node"] = self.node
        if self.volume:
            notes["pv.kubernetes.io/bind-completed"] = "yes"
            notes["pv.kubernetes.io/bound-by-controller"] = "yes"
        return dict(sorted(notes.items()))

    def _status(self) -> RawObject:
        if not self.volume:
            return {"phase": "Pending"}
        return {"accessModes": list(ACCESS_MODES), "capacity": {"storage": self.size}, "phase": "Bound"}


@dataclass(slots=True, eq=False, kw_only=True)
class VolumeRec(Record):
    KIND: ClassVar[str] = "PersistentVolume"
    size: str
    claim: ClaimRec
    node: str
    phase_since: float = 0.0

    def to_api(self) -> RawObject:
        out = self.head()
        out["metadata"]["annotations"] = {"local.path.provisioner/selected-node": self.node,
                                          "pv.kubernetes.io/provisioned-by": PROVISIONER}
        out["metadata"]["finalizers"] = ["kubernetes.io/pv-protection"]
        claim = self.claim
        out["spec"] = {
            "accessModes": list(ACCESS_MODES),
            "capacity": {"storage": self.size},
            "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "name": claim.name,
                         "namespace": claim.namespace, "uid": claim.uid},
            "hostPath": {"path": f"/var/local-path-provisioner/{self.name}_{claim.namespace}_{claim.name}",
                         "type": "DirectoryOrCreate"},
            "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                {"key": "kubernetes.io/hostname", "operator": "In", "values": [self.node]}]}]}},
            "persistentVolumeReclaimPolicy": "Delete",
            "storageClassName": STORAGE_CLASS,
            "volumeMode": "Filesystem",
        }
        out["status"] = {"lastPhaseTransitionTime": rfc3339(self.phase_since), "phase": "Bound"}
        return out
