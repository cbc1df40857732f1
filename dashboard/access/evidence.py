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
    # the shapes from before the ones above (clusterviz.processes, clusterviz.kube.evidence); the words
    # inside them ("node lease", "static pod") are patterns of their own, translated by the recursion
    (r"node lease", _("node lease")),
    (r"lease", _("lease")),
    (r"static pod", _("static pod")),
    (r"pod", _("pod")),
    (r"(?P<what>node lease|lease) renewed within its (?P<seconds>\d+)s duration",
     _("%(what)s renewed within its %(seconds)ss duration")),
    (r"(?P<what>node lease|lease) carries no renew time or duration", _("%(what)s carries no renew time or duration")),
    (r"(?P<what>node lease|lease) overdue: last renewed (?P<time>.+?), duration (?P<seconds>\d+)s",
     _("%(what)s overdue: last renewed %(time)s, duration %(seconds)ss")),
    (r"(?P<what>node lease|lease) expired: last renewed (?P<time>.+?), duration (?P<seconds>\d+)s",
     _("%(what)s expired: last renewed %(time)s, duration %(seconds)ss")),
    (r"leader (?P<holder>[^,]+), (?P<text>.+)", _("leader %(holder)s, %(text)s")),
    (r"leader lease kube-system/(?P<name>\S+) has no holder", _("leader lease kube-system/%(name)s has no holder")),
    (r"no leader lease kube-system/(?P<name>\S+) visible", _("no leader lease kube-system/%(name)s visible")),
    (r"no etcd pod visible: etcd is external or run by the provider",
     _("no etcd pod visible: etcd is external or run by the provider")),
    (r"no (?P<name>\S+) pod visible: the control plane may be managed",
     _("no %(name)s pod visible: the control plane may be managed")),
    (r"(?P<count>\d+) API server instances? renewing identity leases",
     _("%(count)s API server instance(s) renewing identity leases")),
    (r"(?P<count>\d+) API server identity leases? not renewed within (?:its|their) duration",
     _("%(count)s API server identity lease(s) not renewed within their duration")),
    (r"node Ready: the kubelet reports the node healthy", _("node Ready: the kubelet reports the node healthy")),
    (r"node NotReady: the kubelet is reporting, but the node is not ready",
     _("node NotReady: the kubelet is reporting, but the node is not ready")),
    (r"node Ready condition Unknown: the kubelet stopped posting status",
     _("node Ready condition Unknown: the kubelet stopped posting status")),
    (r"no node lease in kube-node-lease", _("no node lease in kube-node-lease")),
    (r"node Ready: the kubelet reports the runtime ready", _("node Ready: the kubelet reports the runtime ready")),
    (r"node NotReady: the runtime may be down", _("node NotReady: the runtime may be down")),
    (r"containers are running on this node", _("containers are running on this node")),
    (r"containers fail to start: (?P<pods>.+)", _("containers fail to start: %(pods)s")),
    (r"no kube-proxy pod on this node \(the cluster may use a CNI that replaces it\)",
     _("no kube-proxy pod on this node (the cluster may use a CNI that replaces it)")),
    (r"runtime (?P<version>.+)", _("runtime %(version)s")),
    (r"(?P<kind>static pod|pod) (?P<pod>\S+) (?P<status>\S+), (?P<ready>\d+/\d+) ready, (?P<restarts>\d+) restarts",
     _("%(kind)s %(pod)s %(status)s, %(ready)s ready, %(restarts)s restarts")),
    (r"/readyz: ready \((?P<count>\d+) checks passed\)", _("/readyz: ready (%(count)s checks passed)")),
    (r"/readyz: not ready, failing checks: (?P<checks>.+)", _("/readyz: not ready, failing checks: %(checks)s")),
    (r"/readyz: not ready \(HTTP (?P<status>\d+)\)", _("/readyz: not ready (HTTP %(status)s)")),
    (r"/readyz not readable: (?P<cause>.+)", _("/readyz not readable: %(cause)s")),
    (r"API server check (?P<check>\S+) failed", _("API server check %(check)s failed")),
    (r"API server check (?P<check>\S+) ok", _("API server check %(check)s ok")),
    (r"serves version (?P<version>.+)", _("serves version %(version)s")),
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
