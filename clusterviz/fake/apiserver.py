"""kube-apiserver (with etcd behind it): the object store, the one cluster-wide resourceVersion, list and watch.

Every change goes through ``emit``, which stamps the next resourceVersion, updates the store and records the
watch event, so ``list()`` always equals the previous list with the events applied. The API server also gives
objects their uid and the random suffix of a ``generateName``."""

from __future__ import annotations

import gc
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from clusterviz.events import WATCHED_KINDS, EventType, RawObject, WatchEvent
from clusterviz.fake import objects as o
from clusterviz.fake.objects import (
    DaemonSetRec,
    DeploymentRec,
    JobRec,
    LeaseRec,
    NamespaceRec,
    NodeRec,
    PodRec,
    Record,
    StatefulSetRec,
)

Key = tuple[str, str]
Events = list[WatchEvent]
Items = list[RawObject]
SERVED_KINDS: tuple[str, ...] = WATCHED_KINDS
"""What the fake serves: every kind the core watches."""


@contextmanager
def gc_paused() -> Iterator[None]:
    """Bulk work allocates millions of acyclic dicts: the cyclic GC would rescan the big heap over and over."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class ApiServer:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.rv = 0
        self.sink: Events | None = None
        self.pods: dict[Key, PodRec] = {}
        self.nodes: dict[Key, NodeRec] = {}
        self.deployments: dict[Key, DeploymentRec] = {}
        self.statefulsets: dict[Key, StatefulSetRec] = {}
        self.jobs: dict[Key, JobRec] = {}
        self.leases: dict[Key, LeaseRec] = {}
        self.daemonsets: dict[Key, DaemonSetRec] = {}
        self.store: dict[str, dict[Key, Record]] = {kind: {} for kind in SERVED_KINDS}
        for kind, table in (("Pod", self.pods), ("Node", self.nodes), ("Deployment", self.deployments),
                            ("StatefulSet", self.statefulsets), ("Job", self.jobs), ("Lease", self.leases),
                            ("DaemonSet", self.daemonsets)):
            self.store[kind] = table  # type: ignore[assignment]
        self.on_pod: Callable[[PodRec, bool], None] = _ignore  # the informers' hook (see Pods.account)

    # reading ---------------------------------------------------------------------------------------------

    def list(self, kind: str) -> tuple[Items, str]:
        table = self.table(kind)
        with gc_paused():
            return [table[key].to_api() for key in sorted(table)], str(self.rv)

    def iter_list(self, kind: str) -> tuple[Iterator[RawObject], str]:
        table = self.table(kind)
        records = [table[key] for key in sorted(table)]
        return (rec.to_api() for rec in records), str(self.rv)

    def get(self, kind: str, namespace: str, name: str) -> RawObject | None:
        rec = self.table(kind).get((namespace, name))
        return None if rec is None else rec.to_api()

    def table(self, kind: str) -> dict[Key, Record]:
        if kind not in self.store:
            raise ValueError(f"unknown kind {kind!r}; one of {', '.join(SERVED_KINDS)}")
        return self.store[kind]

    def exists(self, rec: Record) -> bool:
        return self.store[rec.KIND].get(rec.key) is rec

    # writing ---------------------------------------------------------------------------------------------

    def emit(self, kind: EventType, rec: Record) -> None:
        """The one way anything changes: stamp a resourceVersion, update the store, record the event."""
        self.rv += 1
        rec.rv = self.rv
        table = self.store[rec.KIND]
        if kind == "DELETED":
            table.pop(rec.key, None)
        else:
            table[rec.key] = rec
        if isinstance(rec, PodRec):
            self.on_pod(rec, kind == "DELETED")
        if self.sink is not None:
            self.sink.append(WatchEvent(kind, rec.KIND, rec.to_api()))

    def collect(self, work: Callable[[], None]) -> Events:
        """Run `work` and return the watch events it caused, in order."""
        if self.sink is not None:  # nested: a scenario action calling the scripting API
            start = len(self.sink)
            work()
            return self.sink[start:]
        sink: Events = []
        self.sink = sink
        try:
            with gc_paused():
                work()
        finally:
            self.sink = None
        return sink

    def uid(self) -> str:
        return o.uuid_from(self.rng.getrandbits(128))

    def suffix(self) -> str:
        return o.random_suffix(self.rng.getrandbits(24))

    def fresh_pod_name(self, namespace: str, prefix: str) -> str:
        """generateName: the prefix and a random suffix no pod in the namespace has."""
        while True:
            name = f"{prefix}-{self.suffix()}"
            if (namespace, name) not in self.pods:
                return name

    def namespace(self, name: str, created: float) -> NamespaceRec:
        return NamespaceRec(name=name, uid=self.uid(), created=created,
                            labels={"kubernetes.io/metadata.name": name})

    def ensure_namespace(self, namespace: str, created: float) -> None:
        if ("", namespace) not in self.store["Namespace"]:
            self.emit("ADDED", self.namespace(namespace, created))


def _ignore(pod: PodRec, deleted: bool) -> None:
    return None
