"""Watcher health for machines: Prometheus text at /metrics, JSON per cluster at /api/v1/clusters/<c>/health.

Only clusters whose runtime has started are reported (a cluster nobody opened has no watcher yet).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from clusterviz.live import ClusterRuntime

STATES = ("live", "connecting", "stale", "error")
REFLECTOR_COUNTERS = {
    "events": "clusterviz_watch_events_total",
    "relists": "clusterviz_watch_relists_total",
    "errors": "clusterviz_watch_errors_total",
    "watchRestarts": "clusterviz_watch_restarts_total",
    "idleTimeouts": "clusterviz_watch_idle_timeouts_total",
}
HELP = {
    "clusterviz_source_state": "1 for the watcher's current state (live, connecting, stale, error), else 0.",
    "clusterviz_last_event_timestamp_seconds": "When the watcher last received an event (epoch seconds).",
    "clusterviz_nodes": "Nodes in the model.",
    "clusterviz_pods": "Pods in the model.",
    "clusterviz_model_revision": "Revision of the model (grows with every change).",
    "clusterviz_deltas_total": "Deltas published to browsers.",
    "clusterviz_watch_events_total": "Watch events received, by resource.",
    "clusterviz_watch_relists_total": "Full relists (first sync, 410 Gone), by resource.",
    "clusterviz_watch_errors_total": "Failed list or watch attempts, by resource.",
    "clusterviz_watch_restarts_total": "Watches re-opened from the last resourceVersion, by resource.",
    "clusterviz_watch_idle_timeouts_total": "Watches re-opened after a silent (possibly half-open) connection.",
}


def health(runtime: ClusterRuntime) -> dict[str, Any]:
    """The runtime's view of its source and model, plus the source's own counters when it has them."""
    summary = runtime.read(lambda store: {"source": store.source, **store.counts(), "revision": store.revision})
    source_health = getattr(runtime.source, "health", None)
    return {
        "cluster": runtime.name,
        **summary,
        "seq": runtime.store.seq,
        "watch": source_health() if callable(source_health) else None,
    }


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _samples(h: dict[str, Any]) -> Iterable[tuple[str, dict[str, str], float]]:
    cluster = h["cluster"]
    for state in STATES:
        yield "clusterviz_source_state", {"cluster": cluster, "state": state}, float(h["source"]["state"] == state)
    if h["source"].get("lastEventAt") is not None:
        yield "clusterviz_last_event_timestamp_seconds", {"cluster": cluster}, float(h["source"]["lastEventAt"])
    yield "clusterviz_nodes", {"cluster": cluster}, float(h["nodes"])
    yield "clusterviz_pods", {"cluster": cluster}, float(h["pods"])
    yield "clusterviz_model_revision", {"cluster": cluster}, float(h["revision"])
    yield "clusterviz_deltas_total", {"cluster": cluster}, float(h["seq"])
    for resource, counters in ((h.get("watch") or {}).get("reflectors") or {}).items():
        for key, metric in REFLECTOR_COUNTERS.items():
            if isinstance(counters.get(key), int | float):
                yield metric, {"cluster": cluster, "resource": resource}, float(counters[key])


def _number(value: float) -> str:
    """Whole numbers without a fraction, others in full (a timestamp must not lose its seconds to %g)."""
    return str(int(value)) if value.is_integer() else repr(value)


def prometheus_text(healths: Iterable[dict[str, Any]]) -> str:
    """The Prometheus text exposition format (version 0.0.4)."""
    by_metric: dict[str, list[str]] = {}
    for h in healths:
        for metric, labels, value in _samples(h):
            rendered = ",".join(f'{k}="{_label(v)}"' for k, v in labels.items())
            by_metric.setdefault(metric, []).append(f"{metric}{{{rendered}}} {_number(value)}")
    lines: list[str] = []
    for metric, samples in by_metric.items():
        kind = "counter" if metric.endswith("_total") else "gauge"
        lines += [f"# HELP {metric} {HELP[metric]}", f"# TYPE {metric} {kind}", *samples]
    return "\n".join(lines) + "\n"
