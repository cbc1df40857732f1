"""Leader election of the control-plane components (kube-scheduler, kube-controller-manager) and the API
servers' identity leases: the holder renews its Lease every period while its node's kubelet runs."""

from __future__ import annotations

from functools import partial

from clusterviz.fake.apiserver import Key
from clusterviz.fake.component import Component

LEADER_RENEW_PERIOD = 2.0  # leader election retryPeriod
APISERVER_LEASE_PERIOD = 10.0


class LeaderElection(Component):
    def renew(self, key: Key, node_name: str, period: float) -> None:
        lease = self.api.leases.get(key)
        node = self.api.nodes.get(("", node_name))
        if lease is None:
            return
        if node is not None and node.kubelet_up:
            lease.renewed = self.now()
            self.api.emit("MODIFIED", lease)
        self.after(period, partial(self.renew, key, node_name, period))
