"""The clusters this process serves: one runtime (one watcher) per cluster, however many browsers are open."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from channels.layers import get_channel_layer
from django.conf import settings

from clusterviz.live import ClusterRuntime, Publish
from dashboard.clusters import ClusterSpec, build_source, from_environment

log = logging.getLogger(__name__)


class UnknownCluster(LookupError):
    pass


def group_name(cluster: str) -> str:
    """The Channels group of a cluster's browsers (names are validated, so they fit the layer's rules)."""
    return f"cluster.{cluster}"


Listener = Callable[[str, str], Awaitable[None]]
"""Called with (cluster, message text) for every message a runtime publishes (e.g. the history recorder)."""
_listeners: list[Listener] = []


def listen(listener: Listener) -> None:
    """Receive every published message of every cluster, in this process, after the browsers got it."""
    if listener not in _listeners:
        _listeners.append(listener)


def _publisher(cluster: str) -> Publish:
    async def publish(text: str) -> None:
        layer = get_channel_layer()
        if layer is not None:
            await layer.group_send(group_name(cluster), {"type": "cluster.message", "text": text})
        for listener in list(_listeners):
            try:
                await listener(cluster, text)
            except Exception:
                log.exception("cluster %s: a listener failed", cluster)

    return publish


class Hub:
    """Creates runtimes on first use and runs each on the event loop that first asked for it."""

    def __init__(self, specs: list[ClusterSpec] | None = None) -> None:
        self._specs = {s.name: s for s in (specs if specs is not None else from_environment(settings.CLUSTERVIZ_FAKE))}
        self._runtimes: dict[str, ClusterRuntime] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._ready: dict[str, asyncio.Future[None]] = {}

    def names(self) -> list[str]:
        return list(self._specs)

    def runtime(self, name: str) -> ClusterRuntime:
        spec = self._specs.get(name)
        if spec is None:
            raise UnknownCluster(name)
        if name not in self._runtimes:
            self._runtimes[name] = ClusterRuntime(
                name,
                build_source(spec),
                _publisher(name),
                tick=settings.CLUSTERVIZ_TICK,
                heartbeat=settings.CLUSTERVIZ_HEARTBEAT,
            )
        return self._runtimes[name]

    def runtimes(self) -> list[ClusterRuntime]:
        """The runtimes created so far (clusters nobody has looked at yet have none)."""
        return list(self._runtimes.values())

    async def running(self, name: str) -> ClusterRuntime:
        """The cluster's runtime, started (first list loaded) and ticking on this loop."""
        runtime = self.runtime(name)
        task = self._tasks.get(name)
        if task is None or task.done():
            if task is not None and task.done() and not task.cancelled() and task.exception():
                log.error("cluster %s: runtime stopped: %r; restarting", name, task.exception())
            self._tasks[name] = asyncio.get_running_loop().create_task(runtime.run(), name=f"cluster-{name}")
        await asyncio.to_thread(runtime.start)
        return runtime

    async def stop(self) -> None:
        for task in self._tasks.values():
            task.cancel()
        self._tasks.clear()
        for runtime in self._runtimes.values():
            await asyncio.to_thread(runtime.source.stop)


hub = Hub()
