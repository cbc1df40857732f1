"""The clusters this process serves: one runtime (one watcher) per cluster, however many browsers are open.

With ``CLUSTERVIZ_WATCHER=external`` a web process runs no runtime: :meth:`Hub.cluster` and
:meth:`Hub.running` hand out a :class:`~dashboard.remote.RemoteCluster` that asks the watcher process
(``manage.py watch_cluster``, which runs an inline hub of its own) over the channel layer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from channels.layers import get_channel_layer
from django.conf import settings

from clusterviz.live import FIRST_LIST_WAIT, ClusterRuntime, Publish
from dashboard import memory
from dashboard.clusters import ClusterSpec, build_source, from_environment
from dashboard.recent import stop_taps
from dashboard.remote import LocalCluster, RemoteCluster

log = logging.getLogger(__name__)


class UnknownCluster(LookupError):
    pass


def group_name(cluster: str) -> str:
    """The Channels group of a cluster's browsers (names are validated, so they fit the layer's rules)."""
    return f"cluster.{cluster}"


Listener = Callable[[str, str], Awaitable[None]]
"""Called with (cluster, message text) for every message a runtime publishes (e.g. the history recorder): the
record form, whose pods carry their containers and volumes (see :class:`clusterviz.live.Publish`)."""
_listeners: list[Listener] = []


def listen(listener: Listener) -> None:
    """Receive every published message of every cluster, in this process, after the browsers got it."""
    if listener not in _listeners:
        _listeners.append(listener)


def _publisher(cluster: str) -> Publish:
    failing = False

    async def publish(text: str, record: str | None = None) -> None:
        nonlocal failing
        layer = get_channel_layer()
        if layer is not None:
            try:
                await layer.group_send(group_name(cluster), {"type": "cluster.message", "text": text})
            except Exception as error:  # e.g. Redis restarting: this message is lost, clients see the gap
                if not failing:
                    log.warning("cluster %s: cannot publish to the channel layer: %r", cluster, error)
                failing = True
            else:
                if failing:
                    log.info("cluster %s: publishing again", cluster)
                failing = False
        for listener in list(_listeners):
            try:
                await listener(cluster, text if record is None else record)
            except Exception:
                log.exception("cluster %s: a listener failed", cluster)

    return publish


class Hub:
    """Creates runtimes on first use and runs each on the event loop that first asked for it."""

    def __init__(self, specs: list[ClusterSpec] | None = None, *, mode: str | None = None) -> None:
        self._specs = {s.name: s for s in (specs if specs is not None else from_environment(settings.CLUSTERVIZ_FAKE))}
        self.mode = mode or getattr(settings, "CLUSTERVIZ_WATCHER", "inline")
        """``inline``: runtimes run here; ``external``: in the watcher process, never here."""
        self._runtimes: dict[str, ClusterRuntime] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def names(self) -> list[str]:
        return list(self._specs)

    @property
    def external(self) -> bool:
        return self.mode == "external"

    def spec(self, name: str) -> ClusterSpec:
        spec = self._specs.get(name)
        if spec is None:
            raise UnknownCluster(name)
        return spec

    def is_fake(self, name: str) -> bool:
        return self.spec(name).kind == "fake"

    def cluster(self, name: str) -> LocalCluster | RemoteCluster:
        """How to ask about the cluster: its runtime here, or its watcher over the channel layer."""
        self.spec(name)
        return RemoteCluster(name) if self.external else LocalCluster(self, name)

    def runtime(self, name: str) -> ClusterRuntime:
        spec = self.spec(name)
        if self.external:
            raise RuntimeError("CLUSTERVIZ_WATCHER=external: runtimes run in `manage.py watch_cluster`, not here")
        if name not in self._runtimes:
            self._runtimes[name] = self._new_runtime(spec)
        return self._runtimes[name]

    def _new_runtime(self, spec: ClusterSpec) -> ClusterRuntime:
        return ClusterRuntime(
            spec.name,
            build_source(spec),
            _publisher(spec.name),
            tick=settings.CLUSTERVIZ_TICK,
            heartbeat=settings.CLUSTERVIZ_HEARTBEAT,
            listed=memory.freeze_long_lived,
        )

    def fresh_runtime(self, name: str, seq_base: int = 0) -> ClusterRuntime:
        """A new runtime for the cluster (the watcher, on winning leadership), its deltas numbered after
        ``seq_base``: above every seq an earlier watcher sent, so its clients see a gap and resync."""
        runtime = self._new_runtime(self.spec(name))
        runtime.store.seq = seq_base
        self._runtimes[name] = runtime
        return runtime

    def forget(self, name: str) -> None:
        """Drop the cluster's runtime (the watcher, on losing leadership; its source is stopped by the caller)."""
        self._runtimes.pop(name, None)

    def runtimes(self) -> list[ClusterRuntime]:
        """The runtimes created so far (clusters nobody has looked at yet have none)."""
        return list(self._runtimes.values())

    async def running(self, name: str) -> ClusterRuntime | RemoteCluster:
        """The cluster's runtime, started (first list loaded) and ticking on this loop; in external mode a
        :class:`RemoteCluster` (``astate_json``/``astate_message`` only): a web process never starts a runtime."""
        if self.external:
            self.spec(name)
            return RemoteCluster(name)
        runtime = self.runtime(name)
        task = self._tasks.get(name)
        if task is None or task.done():
            if task is not None and task.done() and not task.cancelled() and task.exception():
                log.error("cluster %s: runtime stopped: %r; restarting", name, task.exception())
            self._tasks[name] = asyncio.get_running_loop().create_task(runtime.run(), name=f"cluster-{name}")
        await runtime.awaited_start(FIRST_LIST_WAIT)
        return runtime

    async def stop(self) -> None:
        for task in self._tasks.values():
            task.cancel()
        self._tasks.clear()
        for runtime in self._runtimes.values():
            await asyncio.to_thread(runtime.source.stop)
        await stop_taps()  # this process's record of the groups' deltas


hub = Hub()
