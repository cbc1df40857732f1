"""Watching a real cluster through the official ``kubernetes`` client — the only package that imports it.

* :func:`load_cluster` turns a kubeconfig context (or the pod's service account) into an ApiClient,
  raising :class:`ClusterConfigError` with a readable message;
* :class:`KubeSource` is the :class:`clusterviz.live.Source` of a real cluster: one reflector thread per
  resource (list, then watch; relist on 410 Gone), plus a /readyz and /version probe.
"""

from __future__ import annotations

from clusterviz.kube.config import ClusterConfigError, describe_client, kubeconfig_contexts, load_cluster
from clusterviz.kube.reflector import ReflectorSettings
from clusterviz.kube.source import DEFAULT_KINDS, KubeSource

__all__ = [
    "DEFAULT_KINDS",
    "ClusterConfigError",
    "KubeSource",
    "ReflectorSettings",
    "describe_client",
    "kubeconfig_contexts",
    "load_cluster",
]
