"""The DaemonSet controller: one pod on every node, pinned there by node affinity on metadata.name."""

from __future__ import annotations

from clusterviz.fake.component import Component
from clusterviz.fake.objects import DaemonSetRec


class DaemonSetController(Component):
    def sync(self, ds: DaemonSetRec) -> None:
        nodes, ds.check_nodes = ds.check_nodes, {}
        pods = self.c.pods
        for node_name in nodes:
            if ("", node_name) in self.api.nodes and node_name not in ds.by_node:
                name = self.api.fresh_pod_name(ds.namespace, ds.name)
                pod = pods.new(ds, ds.namespace, name, ds.template, generate=f"{ds.name}-", target_node=node_name)
                ds.by_node[node_name] = pod
                pods.submit(pod)
        status = (len(self.api.nodes), ds.n_active, ds.n_ready, ds.generation)
        if status != (ds.desired, ds.st_current, ds.st_ready, ds.observed):
            ds.desired, ds.st_current, ds.st_ready, ds.observed = status
            self.api.emit("MODIFIED", ds)
