"""``python manage.py watch_cluster [--cluster NAME ...]``: the watcher process of ``CLUSTERVIZ_WATCHER=external``.

For each cluster it waits to become the leader (a PostgreSQL advisory lock, :mod:`dashboard.leader`), then
runs the cluster's runtime: its deltas go to the cluster's group on the channel layer (Redis), where every web
process's consumers receive them; it answers the web processes' requests (the state for a new client, the
panels, the fake-cluster controls) on ``watcher.<cluster>``; and the history recorder listens to it here. A
standby retries every second. Losing the lock's connection stops the runtime at once. SIGTERM or SIGINT stops
cleanly: the runtime stops, the recorder writes what it holds, the lock is released.

A new leader numbers its deltas from the wall clock in milliseconds, so its first delta is far above any seq
the previous leader sent (at most one delta per tick, never a thousand per second): clients see a gap (or a
heartbeat ahead of them) and load the state again, as they do after any lost message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from channels.layers import get_channel_layer
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dashboard import hub as hub_module
from dashboard import leader, remote

log = logging.getLogger("dashboard.watch_cluster")
ALIVE_EVERY = 5.0
"""Seconds between touches of ``--alive-file``."""


def seq_base() -> int:
    """Where a new leader's seq starts: above every seq an earlier leader of this cluster can have reached."""
    return time.time_ns() // 1_000_000


class Command(BaseCommand):
    help = (
        "Run the clusters' watchers outside the web processes (CLUSTERVIZ_WATCHER=external): one active watcher "
        "per cluster, elected through a PostgreSQL advisory lock, with any number of standbys."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--cluster", action="append", default=[], help="a cluster to watch (default: all)")
        parser.add_argument("--retry", type=float, default=1.0, help="seconds between a standby's attempts")
        parser.add_argument(
            "--alive-file",
            default="",
            help=f"touch this file every {ALIVE_EVERY:g} s while the event loop runs (a liveness probe reads its age)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        hub = hub_module.Hub(mode="inline")  # this process is where the runtimes run
        names = options["cluster"] or hub.names()
        unknown = sorted(set(names) - set(hub.names()))
        if unknown:
            raise CommandError(f"no cluster named {', '.join(unknown)} (configured: {', '.join(hub.names())})")
        if get_channel_layer() is None or "InMemory" in settings.CHANNEL_LAYERS["default"]["BACKEND"]:
            self.stderr.write("watch_cluster: the channel layer is in-memory: no web process will see these deltas")
        hub_module.hub = hub  # what the history recorder reads the state from
        self.shutdown = False
        self.retry = float(options["retry"])
        self.alive_file = Path(options["alive_file"]) if options["alive_file"] else None
        try:
            asyncio.run(self.main(hub, names))
        finally:
            from dashboard.history import recorder

            if recorder._recorder is not None:
                recorder._recorder.stop()
        self.say("stopped")

    def say(self, text: str) -> None:
        self.stdout.write(f"watch_cluster: {text}")
        self.stdout.flush()

    async def main(self, hub: hub_module.Hub, names: list[str]) -> None:
        stop = asyncio.Event()

        def request_stop(signum: int) -> None:
            self.say(f"{signal.Signals(signum).name}: stopping")
            self.shutdown = True
            stop.set()

        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, request_stop, signum)
        beat = [self.beat(self.alive_file, stop)] if self.alive_file else []
        await asyncio.gather(*(self.watch(hub, name, stop) for name in names), *beat)

    async def beat(self, path: Path, stop: asyncio.Event) -> None:
        """Touch ``path`` while this loop turns: a loop stuck in a blocking call stops touching it, and the
        kubelet's liveness probe (the file's age) restarts the process."""
        while not self.shutdown:
            path.touch()  # on the loop itself, on purpose: a blocked loop must stop the touches
            await self._pause(stop, ALIVE_EVERY)

    async def _pause(self, stop: asyncio.Event, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)

    async def watch(self, hub: hub_module.Hub, name: str, stop: asyncio.Event) -> None:
        """Standby until leader; lead until the lock is lost or a signal comes; then again, until shutdown."""
        election = leader.election_for(name)
        self.say(f"cluster {name}: {election.description}; standing by")
        unreachable = False
        while not self.shutdown:
            try:
                leading = await election.try_acquire()
                unreachable = False
            except Exception as error:
                if not unreachable:
                    self.say(f"cluster {name}: cannot reach the database to elect a leader: {error!r}")
                unreachable, leading = True, False
            if not leading:
                await self._pause(stop, self.retry)
                continue
            try:
                await self.lead(hub, name, election, stop)
            finally:
                await election.release()

    async def lead(self, hub: hub_module.Hub, name: str, election: leader.Election, stop: asyncio.Event) -> None:
        base = seq_base()
        runtime = hub.fresh_runtime(name, base)
        self.say(f"cluster {name}: leading (seq from {base})")
        layer = get_channel_layer()
        run = asyncio.create_task(runtime.run(), name=f"cluster-{name}")
        serve = asyncio.create_task(remote.serve(runtime, layer), name=f"serve-{name}")
        try:
            while not self.shutdown:
                await self._pause(stop, 1.0)
                if self.shutdown:
                    break
                if run.done():  # a failed first list, say: log it and run again (start is retried)
                    if not run.cancelled() and run.exception() is not None:
                        log.error("cluster %s: runtime stopped: %r; restarting", name, run.exception())
                    run = asyncio.create_task(runtime.run(), name=f"cluster-{name}")
                if not await election.held():
                    self.say(f"cluster {name}: lost leadership (the lock's connection is gone); runtime stopped")
                    break
        finally:
            for task in (run, serve):
                task.cancel()
            await asyncio.gather(run, serve, return_exceptions=True)
            await asyncio.to_thread(runtime.source.stop)
            hub.forget(name)
