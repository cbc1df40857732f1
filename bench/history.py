"""History benchmark: a 1,000-node / 30,000-pod cluster with steady churn over a simulated day.

Measures what the issue asks: storage used by 24 hours of history, time to rebuild an arbitrary moment, time to
export a 150,000-pod moment. The deltas have the live pipeline's shape (pods upserted/removed, the nodes they
touch re-sent whole, as the store does) and go through the real recorder and storage (SQLite in a temporary
directory, or PostgreSQL with DATABASE_URL=...).

    .venv/bin/python bench/history.py                 # 24 h, 1000 nodes x 30 pods, 5 pod changes/s
    .venv/bin/python bench/history.py --hours 2       # quicker
    .venv/bin/python bench/history.py --hours 2 --pods table   # as before containers were kept (pod summaries)

``--pods history`` (the default) records what the server records now: checkpoints in the table form with every
pod's containers and volumes beside it (``podDetails``), deltas whose pods carry them too. ``table`` and
``objects`` record pod summaries only, as the server did before. Each run also reports the bytes of the state
the map loads (the table form, pod summaries), which containers must not grow.
"""

from __future__ import annotations

import argparse
import copy
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def templates() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A worker node, a deployment pod and a state envelope, taken from the fake cluster's real output."""
    from clusterviz.clock import ManualClock
    from clusterviz.fake import FakeCluster
    from clusterviz.live import ClusterRuntime
    from clusterviz.sources import FakeSource

    async def drop(text: str, record: str | None = None) -> None:
        return None

    runtime = ClusterRuntime("bench", FakeSource(FakeCluster(seed=1, clock=ManualClock(start=1.7e9))), drop)
    runtime.start()
    state = orjson.loads(runtime.state_json(b"", "full"))  # whole pods: containers and volumes
    node = next(n for n in state["nodes"] if not n["controlPlane"])
    pod = next(p for p in state["pods"] if p["name"].startswith("users-deployment-"))
    return state, node, pod


