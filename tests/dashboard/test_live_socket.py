"""The websocket contract, against the real ASGI application: full state first, then ordered deltas."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest
from channels.testing import WebsocketCommunicator

from clusterviz.podtable import decode_pod_table
from dashboard.asgi import application
from dashboard.hub import Hub
from tests.dashboard.conftest import apply_delta

pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]


async def connect(path: str = "/ws/clusters/demo/") -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, path, headers=ORIGIN)
    connected, _ = await communicator.connect(timeout=10)
    assert connected
    return communicator


async def receive(communicator: WebsocketCommunicator, timeout: float = 5) -> dict[str, Any]:
    message: dict[str, Any] = orjson.loads(await communicator.receive_from(timeout=timeout))
    return message


async def next_delta(communicator: WebsocketCommunicator, timeout: float = 5) -> dict[str, Any]:
    while True:
        message = await receive(communicator, timeout)
        if message["type"] == "delta":
            return message


def users_pods(state: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in state["pods"] if p["namespace"] == "default" and p["name"].startswith("users-deployment-")]


async def test_it_sends_the_full_state_first(running_hub: Hub) -> None:
    communicator = await connect()
    try:
        first = await receive(communicator)
        assert first["type"] == "state"
        assert first["cluster"] == "demo"
        names = [n["name"] for n in first["nodes"]]
        assert sum(1 for n in first["nodes"] if n["controlPlane"]) == 1
        assert len(names) == 4
        assert {p["name"] for p in first["controlPlane"]} >= {
            "kube-apiserver",
            "etcd",
            "kube-scheduler",
            "kube-controller-manager",
        }
        assert len(users_pods(first)) == 2
    finally:
        await communicator.disconnect()


async def test_the_first_message_is_the_state_endpoints_json_with_its_type_first(running_hub: Hub) -> None:
    communicator = await connect()
    try:
        raw = await communicator.receive_from(timeout=10)
        assert isinstance(raw, str) and raw.startswith('{"type":"state","cluster":"demo",')
        first = orjson.loads(raw)
        head = ["type", "cluster", "revision", "seq", "at", "source", "controlPlane", "feed", "rollouts", "objects"]
        assert list(first) == [*head, "nodes", "pods"]
        state = orjson.loads(await running_hub.runtime("demo").astate_json())
        assert list(state) == list(first)[1:]
        assert [p["uid"] for p in first["pods"]] == [
            p["uid"] for p in sorted(first["pods"], key=lambda p: (p["namespace"], p["name"], p["uid"]))
        ]
    finally:
        await communicator.disconnect()


async def test_the_pages_ask_for_the_pods_as_a_table_and_get_the_same_pods(running_hub: Hub) -> None:
    """``?pods=table`` (what map.js and wall.js ask for) carries the same pods as the object form. The demo
    cluster changes as the test runs, so the two are compared when they describe the same revision."""
    from asgiref.sync import sync_to_async
    from django.test import Client

    compared = 0
    for _ in range(10):
        communicator = await connect("/ws/clusters/demo/?pods=table")
        try:
            first = await receive(communicator)
        finally:
            await communicator.disconnect()
        assert first["type"] == "state" and "pods" not in first and list(first)[-1] == "podTable"
        state = orjson.loads(await running_hub.runtime("demo").astate_json())
        if state["revision"] == first["revision"]:
            assert decode_pod_table(first["podTable"]) == state["pods"]
            assert len(users_pods(state)) == 2
            compared += 1
            break
    assert compared, "the cluster never stood still between two states"

    def http() -> tuple[dict[str, Any], dict[str, Any]]:
        client = Client()
        table = orjson.loads(client.get("/api/v1/clusters/demo/state?pods=table").content)
        return table, orjson.loads(client.get("/api/v1/clusters/demo/state?pods=objects").content)

    for _ in range(10):
        table, plain = await sync_to_async(http)()
        if table["revision"] == plain["revision"]:
            assert decode_pod_table(table["podTable"]) == plain["pods"]
            break
    else:
        raise AssertionError("the cluster never stood still between two states")
    response = await sync_to_async(Client().get)("/api/v1/clusters/demo/state?pods=xml")
    assert response.status_code == 400 and b"unknown pod format" in response.content


async def test_the_socket_is_accepted_before_a_slow_first_list_and_gets_its_state_after(
    running_hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Daphne drops a websocket still handshaking after 5 s; the first list of a big cluster takes longer. So
    the consumer accepts first and waits for the runtime with the socket open."""
    listed = asyncio.Event()
    running = running_hub.running

    async def slow_running(name: str) -> Any:
        await listed.wait()
        return await running(name)

    monkeypatch.setattr(running_hub, "running", slow_running)
    communicator = WebsocketCommunicator(application, "/ws/clusters/demo/", headers=ORIGIN)
    try:
        connected, _ = await communicator.connect(timeout=5)
        assert connected, "accepted while the cluster is still being listed"
        assert await communicator.receive_nothing(timeout=0.3)
        listed.set()
        assert (await receive(communicator, timeout=10))["type"] == "state"
    finally:
        await communicator.disconnect()


