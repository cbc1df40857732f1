"""The websocket of a cluster's map: the full state first (shared by every client of its version and scope), then the
deltas the runtime publishes."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any
from urllib.parse import parse_qs

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from clusterviz.store import pod_format
from dashboard.access.scope import EVERYTHING, Scope
from dashboard.access.websocket import SEEN
from dashboard.firststate import FirstState, first_states
from dashboard.hub import UnknownCluster, group_name, hub
from dashboard.outbound import EXTENSION, SHARED
from dashboard.recent import tap
from dashboard.remote import WatcherUnavailable

CLOSE_BAD_REQUEST = 4400
"""An unknown ``?pods=`` format (``objects``, the default, or ``table``)."""
CLOSE_UNKNOWN_CLUSTER = 4404
CLOSE_NO_WATCHER = 4503
"""External mode: no watcher answered for the state; the client reconnects (and loads the state over HTTP)."""
CLOSE_SILENT = 4408
"""External mode: nothing came through the group for a while (channel layer restarted, group membership lost,
watcher gone): close, so the client reconnects, rejoins and resyncs."""


def silence_limit() -> float:
    """Seconds without any message (a heartbeat comes every CLUSTERVIZ_HEARTBEAT s) before giving up on a group."""
    return max(10.0, 5 * float(settings.CLUSTERVIZ_HEARTBEAT))


def first_state_message(state: FirstState, shared: bool) -> dict[str, Any]:
    """The ASGI message of a first state: its shared bytes where the server writes them as they are, else text.
    A narrowed scope's state says which pods it holds (dashboard.access.websocket filters the deltas by them)."""
    message: dict[str, Any] = {"type": "websocket.send"}
    if shared:
        message[SHARED] = state.data
    else:
        message["text"] = state.data.decode()
    if state.seen is not None:
        message[SEEN] = state.seen
    return message


class ClusterConsumer(AsyncWebsocketConsumer):
    group: str | None = None
    watchdog: asyncio.Task[None] | None = None
    last_message: float = 0.0

    async def connect(self) -> None:
        cluster = self.scope["url_route"]["kwargs"]["cluster"]
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        try:
            pods = pod_format((query.get("pods") or [""])[0])
        except ValueError:
            await self.close(code=CLOSE_BAD_REQUEST)
            return
        try:
            source = hub.cluster(cluster)
        except UnknownCluster:
            await self.close(code=CLOSE_UNKNOWN_CLUSTER)
            return
        # Join before taking the state: a delta published in between reaches this client after the state,
        # and the client drops any delta whose seq the state already covers.
        self.group = group_name(cluster)
        await self.channel_layer.group_add(self.group, self.channel_name)
        recent = await tap(self.group).joined()  # this process's record of the group's deltas, a member from now
        await self.accept()
        if not hub.external:
            # After accepting: the first list of a big cluster takes longer than daphne's handshake timeout
            # (5 s), and a socket still handshaking then is dropped. Open, it simply waits for its state.
            await hub.running(cluster)
        # Shared: built once per version, format and scope (dashboard.firststate), in a worker thread or the filter
        # process, and written from those bytes (dashboard.outbound); or a state made a few versions ago, and the
        # deltas since from this process's record. In external mode it comes from the watcher straight to this
        # process, never through the group.
        try:
            joined = await first_states.join(source, "message", pods, self._viewer_scope(), recent)
        except WatcherUnavailable:
            await self.close(code=CLOSE_NO_WATCHER)
            return
        await self.base_send(first_state_message(joined.state, EXTENSION in self.scope.get("extensions", {})))
        for text in joined.deltas:
            await self.send(text_data=text)
        if hub.external:
            self.last_message = time.monotonic()
            self.watchdog = asyncio.create_task(self._watch(silence_limit()))

    def _viewer_scope(self) -> Scope:
        viewer = self.scope.get("viewer")  # set by dashboard.access.websocket
        return viewer.scope if viewer is not None else EVERYTHING

    async def _watch(self, limit: float) -> None:
        while True:
            await asyncio.sleep(limit / 4)
            if time.monotonic() - self.last_message > limit:
                await self.close(code=CLOSE_SILENT)
                return

    async def disconnect(self, code: int) -> None:
        if self.watchdog is not None:
            self.watchdog.cancel()
        if self.group is not None:
            with contextlib.suppress(Exception):  # the layer may be the reason for the disconnect
                await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """The map only listens; anything a client sends is ignored."""

    async def cluster_message(self, event: dict[str, Any]) -> None:
        self.last_message = time.monotonic()
        await self.send(text_data=event["text"])
