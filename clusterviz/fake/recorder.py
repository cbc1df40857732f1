"""The event recorder every component uses: Warning events about objects, aggregated and expiring."""

from __future__ import annotations

import itertools
from functools import partial
from typing import TYPE_CHECKING

from clusterviz.fake import objects as o
from clusterviz.fake.component import Component
from clusterviz.fake.objects import Record

if TYPE_CHECKING:
    from clusterviz.fake.cluster import FakeCluster

EventKey = tuple[str, str, str, str, str]  # (kind, ns, name, reason, message)


class EventRecorder(Component):
    def __init__(self, c: FakeCluster) -> None:
        super().__init__(c)
        self.events: dict[EventKey, o.EventRec] = {}
        self.names = itertools.count(1)

    def warn(self, about: Record, reason: str, message: str, component: str, host: str = "") -> None:
        """Record a Warning event about an object; the same reason and message again count up one event, as
        the client-go event recorder aggregates them. Events expire after an hour, as --event-ttl makes them."""
        key = (about.KIND, about.namespace, about.name, reason, message)
        now = self.now()
        event = self.events.get(key)
        if event is not None and self.api.exists(event):
            event.count, event.last = event.count + 1, now
            self.api.emit("MODIFIED", event)
        else:
            event = self._new(about, reason, message, component, host)
            self.events[key] = event
            self.api.emit("ADDED", event)
        self.c.timeline.schedule(o.EVENT_TTL, partial(self._expire, key, event, now))

    def _new(self, about: Record, reason: str, message: str, component: str, host: str) -> o.EventRec:
        now = self.now()
        number = next(self.names)
        uid = o.uuid_from(int(o.sha256_hex("event", self.c.name, number)[:32], 16))
        return o.EventRec(name=f"{about.name}.{number:016x}", namespace=about.namespace or "default", uid=uid,
                          created=now, involved=about, reason=reason, message=message, component=component,
                          host=host, first=now, last=now)

    def _expire(self, key: EventKey, event: o.EventRec, last: float) -> None:
        if event.last == last and self.api.exists(event):
            self.events.pop(key, None)
            self.api.emit("DELETED", event)
