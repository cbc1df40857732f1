"""What the objects that group pods cost the watcher's store: Services with one EndpointSlice endpoint per pod,
Deployments with two ReplicaSets each, a claim and a volume per StatefulSet-like pod, against the same pods alone.

    .venv/bin/python bench/objects_memory.py --pods 30000 [--json bench/out/objects-memory.json]

The objects are API-shaped (tests/core/apiobjects.py), slimmed as the watcher slims them, loaded as a first list;
memory is Python's own allocations (tracemalloc), after a collection, of the store built with pods only and of
the store built with pods and objects. One Service and one Deployment per 100 pods, as a cluster of 100-replica
apps would have; one claim per 10 pods.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from clusterviz.kube.slim import slim
from clusterviz.store import ClusterStore
from tests.core import apiobjects as api

SOURCE: Any = {"kind": "kubernetes", "state": "live", "reason": "", "lastEventAt": None, "resourceVersion": ""}
PER_APP = 100


def _pod(app: int, i: int) -> dict[str, Any]:
    pod = api.pod(f"app{app}-{i}", f"node-{(app * PER_APP + i) % 5000}", claim=f"data-{app}-{i}" if i % 10 == 0 else None)
    pod["metadata"]["labels"] = {"app": f"app{app}", "pod-template-hash": "6b7c9d"}
    pod["metadata"]["uid"] = f"uid-{app}-{i}"
    pod["metadata"]["ownerReferences"][0]["name"] = f"app{app}-6b7c9d"
    return pod


def _objects(apps: int) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {k: [] for k in
                                            ("Deployment", "ReplicaSet", "Service", "EndpointSlice",
                                             "PersistentVolumeClaim", "PersistentVolume")}
    for app in range(apps):
        name = f"app{app}"
        deployment = api.deployment()
        deployment["metadata"]["name"] = name
        out["Deployment"].append(deployment)
        for hash_, revision in (("5f4d8c", "1"), ("6b7c9d", "2")):
            rs = api.replicaset(hash_, revision, f"repo/{name}:{revision}", PER_APP, PER_APP)
            rs["metadata"]["name"] = f"{name}-{hash_}"
            rs["metadata"]["ownerReferences"][0]["name"] = name
            out["ReplicaSet"].append(rs)
        service = api.service(name, selector={"app": name})
        out["Service"].append(service)
        endpoints = [api.endpoint(f"{name}-{i}", f"node-{(app * PER_APP + i) % 5000}", f"10.{app // 250}.{app % 250}.{i}")
                     for i in range(PER_APP)]
        out["EndpointSlice"].append(api.endpoint_slice(name, endpoints))
        for i in range(0, PER_APP, 10):
            out["PersistentVolumeClaim"].append(api.claim(f"data-{app}-{i}", volume=f"pv-{app}-{i}"))
            out["PersistentVolume"].append(api.volume(f"pv-{app}-{i}", f"data-{app}-{i}"))
    return out


def measure(objects: dict[str, list[dict[str, Any]]]) -> tuple[int, ClusterStore]:
    gc.collect()
    before = tracemalloc.get_traced_memory()[0]
    store = ClusterStore("bench", SOURCE)
    store.load(objects, 1000.0)
    store.take_delta()
    store.snapshot()  # composes every derived view, as the first state does
    gc.collect()
    return tracemalloc.get_traced_memory()[0] - before, store


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pods", type=int, default=30_000)
    parser.add_argument("--json")
    args = parser.parse_args()
    apps = args.pods // PER_APP
    pods = [slim("Pod", _pod(app, i)) for app in range(apps) for i in range(PER_APP)]
    grouping = {kind: [slim(kind, o) for o in items] for kind, items in _objects(apps).items()}
    tracemalloc.start()
    started = time.monotonic()
    alone, store = measure({"Pod": pods})
    del store
    both, _ = measure({**grouping, "Pod": pods})
    endpoints = sum(len(o["endpoints"]) for o in grouping["EndpointSlice"])
    result = {
        "pods": len(pods),
        "objects": {kind: len(items) for kind, items in grouping.items()},
        "endpoints": endpoints,
        "store_pods_only_mb": round(alone / 2**20, 1),
        "store_with_objects_mb": round(both / 2**20, 1),
        "objects_cost_mb": round((both - alone) / 2**20, 1),
        "bytes_per_pod_for_objects": round((both - alone) / len(pods)),
        "at_150000_pods_mb": round((both - alone) / len(pods) * 150_000 / 2**20),
        "seconds": round(time.monotonic() - started, 1),
        "load": Path("/proc/loadavg").read_text().split()[:3],
    }
    print(json.dumps(result, indent=1))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
