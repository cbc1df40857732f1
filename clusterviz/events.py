"""Watch events as the Kubernetes API sends them, whatever their source (fake or real)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

RawObject = dict[str, Any]
"""A Kubernetes object as the API's JSON decodes it (apiVersion, kind, metadata, spec, status)."""

EventType = Literal["ADDED", "MODIFIED", "DELETED"]

KINDS: tuple[str, ...] = (
    "Namespace",
    "Node",
    "Deployment",
    "ReplicaSet",
    "DaemonSet",
    "StatefulSet",
    "Job",
    "Lease",
    "Pod",
)
"""The kinds the model consumes, in the order a fresh list should load them (owners before pods)."""


@dataclass(frozen=True, slots=True)
class WatchEvent:
    type: EventType
    kind: str
    object: RawObject

    @property
    def key(self) -> tuple[str, str]:
        meta = self.object.get("metadata", {})
        return (meta.get("namespace", ""), meta.get("name", ""))
