"""The request channel in one process (in-memory layer): what a web process asks, the watcher answers."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

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


async def test_whole_states_are_answered_one_at_a_time_and_not_once_their_asker_gave_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    layer = InMemoryChannelLayer()
    runtime = Hub(mode="inline").fresh_runtime("demo", seq_base=5000)
    await asyncio.to_thread(runtime.start)
    made, at_once, most, release = [0], [0], [0], threading.Event()
    make = runtime.state_entry

    def slowly(fields: bytes, pods: Any) -> Any:  # a watcher busy with its first list of 150,000 pods
        made[0], at_once[0] = made[0] + 1, at_once[0] + 1
        most[0] = max(most[0], at_once[0])
        try:
            release.wait(10)
            return make(fields, pods)
        finally:
            at_once[0] -= 1

    monkeypatch.setattr(runtime, "state_entry", slowly)
    server = asyncio.create_task(serve(runtime, layer))
    remote = RemoteCluster("demo", layer)
    try:
        patient = asyncio.create_task(remote.state_entry("json", "table"))
        await asyncio.sleep(0.05)
        hasty = [asyncio.create_task(_hasty_state(remote)) for _ in range(3)]
        await asyncio.sleep(0.6)  # they give up while the first state is being made
        release.set()
        version, data = await patient
        assert orjson.loads(data)["seq"] == version[2]
        for ask in hasty:
            with pytest.raises(WatcherUnavailable, match="no watcher"):
                await ask
        await asyncio.sleep(0.2)
        assert most[0] == 1, "one whole state at a time"
        assert made[0] == 1, "none made for askers who had gone"
        assert orjson.loads((await remote.state_entry("json", "table"))[1])["cluster"] == "demo", "the next is answered"
    finally:
        server.cancel()
        runtime.source.stop()


async def _hasty_state(remote: RemoteCluster) -> Any:
    return await remote.query("state.entry", timeout=0.3, frame="json", pods="table")