async def test_an_unknown_pod_format_is_refused(running_hub: Hub) -> None:
    communicator = WebsocketCommunicator(application, "/ws/clusters/demo/?pods=xml", headers=ORIGIN)
    connected, _ = await communicator.connect(timeout=5)
    assert not connected
    await communicator.disconnect()


async def test_deltas_follow_in_order_and_rebuild_the_state(running_hub: Hub) -> None:
    communicator = await connect()
    try:
        state = await receive(communicator)
        runtime = running_hub.runtime("demo")
        runtime.source.script(lambda cluster: cluster.scale("default", "users-deployment", 5))  # type: ignore[attr-defined]
        seq = state["seq"]
        for _ in range(200):
            delta = await next_delta(communicator)
            if delta["seq"] <= state["seq"]:
                continue  # published before the state was taken: the state already covers it
            assert delta["seq"] == seq + 1, "deltas must carry consecutive sequence numbers"
            seq = delta["seq"]
            state = apply_delta(state, delta)
            if len([p for p in users_pods(state) if p["status"] == "Running"]) == 5:
                break
        assert len([p for p in users_pods(state) if p["status"] == "Running"]) == 5
        fresh = orjson.loads(await runtime.astate_json())
        await asyncio.sleep(0)
        # A client that applied every delta holds what a fresh state holds, at the same sequence number.
        while fresh["seq"] > state["seq"]:
            state = apply_delta(state, await next_delta(communicator))
        assert state["seq"] == fresh["seq"]
        assert state["nodes"] == fresh["nodes"]
        assert state["pods"] == fresh["pods"]
        assert state["controlPlane"] == fresh["controlPlane"]
    finally:
        await communicator.disconnect()


async def wait_until(predicate: Any, runtime: Any, timeout: float = 15) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        state: dict[str, Any] = orjson.loads(await runtime.astate_json())
        if predicate(state):
            return state
        assert asyncio.get_running_loop().time() < deadline, "the fake cluster did not get there in time"
        await asyncio.sleep(0.1)


async def test_a_client_that_missed_deltas_resyncs_from_the_state(running_hub: Hub) -> None:
    first = await connect()
    try:
        state = await receive(first)
        runtime = running_hub.runtime("demo")
        runtime.source.script(lambda cluster: cluster.scale("default", "users-deployment", 0))  # type: ignore[attr-defined]
        # The first client reads nothing more: every delta after its state is lost to it.
        await wait_until(lambda s: not users_pods(s), runtime)
        second = await connect()
        try:
            resynced = await receive(second)
            assert resynced["type"] == "state"
            # a state made since, or the one made before and the deltas that bring it up to now
            now = (await asyncio.to_thread(runtime.state_version))[2]
            while resynced["seq"] < now:
                delta = await next_delta(second)
                if delta["seq"] > resynced["seq"]:
                    assert delta["seq"] == resynced["seq"] + 1
                    resynced = apply_delta(resynced, delta)
            assert resynced["seq"] > state["seq"]
            assert users_pods(state) and not users_pods(resynced)
        finally:
            await second.disconnect()
    finally:
        await first.disconnect()


async def test_an_unknown_cluster_is_refused(running_hub: Hub) -> None:
    communicator = WebsocketCommunicator(application, "/ws/clusters/nope/", headers=ORIGIN)
    connected, code = await communicator.connect(timeout=5)
    assert not connected
    assert code == 4404
    await communicator.disconnect()


async def test_a_foreign_origin_is_refused(running_hub: Hub) -> None:
    communicator = WebsocketCommunicator(
        application, "/ws/clusters/demo/", headers=[(b"origin", b"https://evil.example")]
    )
    connected, _ = await communicator.connect(timeout=5)
    assert not connected
    await communicator.disconnect()


async def test_quiet_streams_send_heartbeats(running_hub: Hub, settings: Any) -> None:
    communicator = await connect()
    try:
        await receive(communicator)
        types = set()
        for _ in range(40):
            message = await receive(communicator, timeout=5)
            types.add(message["type"])
            if message["type"] == "heartbeat":
                assert message["source"]["state"] == "live"
                break
        assert "heartbeat" in types
    finally:
        await communicator.disconnect()
