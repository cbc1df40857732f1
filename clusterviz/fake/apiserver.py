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
NEW_KINDS = ("Service", "EndpointSlice", "PersistentVolumeClaim", "PersistentVolume")
SERVED_KINDS: tuple[str, ...] = tuple(dict.fromkeys((*WATCHED_KINDS, *NEW_KINDS)))
"""What the fake serves: every kind the core watches, and these (listable before the core watches them)."""


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


class AlreadyExists(ValueError):
    """HTTP 409: an object of that name is there already."""


class Invalid(ValueError):
    """The API server refused an object as invalid (HTTP 422, reason Invalid): nothing was stored.

    ``str()`` is the message the API answers, e.g. ``Deployment.apps "web" is invalid: spec.template.metadata
    .labels: Invalid value: map[string]string{"app":"nginx"}: `selector` does not match template `labels```."""

    def __init__(self, resource: str, name: str, path: str, value: str, detail: str) -> None:
        self.resource, self.name, self.path, self.detail = resource, name, path, detail
        super().__init__(f'{resource} "{name}" is invalid: {path}: Invalid value: {value}: {detail}')

    def status(self) -> RawObject:
        """The metav1.Status the API server answers with."""
        kind, _, group = self.resource.partition(".")
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": str(self),
                "reason": "Invalid", "code": 422,
                "details": {"name": self.name, "group": group, "kind": kind.lower() + "s",
                            "causes": [{"reason": "FieldValueInvalid", "message": f"Invalid value: {self.detail}",
                                        "field": self.path}]}}


def go_map(labels: dict[str, str]) -> str:
    """A label map as Go's %#v prints it in a field error."""
    inner = ", ".join(f'"{k}":"{v}"' for k, v in sorted(labels.items()))
    return f"map[string]string{{{inner}}}"


def validate_selector(resource: str, name: str, selector: dict[str, str], labels: dict[str, str]) -> None:
    """apps/v1 validation: a workload's selector must select its own pod template's labels."""
    if not selector:
        empty = ("v1.LabelSelector{MatchLabels:map[string]string(nil), "
                 "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}")
        raise Invalid(resource, name, "spec.selector", empty, "empty selector is invalid for deployment")
    if any(labels.get(k) != v for k, v in selector.items()):
        raise Invalid(resource, name, "spec.template.metadata.labels", go_map(labels),
                      "`selector` does not match template `labels`")
