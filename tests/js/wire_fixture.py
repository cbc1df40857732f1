"""Wire data made by the Python side, for tests/js/wire.test.mjs: the demo fake cluster's state as the pages get it.

Prints ``{"objects": <state, pods as objects>, "table": <state, pods as a table>}``. The cluster is driven into a
crash loop, a pod the scheduler cannot place and a NotReady worker first, so the statuses that the server decides
(statusClass, failing) are not all alike.
"""

from __future__ import annotations

import sys

import orjson

from clusterviz.clock import ManualClock
from clusterviz.fake import FakeCluster
from clusterviz.store import ClusterStore
from clusterviz.wire import SourceStatus

SOURCE: SourceStatus = {"kind": "fake", "state": "live", "reason": "", "lastEventAt": None, "resourceVersion": ""}


def troubled_cluster() -> FakeCluster:
    cluster = FakeCluster(seed=7, clock=ManualClock(), scenario="demo")
    cluster.advance(30)
    cluster.crash_loop("default", cluster.pods_of("default", "users-deployment")[0])
    cluster.add_unschedulable_pod("default", "too-big")
    cluster.set_node_ready(cluster.workers()[0], False)
    cluster.advance(120)
    return cluster


def main() -> None:
    cluster = troubled_cluster()
    store = ClusterStore("demo", SOURCE)
    objects, _ = cluster.list_all()
    store.load(objects, cluster.clock.now())
    states = {form: orjson.loads(store.state_json_parts(b"", form).join()) for form in ("objects", "table")}
    sys.stdout.buffer.write(orjson.dumps({"objects": states["objects"], "table": states["table"]}))


if __name__ == "__main__":
    main()
