"""Which clusters this dashboard shows, from the environment, and how to build a runtime for each.

Nothing configured means the bundled fake cluster. A real cluster whose configuration is broken still
appears, with its error on the map, so one bad kubeconfig never hides or crashes the others.
"""

from __future__ import annotations

import logging
import os
import re
import time
from dataclasses import dataclass, field
from typing import Literal

from clusterviz.clock import ManualClock, SystemClock
from clusterviz.fake import FakeCluster
from clusterviz.live import Publish, Source
from clusterviz.sources import BrokenSource, FakeSource

log = logging.getLogger(__name__)
NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$")


class ConfigurationError(ValueError):
    pass


@dataclass(frozen=True)
class ClusterSpec:
    name: str
    kind: Literal["fake", "kubeconfig", "in-cluster"]
    kubeconfig: str | None = None
    context: str | None = None
    fake: dict[str, object] = field(default_factory=dict)


def _safe_name(name: str) -> str:
    """Context names may hold characters a URL or a Channels group cannot: keep the rest."""
    cleaned = re.sub(r"[^a-zA-Z0-9_.-]+", "-", name).strip("-.")[:63]
    if not cleaned or not NAME.match(cleaned):
        raise ConfigurationError(f"cannot make a cluster name of {name!r}")
    return cleaned


def _context_specs(env: dict[str, str]) -> list[ClusterSpec]:
    """CLUSTERVIZ_CONTEXTS="ctx-a,prod=ctx-b": one cluster per context, named after it or as given."""
    kubeconfig = env.get("CLUSTERVIZ_KUBECONFIG") or env.get("KUBECONFIG") or None
    specs = []
    for item in filter(None, (part.strip() for part in env.get("CLUSTERVIZ_CONTEXTS", "").split(","))):
        name, _, context = item.partition("=") if "=" in item else (item, "", item)
        specs.append(ClusterSpec(_safe_name(name), "kubeconfig", kubeconfig, context or name))
    if not specs and env.get("CLUSTERVIZ_KUBECONFIG"):
        specs.append(ClusterSpec(_safe_name(env.get("CLUSTERVIZ_CLUSTER_NAME", "cluster")), "kubeconfig", kubeconfig))
    return specs


def cluster_specs(env: dict[str, str], fake: dict[str, object]) -> list[ClusterSpec]:
    """Every configured cluster, in the order given; the fake one when nothing else is configured."""
    specs = _context_specs(env)
    if env.get("CLUSTERVIZ_IN_CLUSTER", "").lower() in {"1", "true", "yes", "on"}:
        specs.append(ClusterSpec(_safe_name(env.get("CLUSTERVIZ_IN_CLUSTER_NAME", "in-cluster")), "in-cluster"))
    wants_fake = env.get("CLUSTERVIZ_FAKE_ENABLED", "").lower()
    if wants_fake in {"1", "true", "yes", "on"} or (not specs and wants_fake not in {"0", "false", "no", "off"}):
        specs.extend(_fake_specs(fake))
    names = [s.name for s in specs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigurationError(f"two clusters share a name: {', '.join(duplicates)}")
    return specs


def _fake_specs(fake: dict[str, object]) -> list[ClusterSpec]:
    """CLUSTERVIZ_FAKE_NAME="demo,staging": one fake cluster per name, each seeded one further (a fleet to try)."""
    names = [n.strip() for n in str(fake["name"]).split(",") if n.strip()]
    seed = int(fake["seed"])  # type: ignore[call-overload]
    return [
        ClusterSpec(_safe_name(name), "fake", fake={**fake, "name": name, "seed": seed + i})
        for i, name in enumerate(names)
    ]


def from_environment(fake: dict[str, object]) -> list[ClusterSpec]:
    return cluster_specs(dict(os.environ), fake)


def build_source(spec: ClusterSpec) -> Source:
    if spec.kind == "fake":
        return _fake_source(spec.fake)
    try:
        from clusterviz.kube import ClusterConfigError, KubeSource, kubeconfig_contexts, load_cluster
    except ImportError as error:  # pragma: no cover - the client is a dependency
        return BrokenSource("kubernetes", f"the kubernetes client is not installed: {error}")
    try:
        client = load_cluster(spec.kubeconfig, spec.context, in_cluster=spec.kind == "in-cluster")
    except ClusterConfigError as error:
        log.error("cluster %s: %s", spec.name, error)
        return BrokenSource("kubernetes", str(error))
    context = spec.context or (kubeconfig_contexts(spec.kubeconfig)[1] if spec.kind == "kubeconfig" else None)
    return KubeSource(spec.name, client, context=context or "")


def _fake_source(conf: dict[str, object]) -> FakeSource:
    # The simulation's clock starts at the wall clock so the map's times read naturally; from there it moves
    # only as the runtime advances it (first by the time building took), so the simulation stays deterministic.
    cluster = FakeCluster(
        seed=int(conf["seed"]),  # type: ignore[call-overload]
        clock=ManualClock(start=time.time()),
        workers=int(conf["workers"]),  # type: ignore[call-overload]
        pods_per_node=int(conf["pods_per_node"]),  # type: ignore[call-overload]
        scenario=str(conf["scenario"]),
        name=str(conf["name"]),
    )
    return FakeSource(cluster, speed=float(conf["speed"]), wall=SystemClock())  # type: ignore[arg-type]


__all__ = ["ClusterSpec", "ConfigurationError", "Publish", "build_source", "cluster_specs", "from_environment"]
