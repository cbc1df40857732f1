"""Connecting to a cluster: a kubeconfig context or the pod's in-cluster service account.

Every failure that can be seen before talking to the server (missing file, unparseable YAML, unknown
context, no current-context, not in a pod) raises :class:`ClusterConfigError` with a sentence that says
what to do. Messages name files and contexts, never a token, password, key or certificate.
Failures that need the server (unreachable, bad certificate, 401, 403) show later, in the source's status.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final

import kubernetes.client
import kubernetes.config
import yaml

from clusterviz.kube.http import scrub

__all__ = ["ClusterConfigError", "describe_client", "kubeconfig_contexts", "load_cluster"]

DEFAULT_KUBECONFIG: Final = "~/.kube/config"
MIN_POOL_SIZE: Final = 32
"""Connections the client may keep: one per open watch (about a dozen) plus lists and probes."""

_SECRET_KEYS: Final = frozenset(
    ("token", "password", "client-key-data", "client-certificate-data", "id-token", "refresh-token", "access-token")
)


# The client is untyped: name its modules as Any rather than sprinkle ignores.
k8s_client: Any = kubernetes.client
k8s_config: Any = kubernetes.config


class ClusterConfigError(Exception):
    """The cluster cannot be configured; the message says why and never contains credentials."""


def _paths(kubeconfig: str | None) -> list[Path]:
    """An explicit path, else $KUBECONFIG (a path list, as kubectl reads it), else ~/.kube/config."""
    spec = kubeconfig if kubeconfig else os.environ.get("KUBECONFIG") or DEFAULT_KUBECONFIG
    return [Path(p).expanduser() for p in spec.split(os.pathsep) if p]


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ClusterConfigError(f"kubeconfig {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ClusterConfigError(f"kubeconfig {path} cannot be read: {type(error).__name__}") from None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        at = f" (line {where.line + 1})" if where is not None else ""
        raise ClusterConfigError(f"kubeconfig {path} is not valid YAML{at}") from None
    if doc is None:
        doc = {}
    if not isinstance(doc, dict) or not isinstance(doc.get("contexts") or [], list):
        raise ClusterConfigError(f"kubeconfig {path} is not a kubeconfig (expected a mapping with contexts)")
    return doc


def _secrets(docs: Iterable[dict[str, Any]]) -> set[str]:
    """Every credential string in the kubeconfigs, so that no message can echo one by accident."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key in _SECRET_KEYS and isinstance(inner, str) and len(inner) >= 4:
                    found.add(inner)
                else:
                    walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    for doc in docs:
        walk(doc.get("users"))
    return found


def _redact(text: str, secrets: set[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return scrub(text)


def kubeconfig_contexts(kubeconfig: str | None = None) -> tuple[list[str], str | None]:
    """The context names of the kubeconfig (merged as kubectl does) and its current-context."""
    paths = _paths(kubeconfig)
    existing = [p for p in paths if p.exists()]
    if not existing:
        shown = ", ".join(str(p) for p in paths) or DEFAULT_KUBECONFIG
        raise ClusterConfigError(f"kubeconfig {shown} does not exist")
    names: list[str] = []
    current: str | None = None
    for doc in (_read(p) for p in existing):
        for entry in doc.get("contexts") or []:
            name = entry.get("name") if isinstance(entry, dict) else None
            if isinstance(name, str) and name not in names:
                names.append(name)
        if current is None and isinstance(doc.get("current-context"), str) and doc["current-context"]:
            current = doc["current-context"]
    return names, current


def load_cluster(kubeconfig: str | None = None, context: str | None = None, in_cluster: bool = False) -> Any:
    """A ``kubernetes.client.ApiClient`` for a kubeconfig context (default: the current one) or, with
    ``in_cluster``, for the pod's service account. Raises :class:`ClusterConfigError`."""
    configuration = _in_cluster() if in_cluster else _from_kubeconfig(kubeconfig, context)
    configuration.retries = False  # the reflectors retry with backoff; urllib3's own retries only add delay
    configuration.connection_pool_maxsize = max(configuration.connection_pool_maxsize or 0, MIN_POOL_SIZE)
    return k8s_client.ApiClient(configuration)


def _in_cluster() -> Any:
    configuration = k8s_client.Configuration()
    try:
        k8s_config.load_incluster_config(client_configuration=configuration)
    except k8s_config.ConfigException as error:
        raise ClusterConfigError(
            f"in-cluster configuration unavailable: {scrub(str(error))[:200]} "
            "(is clusterviz running in a pod with a service account?)"
        ) from None
    return configuration


def _from_kubeconfig(kubeconfig: str | None, context: str | None) -> Any:
    paths = _paths(kubeconfig)
    names, current = kubeconfig_contexts(kubeconfig)
    existing = [p for p in paths if p.exists()]
    shown = os.pathsep.join(str(p) for p in existing)
    if not names:
        raise ClusterConfigError(f"kubeconfig {shown} defines no contexts")
    chosen = context or current
    if not chosen:
        raise ClusterConfigError(f"kubeconfig {shown} has no current-context; choose one of: {', '.join(names)}")
    if chosen not in names:
        which = "context" if context else "current-context"
        raise ClusterConfigError(f"{which} {chosen!r} is not in kubeconfig {shown}; available: {', '.join(names)}")
    configuration = k8s_client.Configuration()
    try:
        k8s_config.load_kube_config(
            config_file=shown, context=chosen, client_configuration=configuration, persist_config=False
        )
    except Exception as error:  # the loader raises ConfigException, ValueError, OSError, ...
        secrets = _secrets(_read(p) for p in existing)
        detail = _redact(str(error), secrets)[:300]
        raise ClusterConfigError(f"kubeconfig {shown}, context {chosen!r}: {detail}") from None
    if not configuration.host:
        raise ClusterConfigError(f"kubeconfig {shown}, context {chosen!r}: the cluster has no server address")
    return configuration


def describe_client(api_client: Any) -> str:
    """The server an ApiClient talks to, for logs (no credentials)."""
    return scrub(str(getattr(api_client.configuration, "host", "") or "?"))
