"""The default cluster, settled: nothing pending, every pod Running (no events: nobody watches yet).

One control-plane node with its static pods and leader leases, the workers, kube-proxy and kindnet as
DaemonSets, CoreDNS, the introduction's users-deployment and its users-db StatefulSet, and the
``pods_per_node`` filler workloads."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

from clusterviz.fake import objects as o
from clusterviz.fake.apiserver import Key
from clusterviz.fake.discovery import ServicePort, ServiceRec, cluster_ip
from clusterviz.fake.kubelet import NODE_LEASE_PERIOD, NODE_STATUS_PERIOD
from clusterviz.fake.leaderelection import APISERVER_LEASE_PERIOD, LEADER_RENEW_PERIOD
from clusterviz.fake.nodes import ZONES
from clusterviz.fake.objects import (
    ControllerRec,
    DaemonSetRec,
    DeploymentRec,
    LeaseRec,
    NodeRec,
    PodTemplate,
    ReplicaSetRec,
    StatefulSetRec,
)

if TYPE_CHECKING:
    from clusterviz.fake.cluster import FakeCluster


class Builder:
    def __init__(self, c: FakeCluster, workers: int, pods_per_node: int) -> None:
        self.c = c
        self.api = c.api
        self.workers = workers
        self.pods_per_node = pods_per_node
        self.now = c.now()
        self.born = self.now - 3 * 86400  # the cluster was installed three days ago

    def build(self) -> None:
        for ns in ("default", "kube-node-lease", "kube-public", "kube-system"):
            self.api.emit("ADDED", self.api.namespace(ns, self.born))
        cp = self.c.nodes.make("control-plane-1", control_plane=True, zone="a", created=self.born)
        self._add_node(cp)
        self._control_plane(cp)
        for i in range(self.workers):
            node = self.c.nodes.make(f"worker-{i + 1}", control_plane=False, zone=ZONES[i % 3],
                                     created=self.born + 90 + i * 0.05)
            self._add_node(node)
        self.c.nodes.count = self.workers
        self._daemonsets(cp.name)
        self._deployment("kube-system", "coredns", o.coredns_template(), 2, self.born + 40, {"k8s-app": "kube-dns"})
        self._deployment("default", "users-deployment", o.users_template(), 2, self.born + 7200, {})
        self._users_db()
        self._services()
        self._extras()
        self._first_syncs()

    def _add_node(self, node: NodeRec) -> None:
        node.heartbeat = self.now - NODE_STATUS_PERIOD * self.c.rng.random()
        self.c.nodes.add_record(node)
        lease = self.api.leases[("kube-node-lease", node.name)]
        lease.renewed = self.now - NODE_LEASE_PERIOD * self.c.rng.random()
        lease.created = node.created

    def _control_plane(self, cp: NodeRec) -> None:
        kubelet, api = self.c.kubelet, self.api
        for k, component in enumerate(("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler")):
            kubelet.settle(kubelet.static_pod(cp, component, self.born + 10 + k), cp, self.born + 10 + k)
        for component in ("kube-controller-manager", "kube-scheduler"):
            self._leader_lease(component, cp.name)
        ident = o.safe_encode(o.sha256_hex("apiserver", cp.name)[:26]).lower()
        lease = LeaseRec(name=f"apiserver-{ident}", namespace="kube-system", uid=api.uid(), created=self.born + 12,
                         labels={"apiserver.kubernetes.io/identity": "kube-apiserver",
                                 "kubernetes.io/hostname": cp.name},
                         holder=f"apiserver-{ident}_{api.uid()}", duration=3600,
                         renewed=self.now - APISERVER_LEASE_PERIOD * self.c.rng.random(), acquired=self.born + 12)
        api.emit("ADDED", lease)
        self._renew(lease.key, cp.name, APISERVER_LEASE_PERIOD)

    def _leader_lease(self, component: str, node: str) -> None:
        api = self.api
        lease = LeaseRec(name=component, namespace="kube-system", uid=api.uid(), created=self.born + 15,
                         holder=f"{node}_{api.uid()}", duration=15,
                         renewed=self.now - LEADER_RENEW_PERIOD * self.c.rng.random(), acquired=self.born + 15,
                         transitions=0)
        api.emit("ADDED", lease)
        self._renew(lease.key, node, LEADER_RENEW_PERIOD)

    def _renew(self, key: Key, node: str, period: float) -> None:
        if self.c.lease_renewals:
            phase = period * self.c.rng.random()
            self.c.timeline.after(phase, partial(self.c.leader_election.renew, key, node, period))

    def _daemonsets(self, control_plane: str) -> None:
        c = self.c
        for name, base in (("kube-proxy", o.kube_proxy_template()),
                           ("kindnet", o.kindnet_template(control_plane))):
            revision = ("controller-revision-hash", base.hash()[:10])
            tpl = replace(base, labels=(*base.labels, revision))
            ds = DaemonSetRec(name=name, namespace="kube-system", uid=self.api.uid(), created=self.born + 30,
                              generation=1, labels=dict(base.labels), selector=dict(base.labels),
                              template=tpl, pod_labels=dict(tpl.labels))
            self.api.emit("ADDED", ds)
            for node in list(self.api.nodes.values()):
                pod = c.pods.new(ds, ds.namespace, self.api.fresh_pod_name(ds.namespace, name), tpl,
                                 generate=f"{name}-", target_node=node.name)
                ds.by_node[node.name] = pod
                c.kubelet.settle(pod, node, max(node.created, ds.created) + 5)
            ds.check_nodes.clear()

    def _deployment(self, namespace: str, name: str, tpl: PodTemplate, replicas: int, created: float,
                    labels: dict[str, str] | None) -> None:
        if ("", namespace) not in self.api.store["Namespace"]:
            self.api.emit("ADDED", self.api.namespace(namespace, created - 60))
        rs = self._deployment_and_rs(namespace, name, tpl, replicas, created, labels)
        self._fill(rs, replicas, created)

    def _deployment_and_rs(self, namespace: str, name: str, tpl: PodTemplate, replicas: int, created: float,
                           labels: dict[str, str] | None) -> ReplicaSetRec:
        dep = DeploymentRec(name=name, namespace=namespace, uid=self.api.uid(), created=created, generation=1,
                            labels=labels if labels is not None else dict(tpl.labels), replicas=replicas,
                            selector=dict(tpl.labels), template=tpl)
        dep.revision = 1
        self.api.emit("ADDED", dep)
        rs = self.c.controllers.deployment.new_replicaset(dep, tpl.hash(), replicas)
        rs.created = created
        dep.replica_sets.append(rs)
        self.api.emit("ADDED", rs)
        return rs

    def _fill(self, rs: ReplicaSetRec, replicas: int, created: float) -> None:
        c = self.c
        for j in range(replicas):
            pod = c.pods.new(rs, rs.namespace, self.api.fresh_pod_name(rs.namespace, rs.name), rs.template,
                             generate=f"{rs.name}-")
            node = c.scheduler.pick_node(pod)
            if node is None:
                pod.created = created
                c.pods.submit(pod)
            else:
                c.kubelet.settle(pod, node, created + 1 + (j * 7.919) % 3600)

    def _users_db(self) -> None:
        c = self.c
        tpl = o.users_db_template()
        ss = StatefulSetRec(name="users-db", namespace="default", uid=self.api.uid(), created=self.born + 7000,
                            generation=1, labels={"app": "users-db"}, selector={"app": "users-db"},
                            replicas=1, service_name="users-db", claim=("data", "10Gi"), template=tpl)
        tpl = replace(tpl, labels=(*tpl.labels, ("controller-revision-hash", ss.revision)))
        ss.template, ss.pod_labels = tpl, dict(tpl.labels)
        self.api.emit("ADDED", ss)
        pod = c.controllers.statefulset.new_pod(ss, 0)
        node = c.scheduler.pick_node(pod)
        if node is None:
            c.pods.submit(pod)
            return
        volumes = c.controllers.persistentvolume
        for claim in volumes.claims_of(pod):
            claim.created, claim.node = ss.created + 4, node.name
            volumes.provision(claim, ss.created + 6)
        c.kubelet.settle(pod, node, ss.created + 5)

    def _services(self) -> None:
        """The Services of the introduction's app and CoreDNS's: one of each type, and a headless one."""
        users, http = {"app": "users"}, (ServicePort("http", 80, "http"),)
        dns = (ServicePort("dns", 53, 53, "UDP"), ServicePort("dns-tcp", 53, 53), ServicePort("metrics", 9153, 9153))
        for ns, name, kind, selector, ports, extra in (
            ("kube-system", "kube-dns", "ClusterIP", {"k8s-app": "kube-dns"}, dns, "10.96.0.10"),
            ("default", "users", "ClusterIP", users, http, ""),
            ("default", "users-public", "NodePort", users, (ServicePort("http", 80, "http", node_port=30080),), ""),
            ("default", "users-db", "ClusterIP", {"app": "users-db"}, (ServicePort("postgres", 5432, "postgres"),),
             "None"),
            ("default", "mail", "ExternalName", {}, (), "smtp.mail.example.com"),
        ):
            svc = self._service(ns, name, kind, selector, ports, extra)
            self.c.controllers.endpointslice.add_service(svc)
            for es in svc.slices:  # they have been there since the Service was
                es.created = es.changed_at = svc.created + 1

    def _service(self, ns: str, name: str, kind: str, selector: dict[str, str], ports: tuple[ServicePort, ...],
                 extra: str) -> ServiceRec:
        external = kind == "ExternalName"
        ip = "" if external else extra or cluster_ip(ns, name)
        labels = {"k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "CoreDNS"} \
            if name == "kube-dns" else ({"app": name} if selector else {})
        return ServiceRec(name=name, namespace=ns, uid=self.api.uid(), created=self.born + 7100, labels=labels,
                          type=kind, cluster_ip=ip, selector=selector, ports=ports,
                          external_name=extra if external else "")

    def _extras(self) -> None:
        """pods_per_node filler pods per worker, spread round-robin over a few namespaces and deployments."""
        total = self.workers * self.pods_per_node
        if not total:
            return
        nodes = [n for n in self.api.nodes.values() if not n.control_plane]
        count = len(o.EXTRA_WORKLOADS)
        j = 0
        for k, (ns, name, image, cpu, memory) in enumerate(o.EXTRA_WORKLOADS):
            replicas = total // count + (1 if k < total % count else 0)
            tpl = o.extra_template(name, image, cpu, memory)
            created = self.born + 3600 + 600 * k
            if ("", ns) not in self.api.store["Namespace"]:
                self.api.emit("ADDED", self.api.namespace(ns, created - 60))
            rs = self._deployment_and_rs(ns, name, tpl, replicas, created, None)
            for _ in range(replicas):
                self._place_extra(rs, nodes[j % len(nodes)], created + (j * 0.37) % 7200)
                j += 1

    def _place_extra(self, rs: ReplicaSetRec, node: NodeRec, at: float) -> None:
        c = self.c
        pod = c.pods.new(rs, rs.namespace, self.api.fresh_pod_name(rs.namespace, rs.name), rs.template,
                         generate=f"{rs.name}-")
        if c.scheduler.misfit(pod, node):
            pod.created = at
            c.pods.submit(pod)
        else:
            c.kubelet.settle(pod, node, at)

    def _first_syncs(self) -> None:
        """Bring every controller's status in line with its pods before anyone lists."""
        api = self.api
        for table in (api.store["ReplicaSet"], api.deployments, api.daemonsets, api.statefulsets):
            for rec in list(table.values()):
                assert isinstance(rec, (ControllerRec, DeploymentRec))
                self.c.controllers.sync(rec)
