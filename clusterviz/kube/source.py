"""A real cluster as a :class:`clusterviz.live.Source`: reflector threads feed a queue that poll() drains.

``start()`` starts one reflector per resource and the control-plane probe, waits (at most
``start_timeout``) for the first lists and returns what it has; lists that arrive later come through
``poll()`` as :class:`Relisted` changes. Nothing here blocks the caller for long, and nothing raises out of
``poll()``, ``status()`` or ``health()``: trouble shows as the status's state and reason.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Final

from clusterviz.clock import Clock, SystemClock
from clusterviz.events import WATCHED_KINDS, RawObject, WatchEvent
from clusterviz.kube.config import describe_client
from clusterviz.kube.evidence import ControlPlaneProbe
from clusterviz.kube.metrics import MetricsPoller
from clusterviz.kube.reflector import (
    Listing,
    Reflector,
    ReflectorHealth,
    ReflectorSettings,
    resources_for,
)
from clusterviz.live import Change, ControlPlaneEvidence, Relisted, Usage
from clusterviz.wire import SourceStatus

__all__ = ["DEFAULT_KINDS", "KubeSource"]

log = logging.getLogger(__name__)

DEFAULT_KINDS: Final[tuple[str, ...]] = WATCHED_KINDS
"""Every kind the model consumes, plus Warning events (kind "Event", field-selected type=Warning)."""

MAX_CHANGES_PER_POLL: Final = 200_000
"""A poll returns at most this many changes (the rest wait for the next tick), so one tick stays bounded."""

_RANK: Final = {"live": 0, "connecting": 1, "stale": 2, "error": 3}

WATCH_SILENCE: Final = 75.0
"""Seconds without a word (event, bookmark, list or watch opened) on every watch before the source is stale
even when the probe is of no help: the API server sends each watch a bookmark about every minute."""

_Item = WatchEvent | Listing | ControlPlaneEvidence | Usage


class KubeSource:
    """Watches a real API server through an ApiClient of the official ``kubernetes`` client."""

    def __init__(
        self,
        name: str,
        api_client: Any,
        *,
        clock: Clock | None = None,
        kinds: Sequence[str] = DEFAULT_KINDS,
        namespace_filter: Sequence[str] | None = None,
        settings: ReflectorSettings | None = None,
        start_timeout: float = 3.0,
        evidence_interval: float = 10.0,
        metrics_interval: float | None = 30.0,
        rng: random.Random | None = None,
        context: str = "",
        watch_silence: float = WATCH_SILENCE,
    ) -> None:
        """``namespace_filter`` limits the namespaced kinds (pods, workloads, events) to those namespaces;
        nodes and namespaces are cluster-wide, leases always come from kube-system and kube-node-lease.
        ``metrics_interval`` is how often metrics.k8s.io is polled for usage (None: never). ``context`` is the
        kubeconfig context, shown with the server while the cluster was never reached.

        Staleness: the source turns stale when the API server stops answering, connections open or not, within
        :attr:`stall_bound` seconds (the control-plane probe's interval plus its timeouts: 25 s by default).
        Without the probe's help, after ``watch_silence`` seconds in which no watch heard a thing."""
        self.name = name
        self.context = context
        self.server = describe_client(api_client)
        self.watch_silence = watch_silence
        self.api_client = api_client
        self.clock: Clock = clock or SystemClock()
        self.start_timeout = start_timeout
        self._queue: queue.SimpleQueue[_Item] = queue.SimpleQueue()
        self._carry: list[Change] = []
        rng = rng or random.Random()
        unknown = [k for k in kinds if k not in DEFAULT_KINDS]
        if unknown:
            raise ValueError(f"unknown kinds {unknown}; known: {', '.join(DEFAULT_KINDS)}")
        ordered = [k for k in DEFAULT_KINDS if k in kinds]  # owners before pods, as KINDS orders them
        self._reflectors = [
            Reflector(resource, api_client, self._queue.put, clock=self.clock, settings=settings, rng=rng)
            for resource in resources_for(ordered, list(namespace_filter) if namespace_filter is not None else None)
        ]
        self._probe = ControlPlaneProbe(api_client, self._queue.put, interval=evidence_interval, clock=self.clock)
        self._metrics = (
            MetricsPoller(api_client, self._queue.put, interval=metrics_interval)
            if metrics_interval is not None
            else None
        )
        self._lock = threading.Lock()
        self._started = False
        self._stopped = False

    @property
    def stall_bound(self) -> float:
        """At most this many seconds after the API server stops answering, the source says it is stale."""
        return self._probe.bound

    # -- the Source protocol -------------------------------------------------------------------------------

    def start(self) -> Relisted:
        """Start the watchers; return the lists that arrived within ``start_timeout`` (maybe none)."""
        with self._lock:
            if self._started:
                return Relisted({})
            self._started = True
        for reflector in self._reflectors:
            reflector.start()
        self._probe.start()
        if self._metrics is not None:
            self._metrics.start()
        waiting = {r.resource.name for r in self._reflectors}
        lists: dict[str, list[Iterable[RawObject]]] = {}  # per kind, the listings of its reflectors
        deadline = time.monotonic() + self.start_timeout
        while waiting and not self._stopped:  # stop() ends the wait too
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                item = self._queue.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                continue
            if isinstance(item, Listing) and item.first and item.reflector in waiting:
                waiting.discard(item.reflector)
                lists.setdefault(item.kind, []).append(item.items)
            else:
                self._carry.extend(self._changes_of(item))
        if waiting:
            missing = sorted(waiting)
            log.warning("cluster %s: no first list from %s within %.0fs", self.name, missing, self.start_timeout)
        ordered = {kind: _Joined(lists[kind]) for kind in DEFAULT_KINDS if kind in lists}
        return Relisted(ordered)

    def poll(self, elapsed: float) -> list[Change]:
        """Everything the watchers delivered since the last poll; never blocks, never raises."""
        changes, self._carry = self._carry, []
        count = 0
        while count < MAX_CHANGES_PER_POLL:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            count += 1
            try:
                changes.extend(self._changes_of(item))
            except Exception:  # defensive: a malformed item must not stop the tick
                log.exception("cluster %s: dropped an undeliverable change", self.name)
        return changes

    def now(self) -> float:
        return self.clock.now()

    def status(self) -> SourceStatus:
        try:
            return self._status()
        except Exception as error:  # status is read every tick: it must not fail
            return {
                "kind": "kubernetes",
                "state": "error",
                "reason": f"status unavailable: {error}"[:200],
                "lastEventAt": None,
                "resourceVersion": "",
                "server": self.server,
                "context": self.context,
            }

    def stop(self) -> None:
        """Stop every thread (each within a second or so; they are daemons either way)."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        for reflector in self._reflectors:
            reflector.stop()
        self._probe.stop()
        if self._metrics is not None:
            self._metrics.stop()
        deadline = time.monotonic() + 5.0
        for reflector in self._reflectors:
            reflector.join(max(0.0, deadline - time.monotonic()))
        self._probe.join(max(0.0, deadline - time.monotonic()))
        if self._metrics is not None:
            self._metrics.join(max(0.0, deadline - time.monotonic()))

    # -- observability -------------------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        """Per-reflector counters and state, for a metrics endpoint."""
        status = self.status()
        return {
            "cluster": self.name,
            "state": status["state"],
            "reason": status["reason"],
            "lastEventAt": status["lastEventAt"],
            "resourceVersion": status["resourceVersion"],
            "reflectors": {h.name: h.as_dict() for h in (r.health() for r in self._reflectors)},
            "controlPlaneProbe": self._probe.health(),
            "metrics": self._metrics.health() if self._metrics is not None else None,
        }

    # -- internals -----------------------------------------------------------------------------------------

    def _status(self) -> SourceStatus:
        healths = [r.health() for r in self._reflectors]
        state, reason = self._judge(healths)
        return {**_status(state, reason, healths), "server": self.server, "context": self.context}

    def _judge(self, healths: list[ReflectorHealth]) -> tuple[str, str]:
        """The source's state and reason: the worst reflector's, "connecting" while the server never answered
        at all (it was never live, so it is not stale), and stale when the server has gone quiet."""
        if self._stopped:
            return "stale", "stopped"
        if not healths:
            return "live", ""
        worst = max(healths, key=lambda h: _RANK[h.state])
        if not any(h.reached for h in healths):
            return "connecting", self._not_yet(worst)
        if worst.state != "live":
            return worst.state, self._reason(worst, [h for h in healths if h.state == worst.state])
        quiet = self._quiet(healths)
        return ("stale", quiet) if quiet else ("live", "")

    @staticmethod
    def _not_yet(worst: ReflectorHealth) -> str:
        """Why a source in state "connecting" has no answer yet (the state itself says "not connected yet")."""
        if worst.state == "connecting":
            return "waiting for the first answer"
        return worst.last_error or worst.reason

    @staticmethod
    def _reason(worst: ReflectorHealth, troubled: list[ReflectorHealth]) -> str:
        if worst.state == "connecting":
            return "listing " + ", ".join(h.name for h in troubled)
        reason = troubled[0].reason or f"{troubled[0].name}: {worst.state}"
        if len(troubled) > 1:
            reason += f" (and {len(troubled) - 1} more)"
        return reason

    def _quiet(self, healths: list[ReflectorHealth]) -> str:
        """Why the API server counts as stalled although every watch is open, or "": its /readyz went
        unanswered and no watch heard anything since; or no watch heard anything for ``watch_silence``."""
        heard = max((h.last_heard_at for h in healths if h.last_heard_at is not None), default=None)
        unanswered = self._probe.unanswered()
        if unanswered is not None and (heard is None or heard < unanswered[0]):
            since, cause = unanswered
            return f"the API server does not answer: /readyz unanswered since {_clock(since)} ({cause})"
        if heard is not None and self.clock.now() - heard > self.watch_silence:
            return (
                f"no event or bookmark from the API server since {_clock(heard)} "
                f"(a healthy watch hears one at least every minute)"
            )
        return ""

    @staticmethod
    def _changes_of(item: _Item) -> list[Change]:
        if not isinstance(item, Listing):
            return [item]
        if not item.partitioned:
            return [Relisted({item.kind: item.items})]
        # One namespace of a kind served in parts: report what vanished and re-add what is there.
        gone: list[Change] = [WatchEvent("DELETED", item.kind, stub) for stub in item.vanished]
        return gone + [WatchEvent("ADDED", item.kind, obj) for obj in item.items]


class _Joined:
    """The listings of one kind's reflectors as one iterable, read once (as each of them is: see PackedItems)."""

    def __init__(self, parts: list[Iterable[RawObject]]) -> None:
        self.parts = parts

    def __iter__(self) -> Iterator[RawObject]:
        for part in self.parts:
            yield from part


def _clock(t: float) -> str:
    return time.strftime("%H:%M:%S UTC", time.gmtime(t))


def _status(state: Any, reason: str, healths: list[ReflectorHealth]) -> SourceStatus:
    last = max((h.last_event_at for h in healths if h.last_event_at is not None), default=None)
    newest = max(healths, key=lambda h: h.last_event_at or 0.0, default=None)
    return {
        "kind": "kubernetes",
        "state": state,
        "reason": reason,
        "lastEventAt": last,
        "resourceVersion": newest.resource_version if newest is not None else "",
    }
