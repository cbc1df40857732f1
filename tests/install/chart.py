"""The chart, rendered by a real helm and applied to the test API server with server-side apply."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests.cluster.support import Rest

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "chart" / "clusterviz"
FIELD_MANAGER = "clusterviz-install-test"

# kind -> (API prefix, plural, namespaced): every kind the chart renders.
KINDS: dict[str, tuple[str, str, bool]] = {
    "ServiceAccount": ("/api/v1", "serviceaccounts", True),
    "Secret": ("/api/v1", "secrets", True),
    "Service": ("/api/v1", "services", True),
    "Deployment": ("/apis/apps/v1", "deployments", True),
    "StatefulSet": ("/apis/apps/v1", "statefulsets", True),
    "Job": ("/apis/batch/v1", "jobs", True),
    "NetworkPolicy": ("/apis/networking.k8s.io/v1", "networkpolicies", True),
    "Ingress": ("/apis/networking.k8s.io/v1", "ingresses", True),
    "PodDisruptionBudget": ("/apis/policy/v1", "poddisruptionbudgets", True),
    "Role": ("/apis/rbac.authorization.k8s.io/v1", "roles", True),
    "RoleBinding": ("/apis/rbac.authorization.k8s.io/v1", "rolebindings", True),
    "ClusterRole": ("/apis/rbac.authorization.k8s.io/v1", "clusterroles", False),
    "ClusterRoleBinding": ("/apis/rbac.authorization.k8s.io/v1", "clusterrolebindings", False),
}


def render(helm: str, release: str, namespace: str, values: dict[str, Any]) -> list[dict[str, Any]]:
    """``helm template`` with these values (as a values file, the way a user passes them)."""
    command = [helm, "template", release, str(CHART), "--namespace", namespace, "--values", "-"]
    result = subprocess.run(command, input=json.dumps(values), capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, f"helm template failed:\n{result.stderr}"
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def lint(helm: str, values: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    command = [helm, "lint", "--strict", str(CHART), "--values", "-"]
    return subprocess.run(command, input=json.dumps(values), capture_output=True, text=True, timeout=120, check=False)


def object_path(doc: dict[str, Any], namespace: str) -> str:
    prefix, plural, namespaced = KINDS[doc["kind"]]
    where = f"/namespaces/{doc['metadata'].get('namespace', namespace)}" if namespaced else ""
    return f"{prefix}{where}/{plural}/{doc['metadata']['name']}"


def server_side_apply(rest: Rest, doc: dict[str, Any], namespace: str) -> tuple[int, Any]:
    """PATCH with application/apply-patch+yaml (JSON is YAML), as `kubectl apply --server-side` does."""
    query = [("fieldManager", FIELD_MANAGER), ("force", "true")]
    path, body = object_path(doc, namespace), json.dumps(doc)
    return rest.call("PATCH", path, body, query=query, content_type="application/apply-patch+yaml")


def ensure_namespace(rest: Rest, name: str) -> None:
    status, _ = rest.call("GET", f"/api/v1/namespaces/{name}")
    if status == 404:
        rest.ok("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})


def of_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [doc for doc in docs if doc["kind"] == kind]


def named(docs: list[dict[str, Any]], kind: str, suffix: str) -> dict[str, Any]:
    (found,) = [doc for doc in of_kind(docs, kind) if doc["metadata"]["name"].endswith(suffix)]
    return found
