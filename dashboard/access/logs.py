"""Display-token secrets blanked out of log lines, whoever writes them.

An old wall link carries its secret as ``?token=…``; daphne writes the request line to its access log (and
runserver to the ``django.channels.server`` logger) before any view runs, so no view can keep it out. What
can: this filter on the console handler (settings.LOGGING), and :mod:`dashboard.access.daphne` for the
access log daphne writes to a stream of its own.
"""

from __future__ import annotations

import logging
import re

SECRET_PREFIX = "cvz_"
"""How a display token's secret begins (models.py issues them; here, before Django's apps load, they are found)."""
REDACTED = "[redacted]"
TOKEN_PARAMETER = re.compile(r"(?i)((?:^|[?&;\s])token(?:=|%3D))[^&;\s\"'#]*")
SECRET = re.compile(re.escape(SECRET_PREFIX) + r"[A-Za-z0-9_\-]{4,}")
"""A secret anywhere else: inside an encoded ``next=`` address, a header someone logs, a traceback."""


def redact(text: str) -> str:
    return SECRET.sub(SECRET_PREFIX + REDACTED, TOKEN_PARAMETER.sub(r"\1" + REDACTED, text))


class RedactTokens(logging.Filter):
    """Formats the record's message once, redacted, so no handler sees the secret in ``args``."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
