"""Measured CPU and memory from metrics.k8s.io (metrics-server), polled: that API cannot be watched.

A poller thread asks ``/apis/metrics.k8s.io/v1beta1/nodes`` and ``/pods`` every ``interval`` seconds and
emits a :class:`clusterviz.live.Usage` whenever what it read changed. Most clusters without metrics-server
answer 404 (or 503 when an APIService is registered but its backend is gone): that is normal, not an error.
The usage becomes "unavailable, metrics-server not installed" and the poller asks again, more slowly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from clusterviz.kube.http import ApiError, describe_error, get_json
from clusterviz.kube.polling import Poller
from clusterviz.live import Usage
from clusterviz.quantity import bytes_of, cpu_millicores

__all__ = ["NOT_INSTALLED", "MetricsPoller", "parse_node_metrics", "parse_pod_metrics"]


API: Final = "/apis/metrics.k8s.io/v1beta1"
NOT_INSTALLED: Final = "metrics-server not installed"
_ABSENT_STATUSES: Final = frozenset({404, 503})
_ABSENT_MESSAGE: Final = "the server could not find the requested resource"

NodeUsage = dict[str, dict[str, int]]
PodUsage = dict[tuple[str, str], dict[str, int]]


def _quantity(parse: Callable[[str], int], value: object) -> int | None:
    """A usage quantity, or None when it is not one (metrics-server has sent odd ones: "", "-1", ints)."""
    if type(value) is int and value >= 0:  # tolerate a number where a string belongs
        return int(parse(str(value)))
    if not isinstance(value, str):
        return None
    try:
        amount = parse(value)
    except ValueError:
        return None
    return max(0, amount)


def _usage(raw: object) -> dict[str, int] | None:
    if not isinstance(raw, dict):
        return None
    cpu = _quantity(cpu_millicores, raw.get("cpu"))
    memory = _quantity(bytes_of, raw.get("memory"))
    if cpu is None and memory is None:
        return None
    return {"cpu": cpu or 0, "memory": memory or 0}


def _items(doc: object) -> list[dict[str, Any]]:
    items = doc.get("items") if isinstance(doc, dict) else None
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _name_of(item: dict[str, Any]) -> tuple[str, str] | None:
    meta = item.get("metadata")
    if not isinstance(meta, dict):
        return None
    name, namespace = meta.get("name"), meta.get("namespace")
    if not isinstance(name, str) or not name:
        return None
    return (namespace if isinstance(namespace, str) else "", name)


def parse_node_metrics(doc: object) -> NodeUsage:
    """A NodeMetricsList as {node: {"cpu": millicores, "memory": bytes}}; malformed items are skipped."""
    out: NodeUsage = {}
    for item in _items(doc):
        key = _name_of(item)
        usage = _usage(item.get("usage"))
        if key is not None and usage is not None:
            out[key[1]] = usage
    return out


def parse_pod_metrics(doc: object) -> PodUsage:
    """A PodMetricsList as {(namespace, pod): usage}, summed over the pod's containers."""
    out: PodUsage = {}
    for item in _items(doc):
        key = _name_of(item)
        containers = item.get("containers")
        if key is None or not key[0] or not isinstance(containers, list):
            continue
        cpu = memory = 0
        seen = False
        for container in containers:
            usage = _usage(container.get("usage")) if isinstance(container, dict) else None
            if usage is not None:
                cpu += usage["cpu"]
                memory += usage["memory"]
                seen = True
        if seen:
            out[key] = {"cpu": cpu, "memory": memory}
    return out


def is_absent(error: BaseException) -> bool:
    """Whether an error means "no metrics API here" (normal), not trouble."""
    if not isinstance(error, ApiError):
        return False
    return error.status in _ABSENT_STATUSES or _ABSENT_MESSAGE in error.message.lower()


class MetricsPoller(Poller[Usage]):
    """Polls metrics.k8s.io every ``interval`` seconds (``absent_interval`` while it is not served)."""

    thread_name = "metrics-poller"

    def __init__(
        self,
        api_client: Any,
        emit: Callable[[Usage], None],
        *,
        interval: float = 30.0,
        absent_interval: float = 300.0,
        timeout: tuple[float, float] = (5.0, 30.0),
    ) -> None:
        super().__init__(emit, interval)
        self._api = api_client
        self.absent_interval = absent_interval
        self.timeout = timeout

    def health(self) -> dict[str, Any]:
        with self._lock:
            last = self._last
            return {
                "polls": self._rounds,
                "lastError": self._last_error,
                "available": last.available if last is not None else None,
                "reason": last.reason if last is not None else "",
                "nodes": len(last.nodes) if last is not None else 0,
                "pods": len(last.pods) if last is not None else 0,
            }

    def ask(self) -> Usage:
        return self.poll_once()

    def broken(self) -> Usage:
        return Usage({}, {}, available=False, reason="metrics poll failed")

    def wait_after(self, answer: Usage) -> float:
        return self.interval if answer.available else self.absent_interval

    def poll_once(self) -> Usage:
        """One round of questions; never raises. Trouble other than absence keeps the last usage known."""
        try:
            nodes = parse_node_metrics(get_json(self._api, f"{API}/nodes", [], self.timeout))
            pods = parse_pod_metrics(get_json(self._api, f"{API}/pods", [], self.timeout))
        except Exception as error:
            if is_absent(error):
                self._note_error("")
                return Usage({}, {}, available=False, reason=NOT_INSTALLED)
            cause = describe_error(error, "list", "metrics.k8s.io")
            self._note_error(cause)
            with self._lock:
                last = self._last
            if last is not None and last.available:  # a hiccup: keep showing the last measurement
                return last
            return Usage({}, {}, available=False, reason=f"metrics unavailable: {cause}"[:200])
        self._note_error("")
        return Usage(nodes, pods)
