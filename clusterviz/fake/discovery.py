"""Records of the objects that put pods behind a stable address: v1 Service and discovery.k8s.io/v1
EndpointSlice, rendered as the API server returns them.

A Service's pods are found by its selector; the EndpointSlice controller (``controllers/endpointslice.py``)
keeps its slices in step with the pods' readiness. The records keep only what the JSON needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from clusterviz.events import RawObject
from clusterviz.fake.objects import OwnerRef, PodRec, Record, rfc3339, sha256_hex

MANAGED_BY = "endpointslice-controller.k8s.io"
SERVICE_NAME = "kubernetes.io/service-name"
MAX_ENDPOINTS = 100  # the controller's --max-endpoints-per-slice default


@dataclass(frozen=True, slots=True)
class ServicePort:
    name: str
    port: int
    target: str | int  # a container port's name, or its number
    protocol: str = "TCP"
    node_port: int = 0

    def to_api(self) -> RawObject:
        out: RawObject = {"name": self.name}
        if self.node_port:
            out["nodePort"] = self.node_port
        out.update(port=self.port, protocol=self.protocol, targetPort=self.target)
        return out


@dataclass(slots=True, eq=False, kw_only=True)
class ServiceRec(Record):
    KIND: ClassVar[str] = "Service"
    type: str = "ClusterIP"  # ClusterIP | NodePort | ExternalName (clusterIP "None": headless)
    cluster_ip: str = ""
    selector: dict[str, str] = field(default_factory=dict)
    ports: tuple[ServicePort, ...] = ()
    external_name: str = ""
    # simulation state, never rendered
    pods: dict[str, PodRec] = field(default_factory=dict)  # uid -> pod its selector matches
    slices: list[EndpointSliceRec] = field(default_factory=list)
    sync_pending: bool = False

    @property
    def headless(self) -> bool:
        return self.cluster_ip == "None"

    def selects(self, pod: PodRec) -> bool:
        labels = pod.labels
        return bool(self.selector) and all(labels.get(k) == v for k, v in self.selector.items())

    def to_api(self) -> RawObject:
        out = self.head()
        out["spec"] = self._external_spec() if self.type == "ExternalName" else self._spec()
        out["status"] = {"loadBalancer": {}}
        return out

    def _spec(self) -> RawObject:
        spec: RawObject = {"clusterIP": self.cluster_ip, "clusterIPs": [self.cluster_ip]}
        if self.type == "NodePort":
            spec["externalTrafficPolicy"] = "Cluster"
        spec.update(internalTrafficPolicy="Cluster", ipFamilies=["IPv4"], ipFamilyPolicy="SingleStack",
                    ports=[p.to_api() for p in self.ports])
        if self.selector:
            spec["selector"] = dict(self.selector)
        spec.update(sessionAffinity="None", type=self.type)
        return spec

    def _external_spec(self) -> RawObject:
        spec: RawObject = {"externalName": self.external_name}
        if self.ports:
            spec["ports"] = [p.to_api() for p in self.ports]
        spec.update(sessionAffinity="None", type="ExternalName")
        return spec


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One pod's address in a slice, with the conditions the controller sets from the pod."""

    ip: str
    ready: bool
    serving: bool
    terminating: bool
    node: str
    zone: str
    pod: str
    namespace: str
    uid: str

    def to_api(self) -> RawObject:
        out: RawObject = {
            "addresses": [self.ip],
            "conditions": {"ready": self.ready, "serving": self.serving, "terminating": self.terminating},
        }
        if self.node:
            out["nodeName"] = self.node
        out["targetRef"] = {"kind": "Pod", "name": self.pod, "namespace": self.namespace, "uid": self.uid}
        if self.zone:
            out["zone"] = self.zone
        return out


@dataclass(slots=True, eq=False, kw_only=True)
class EndpointSliceRec(Record):
    KIND: ClassVar[str] = "EndpointSlice"
    API_VERSION: ClassVar[str] = "discovery.k8s.io/v1"
    endpoints: tuple[Endpoint, ...] = ()
    ports: tuple[tuple[str, int, str], ...] = ()  # (name, port, protocol), target ports resolved
    changed_at: float = 0.0

    def to_api(self) -> RawObject:
        out = self.head()
        if self.changed_at:
            out["metadata"]["annotations"] = {"endpoints.kubernetes.io/last-change-trigger-time":
                                              rfc3339(self.changed_at)}
        out["addressType"] = "IPv4"
        # Go's nil slice: an empty slice reads back from etcd as null, as the API server serves it.
        out["endpoints"] = [e.to_api() for e in self.endpoints] or None
        out["ports"] = [{"name": n, "port": p, "protocol": proto} for n, p, proto in self.ports] or None
        return out


def cluster_ip(namespace: str, name: str) -> str:
    """A stable address in the service CIDR 10.96.0.0/16 (the allocator's choice, from the name here)."""
    h = int(sha256_hex("service", namespace, name)[:4], 16)
    return f"10.96.{h >> 8}.{max(h & 0xFF, 11)}"


def slice_labels(svc: ServiceRec) -> dict[str, str]:
    """The controller copies the Service's labels and adds its own."""
    labels = {**svc.labels, "endpointslice.kubernetes.io/managed-by": MANAGED_BY, SERVICE_NAME: svc.name}
    if svc.headless:
        labels["service.kubernetes.io/headless"] = ""
    return labels


def service_owner(svc: ServiceRec) -> OwnerRef:
    return OwnerRef("v1", "Service", svc.name, svc.uid)
