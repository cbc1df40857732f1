"""Cluster text is untrusted: markup in names, labels, annotations and messages renders inert, and a secret
in a pod's environment leaves no trace in the state, the websocket, the pages or the database."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import orjson
import pytest
from channels.testing import WebsocketCommunicator
from django.db import connection
from django.test import Client

from clusterviz.events import WatchEvent
from dashboard.asgi import application
from dashboard.hub import Hub

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "hunter2-do-not-leak-7f3a9c"
SCRIPT = "<script>alert('pwned')</script>"
IMG = '<img src=x onerror="alert(1)">'
HX = '"><div hx-get="/api/v1/clusters" hx-trigger="load">x</div>'
HOSTILE_NAME = "evil-<svg onload=alert(1)>-x"  # no "/": the API server forbids it in names
NEEDLES = (SCRIPT, IMG, HX, "<svg onload", 'onerror="alert', 'hx-get="/api')


def hostile_pod(template: dict[str, Any]) -> dict[str, Any]:
    """A copy of a running pod with markup wherever a cluster carries free text, and a secret in its env."""
    pod = copy.deepcopy(template)
    meta = pod["metadata"]
    meta.update(name=HOSTILE_NAME, uid=str(uuid.uuid4()), labels={"app": SCRIPT, "tier": HX, IMG: "key"})
    meta["annotations"] = {"note": IMG, "x": HX}
    for container in pod["spec"]["containers"]:
        container["env"] = [{"name": "DB_PASSWORD", "value": SECRET}]
        container["args"] = [f"--password={SECRET}"]
        container["image"] = f"registry.example/{IMG}:1"
    pod["status"]["message"] = f"{SCRIPT} {HX}"
    pod["status"]["reason"] = IMG
    return pod


@pytest.fixture
def planted(running_hub: Hub) -> dict[str, Any]:
    """The hostile pod, in the demo cluster's store."""
    client = Client()
    client.get("/api/v1/clusters/demo/state")  # starts the runtime
    runtime = running_hub.runtime("demo")
    source = runtime.source

    def script(cluster: Any) -> list[WatchEvent]:
        pods, _ = cluster.list("Pod")
        template = next(p for p in pods if p["metadata"]["namespace"] == "default" and p["spec"].get("nodeName"))
        return [WatchEvent("ADDED", "Pod", hostile_pod(template))]

    source.script(script)  # type: ignore[attr-defined]
    pod = runtime.step(0.0) and runtime.read(lambda store: store.pod("default", HOSTILE_NAME))
    assert pod is not None, "the hostile pod reached the store"
    return dict(pod)


def assert_inert(body: str, where: str) -> None:
    for needle in NEEDLES:
        assert needle not in body, f"{where} carries live markup {needle!r}"


def test_markup_from_the_cluster_renders_inert_in_pages_and_panels(planted: dict[str, Any]) -> None:
    client = Client()
    node = planted["node"]
    pages = {
        "map": "/clusters/demo/",
        "pod panel": f"/clusters/demo/pods/default/{HOSTILE_NAME}/panel",
        "node panel": f"/clusters/demo/nodes/{node}/panel",
        "wall": "/wall/demo/",
    }
    for where, path in pages.items():
        response = client.get(path)
        assert response.status_code == 200, where
        assert_inert(response.content.decode(), where)
    panel = client.get(pages["pod panel"]).content.decode()
    assert "&lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt;" in panel, "the label is shown, escaped"
    assert "hx-get=&quot;/api/v1/clusters&quot;" in panel


def test_json_escapes_nothing_into_markup_but_keeps_the_text(planted: dict[str, Any]) -> None:
    state = orjson.loads(Client().get("/api/v1/clusters/demo/state").content)
    pod = next(p for p in state["pods"] if p["name"] == HOSTILE_NAME)
    assert pod["labels"]["app"] == SCRIPT, "JSON carries the text as text; the browser draws it on a canvas"


def test_a_secret_in_the_env_leaves_no_trace(planted: dict[str, Any]) -> None:
    client = Client()
    paths = [
        "/api/v1/clusters/demo/state",
        "/api/v1/clusters",
        "/clusters/demo/",
        f"/clusters/demo/pods/default/{HOSTILE_NAME}/panel",
        f"/clusters/demo/nodes/{planted['node']}/panel",
        "/wall/demo/",
    ]
    for path in paths:
        assert SECRET not in client.get(path).content.decode(), path
    assert SECRET not in orjson.dumps(planted).decode()
    assert SECRET not in database_text()


async def test_a_secret_in_the_env_never_crosses_the_websocket(running_hub: Hub) -> None:
    communicator = WebsocketCommunicator(
        application, "/ws/clusters/demo/", headers=[(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]
    )
    connected, _ = await communicator.connect(timeout=10)
    assert connected
    try:
        frames = [await communicator.receive_from(timeout=10)]

        def script(cluster: Any) -> list[WatchEvent]:
            pods, _ = cluster.list("Pod")
            template = next(p for p in pods if p["metadata"]["namespace"] == "default" and p["spec"].get("nodeName"))
            return [WatchEvent("ADDED", "Pod", hostile_pod(template))]

        running_hub.runtime("demo").source.script(script)  # type: ignore[attr-defined]
        while HOSTILE_NAME not in frames[-1]:
            frames.append(await communicator.receive_from(timeout=10))
        assert not any(SECRET in frame for frame in frames)
    finally:
        await communicator.disconnect()


def database_text() -> str:
    """Every row of every table, as text (whatever other features store later is covered too)."""
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')
            parts.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(parts)
