"""The websocket of a cluster's map: the full state first, then the deltas the runtime publishes."""

from __future__ import annotations

from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer

from dashboard.hub import UnknownCluster, group_name, hub

CLOSE_UNKNOWN_CLUSTER = 4404


class ClusterConsumer(AsyncWebsocketConsumer):
    group: str | None = None

    async def connect(self) -> None:
        cluster = self.scope["url_route"]["kwargs"]["cluster"]
        try:
            runtime = await hub.running(cluster)
        except UnknownCluster:
            await self.close(code=CLOSE_UNKNOWN_CLUSTER)
            return
        # Join before taking the state: a delta published in between reaches this client after the state,
        # and the client drops any delta whose seq the state already covers.
        self.group = group_name(cluster)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        # Made (joined and decoded) in a worker thread, in one piece: no copy of the state on the event loop.
        await self.send(text_data=await runtime.astate_message())

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """The map only listens; anything a client sends is ignored."""

    async def cluster_message(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["text"])
