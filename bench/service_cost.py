"""What a label change on a pod of a big Service costs the store: apply + take_delta, per change.

A Service selecting --pods pods (their endpoints in slices of 100, as the EndpointSlice controller writes them) is
loaded into a ClusterStore; then --changes times a label of one of its pods changes (nothing the Service shows)
and take_delta runs, as a tick would. Prints the mean milliseconds per change (BENCHMARKS.md §21).

    python bench/service_cost.py --pods 1500 --changes 200
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from clusterviz.events import WatchEvent
from clusterviz.store import ClusterStore
from tests.core import apiobjects as api

SOURCE: dict[str, object] = {"kind": "fake", "state": "live", "reason": "", "lastEventAt": None, "resourceVersion": ""}


def loaded(n: int) -> tuple[ClusterStore, list[dict[str, object]]]:
    store = ClusterStore("bench", SOURCE)  # type: ignore[arg-type]
    store.apply(WatchEvent("ADDED", "Service", api.service("users")), 1.0)
    pods = [api.pod(f"users-{i}", f"worker-{i % 50}") for i in range(n)]
    for p in pods:
        store.apply(WatchEvent("ADDED", "Pod", p), 1.0)
    for k in range(0, n, 100):
        eps = [api.endpoint(f"users-{i}", f"worker-{i % 50}", f"10.0.{i // 250}.{i % 250}") for i in range(k, k + 100)]
        store.apply(WatchEvent("ADDED", "EndpointSlice", api.endpoint_slice("users", eps, suffix=f"s{k}")), 1.0)
    store.take_delta()
    return store, pods


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pods", type=int, default=1500)
    ap.add_argument("--changes", type=int, default=200)
    args = ap.parse_args()
    store, pods = loaded(args.pods)
    t = time.perf_counter()
    for j in range(args.changes):
        pod = copy.deepcopy(pods[j % len(pods)])
        pod["metadata"]["labels"]["cvb"] = str(j)  # type: ignore[index]
        store.apply(WatchEvent("MODIFIED", "Pod", pod), 2.0)  # type: ignore[arg-type]
        store.take_delta()
    ms = (time.perf_counter() - t) / args.changes * 1000
    print(f"{args.pods} endpoints: {ms:.2f} ms per label change + take_delta (load {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
