"""A real daphne process (and runserver) serving the real application: what its logs hold and what its
websockets accept. The access log is written by daphne before any view runs, so only a real process shows it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import websocket as ws_client

from dashboard.access.logs import REDACTED

ROOT = Path(__file__).resolve().parents[2]
FAKE_SECRET = "cvz_" + "s3cr3t" * 7
INBOUND = 10 * 1024 * 1024
FIRST_STATE = 25_000_000
STALL_SECONDS = 90
"""How long the big server gives a client to read its first state (CLUSTERVIZ_WS_FIRST_STATE_SECONDS): long enough
for every reader of this module at a load of 17 (30 s was not), short enough for the stalled ones to be dropped."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Process:
    def __init__(self, tmp: Path, command: list[str], **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp / "server.log"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "dashboard.settings",
            "SQLITE_PATH": str(tmp / "db.sqlite3"),
            "CLUSTERVIZ_ANONYMOUS_READ": "1",
            "CLUSTERVIZ_HISTORY": "0",
            "CLUSTERVIZ_FAKE_SCENARIO": "quiet",
            "DEBUG": "0",
            **env,
        }
        self.env.pop("CLUSTERVIZ_WS_MAX_MESSAGE_MB", None)
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=self.env, check=True)
        with self.log.open("ab") as log:
            argv = [a.replace("PORT", str(self.port)) for a in command]
            self.process = subprocess.Popen(argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 600) -> None:
        """Until the fake cluster's state answers (a big one takes a while to build on a loaded machine)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/api/v1/clusters/demo/health", timeout=5) as response:
                    if response.status == 200 and b'"pods":0' not in response.read().replace(b" ", b""):
                        return
            except OSError:
                pass
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            assert time.monotonic() < deadline, "the server never became ready"
            time.sleep(0.5)

    def get(self, path: str) -> int:
        try:
            with urllib.request.urlopen(urllib.request.Request(self.url + path), timeout=30) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)

    def token(self) -> str:
        out = subprocess.run(
            [sys.executable, "manage.py", "display_token", "create", "tv", "--cluster", "demo"],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return out.split("secret (shown once): ")[1].split()[0]

    def rss_kib(self) -> int:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1])

    def stop(self) -> str:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return self.log.read_text()


DAPHNE = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", "PORT", "dashboard.asgi:application"]
RUNSERVER = [sys.executable, "manage.py", "runserver", "--noreload", "127.0.0.1:PORT"]


def websocket_to(server: Process, query: str = "") -> ws_client.WebSocket:
    return ws_client.create_connection(
        f"ws://127.0.0.1:{server.port}/ws/clusters/demo/{query}", origin=server.url, timeout=120
    )


@pytest.mark.parametrize("command", [DAPHNE, RUNSERVER], ids=["daphne", "runserver"])
def test_no_display_token_secret_reaches_the_servers_log(tmp_path: Path, command: list[str]) -> None:
    server = Process(tmp_path, command)
    try:
        server.wait_ready()
        valid = server.token()
        assert server.get(f"/wall/demo/?every=20&token={valid}") == 200  # redirected (302), then the wall
        assert server.get(f"/wall/demo/?token={FAKE_SECRET}") == 401
        assert server.get(f"/api/v1/clusters/demo/state?token={FAKE_SECRET}&pods=table") == 401
        with pytest.raises(ws_client.WebSocketBadStatusException):
            websocket_to(server, f"?token={FAKE_SECRET}")
    finally:
        log = server.stop()
    assert FAKE_SECRET not in log and valid not in log and "cvz_s3cr" not in log
    assert f"/wall/demo/?token={REDACTED}" in log, "the request line is logged, without the secret"
    assert f"/wall/demo/?every=20&token={REDACTED}" in log


@pytest.fixture(scope="module")
def big_daphne(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Process]:
    """~54,000 pods: a first state (pods as objects) of more than 25 MB, with daphne's own cap left at its
    default (1 MiB) — no --websocket-max-message-size on the command line."""
    server = Process(
        tmp_path_factory.mktemp("big"),
        DAPHNE,
        CLUSTERVIZ_FAKE_WORKERS="100",
        CLUSTERVIZ_FAKE_PODS_PER_NODE="540",
        CLUSTERVIZ_WS_FIRST_STATE_SECONDS=str(STALL_SECONDS),
    )
    server.wait_ready()
    yield server
    server.stop()


def close_code_after(sock: ws_client.WebSocket, send: Any) -> int | None:
    """Send, then read until the server's close: its code, or None when the server cut the connection while
    the message was still being sent (it closes, 1009, on the frame's header and stops reading)."""
    try:
        send()
        for _ in range(1000):  # heartbeats may come first
            opcode, data = sock.recv_data(control_frame=True)
            if opcode == ws_client.ABNF.OPCODE_CLOSE:
                return int.from_bytes(data[:2], "big")
    except (ws_client.WebSocketConnectionClosedException, ConnectionError):
        return None
    raise AssertionError("the server neither closed nor cut the connection")


def test_the_first_state_arrives_whole_but_a_10_mib_message_from_the_client_is_refused(big_daphne: Process) -> None:
    sock = websocket_to(big_daphne, "?pods=objects")
    first = sock.recv()
    assert len(first) > FIRST_STATE and first.startswith('{"type":"state"')
    before = big_daphne.rss_kib()
    assert close_code_after(sock, lambda: sock.send("x" * INBOUND)) in (1009, None)
    grown = big_daphne.rss_kib() - before
    assert grown < INBOUND // 1024 // 2, f"the server grew by {grown} KiB: the message was buffered"


def test_a_10_mib_message_in_small_frames_is_refused_too(big_daphne: Process) -> None:
    sock = websocket_to(big_daphne, "?pods=table")
    assert sock.recv().startswith('{"type":"state"')
    chunk = b"x" * 1024

    def fragments() -> None:
        sock.send_frame(ws_client.ABNF.create_frame(chunk, ws_client.ABNF.OPCODE_TEXT, fin=0))
        for _ in range(INBOUND // len(chunk)):
            sock.send_frame(ws_client.ABNF.create_frame(chunk, ws_client.ABNF.OPCODE_CONT, fin=0))

    assert close_code_after(sock, fragments) in (1009, None)


def test_small_control_messages_are_still_accepted(big_daphne: Process) -> None:
    sock = websocket_to(big_daphne, "?pods=table")
    assert sock.recv().startswith('{"type":"state"')
    sock.send('{"type":"ping"}')
    assert sock.recv().startswith('{"type":')  # the stream goes on (a heartbeat or delta)
    sock.close()


def stalled_websocket(server: Process) -> socket.socket:
    """A websocket handshake, and then nothing read: a receive buffer of 4 KiB, full at once."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect(2), or the kernel autotunes it
    sock.connect(("127.0.0.1", server.port))
    key = "dGhlIHNhbXBsZSBub25jZQ=="
    sock.sendall(
        (
            f"GET /ws/clusters/demo/?pods=objects HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
            f"Origin: {server.url}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    return sock


def received_until_closed(sock: socket.socket) -> int:
    """Read what the server sent until it closed the connection (or reset it): how many bytes came."""
    total = 0
    sock.settimeout(60)
    try:
        while chunk := sock.recv(1 << 20):
            total += len(chunk)
    except ConnectionResetError:
        pass
    return total


def test_clients_that_stop_reading_hold_no_copy_of_the_state_and_are_dropped(big_daphne: Process) -> None:
    """Ten clients take no byte of their first state (> 25 MB each, as objects). Daphne alone buffered each one's
    copy whole (~10 x 25 MB); the server writes from the one shared state as sockets drain, so they cost it little,
    and once their time to read it is up they are dropped."""
    reader = websocket_to(big_daphne, "?pods=objects")
    state = len(reader.recv())  # the shared state of this version exists now
    before = big_daphne.rss_kib()
    gone = big_daphne.log.read_text().count("WSDISCONNECT")
    stalled = [stalled_websocket(big_daphne) for _ in range(10)]
    peak = before
    deadline = time.monotonic() + STALL_SECONDS + 120
    # dropped by the first-state deadline, or before it by autobahn's ping timeout (they answer no ping either)
    while big_daphne.log.read_text().count("WSDISCONNECT") < gone + len(stalled):
        assert time.monotonic() < deadline, "stalled clients were never dropped"
        peak = max(peak, big_daphne.rss_kib())
        time.sleep(0.2)
    grown_mib = (peak - before) / 1024
    assert grown_mib < 10 * state / 2**20 / 4, f"10 stalled clients grew the server by {grown_mib:.0f} MiB"
    assert all(received_until_closed(sock) < state for sock in stalled), "each was cut off before its state ended"
    reader.close()
