"""The core's evidence and source reasons in the viewer's language.

The core writes them in English, with times and causes inside ("not reporting since 21:40:03 UTC"). Each
sentence shape is one pattern here with its translation as a gettext template whose placeholders are the
pattern's named groups; text that matches no pattern stays English. The same table serves the server
(panels, through the ``localized_evidence`` filter) and the scripts (rendered into the page as JSON), so the
two never translate differently.
"""

from __future__ import annotations

import re
from typing import Final

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

_TIME: Final = r"(?P<time>\d\d:\d\d:\d\d UTC)"

PATTERNS: Final[list[tuple[str, str | Promise]]] = [
    (rf"not reporting since {_TIME}", _("not reporting since %(time)s")),
    (r"not reporting \(no lease renewal seen\)", _("not reporting (no lease renewal seen)")),
    (rf"the kubelet is not reporting since {_TIME}: status unknown",
     _("the kubelet is not reporting since %(time)s: status unknown")),
    (r"the kubelet is not reporting \(no lease renewal seen\): status unknown",
     _("the kubelet is not reporting (no lease renewal seen): status unknown")),
    (rf"the kubelet is not reporting since {_TIME}: the runtime cannot be observed",
     _("the kubelet is not reporting since %(time)s: the runtime cannot be observed")),
    (r"the kubelet is not reporting \(no lease renewal seen\): the runtime cannot be observed",
     _("the kubelet is not reporting (no lease renewal seen): the runtime cannot be observed")),
    (r"last reported: (?P<text>.+)", _("last reported: %(text)s")),
    (r"/readyz unanswered: (?P<cause>.+)", _("/readyz unanswered: %(cause)s")),
    (r"etcd health not observable: /readyz unanswered", _("etcd health not observable: /readyz unanswered")),
    (r"not observed yet: nothing listed from the cluster", _("not observed yet: nothing listed from the cluster")),
    (rf"the API server does not answer: /readyz unanswered since {_TIME} \((?P<cause>.+)\)",
     _("the API server does not answer: /readyz unanswered since %(time)s (%(cause)s)")),
    (rf"no event or bookmark from the API server since {_TIME} \(a healthy watch hears one at least every minute\)",
     _("no event or bookmark from the API server since %(time)s (a healthy watch hears one at least every minute)")),
    (r"waiting for the first answer", _("waiting for the first answer")),
    (r"connection refused", _("connection refused")),
    (r"read timed out \(no data from the server: connection stalled\)",
     _("read timed out (no data from the server: connection stalled)")),
]
_COMPILED: Final = [(re.compile(f"^{pattern}$"), template) for pattern, template in PATTERNS]


def localize(text: str) -> str:
    """``text`` in the active language when its shape is known (inner causes translated too), else as it is."""
    for pattern, template in _COMPILED:
        match = pattern.match(text)
        if match:
            return str(template) % {k: localize(v) for k, v in match.groupdict().items()}
    return text


def for_scripts() -> list[tuple[str, str]]:
    """The table for the page's scripts: JavaScript's named groups, templates in the active language."""
    return [(f"^{pattern}$".replace("(?P<", "(?<"), str(template)) for pattern, template in PATTERNS]
