"""One reflector per resource: list, then watch from the list's resourceVersion, forever, in a thread.

The informer contract, as client-go and kopf keep it:

* a paginated list (``limit``/``continue``) gives the full state and a resourceVersion;
* a watch from that resourceVersion (bookmarks on) gives every change after it; a watch that ends
  normally (the server's ``timeoutSeconds``, or no data for the client's read timeout) is simply
  re-opened from the last resourceVersion seen, bookmarks included, without listing again;
* 410 Gone (at connect or as an ERROR event) and "too large resource version" mean the resourceVersion
  cannot be watched from: list again (never retry the same resourceVersion);
* any other failure waits a jittered, doubling backoff and tries again, forever, until stopped.

The blocking client runs only here, in a daemon thread; results go to ``emit`` (a thread-safe queue's put).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import orjson
import urllib3
from urllib3.exceptions import ReadTimeoutError

from clusterviz.clock import Clock
from clusterviz.events import RawObject, WatchEvent
from clusterviz.kube.http import ApiError, Timeout, describe_error, finish, get, get_json, interrupt
from clusterviz.kube.slim import slim

__all__ = [
    "Backoff",
    "Listing",
    "Reflector",
    "ReflectorHealth",
    "ReflectorSettings",
    "Resource",
    "State",
]

log = logging.getLogger(__name__)

State = Literal["live", "connecting", "stale", "error"]
WATCH_EVENT_TYPES: Final = frozenset(("ADDED", "MODIFIED", "DELETED"))


@dataclass(frozen=True, slots=True)
class ReflectorSettings:
    """How a reflector talks to the API server. Every default has its reason."""

    page_size: int = 500
    """Objects per list page: large lists arrive in pieces instead of one giant response (client-go's 500)."""

    watch_timeout: tuple[int, int] = (300, 600)
    """The server ends each watch after a random 5 to 10 minutes, so all watches of many clients don't end at once
    and a connection that the network silently dropped is replaced at least that often."""

    connect_timeout: float = 5.0
    """Seconds to open a connection (TCP and TLS): an unreachable server fails fast instead of hanging."""

    list_read_timeout: float = 60.0
    """Seconds without a byte while reading one list page before the attempt counts as failed."""

    watch_read_timeout: float = 90.0
    """Seconds without a byte on a watch before it is re-opened. The API server sends a bookmark about every
    minute on an idle watch, so longer silence means a half-open connection (or a quiet resource on a server
    without bookmarks): re-watching from the last resourceVersion is correct either way and costs little."""

    backoff_base: float = 0.8
    backoff_cap: float = 30.0
    backoff_reset_after: float = 60.0
    """Retry delays double from ``backoff_base`` to ``backoff_cap`` (±20 % jitter, so many clients don't
    retry in lockstep) and start over after ``backoff_reset_after`` seconds without a failure."""


@dataclass(frozen=True, slots=True)
class Resource:
    """A collection to reflect: one kind, optionally one namespace, optionally a field selector."""

    kind: str
    plural: str
    group_version: str  # "v1", "apps/v1", ...
    namespace: str | None = None
    field_selector: str | None = None
    partitioned: bool = False
    """Other reflectors serve other namespaces of the same kind: a relist of this one must not replace the
    whole kind, so it reports deletions of the objects it knew instead (see :class:`Listing`)."""

    @property
    def path(self) -> str:
        base = "/api/v1" if self.group_version == "v1" else f"/apis/{self.group_version}"
        if self.namespace is not None:
            return f"{base}/namespaces/{self.namespace}/{self.plural}"
        return f"{base}/{self.plural}"

    @property
    def name(self) -> str:
        """Unique among the reflectors of one source: "Pod", "Lease/kube-system"."""
        return f"{self.kind}/{self.namespace}" if self.partitioned and self.namespace else self.kind

    @property
    def label(self) -> str:
        """How reasons name it: "pods", "leases in kube-system", "events (type=Warning)"."""
        text = self.plural
        if self.namespace is not None:
            text += f" in {self.namespace}"
        if self.field_selector:
            text += f" ({self.field_selector})"
        return text


class PackedItems:
    """A list's objects kept as one compact JSON array per page, decoded a page at a time when iterated, once.

    A first list of 150,000 pods as dicts is ~3.2 kB a pod in memory (~490 MB), all alive at once until the
    store has mapped them to views (1.8 kB a pod); as compact JSON it is a third of that, and iterating it
    holds one page of dicts at a time. Iterating lets go of each page once it is decoded, so that the pages
    (~160 MB at 150,000 pods) are gone by the time the store holds every view, instead of beside them.
    """

    __slots__ = ("_count", "_pages", "_read")

    def __init__(self, items: Iterable[RawObject] = ()) -> None:
        self._pages: list[bytes] = []
        self._count = 0
        self._read = False
        first = list(items)
        if first:
            self.add(first)

    def add(self, objects: list[RawObject]) -> None:
        self._pages.append(bytes(memoryview(orjson.dumps(objects))))
        self._count += len(objects)

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[RawObject]:
        if self._read:
            raise RuntimeError("a list's pages are read once")
        self._read = True
        pages, self._pages = self._pages[::-1], []
        while pages:
            yield from orjson.loads(pages.pop())  # the page's bytes go as soon as they are decoded


@dataclass(frozen=True, slots=True)
class Listing:
    """A complete list of one reflector's collection.

    ``vanished`` (partitioned reflectors only) names the objects it knew that the list no longer has; an
    unpartitioned listing replaces its whole kind, and the store works out what vanished itself.
    """

    reflector: str
    kind: str
    items: Iterable[RawObject]  # a PackedItems from a reflector: iterate it, do not keep it
    partitioned: bool
    first: bool
    vanished: list[RawObject] = field(default_factory=list)


Emit = Callable[[WatchEvent | Listing], None]


class Backoff:
    """Jittered exponential backoff that starts over after a healthy stretch."""

    def __init__(self, settings: ReflectorSettings, rng: random.Random) -> None:
        self._settings = settings
        self._rng = rng
        self._failures = 0
        self._healthy_since: float | None = None

    def healthy(self, now: float) -> None:
        if self._healthy_since is None:
            self._healthy_since = now

    def next_delay(self, now: float) -> float:
        s = self._settings
        if self._healthy_since is not None and now - self._healthy_since >= s.backoff_reset_after:
            self._failures = 0
        self._healthy_since = None
        delay = min(s.backoff_cap, s.backoff_base * 2**self._failures)
        self._failures = min(self._failures + 1, 32)
        return float(delay * self._rng.uniform(0.8, 1.2))


@dataclass
class ReflectorHealth:
    """Counters and state of one reflector (a copy; the live one is guarded by the reflector's lock)."""

    name: str
    state: State = "connecting"
    reason: str = "listing"
    events: int = 0
    relists: int = 0
    errors: int = 0
    watch_restarts: int = 0
    idle_timeouts: int = 0
    last_error: str = ""
    last_error_at: float | None = None
    last_event_at: float | None = None
    resource_version: str = ""
    objects: int = 0
    synced: bool = False
    reached: bool = False
    """Whether the API server ever answered this reflector (a list, a watch, or an error status)."""
    last_heard_at: float | None = None
    """The last moment the server said anything to it: a list, a watch opened, an event or a bookmark. On a
    healthy server this is never much older than the bookmark interval (about a minute)."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "reason": self.reason,
            "events": self.events,
            "relists": self.relists,
            "errors": self.errors,
            "watchRestarts": self.watch_restarts,
            "idleTimeouts": self.idle_timeouts,
            "lastError": self.last_error,
            "lastErrorAt": self.last_error_at,
            "lastEventAt": self.last_event_at,
            "resourceVersion": self.resource_version,
            "objects": self.objects,
            "synced": self.synced,
            "reached": self.reached,
            "lastHeardAt": self.last_heard_at,
        }


class _Relist(Exception):
    """The resourceVersion cannot be watched from (410 Gone, too large): list again."""

    def __init__(self, why: str, delay: bool) -> None:
        super().__init__(why)
        self.why = why
        self.delay = delay


class _Stopped(Exception):
    pass


class _StreamBroken(Exception):
    """An open watch failed while streaming (connection reset, server gone): the data may be stale."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


class Reflector:
    """Lists and watches one :class:`Resource` in a daemon thread, emitting listings and watch events."""

    def __init__(
        self,
        resource: Resource,
        api_client: Any,
        emit: Emit,
        *,
        clock: Clock,
        settings: ReflectorSettings | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.resource = resource
        self._api = api_client
        self._emit = emit
        self._clock = clock
        self.settings = settings or ReflectorSettings()
        self._rng = rng or random.Random()
        self._backoff = Backoff(self.settings, self._rng)
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._health = ReflectorHealth(resource.name)
        self._rv: str | None = None
        self._known: set[tuple[str, str]] = set()  # partitioned reflectors only
        self._response: urllib3.BaseHTTPResponse | None = None
        self._gone_streak = 0
        self._thread = threading.Thread(target=self._run, name=f"reflector-{resource.name}", daemon=True)

    # -- control, from any thread --------------------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Ask the thread to end and unblock a read in progress; returns at once (see :meth:`join`)."""
        self._stopping.set()
        with self._lock:
            response = self._response
        interrupt(response)

    def join(self, timeout: float) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def health(self) -> ReflectorHealth:
        with self._lock:
            return ReflectorHealth(**{k: getattr(self._health, k) for k in ReflectorHealth.__dataclass_fields__})

    # -- the loop ------------------------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                self._cycle()
        except _Stopped:
            pass
        except BaseException:  # _cycle handles every Exception: this is SystemExit and the like
            log.exception("%s reflector ended", self.resource.label)
            self._update(state="error", reason=f"{self.resource.label}: watcher crashed (see logs)")
            return
        self._update(state="stale", reason="stopped")

    def _cycle(self) -> None:
        """One list-and/or-watch attempt; failures are recorded and waited out here (raises only _Stopped)."""
        try:
            if self._rv is None:
                self._list()
            self._watch()
        except _Stopped:
            raise
        except _Relist as relist:
            self._relist_after(relist)
        except _StreamBroken as broken:
            self._check_stopping()
            self._fail(broken.error, state="stale")
        except Exception as error:  # every failure is retried; none may end the thread
            self._check_stopping()
            self._fail(error)

    def _relist_after(self, relist: _Relist) -> None:
        self._rv = None
        self._gone_streak += 1
        with self._lock:
            self._health.relists += 1
        reason = f"{self.resource.label}: {relist.why}, listing again"
        self._update(state="stale", reason=reason)
        log.info("%s", reason)
        if relist.delay or self._gone_streak > 1:  # a fresh list that is at once too old again: slow down
            self._sleep(self._backoff.next_delay(time.monotonic()))

    def _fail(self, error: BaseException, state: State = "error") -> None:
        phase = "list" if self._rv is None else "watch"
        verb = "list" if phase == "list" else "watch"
        cause = describe_error(error, verb, self.resource.label)
        delay = self._backoff.next_delay(time.monotonic())
        if isinstance(error, ApiError) and error.retry_after is not None:
            delay = max(delay, min(error.retry_after, self.settings.backoff_cap))
        reason = f"{self.resource.label} {phase}: {cause}, retrying in {delay:.1f}s"
        with self._lock:
            h = self._health
            h.reached = h.reached or isinstance(error, ApiError)
            h.errors += 1
            h.last_error = cause
            h.last_error_at = self._clock.now()
            h.state = state
            h.reason = reason
        log.warning("%s", reason)
        self._sleep(delay)

    def _sleep(self, seconds: float) -> None:
        if self._stopping.wait(seconds):
            raise _Stopped

    def _update(self, **changes: Any) -> None:
        with self._lock:
            for key, value in changes.items():
                setattr(self._health, key, value)

    # -- list ----------------------------------------------------------------------------------------------

    def _query(self) -> list[tuple[str, str]]:
        selector = self.resource.field_selector
        return [("fieldSelector", selector)] if selector else []

    def _list(self) -> None:
        s = self.settings
        kind = self.resource.kind
        timeout: Timeout = (s.connect_timeout, s.list_read_timeout)
        items = PackedItems()
        keys: set[tuple[str, str]] = set()
        token = ""
        while True:
            query = [("limit", str(s.page_size)), *self._query()]
            if token:
                query.append(("continue", token))
            try:
                page = get_json(self._api, self.resource.path, query, timeout)
            except ApiError as error:
                if error.gone:  # the continue token expired mid-list: start over
                    raise _Relist("list continue token expired (410 Gone)", delay=False) from error
                raise
            self._check_stopping()
            page_meta = page.get("metadata") or {}
            objects = [slim(kind, obj) for obj in page.get("items") or () if isinstance(obj, dict)]
            if self.resource.partitioned:
                keys.update(_key(obj) for obj in objects)
            items.add(objects)
            del page, objects  # one page of dicts at a time
            meta = page_meta
            token = meta.get("continue") or ""
            if not token:
                break
        self._listed(items, keys, str(meta.get("resourceVersion") or ""))

    def _listed(self, items: PackedItems, keys: set[tuple[str, str]], rv: str) -> None:
        first = not self._health.synced
        vanished: list[RawObject] = []
        if self.resource.partitioned:
            vanished = [_stub(key) for key in self._known - keys]
            self._known = keys
        self._emit(Listing(self.resource.name, self.resource.kind, items, self.resource.partitioned, first, vanished))
        self._rv = rv
        with self._lock:
            h = self._health
            h.synced = True
            h.objects = len(items)
            h.resource_version = rv
            h.last_event_at = h.last_heard_at = self._clock.now()
            h.reached = True
            h.state = "live"
            h.reason = ""

    # -- watch ---------------------------------------------------------------------------------------------

    def _watch(self) -> None:
        s = self.settings
        assert self._rv is not None
        query = [
            ("watch", "true"),
            ("resourceVersion", self._rv),
            ("allowWatchBookmarks", "true"),
            ("timeoutSeconds", str(self._rng.randint(*s.watch_timeout))),
            *self._query(),
        ]
        try:
            response = get(self._api, self.resource.path, query, (s.connect_timeout, s.watch_read_timeout))
        except ApiError as error:
            self._raise_if_unwatchable(error)
            raise
        with self._lock:
            self._response = response
            self._health.watch_restarts += 1
            self._health.state = "live"
            self._health.reason = ""
            self._health.reached = True
            self._health.last_heard_at = self._clock.now()
        self._backoff.healthy(time.monotonic())
        complete = False
        try:
            for line in _lines(response):
                self._on_line(line)
            complete = True
        except ReadTimeoutError:
            if self._stopping.is_set():
                raise _Stopped from None
            with self._lock:
                self._health.idle_timeouts += 1
            log.info("%s watch: no data for %.0fs, re-watching", self.resource.label, s.watch_read_timeout)
        except (_Relist, ApiError):
            raise
        except Exception as error:
            if self._stopping.is_set():
                raise _Stopped from None
            raise _StreamBroken(error) from error
        finally:
            with self._lock:
                self._response = None
            finish(response, complete=complete)
        self._check_stopping()

    def _check_stopping(self) -> None:
        if self._stopping.is_set():
            raise _Stopped

    def _raise_if_unwatchable(self, error: ApiError) -> None:
        if error.gone:
            raise _Relist("watch resourceVersion expired (410 Gone)", delay=False) from error
        if error.too_large_resource_version:
            raise _Relist("watch resourceVersion too large for the server's cache", delay=True) from error

    def _on_line(self, line: bytes) -> None:
        event = orjson.loads(line)
        kind = event.get("type") if isinstance(event, dict) else None
        obj = event.get("object") if isinstance(event, dict) else None
        if not isinstance(obj, dict):
            return
        if kind == "ERROR":
            error = ApiError.from_status(obj)
            self._raise_if_unwatchable(error)
            raise error
        rv = (obj.get("metadata") or {}).get("resourceVersion")
        if kind == "BOOKMARK":
            if rv:
                self._rv = str(rv)
                now = self._clock.now()
                self._update(resource_version=self._rv, last_event_at=now, last_heard_at=now)
            return
        if kind not in WATCH_EVENT_TYPES:  # unknown event types are skipped, not fatal
            return
        slimmed = slim(self.resource.kind, obj)
        if self.resource.partitioned:
            if kind == "DELETED":
                self._known.discard(_key(slimmed))
            else:
                self._known.add(_key(slimmed))
        self._emit(WatchEvent(kind, self.resource.kind, slimmed))
        self._gone_streak = 0
        if rv:
            self._rv = str(rv)
        with self._lock:
            h = self._health
            h.events += 1
            h.last_event_at = h.last_heard_at = self._clock.now()
            h.resource_version = self._rv or h.resource_version
            h.objects += 1 if kind == "ADDED" else -1 if kind == "DELETED" else 0


def _key(obj: RawObject) -> tuple[str, str]:
    meta = obj.get("metadata") or {}
    return (meta.get("namespace") or "", meta.get("name") or "")


def _stub(key: tuple[str, str]) -> RawObject:
    return {"metadata": {"namespace": key[0], "name": key[1]}}


def _lines(response: urllib3.BaseHTTPResponse) -> Iterator[bytes]:
    """The newline-separated JSON documents of a watch response, as they arrive."""
    buffer = bytearray()
    for chunk in response.stream(None, decode_content=True):
        buffer += chunk
        if b"\n" not in chunk:
            continue
        start = 0
        while (end := buffer.find(b"\n", start)) != -1:
            line = bytes(buffer[start:end])
            start = end + 1
            if line.strip():
                yield line
        del buffer[:start]
    if buffer.strip():
        yield bytes(buffer)


def resources_for(kinds: Sequence[str], namespaces: Sequence[str] | None) -> list[Resource]:
    """The reflectors a source needs for ``kinds``, namespaced workloads limited to ``namespaces`` if given."""
    out: list[Resource] = []
    for kind in kinds:
        plural, group_version, scope = CATALOG[kind]
        if scope == "cluster":
            out.append(Resource(kind, plural, group_version))
        elif scope == "system":  # leases: only where the control plane and the nodes keep theirs
            out.extend(Resource(kind, plural, group_version, ns, partitioned=True) for ns in LEASE_NAMESPACES)
        else:
            selector = "type=Warning" if kind == "Event" else None
            if namespaces is None:
                out.append(Resource(kind, plural, group_version, field_selector=selector))
            else:
                partitioned = len(namespaces) > 1
                out.extend(
                    Resource(kind, plural, group_version, ns, selector, partitioned=partitioned) for ns in namespaces
                )
    return out


LEASE_NAMESPACES: Final = ("kube-system", "kube-node-lease")

CATALOG: Final[dict[str, tuple[str, str, Literal["cluster", "namespaced", "system"]]]] = {
    "Namespace": ("namespaces", "v1", "cluster"),
    "Node": ("nodes", "v1", "cluster"),
    "Pod": ("pods", "v1", "namespaced"),
    "Deployment": ("deployments", "apps/v1", "namespaced"),
    "ReplicaSet": ("replicasets", "apps/v1", "namespaced"),
    "DaemonSet": ("daemonsets", "apps/v1", "namespaced"),
    "StatefulSet": ("statefulsets", "apps/v1", "namespaced"),
    "Job": ("jobs", "batch/v1", "namespaced"),
    "Lease": ("leases", "coordination.k8s.io/v1", "system"),
    "PersistentVolume": ("persistentvolumes", "v1", "cluster"),
    "PersistentVolumeClaim": ("persistentvolumeclaims", "v1", "namespaced"),
    "Service": ("services", "v1", "namespaced"),
    "EndpointSlice": ("endpointslices", "discovery.k8s.io/v1", "namespaced"),
    "Event": ("events", "v1", "namespaced"),
}
"""Where each kind is served: plural, group/version, and scope."""
