"""A small TCP proxy between a client and the API server, for breaking the connection on purpose.

* ``stall()``: keep every connection open but stop forwarding bytes, new connections included — a
  half-open connection as a dead NAT or a frozen server looks to the client;
* ``cut()``: close every connection and close new ones at once — the server went away;
* ``resume()``: forward normally again.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from typing import Literal

Mode = Literal["forward", "stall", "cut"]


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port: int = self._listener.getsockname()[1]
        self._mode: Mode = "forward"
        self._lock = threading.Lock()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._closing = threading.Event()
        self.accepted = 0
        self._thread = threading.Thread(target=self._accept_loop, name="tcpproxy", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def stall(self) -> None:
        self._mode = "stall"

    def cut(self) -> None:
        self._mode = "cut"
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            _close(*pair)

    def resume(self) -> None:
        self._mode = "forward"

    def close(self) -> None:
        self._closing.set()
        self.cut()
        self._thread.join(2)
        self._listener.close()

    def _accept_loop(self) -> None:
        while not self._closing.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            if self._mode == "cut":
                _close(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._pairs.append((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, client: socket.socket, upstream: socket.socket) -> None:
        peers = {client: upstream, upstream: client}
        try:
            while not self._closing.is_set():
                if self._mode == "stall":  # bytes stay in the kernel's buffers: nobody reads them
                    self._closing.wait(0.05)
                    continue
                readable, _, _ = select.select(list(peers), [], [], 0.1)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    peers[sock].sendall(data)
        except (OSError, ValueError):  # ValueError: select() on a socket another thread closed (fd -1)
            return
        finally:
            _close(client, upstream)
            with self._lock:
                if (client, upstream) in self._pairs:
                    self._pairs.remove((client, upstream))


def _close(*socks: socket.socket) -> None:
    for sock in socks:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            sock.close()
