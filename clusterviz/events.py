"""Watch events as the Kubernetes API sends them, whatever their source (fake or real)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from clusterviz.wire import WarningEvent

RawObject = dict[str, Any]
"""A Kubernetes object as the API's JSON decodes it (apiVersion, kind, metadata, spec, status)."""

EventType = Literal["ADDED", "MODIFIED", "DELETED"]

KINDS: tuple[str, ...] = (
    "Namespace",
    "Node",
    "Deployment",
    "ReplicaSet",
    "DaemonSet",
    "StatefulSet",
    "Job",
    "Lease",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Service",
    "EndpointSlice",
    "Pod",
)
"""The kinds the model consumes, in the order a fresh list should load them (owners before pods). Secrets and
ConfigMaps are never among them: their data is not the map's to hold."""

WATCHED_KINDS: tuple[str, ...] = (*KINDS, "Event")
"""What a source lists and watches: the model's kinds, then Warning events (kind "Event"; a real cluster's
watch selects type=Warning), which only the panels read."""


@dataclass(frozen=True, slots=True)
class WatchEvent:
    type: EventType
    kind: str
    object: RawObject

    @property
    def key(self) -> tuple[str, str]:
        meta = self.object.get("metadata", {})
        return (meta.get("namespace", ""), meta.get("name", ""))


# -- Warning events about objects (kind "Event", core/v1) -------------------------------------------------------

ObjectRef = tuple[str, str, str]
"""(kind, namespace, name) of the object an event is about ("" namespace for a Node)."""

MAX_EVENTS_PER_OBJECT = 20
MAX_OBJECTS_WITH_EVENTS = 10_000
EVENT_TTL_SECONDS = 3600.0
"""The API server's default --event-ttl: an event not seen again for an hour is gone there too."""


def _text(value: object, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _count(value: object) -> int:
    return value if type(value) is int and value > 0 else 1


class WarningEvents:
    """The Warning events of a cluster, by the object they are about, newest first; bounded in every direction
    (events per object, objects, age), so an event storm costs bounded memory."""

    def __init__(self) -> None:
        self._by_object: dict[ObjectRef, dict[tuple[str, str], WarningEvent]] = {}
        self._ref_of: dict[tuple[str, str], ObjectRef] = {}  # event (namespace, name) -> its object

    def apply(self, event: WatchEvent, now: float) -> ObjectRef | None:
        """Keep, update or forget one event; returns the object it is about (None for a non-Warning event).
        A deletion needs only the event's name: a relist's stubs of vanished events carry nothing else."""
        key = event.key
        if event.type == "DELETED":
            return self._forget(key)
        raw = event.object
        if raw.get("type") != "Warning":
            return None
        involved = _object(raw.get("involvedObject"))
        ref = (_text(involved.get("kind"), 64), _text(involved.get("namespace"), 253), _text(involved.get("name"), 253))
        self._by_object.setdefault(ref, {})[key] = warning_event(raw)
        self._ref_of[key] = ref
        self._bound(ref, now)
        return ref

    def _forget(self, key: tuple[str, str]) -> ObjectRef | None:
        ref = self._ref_of.pop(key, None)
        events = self._by_object.get(ref) if ref is not None else None
        if events is not None:
            events.pop(key, None)
            if not events:
                del self._by_object[ref]  # type: ignore[arg-type]
        return ref

    def keep_only(self, present: set[tuple[str, str]]) -> None:
        """After a relist: forget the events the list no longer has."""
        for key in [k for k in self._ref_of if k not in present]:
            self._forget(key)

    def about(self, kind: str, namespace: str, name: str) -> list[WarningEvent]:
        events = self._by_object.get((kind, namespace, name), {}).values()
        return sorted(events, key=lambda e: e["lastAt"] or 0.0, reverse=True)

    def _bound(self, ref: ObjectRef, now: float) -> None:
        events = self._by_object[ref]
        for key in [k for k, e in events.items() if (e["lastAt"] or now) < now - EVENT_TTL_SECONDS]:
            self._forget(key)
        while len(events) > MAX_EVENTS_PER_OBJECT:
            self._forget(min(events, key=lambda k: events[k]["lastAt"] or 0.0))
        while len(self._by_object) > MAX_OBJECTS_WITH_EVENTS:
            oldest = next(iter(self._by_object))  # the object whose events came first
            for key in list(self._by_object[oldest]):
                self._forget(key)


def warning_event(raw: RawObject) -> WarningEvent:
    """An Event as the panels list it: reason, message, count, first and last seen, who reported it."""
    from clusterviz.mapping import parse_time  # mapping imports this module's types

    source = _object(raw.get("source"))
    last = parse_time(raw.get("lastTimestamp")) or parse_time(raw.get("eventTime"))
    return {
        "reason": _text(raw.get("reason"), 128),
        "message": _text(raw.get("message"), 1024),
        "count": _count(raw.get("count")),
        "firstAt": parse_time(raw.get("firstTimestamp")) or last,
        "lastAt": last,
        "source": _text(source.get("component") or raw.get("reportingComponent"), 128),
    }