class Cluster:
    """A synthetic cluster: nodes x pods_per_node pods in 40 deployments across 20 namespaces."""

    def __init__(self, nodes: int, pods_per_node: int, seed: int = 1, whole: bool = True) -> None:
        self.envelope, self.node_t, self.pod_t = templates()
        self.whole = whole  # deltas carry whole pods (containers and volumes), as the runtime's record form does
        self.rng = random.Random(seed)
        self.at = 1.7e9
        self.seq = 1
        self.revision = 1
        self.serial = 0
        self.nodes: dict[str, dict[str, Any]] = {}
        self.pods: dict[str, dict[str, Any]] = {}
        for i in range(nodes):
            name = f"node-{i:04d}"
            node = copy.deepcopy(self.node_t)
            node.update(
                name=name,
                labels={
                    **node["labels"],
                    "kubernetes.io/hostname": name,
                    "topology.kubernetes.io/zone": f"zone-{i % 3}",
                },
            )
            for agent in node["agents"]:
                agent["node"] = name
            self.nodes[name] = node
            for _ in range(pods_per_node):
                self._new_pod(name)

    def _new_pod(self, node: str) -> dict[str, Any]:
        self.serial += 1
        app = self.serial % 40
        rng = self.rng  # real uids and names are random: keep compression honest
        uid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        suffix = "".join(rng.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(5))
        pod = {
            **self.pod_t,
            "uid": uid,
            "namespace": f"team-{app % 20:02d}",
            "name": f"app-{app:02d}-{rng.getrandbits(40):010x}-{suffix}",
            "node": node,
            "restarts": 0,
            "requests": {
                "cpu": rng.choice((50, 100, 250, 500)),
                "memory": rng.choice((64, 128, 256)) * 2**20,
                "pods": 1,
            },
            "owner": {"kind": "Deployment", "name": f"app-{app:02d}"},
            "labels": {"app": f"app-{app:02d}", "pod-template-hash": "6f5df59757"},
            "createdAt": self.at,
            "revision": 1,
            # a real container's start differs from pod to pod, so no two pods' containers are the same value
            "containers": [
                {**c, "image": f"registry.example/app-{app:02d}:1.{app}", "startedAt": self.at - rng.uniform(0, 9e4)}
                for c in self.pod_t["containers"]
            ],
        }
        self.pods[pod["uid"]] = pod
        return pod

    def state(self) -> dict[str, Any]:
        return {
            **self.envelope,
            "cluster": "bench",
            "seq": self.seq,
            "revision": self.revision,
            "at": self.at,
            "nodes": [self.nodes[n] for n in sorted(self.nodes)],
            "pods": sorted(self.pods.values(), key=lambda p: (p["namespace"], p["name"])),
        }

    def tick(self, changes: int) -> str:
        """One second: ``changes`` pod changes (60 % replaced, 25 % restarted, 15 % status flips)."""
        self.at += 1.0
        self.seq += 1
        upsert: dict[str, dict[str, Any]] = {}
        remove: list[str] = []
        touched: set[str] = set()
        uids = list(self.pods)
        for _ in range(changes):
            uid = self.rng.choice(uids)
            if uid not in self.pods:
                continue
            pod = self.pods[uid]
            roll = self.rng.random()
            if roll < 0.6:
                del self.pods[uid]
                remove.append(uid)
                new = self._new_pod(self.rng.choice(list(self.nodes)))
                upsert[new["uid"]] = new
                touched.update((pod["node"], new["node"]))
            elif roll < 0.85:
                last = {"reason": "Error", "exitCode": 1, "finishedAt": self.at}
                containers = [{**c, "restarts": c["restarts"] + 1, "lastState": last, "startedAt": self.at}
                              for c in pod["containers"]]
                pod = {**pod, "restarts": pod["restarts"] + 1, "containers": containers}
                self.pods[uid] = upsert[uid] = pod
            else:
                failing = pod["status"] == "Running"
                state = {"state": "waiting", "reason": "CrashLoopBackOff", "ready": False} if failing else \
                    {"state": "running", "reason": "", "ready": True}
                pod = {
                    **pod,
                    "status": "CrashLoopBackOff" if failing else "Running",
                    "statusClass": "failed" if failing else "running",
                    "failing": failing,
                    "readyContainers": 0 if failing else 1,
                    "containers": [{**c, **state} for c in pod["containers"]],
                }
                self.pods[uid] = upsert[uid] = pod
            self.revision += 1
        nodes = []
        for name in sorted(touched):
            node = {
                **self.nodes[name],
                "requested": {
                    **self.nodes[name]["requested"],
                    "cpu": self.nodes[name]["requested"]["cpu"] + self.rng.choice((-100, 100)),
                },
            }
            self.nodes[name] = node
            nodes.append(node)
        delta = {
            "type": "delta",
            "cluster": "bench",
            "seq": self.seq,
            "revision": self.revision,
            "at": self.at,
            "source": self.envelope["source"],
            "nodes": {"upsert": nodes, "remove": []},
            "pods": {"upsert": self.shown(upsert.values()), "remove": remove},
        }
        return orjson.dumps(delta).decode()

    def shown(self, pods: Any) -> list[dict[str, Any]]:
        from clusterviz.history import for_the_map

        return list(pods) if self.whole else for_the_map(pods)  # type: ignore[return-value]

    def map_state(self) -> dict[str, Any]:
        """The state as the map loads it: pod summaries."""
        from clusterviz.history import map_state

        return map_state(self.state())


