"""The clusters this process serves: one runtime (one watcher) per cluster, however many browsers are open."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable

from channels.layers import get_channel_layer
from django.conf import settings

from clusterviz.clock import ManualClock
from clusterviz.fake import FakeCluster
from clusterviz.live import ClusterRuntime, Publish
from clusterviz.sources import FakeSource

log = logging.getLogger(__name__)
CLUSTER_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$")


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


def _fake_runtime() -> ClusterRuntime:
    conf = settings.CLUSTERVIZ_FAKE
    # The simulation's clock starts at the wall clock so the map's times read naturally; from there it moves
    # only as the runtime advances it, so the simulation itself stays deterministic.
    cluster = FakeCluster(
        seed=conf["seed"],
        clock=ManualClock(start=time.time()),
        workers=conf["workers"],
        pods_per_node=conf["pods_per_node"],
        scenario=conf["scenario"],
    )
    source = FakeSource(cluster, speed=conf["speed"])
    return ClusterRuntime(
        conf["name"],
        source,
        _publisher(conf["name"]),
        tick=settings.CLUSTERVIZ_TICK,
        heartbeat=settings.CLUSTERVIZ_HEARTBEAT,
    )


class Hub:
    """Creates runtimes on first use and runs each on the event loop that first asked for it."""

    def __init__(self) -> None:
        self._runtimes: dict[str, ClusterRuntime] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._ready: dict[str, asyncio.Future[None]] = {}

    def names(self) -> list[str]:
        return [settings.CLUSTERVIZ_FAKE["name"]]

    def runtime(self, name: str) -> ClusterRuntime:
        if name not in self.names():
            raise UnknownCluster(name)
        if name not in self._runtimes:
            self._runtimes[name] = _fake_runtime()
        return self._runtimes[name]

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


hub = Hub()
