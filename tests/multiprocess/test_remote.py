"""The request channel in one process (in-memory layer): what a web process asks, the watcher answers."""

from __future__ import annotations

import asyncio

import orjson
import pytest
from channels.layers import InMemoryChannelLayer

from dashboard.hub import Hub
from dashboard.remote import QueryRefused, RemoteCluster, WatcherUnavailable, serve


async def test_queries_over_the_layer_match_the_runtime() -> None:
    layer = InMemoryChannelLayer()
    hub = Hub(mode="inline")
    runtime = hub.fresh_runtime("demo", seq_base=5000)
    ticking = asyncio.create_task(runtime.run())  # as watch_cluster runs it: queries never start a runtime
    server = asyncio.create_task(serve(runtime, layer))
    remote = RemoteCluster("demo", layer)
    try:
        state = orjson.loads(await remote.state_json())
        assert state["seq"] > 5000 and state == orjson.loads(await runtime.astate_json())
        assert (await remote.state_message()).startswith('{"type":"state",')
        assert await remote.query("counts") == runtime.read(lambda s: s.counts())
        node = state["nodes"][-1]["name"]
        assert (await remote.query("node", name=node))["node"]["name"] == node
        assert await remote.query("node", name="no-such-node") is None
        pod = state["pods"][0]
        assert (await remote.query("pod", namespace=pod["namespace"], name=pod["name"]))["pod"]["uid"] == pod["uid"]
        assert (await remote.query("process", name="kube-apiserver", node=None))["process"]["name"] == "kube-apiserver"
        assert "source" in await remote.query("health")
        done = await remote.query("control", action="scale", form={"replicas": "4"})
        assert done["state"] in ("done", "unchanged") and done["params"]["replicas"] == "4", done
        refused = await remote.query("control", action="scale", form={"replicas": "500"})  # an answer, not an error:
        assert refused["state"] == "invalid" and "between 0 and" in refused["text"], refused  # the view says it (400)
        with pytest.raises(QueryRefused):
            await remote.query("no-such-query")
    finally:
        server.cancel()
        ticking.cancel()
        runtime.source.stop()
    with pytest.raises(WatcherUnavailable, match="no watcher"):
        await remote.query("counts", timeout=0.2)


def test_a_web_process_never_starts_a_runtime_in_external_mode() -> None:
    hub = Hub(mode="external")
    assert isinstance(hub.cluster("demo"), RemoteCluster)
    with pytest.raises(RuntimeError, match="external"):
        hub.runtime("demo")
    assert asyncio.run(_running(hub)).__class__ is RemoteCluster and hub.runtimes() == []


async def _running(hub: Hub) -> object:
    return await hub.running("demo")