def setup_django(tmp: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
    os.environ.setdefault("SQLITE_PATH", str(tmp / "history.sqlite3"))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def database_bytes(tmp: Path) -> int:
    from django.db import connection

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return sum(f.stat().st_size for f in tmp.iterdir() if f.name.startswith("history.sqlite3"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        return int(cursor.fetchone()[0])


def record_day(cluster: Cluster, hours: float, changes: int, checkpoint: float, pods: str = "table") -> dict[str, Any]:
    from clusterviz.history import Tracker
    from clusterviz.podtable import details_table, table_state_json
    from dashboard.history.recorder import Recorder
    from dashboard.history.store import HistoryConfig, HistoryStore

    store = HistoryStore()
    config = HistoryConfig(checkpoint_seconds=checkpoint, flush_seconds=5.0, sample_seconds=60.0)
    # the state the recorder checkpoints, in the form the server's runtime gives it (history) or the older ones

    def history_form(state: dict[str, Any]) -> bytes:
        return table_state_json(state)[:-1] + b',"podDetails":' + details_table(state["pods"]) + b"}"

    def checkpoint(c: str) -> bytes:
        if pods == "history":
            return history_form(cluster.state())
        return (table_state_json if pods == "table" else orjson.dumps)(cluster.map_state())

    # what the runtime does before the recorder sees a delta: its tracker tells the feed and counts the samples
    mirror = Tracker.of(cluster.state())  # type: ignore[arg-type]
    recorder = Recorder(store, config, checkpoint, lambda c: mirror.sample(cluster.at), clock=lambda: cluster.at)
    recorder.handle("bench", orjson.dumps({"type": "heartbeat", "seq": cluster.seq, "source": {}}).decode())
    start_at = cluster.at
    t0 = time.perf_counter()
    handle_s = 0.0
    delta_bytes = 0
    for i in range(int(hours * 3600)):
        text = cluster.tick(changes)
        delta_bytes += len(text)
        delta = orjson.loads(text)
        told = mirror.apply(delta)
        if told:
            text = orjson.dumps({**delta, "feed": told}).decode()
        h0 = time.perf_counter()
        recorder.handle("bench", text)
        if cluster.at - recorder._last_flush >= config.flush_seconds:
            recorder.flush()
        handle_s += time.perf_counter() - h0
        if i % 3600 == 0:
            print(f"  simulated {i / 3600:.0f} h ...", file=sys.stderr)
    recorder.flush()
    return {
        "start": start_at,
        "end": cluster.at,
        "wall_s": time.perf_counter() - t0,
        "recorder_s": handle_s,
        "deltas": int(hours * 3600),
        "delta_json_bytes": delta_bytes,
        "history_blob_bytes": store.usage(),
    }


def time_rebuilds(start: float, end: float, checkpoint: float, samples: int = 20) -> dict[str, Any]:
    from dashboard.history.store import HistoryStore

    store = HistoryStore()
    rng = random.Random(7)
    moments = [rng.uniform(start, end) for _ in range(samples)]
    moments.append(start + (int((end - start) / checkpoint) - 1) * checkpoint + checkpoint - 1)  # worst: just before
    times = []
    for at in moments:
        t0 = time.perf_counter()
        state = store.state_at("bench", at).state
        times.append(time.perf_counter() - t0)
        assert len(state["pods"]) > 0
    images = sum(len(p.get("containers", ())) for p in state["pods"])
    return {
        "median_s": statistics.median(times),
        "max_s": max(times),
        "n": len(times),
        "pods": len(state["pods"]),
        "containers_in_last_moment": images,
    }


def state_sizes(cluster: Cluster) -> dict[str, int]:
    """Bytes of the state the map loads (table form, summaries) and of one history checkpoint (and its zlib)."""
    import zlib

    from clusterviz.podtable import details_table, table_state_json

    state = cluster.state()
    map_json = table_state_json(cluster.map_state())
    history_json = table_state_json(state)[:-1] + b',"podDetails":' + details_table(state["pods"]) + b"}"
    return {
        "map_table_state_bytes": len(map_json),
        "history_checkpoint_bytes": len(history_json),
        "history_checkpoint_zlib6_bytes": len(zlib.compress(history_json, 6)),
        "summary_checkpoint_zlib6_bytes": len(zlib.compress(map_json, 6)),
        "full_objects_bytes": len(orjson.dumps(state)),
    }


def time_export(pods: int) -> dict[str, Any]:
    from clusterviz import export

    cluster = Cluster(nodes=pods // 30, pods_per_node=30, seed=3)
    state = cluster.state()  # whole pods: a schema v2 document
    t0 = time.perf_counter()
    data = export.dumps(export.document(state, exported_at=time.time()))  # type: ignore[arg-type]
    t1 = time.perf_counter()
    packed = export.compress(data)
    t2 = time.perf_counter()
    export.parse(packed, max_bytes=2 * 1024**3)
    t3 = time.perf_counter()
    return {
        "pods": len(state["pods"]),
        "json_s": t1 - t0,
        "json_mb": len(data) / 1e6,
        "gzip_s": t2 - t1,
        "gzip_mb": len(packed) / 1e6,
        "import_check_s": t3 - t2,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--pods-per-node", type=int, default=30)
    parser.add_argument("--changes", type=int, default=5, help="pod changes per simulated second")
    parser.add_argument("--checkpoint", type=float, default=600.0, help="seconds between checkpoints")
    parser.add_argument("--export-pods", type=int, default=150_000)
    parser.add_argument(
        "--pods", choices=("history", "table", "objects"), default="history", help="what history records (see above)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="clusterviz-bench-") as tmp_name:
        tmp = Path(tmp_name)
        setup_django(tmp)
        t0 = time.perf_counter()
        cluster = Cluster(args.nodes, args.pods_per_node, whole=args.pods == "history")
        sizes = state_sizes(cluster)
        print(
            f"cluster: {len(cluster.nodes)} nodes, {len(cluster.pods)} pods ({time.perf_counter() - t0:.1f} s)",
            file=sys.stderr,
        )
        day = record_day(cluster, args.hours, args.changes, args.checkpoint, args.pods)
        on_disk = database_bytes(tmp)
        rebuild = time_rebuilds(day["start"], day["end"], args.checkpoint)
        exported = time_export(args.export_pods)
    result = {
        "args": vars(args),
        "load": os.getloadavg(),
        "cpus": os.cpu_count(),
        "sizes_at_start": sizes,
        "record": day,
        "database_bytes": on_disk,
        "rebuild": rebuild,
        "export": exported,
    }
    print(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode())


if __name__ == "__main__":
    main()
