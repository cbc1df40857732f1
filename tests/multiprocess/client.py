"""A websocket client that follows the map's contract (map.js): the state first, deltas by seq, a gap or a
heartbeat ahead → load the state over HTTP, a closed socket → reconnect (which sends the state again)."""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import threading
import time
import urllib.parse
import urllib.request
from typing import Any

import websocket

from tests.merge import apply_delta

COMPARED = ("seq", "controlPlane", "nodes", "pods")
"""What a client's model and the watcher's state must agree on. Not ``revision``: it also counts changes that
travel in no delta (the source's status, which heartbeats carry), so it may be ahead of the last delta's."""


def fetch_json(url: str, timeout: float = 10) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())


def same(a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
    return a is not None and b is not None and all(a.get(k) == b.get(k) for k in COMPARED)


USER, PASSWORD = "operator", "multiprocess passphrase 1"
"""The signed-in user who presses the fake cluster's buttons (they are not for anonymous visitors); the stack
fixture creates it."""


def _csrf(jar: http.cookiejar.CookieJar) -> str:
    return next(c.value for c in jar if c.name == "csrftoken")


def _logged_in(base: str) -> tuple[urllib.request.OpenerDirector, str]:
    """An opener whose session is USER's, through the login form as a browser fills it."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{base}/accounts/login/", timeout=10).read()
    form = urllib.parse.urlencode({"username": USER, "password": PASSWORD}).encode()
    login = urllib.request.Request(
        f"{base}/accounts/login/", data=form, headers={"X-CSRFToken": _csrf(jar), "Referer": base}, method="POST"
    )
    opener.open(login, timeout=10).read()
    assert any(c.name == "sessionid" for c in jar), "the login did not give a session"
    return opener, _csrf(jar)


def post_control(base: str, cluster: str, action: str, **form: str) -> int:
    """POST a fake-cluster control as a signed-in browser would (CSRF token from the cookie, in the header)."""
    opener, token = _logged_in(base)
    data = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(
        f"{base}/clusters/{cluster}/fake/{action}", data=data, headers={"X-CSRFToken": token}, method="POST"
    )
    with opener.open(request, timeout=10) as response:
        return int(response.status)


class Client(threading.Thread):
    def __init__(self, base: str, cluster: str = "demo") -> None:
        super().__init__(daemon=True, name=f"ws-client-{base}")
        self.base, self.cluster = base, cluster
        self.lock = threading.Lock()
        self.state: dict[str, Any] | None = None
        self.deltas: dict[int, dict[str, Any]] = {}  # every delta received, by seq
        self.resyncs = self.reconnects = self.states = 0
        self.last_message = 0.0
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._ws: websocket.WebSocket | None = None

    def stop(self) -> None:
        self._stop.set()
        ws = self._ws
        if ws is not None:
            with contextlib.suppress(Exception):
                ws.close()

    def snapshot(self) -> dict[str, Any] | None:
        with self.lock:
            return None if self.state is None else dict(self.state)

    def run(self) -> None:
        url = self.base.replace("http://", "ws://") + f"/ws/clusters/{self.cluster}/"
        backoff = 0.2
        while not self._stop.is_set():
            try:
                ws = websocket.create_connection(url, timeout=10, origin=self.base)
                self._ws = ws
                got_state = False
                while not self._stop.is_set():
                    try:
                        text = ws.recv()
                    except websocket.WebSocketTimeoutException:
                        if not got_state:  # as map.js: no state from the socket soon, so load it over HTTP
                            self.resync()
                        continue
                    if not text:
                        break
                    message = json.loads(text)
                    got_state = got_state or message.get("type") == "state"
                    self.handle(message)
                    backoff = 0.2
            except Exception as error:
                self.errors.append(repr(error))
            finally:
                self._ws = None
            if self._stop.is_set():
                return
            self.reconnects += 1
            time.sleep(backoff)
            backoff = min(2.0, backoff * 2)

    def resync(self) -> None:
        try:
            state = fetch_json(f"{self.base}/api/v1/clusters/{self.cluster}/state")
        except Exception as error:  # no watcher yet: the next gap or heartbeat tries again
            self.errors.append(f"resync: {error!r}")
            return
        with self.lock:
            self.resyncs += 1
            self.state = state

    def handle(self, msg: dict[str, Any]) -> None:
        self.last_message = time.monotonic()
        kind = msg.get("type")
        if kind == "state":
            with self.lock:
                self.states += 1
                self.state = {k: v for k, v in msg.items() if k != "type"}
            return
        if self.state is None:
            return
        if kind == "heartbeat":
            if msg["seq"] > self.state["seq"]:
                self.resync()
            return
        if kind != "delta":
            return
        with self.lock:
            self.deltas[msg["seq"]] = msg
        if msg["seq"] <= self.state["seq"]:
            return
        if msg["seq"] != self.state["seq"] + 1:
            self.resync()
            if self.state is None or msg["seq"] != self.state["seq"] + 1:
                return
        with self.lock:
            self.state = apply_delta(self.state, msg)
