"""One first state for all (issue 12): built once per version, format and scope and shared by every client that asks,
byte for byte what each viewer may see."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import orjson
import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import AsyncClient
from django.utils import timezone

from clusterviz.live import StateVersion
from clusterviz.store import PodFormat
from dashboard.access.models import DisplayToken
from dashboard.access.scope import EVERYTHING, Scope, Seen, scoped_state
from dashboard.asgi import application
from dashboard.firststate import FirstStates
from dashboard.hub import Hub
from dashboard.recent import RecentDeltas
from dashboard.remote import Frame
from tests.merge import apply_delta

pytestmark = pytest.mark.django_db(transaction=True)
HEADERS = [(b"host", b"127.0.0.1:8000"), (b"origin", b"http://127.0.0.1:8000")]
DEFAULT = Scope.of([], ["default"])
KUBE_SYSTEM = Scope.of([], ["kube-system"])


async def filter_here(scope: Scope, data: bytes) -> tuple[bytes, Seen]:
    return scoped_state(scope, data)


class Counting:
    """A cluster source that counts the states it was asked to make."""

    def __init__(self, source: Any) -> None:
        self.source, self.name, self.made = source, source.name, 0

    async def state_version(self) -> StateVersion:
        version: StateVersion = await self.source.state_version()
        return version

    async def state_entry(self, frame: Frame, pods: PodFormat) -> tuple[StateVersion, bytes]:
        self.made += 1
        await asyncio.sleep(0.05)  # long enough for every other asker to arrive meanwhile
        entry: tuple[StateVersion, bytes] = await self.source.state_entry(frame, pods)
        return entry


def pods_of(data: bytes) -> list[dict[str, Any]]:
    from clusterviz.podtable import decode_pod_table

    state = orjson.loads(data)
    return state["pods"] if "pods" in state else decode_pod_table(state["podTable"])  # type: ignore[no-any-return]


async def test_clients_asking_at_once_share_one_state_made_once(running_hub: Hub) -> None:
    source = Counting(running_hub.cluster("demo"))
    states = FirstStates(filter_here)
    got = await asyncio.gather(*(states.get(source, "message", "table") for _ in range(20)))
    assert source.made == 1 and all(state is got[0] for state in got)
    assert got[0].data.startswith(b'{"type":"state"') and got[0].seen is None


async def test_a_namespace_viewer_gets_its_namespaces_bytes_only_shared_with_its_own_scope(running_hub: Hub) -> None:
    states = FirstStates(filter_here)
    source = running_hub.cluster("demo")
    whole = await states.get(source, "json", "table")
    mine = [await states.get(source, "json", "table", Scope.of([], ["default"])) for _ in range(2)]
    theirs = await states.get(source, "json", "table", KUBE_SYSTEM)
    assert mine[0] is mine[1], "one object for every viewer of the scope"
    assert mine[0].data == scoped_state(DEFAULT, whole.data)[0], "exactly what the scope's filter lets through"
    assert {p["namespace"] for p in pods_of(mine[0].data)} == {"default"}
    others = [p for p in pods_of(whole.data) if p["namespace"] != "default"]
    assert others and not any(p["uid"].encode() in mine[0].data for p in others)
    assert set(mine[0].seen or {}) == {p["uid"] for p in pods_of(mine[0].data)}
    assert theirs.data != mine[0].data and theirs.etag != mine[0].etag != whole.etag


async def test_a_new_version_makes_a_new_state(running_hub: Hub) -> None:
    states = FirstStates(filter_here)
    source = running_hub.cluster("demo")
    first = await states.get(source, "message", "objects")
    runtime = running_hub.runtime("demo")
    runtime.source.script(lambda cluster: cluster.scale("default", "users-deployment", 4))  # type: ignore[attr-defined]
    for _ in range(100):
        if await source.state_version() != first.version:
            break
        await asyncio.sleep(0.1)
    second = await states.get(source, "message", "objects")
    assert second.version != first.version and second is not first
    users = [p for p in pods_of(second.data) if p["name"].startswith("users-deployment-")]
    assert len(users) > len([p for p in pods_of(first.data) if p["name"].startswith("users-deployment-")])


async def test_the_state_endpoint_names_its_version_and_answers_304_for_it(running_hub: Hub) -> None:
    client = AsyncClient()
    first = await client.get("/api/v1/clusters/demo/state?pods=table")
    assert first.status_code == 200 and first["ETag"]
    again = await client.get("/api/v1/clusters/demo/state?pods=table", headers={"if-none-match": first["ETag"]})
    assert again.status_code in (200, 304)
    if again.status_code == 304:
        assert again["ETag"] == first["ETag"] and again.content == b""
    else:  # the model moved on meanwhile: a new version, a new tag
        assert again["ETag"] != first["ETag"]


def make_token(namespaces: list[str]) -> str:
    expires = timezone.now() + timedelta(days=30)
    return DisplayToken.issue("wall", expires_at=expires, clusters=["demo"], namespaces=namespaces)[1]


async def test_scoped_viewers_get_byte_identical_first_states_of_their_namespace(running_hub: Hub) -> None:
    secret = await sync_to_async(make_token)(["default"])
    auth = (b"authorization", f"Bearer {secret}".encode())
    texts = []
    for _ in range(2):
        communicator = WebsocketCommunicator(application, "/ws/clusters/demo/?pods=table", [*HEADERS, auth])
        assert (await communicator.connect(timeout=10))[0]
        try:
            texts.append(await communicator.receive_from(timeout=60))
        finally:
            await communicator.disconnect()
    state = orjson.loads(texts[0])
    assert state["type"] == "state" and {p["namespace"] for p in state["pods"]} == {"default"}
    second = orjson.loads(texts[1])
    if (second["revision"], second["seq"]) == (state["revision"], state["seq"]):  # the same version: the same bytes
        assert texts[1] == texts[0]
    headers = {"authorization": f"Bearer {secret}"}
    http = await AsyncClient().get("/api/v1/clusters/demo/state?pods=table", headers=headers)
    assert http.status_code == 200 and {p["namespace"] for p in orjson.loads(http.content)["pods"]} == {"default"}


# -- a client joining under churn: the state already made and the deltas since (dashboard.recent) ----------------


def delta_text(seq: int) -> str:
    return orjson.dumps({"type": "delta", "cluster": "demo", "seq": seq, "pods": {"upsert": [], "remove": []}}).decode()


def recent_with(*seqs: int) -> RecentDeltas:
    recent = RecentDeltas()
    for seq in seqs:
        recent.offer(delta_text(seq))
    return recent


def test_the_record_keeps_consecutive_deltas_and_hands_out_those_after_a_seq() -> None:
    recent = recent_with(4, 5, 6, 7)
    assert recent.since(5, 7) == [delta_text(6), delta_text(7)]
    assert recent.since(3, 7) == [delta_text(4), delta_text(5), delta_text(6), delta_text(7)]
    assert recent.since(7, 7) == [] and recent.since(9, 7) == []
    assert recent.since(2, 7) is None, "delta 3 was never seen"
    assert recent.since(5, 8) is None, "delta 8 has not come yet"


def test_a_hole_or_a_heartbeat_ahead_starts_the_record_again() -> None:
    recent = recent_with(4, 5, 7)
    assert recent.since(4, 7) is None and recent.since(6, 7) == [delta_text(7)]
    recent.offer(orjson.dumps({"type": "heartbeat", "seq": 7, "source": {}}).decode())
    assert len(recent) == 1, "a heartbeat at the last delta's seq says nothing new"
    recent.offer(orjson.dumps({"type": "heartbeat", "seq": 9, "source": {}}).decode())
    assert len(recent) == 0, "delta 8 and 9 went out as a heartbeat (a tick too large): none of it is here"
    recent.offer(delta_text(3))
    assert recent.since(2, 3) == [delta_text(3)], "a numbering that starts again replaces the old one"


def test_the_record_is_bounded_in_count_and_bytes() -> None:
    recent = RecentDeltas(max_deltas=3, max_bytes=10**6)
    for seq in range(1, 11):
        recent.offer(delta_text(seq))
    assert len(recent) == 3 and recent.since(7, 10) is not None and recent.since(6, 10) is None
    small = RecentDeltas(max_deltas=100, max_bytes=3 * len(delta_text(10)))
    for seq in range(10, 20):
        small.offer(delta_text(seq))
    assert len(small) == 3


async def test_waiting_for_deltas_gives_them_once_they_come_or_none_after_the_timeout() -> None:
    recent = recent_with(1, 2)
    later = asyncio.get_running_loop().call_later(0.05, recent.offer, delta_text(3))
    assert await recent.wait_since(1, 3, timeout=5) == [delta_text(2), delta_text(3)]
    later.cancel()
    assert await recent.wait_since(1, 4, timeout=0.05) is None
    recent.offer(delta_text(5))  # delta 4 was lost: once 5 came, nobody waits for it
    assert await asyncio.wait_for(recent.wait_since(1, 4, timeout=600), 10) is None
    beat = orjson.dumps({"type": "heartbeat", "seq": 7, "source": {}}).decode()  # 6 and 7 went out as a heartbeat
    asyncio.get_running_loop().call_later(0.05, recent.offer, beat)
    assert await asyncio.wait_for(recent.wait_since(4, 7, timeout=600), 10) is None, "the heartbeat ends the wait"


class Moving:
    """A source whose version is set by the test, with a state that names its seq."""

    def __init__(self, instance: int = 1) -> None:
        self.name, self.version, self.made = "demo", (instance, 10, 5), 0

    async def state_version(self) -> StateVersion:
        return self.version

    async def state_entry(self, frame: Frame, pods: PodFormat) -> tuple[StateVersion, bytes]:
        self.made += 1
        version = self.version  # taken under the runtime's lock, then joined outside it
        await asyncio.sleep(0.05)
        return version, b'{"type":"state","seq":%d,"pods":[]}' % version[2]


async def test_a_client_joining_later_takes_the_state_made_and_the_deltas_since_it() -> None:
    states, source, recent = FirstStates(filter_here), Moving(), RecentDeltas()
    first = await states.join(source, "message", "table", EVERYTHING, recent)
    assert source.made == 1 and first.deltas == () and first.state.version == (1, 10, 5)
    for seq in (6, 7, 8):
        recent.offer(delta_text(seq))
    source.version = (1, 13, 8)
    later = await states.join(source, "message", "table", EVERYTHING, recent)
    assert later.state is first.state and source.made == 1, "no state of its own"
    assert later.deltas == (delta_text(6), delta_text(7), delta_text(8))


async def test_clients_joining_while_a_state_is_made_wait_for_it_rather_than_make_their_own() -> None:
    states, source, recent = FirstStates(filter_here), Moving(), recent_with(5)
    first = asyncio.ensure_future(states.join(source, "message", "table", EVERYTHING, recent))
    await asyncio.sleep(0.01)  # its state is being made at seq 5
    recent.offer(delta_text(6))
    source.version = (1, 11, 6)
    second = await states.join(source, "message", "table", EVERYTHING, recent)
    assert (await first).state is second.state and source.made == 1
    assert second.deltas == (delta_text(6),)


async def test_without_every_delta_since_or_across_runtimes_a_client_gets_a_state_of_its_own_version() -> None:
    states, source, recent = FirstStates(filter_here), Moving(), RecentDeltas()
    first = await states.join(source, "message", "table", EVERYTHING, recent)
    recent.offer(delta_text(7))  # delta 6 never came through
    source.version = (1, 12, 7)
    holed = await states.join(source, "message", "table", EVERYTHING, recent)
    assert holed.state is not first.state and holed.state.version == (1, 12, 7) and holed.deltas == ()
    recent.offer(delta_text(8))
    source.version = (2, 1, 8)  # another runtime (a watcher handover) numbers its deltas on its own
    other = await states.join(source, "message", "table", EVERYTHING, recent)
    assert other.state.version == (2, 1, 8) and other.deltas == () and source.made == 3
    assert (await states.join(source, "message", "table", EVERYTHING, None)).state is other.state


async def connected(path: str, *headers: tuple[bytes, bytes]) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, path, [*HEADERS, *headers])
    assert (await communicator.connect(timeout=10))[0]
    return communicator


async def receive(communicator: WebsocketCommunicator) -> dict[str, Any]:
    message: dict[str, Any] = orjson.loads(await communicator.receive_from(timeout=30))
    return message


async def settled(running_hub: Hub) -> StateVersion:
    """The version once the fake cluster stopped changing for a second."""
    source = running_hub.cluster("demo")
    version = await source.state_version()
    while True:
        await asyncio.sleep(1.0)
        now = await source.state_version()
        if now[2] == version[2]:
            return now
        version = now


async def read_until(communicator: WebsocketCommunicator, model: dict[str, Any], seq: int) -> dict[str, Any]:
    """Apply the deltas a client receives until its model reaches ``seq``."""
    while model["seq"] < seq:
        message = await receive(communicator)
        if message["type"] == "delta" and message["seq"] > model["seq"]:
            assert message["seq"] == model["seq"] + 1, "consecutive deltas"
            model = apply_delta(model, message)
    return model


def scale_through(running_hub: Hub, *replicas: int) -> None:
    runtime = running_hub.runtime("demo")
    for count in replicas:
        runtime.source.script(lambda cluster, n=count: cluster.scale("default", "users-deployment", n))  # type: ignore[attr-defined]


def comparable(state: dict[str, Any]) -> tuple[Any, ...]:
    return state["nodes"], sorted(state["pods"], key=lambda p: p["uid"]), state.get("objects", [])


async def test_a_client_joining_after_changes_reads_the_cluster_as_it_is_now(running_hub: Hub) -> None:
    first = await connected("/ws/clusters/demo/")
    try:
        a = await receive(first)
        scale_through(running_hub, 5, 1, 3)
        now = await settled(running_hub)
        assert now[2] > a["seq"], "the scaling made deltas"
        a = await read_until(first, a, now[2])
        late = await connected("/ws/clusters/demo/")
        try:
            b = await receive(late)
            assert b["type"] == "state" and b["seq"] < now[2], "the state made for the first client, not a new one"
            b = await read_until(late, b, now[2])
        finally:
            await late.disconnect()
    finally:
        await first.disconnect()
    fresh = orjson.loads((await AsyncClient().get("/api/v1/clusters/demo/state")).content)
    assert fresh["seq"] == now[2]
    assert comparable(b) == comparable(a) == comparable(fresh)


async def test_a_namespace_viewer_joining_late_gets_only_its_namespace_in_state_and_deltas(running_hub: Hub) -> None:
    secret = await sync_to_async(make_token)(["kube-system"])
    auth = (b"authorization", f"Bearer {secret}".encode())
    first = await connected("/ws/clusters/demo/", auth)
    try:
        a = await receive(first)
        scale_through(running_hub, 5, 2)  # changes in another namespace, "default"
        runtime = running_hub.runtime("demo")
        runtime.source.script(lambda cluster: cluster.scale("kube-system", "coredns", 3))  # type: ignore[attr-defined]
        now = await settled(running_hub)
        late = await connected("/ws/clusters/demo/", auth)
        try:
            b = await receive(late)
            assert b["type"] == "state" and b["seq"] == a["seq"] < now[2], "the scope's state made before"
            texts = []
            while b["seq"] < now[2]:
                text = await late.receive_from(timeout=30)
                texts.append(text)
                message = orjson.loads(text)
                if message["type"] == "delta" and message["seq"] > b["seq"]:
                    b = apply_delta(b, message)
        finally:
            await late.disconnect()
    finally:
        await first.disconnect()
    assert {p["namespace"] for p in b["pods"]} == {"kube-system"}
    assert not any("users-deployment" in text for text in texts), "nothing of another namespace"
    assert any(p["name"].startswith("coredns-") for p in b["pods"])
