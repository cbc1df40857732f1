"""The EndpointSlice controller: for every Service with a selector, slices listing the pods it selects that
have an address, with the conditions the API defines (ready: the pod is Ready and not terminating; serving:
the pod is Ready; terminating: the pod is being deleted). Pods that finished or lost their IP leave.

Every pod change the API server stores reaches ``pod_changed`` (through the informers' hook), which updates
the selected pods of the Services in the pod's namespace and queues one sync of each Service it touched."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from clusterviz.fake.component import Component
from clusterviz.fake.discovery import (
    MAX_ENDPOINTS,
    Endpoint,
    EndpointSliceRec,
    ServiceRec,
    service_owner,
    slice_labels,
)
from clusterviz.fake.objects import PodRec

if TYPE_CHECKING:
    from clusterviz.fake.cluster import FakeCluster

SYNC_DELAY = 0.02  # informer + work-queue latency, as the other controllers
ZONE = "topology.kubernetes.io/zone"
Ports = tuple[tuple[str, int, str], ...]


class EndpointSliceController(Component):
    def __init__(self, c: FakeCluster) -> None:
        super().__init__(c)
        self.by_namespace: dict[str, list[ServiceRec]] = {}

    def add_service(self, svc: ServiceRec) -> None:
        """A Service is created: it selects the pods already there, and its slices follow."""
        self.api.emit("ADDED", svc)
        if not svc.selector:
            return
        self.by_namespace.setdefault(svc.namespace, []).append(svc)
        for pod in self.api.pods.values():
            if pod.namespace == svc.namespace and svc.selects(pod):
                svc.pods[pod.uid] = pod
        self.sync(svc)

    def pod_changed(self, pod: PodRec, deleted: bool) -> None:
        for svc in self.by_namespace.get(pod.namespace, ()):
            if svc.selects(pod):
                if deleted:
                    svc.pods.pop(pod.uid, None)
                else:
                    svc.pods[pod.uid] = pod
                self._touch(svc)

    def _touch(self, svc: ServiceRec) -> None:
        if not svc.sync_pending:
            svc.sync_pending = True
            self.after(SYNC_DELAY, partial(self.sync, svc))

    def sync(self, svc: ServiceRec) -> None:
        svc.sync_pending = False
        if not self.api.exists(svc):
            return
        pods = sorted((p for p in svc.pods.values() if _has_endpoint(p)), key=lambda p: p.name)
        ports = _ports(svc, pods[0]) if pods else ()
        chunks = [tuple(self._endpoint(p) for p in pods[i:i + MAX_ENDPOINTS])
                  for i in range(0, len(pods), MAX_ENDPOINTS)] or [()]
        for i, endpoints in enumerate(chunks):
            self._put(svc, i, endpoints, ports)
        for extra in svc.slices[len(chunks):]:
            self.api.emit("DELETED", extra)
        del svc.slices[len(chunks):]

    def _put(self, svc: ServiceRec, i: int, endpoints: tuple[Endpoint, ...], ports: Ports) -> None:
        if i == len(svc.slices):
            svc.slices.append(self._new_slice(svc, endpoints, ports))
            self.api.emit("ADDED", svc.slices[i])
            return
        es = svc.slices[i]
        if (es.endpoints, es.ports) != (endpoints, ports):
            es.endpoints, es.ports, es.changed_at = endpoints, ports, self.now()
            es.generation += 1
            self.api.emit("MODIFIED", es)

    def _new_slice(self, svc: ServiceRec, endpoints: tuple[Endpoint, ...], ports: Ports) -> EndpointSliceRec:
        return EndpointSliceRec(
            name=f"{svc.name}-{self.api.suffix()}", generate_name=f"{svc.name}-", namespace=svc.namespace,
            uid=self.api.uid(), created=self.now(), labels=slice_labels(svc), owner=service_owner(svc),
            generation=1, endpoints=endpoints, ports=ports, changed_at=self.now() if endpoints else 0.0,
        )

    def _endpoint(self, pod: PodRec) -> Endpoint:
        terminating = pod.deleted_at is not None
        node = self.api.nodes.get(("", pod.node or ""))
        zone = node.labels.get(ZONE, "") if node is not None else ""
        return Endpoint(ip=pod.pod_ip, ready=pod.ready and not terminating, serving=pod.ready,
                        terminating=terminating, node=pod.node or "", zone=zone, pod=pod.name,
                        namespace=pod.namespace, uid=pod.uid)


def _has_endpoint(pod: PodRec) -> bool:
    """The controller lists pods that have an IP and have not finished (terminating ones included)."""
    return bool(pod.pod_ip) and not pod.terminal


def _ports(svc: ServiceRec, pod: PodRec) -> Ports:
    """The Service's ports with each target resolved to the container port of the pod (by name or number)."""
    named = {name: number for c in pod.template.containers for name, number, _ in c.ports}
    out = []
    for p in svc.ports:
        number = named.get(p.target) if isinstance(p.target, str) else p.target
        if number is not None:
            out.append((p.name, number, p.protocol))
    return tuple(out)
