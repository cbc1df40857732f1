"""What daphne does by itself that the dashboard corrects, applied when ``dashboard.asgi`` is imported (daphne
imports the application before it builds its websocket factory, for ``daphne …`` and ``manage.py runserver``).

* Daphne's ``--websocket-max-message-size`` caps both directions: lifted far enough for the first state
  (tens of MB), it lets any reader send a 512 MiB message that is buffered whole. Here the cap applies to what
  clients send only — ``CLUSTERVIZ_WS_MAX_INBOUND_BYTES``, per message and per frame, checked by autobahn on
  each frame header, so an oversized message is refused (close 1009) before it is buffered — and what the
  server sends is not capped.
* Daphne's access log is a stream it writes itself, not a logger: its request lines pass through
  :func:`dashboard.access.logs.redact` on the way.
"""

from __future__ import annotations

from typing import Any

from daphne import access, ws_protocol
from django.conf import settings

from dashboard.access.logs import redact


def inbound_limit() -> int:
    return int(settings.CLUSTERVIZ_WS_MAX_INBOUND_BYTES)


class InboundCappedProtocol(ws_protocol.WebSocketProtocol):
    """Daphne's websocket protocol with a small cap on received messages and none on sent ones."""

    def onConnect(self, request: Any) -> Any:
        # before the handshake's answer: no frame of this connection has been read yet
        self.maxMessagePayloadSize = self.maxFramePayloadSize = inbound_limit()
        return super().onConnect(request)

    def sendMessage(self, payload: bytes, *args: Any, **kwargs: Any) -> Any:
        # autobahn checks outgoing messages against the same attribute; one reactor thread, so lifting it for
        # the duration of this call affects no other message
        limit, self.maxMessagePayloadSize = self.maxMessagePayloadSize, 0
        try:
            return super().sendMessage(payload, *args, **kwargs)
        finally:
            self.maxMessagePayloadSize = limit


_write_entry = access.AccessLogGenerator.write_entry


def _redacted_entry(self: access.AccessLogGenerator, host: Any, date: Any, request: str, *args: Any, **kw: Any) -> None:
    _write_entry(self, host, date, redact(request), *args, **kw)


def harden() -> None:
    """Idempotent; the access-log generator daphne's command line made before importing us is covered too."""
    ws_protocol.WebSocketFactory.protocol = InboundCappedProtocol
    access.AccessLogGenerator.write_entry = _redacted_entry
    from dashboard import outbound  # its protocol is this one's subclass: shared first states, stalled clients dropped

    outbound.install()
