"""What daphne writes to a websocket: a shared first state from its own bytes, as the socket drains, and a bound
on what a client that does not read may hold.

Daphne's own path copies a text message three times per client (encode, autobahn's frame, Twisted's join of its
buffer) and buffers it whole, whatever the socket takes: ~27 MB per client taking a first state at 150,000 pods,
with no bound (BENCHMARKS.md §5.4). Here:

* A consumer that sees :data:`EXTENSION` in its scope's ``extensions`` sends ``{"type": "websocket.send",
  SHARED: data}`` (immutable UTF-8 bytes of one text message, shared by every client of that state). The
  protocol writes it as one text message of :data:`CHUNK`-sized frames, topping the transport up to
  :data:`LOW_WATER` as it drains, and lets the transport hand the kernel up to :data:`SEND_LIMIT` at once: a
  client holds the shared bytes and at most about ``LOW_WATER + CHUNK`` of its own (twice that for a moment,
  when Twisted joins its buffer before a send). Control frames (pings, close) may come between the frames, as
  RFC 6455 allows.
* What the application sends meanwhile waits behind the state, in order.
* A client whose unsent bytes (deltas it does not read, or what waits behind its state) pass
  ``CLUSTERVIZ_WS_MAX_OUTBOUND_BYTES``, or whose first state is not drained within
  ``CLUSTERVIZ_WS_FIRST_STATE_SECONDS``, is dropped: its consumer gets the disconnect and leaves its group; the
  browser reconnects and starts again with a state.

Where the transport does not show its buffer (TLS terminated by daphne itself), the state goes out as daphne would
send it, whole, and nothing is dropped.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from autobahn.websocket.protocol import WebSocketProtocol as Autobahn
from daphne import server as daphne_server
from django.conf import settings

from dashboard.access.daphne import InboundCappedProtocol

SHARED = "clusterviz.shared"
"""The key of a ``websocket.send`` message whose value is the bytes of one text message, sent as they are."""
EXTENSION = "clusterviz.shared_send"
"""In a websocket scope's ``extensions`` when the server understands :data:`SHARED` messages."""
CHUNK = 128 * 1024
LOW_WATER = 1024 * 1024
SEND_LIMIT = LOW_WATER + CHUNK
"""What the transport hands the kernel in one send(2) while a state goes out: Twisted's own limit, 128 KiB, made a
25 MB state ~200 turns of the reactor. With it (and LOW_WATER 1 MiB, POLL_SECONDS 1 ms, against 512 KiB and 5 ms)
a reader that takes what comes got the 160,000-pod state in 38-47 ms instead of 285-304 ms (bench/first_state_send.py,
BENCHMARKS.md §25)."""
POLL_SECONDS = 0.001
"""How often a state in progress looks whether the socket drained (Twisted tells only its own producer)."""

log = logging.getLogger(__name__)


def max_outbound() -> int:
    return int(settings.CLUSTERVIZ_WS_MAX_OUTBOUND_BYTES)


def first_state_seconds() -> float:
    return float(settings.CLUSTERVIZ_WS_FIRST_STATE_SECONDS)


def buffered(transport: Any) -> int | None:
    """Bytes written to a Twisted TCP transport and not yet taken by the socket; None when it does not say."""
    try:
        return int(transport._tempDataLen) + len(transport.dataBuffer) - int(transport.offset)
    except (AttributeError, TypeError):
        return None


class OutboundProtocol(InboundCappedProtocol):
    """Daphne's websocket protocol (with the inbound cap) that streams shared states and drops stalled clients."""

    _state: bytes | None = None
    _sent = 0
    _started = 0.0
    _waiting: list[dict[str, Any]] | None = None
    _waiting_bytes = 0
    _poll: Any = None
    _dropped = False

    def handle_reply(self, message: dict[str, Any]) -> None:
        if self._dropped:
            return
        if self._waiting is not None:  # a state is going out: everything else follows it
            self._wait(message)
            return
        if message.get("type") == "websocket.send" and SHARED in message:
            self._begin_state(message[SHARED])
            return
        super().handle_reply(message)
        self._check_backlog()

    def _wait(self, message: dict[str, Any]) -> None:
        self._waiting.append(message)  # type: ignore[union-attr]
        self._waiting_bytes += len(message.get("text") or message.get("bytes") or b"")
        if self._waiting_bytes > max_outbound():
            self._drop(f"{self._waiting_bytes} bytes waiting behind its first state")

    def _check_backlog(self) -> None:
        pending = buffered(self.transport)
        if pending is not None and pending > max_outbound():
            self._drop(f"{pending} bytes not read")

    def _begin_state(self, data: bytes) -> None:
        if self.state != Autobahn.STATE_OPEN:
            return
        if buffered(self.transport) is None or self._perMessageCompress is not None:
            self.sendMessage(data, False)  # as daphne would: whole
            return
        self._state, self._sent, self._started, self._waiting = data, 0, time.monotonic(), []
        self.transport.SEND_LIMIT = SEND_LIMIT  # this connection's own; what it buffers stays bounded by LOW_WATER
        self.beginMessage(isBinary=False)
        self._pump()

    def _pump(self) -> None:
        self._poll = None
        data = self._state
        if data is None or self.state != Autobahn.STATE_OPEN:  # closing: nothing more goes out
            self._state = self._waiting = None
            return
        while self._sent < len(data) and (buffered(self.transport) or 0) < LOW_WATER:
            chunk = data[self._sent : self._sent + CHUNK]
            self.beginMessageFrame(len(chunk))  # a whole frame per call: a ping may come between, not inside
            self.sendMessageFrameData(chunk)
            self._sent += len(chunk)
        if self._sent >= len(data):
            self.endMessage()
            self._end_state()
        elif time.monotonic() - self._started > first_state_seconds():
            self._drop(f"first state not read within {first_state_seconds():g} s ({self._sent} of {len(data)} bytes)")
        else:
            self._poll = self._reactor().callLater(POLL_SECONDS, self._pump)

    def _end_state(self) -> None:
        waiting, self._state, self._waiting, self._waiting_bytes = self._waiting or [], None, None, 0
        for message in waiting:
            self.handle_reply(message)

    def _drop(self, why: str) -> None:
        log.warning("websocket %s dropped: %s", self.client_addr, why)
        self._dropped, self._state, self._waiting = True, None, None
        self._cancel_poll()
        if self.transport is not None:
            self.transport.abortConnection()

    def _cancel_poll(self) -> None:
        if self._poll is not None and self._poll.active():
            self._poll.cancel()
        self._poll = None

    def _reactor(self) -> Any:
        from twisted.internet import reactor  # daphne installed its asyncio reactor before importing us

        return reactor

    def connectionLost(self, reason: Any) -> None:
        self._cancel_poll()
        self._state = self._waiting = None
        super().connectionLost(reason)


_create_application = daphne_server.Server.create_application


def _create_with_extension(self: daphne_server.Server, protocol: Any, scope: dict[str, Any]) -> Any:
    if isinstance(protocol, OutboundProtocol):
        scope["extensions"] = {**scope.get("extensions", {}), EXTENSION: {}}
    return _create_application(self, protocol, scope)


def install() -> None:
    """Idempotent (called by :func:`dashboard.access.daphne.harden`)."""
    from daphne import ws_protocol

    ws_protocol.WebSocketFactory.protocol = OutboundProtocol
    daphne_server.Server.create_application = _create_with_extension
