"""Control-plane evidence the watches cannot give: the API server's /readyz checks and its /version.

A probe thread asks every ``interval`` seconds through the same ApiClient and emits a
:class:`ControlPlaneEvidence` whenever the evidence changes. Texts never carry times, so unchanged health
gives unchanged evidence. Managed clusters often forbid /readyz: that is "unknown", not an error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import orjson

from clusterviz.clock import Clock, SystemClock
from clusterviz.kube.http import ApiError, describe_error, finish, get, request
from clusterviz.kube.polling import Poller
from clusterviz.live import ControlPlaneEvidence

__all__ = ["ControlPlaneProbe", "parse_readyz", "version_evidence"]


Evidence = tuple[str, str]
"""(health, text); health is one of clusterviz.wire.Health."""
EvidenceMap = dict[str, list[Evidence]]

APISERVER: Final = "kube-apiserver"
ETCD: Final = "etcd"
MAX_LISTED_FAILURES: Final = 5


def parse_readyz(status: int, text: str) -> EvidenceMap:
    """Evidence from a verbose /readyz answer: ``[+]name ok`` / ``[-]name failed: reason withheld`` lines.

    Checks whose name starts with "etcd" speak for etcd; the rest for the API server.
    """
    passed: dict[str, list[str]] = {APISERVER: [], ETCD: []}
    failed: dict[str, list[str]] = {APISERVER: [], ETCD: []}
    for line in text.splitlines():
        line = line.strip()
        if len(line) < 4 or line[0] != "[" or line[2] != "]" or line[1] not in "+-":
            continue
        name = line[3:].split(" ", 1)[0]
        owner = ETCD if name.startswith("etcd") else APISERVER
        (passed if line[1] == "+" else failed)[owner].append(name)
    out: EvidenceMap = {}
    api_failed = failed[APISERVER]
    if api_failed:
        listed = ", ".join(api_failed[:MAX_LISTED_FAILURES])
        if len(api_failed) > MAX_LISTED_FAILURES:
            listed += ", ..."
        out[APISERVER] = [("unhealthy", f"/readyz: not ready, failing checks: {listed}")]
    elif 200 <= status < 300:
        count = len(passed[APISERVER]) + len(passed[ETCD])
        out[APISERVER] = [("healthy", f"/readyz: ready ({count} checks passed)")]
    else:
        out[APISERVER] = [("unhealthy", f"/readyz: not ready (HTTP {status})")]
    etcd: list[Evidence] = [("unhealthy", f"API server check {name} failed") for name in failed[ETCD]]
    etcd += [("healthy", f"API server check {name} ok") for name in passed[ETCD]]
    if etcd:
        out[ETCD] = etcd
    return out


def version_evidence(version: Any) -> list[Evidence]:
    """The API server's /version as a fact (it answered, and says which build it is)."""
    if not isinstance(version, dict):
        return []
    git = version.get("gitVersion")
    if not isinstance(git, str) or not git:
        return []
    platform = version.get("platform")
    suffix = f" on {platform}" if isinstance(platform, str) and platform else ""
    return [("unknown", f"serves version {git[:64]}{suffix[:64]}")]


class ControlPlaneProbe(Poller[ControlPlaneEvidence]):
    """Asks /readyz?verbose and /version every ``interval`` seconds in a daemon thread."""

    thread_name = "control-plane-probe"

    def __init__(
        self,
        api_client: Any,
        emit: Callable[[ControlPlaneEvidence], None],
        *,
        interval: float = 10.0,
        timeout: tuple[float, float] = (5.0, 10.0),
        clock: Clock | None = None,
    ) -> None:
        super().__init__(emit, interval)
        self._api = api_client
        self.timeout = timeout
        self._clock: Clock = clock or SystemClock()
        self._unanswered: tuple[float, str] | None = None  # since when, and why, while rounds go unanswered

    @property
    def bound(self) -> float:
        """How long after the API server stops answering the probe has noticed at the latest: a round may
        have just begun (the interval), then its connect and read time out."""
        return self.interval + sum(self.timeout)

    def unanswered(self) -> tuple[float, str] | None:
        """(since, cause) while the API server leaves /readyz unanswered (no connection, or no answer within
        the timeout); None once it answers anything at all, even 403."""
        with self._lock:
            return self._unanswered

    def health(self) -> dict[str, Any]:
        with self._lock:
            last = self._last.evidence if self._last is not None else {}
            evidence = {name: [text for _, text in items] for name, items in last.items()}
            return {"probes": self._rounds, "lastError": self._last_error, "evidence": evidence}

    def ask(self) -> ControlPlaneEvidence:
        evidence = self.probe_once()
        return ControlPlaneEvidence({name: list(items) for name, items in evidence.items()})

    def broken(self) -> ControlPlaneEvidence:
        return ControlPlaneEvidence({APISERVER: [("unknown", "control-plane probe failed")]})

    def probe_once(self) -> EvidenceMap:
        """One round of questions; never raises."""
        evidence = self._readyz()
        evidence.setdefault(APISERVER, []).extend(self._version())
        return evidence

    def _readyz(self) -> EvidenceMap:
        try:
            response = request(self._api, "/readyz", [("verbose", "true")], self.timeout)
            try:
                text = response.read().decode("utf-8", "replace")  # a few kB: the list of checks
            finally:
                finish(response, complete=True)
        except Exception as error:
            return self._unreachable(error)
        self._note_error("")
        with self._lock:
            self._unanswered = None
        if response.status in (401, 403, 404):  # normal on managed clusters: nothing to conclude
            cause = describe_error(ApiError(response.status, response.reason or "", ""))
            return {
                APISERVER: [("unknown", f"/readyz not readable: {cause}")],
                ETCD: [("unknown", "etcd health not observable: /readyz not readable")],
            }
        return parse_readyz(response.status, text)

    def _unreachable(self, error: BaseException) -> EvidenceMap:
        """The API server's own readiness check failed to answer: as the kubelet counts a probe that times out,
        that is a failure, not a lack of evidence (the pod's last reported "Running" does not outweigh it)."""
        cause = describe_error(error, "get", "/readyz")
        self._note_error(cause)
        with self._lock:
            if self._unanswered is None:
                self._unanswered = (self._clock.now(), cause)
        return {
            APISERVER: [("unhealthy", f"/readyz unanswered: {cause}")],
            ETCD: [("unknown", "etcd health not observable: /readyz unanswered")],
        }

    def _version(self) -> list[Evidence]:
        try:
            response = get(self._api, "/version", [], self.timeout)
            try:
                return version_evidence(orjson.loads(response.read()))
            finally:
                finish(response, complete=True)
        except Exception:
            return []
