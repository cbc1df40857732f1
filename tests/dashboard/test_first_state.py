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
from dashboard.access.scope import Scope, Seen, scoped_state
from dashboard.asgi import application
from dashboard.firststate import FirstStates
from dashboard.hub import Hub
from dashboard.remote import Frame

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

