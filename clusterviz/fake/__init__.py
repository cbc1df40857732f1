"""The bundled fake cluster: Kubernetes-shaped objects and watch events from a deterministic simulation.

    from clusterviz.fake import FakeCluster
    cluster = FakeCluster(seed=1, scenario="demo")
    items, rv = cluster.list("Pod")
    events = cluster.advance(5.0)
"""

from clusterviz.fake.cluster import AlreadyExists, FakeCluster, Invalid
from clusterviz.fake.scenarios import SCENARIOS, Churn, Demo, Quiet, Scenario, make_scenario

__all__ = ["SCENARIOS", "AlreadyExists", "Churn", "Demo", "FakeCluster", "Invalid", "Quiet", "Scenario",
           "make_scenario"]
