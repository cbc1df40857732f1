"""deploy/k8s: read-only RBAC by construction, and every manifest accepted by a real kube-apiserver (server-side
dry run, which runs validation and admission without persisting anything)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cluster.support import LocalCluster
from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]
MANIFESTS = sorted((ROOT / "deploy" / "k8s").glob("*.yaml"))
ALLOWED = {
    "": {"nodes", "pods", "namespaces", "events"},
    "coordination.k8s.io": {"leases"},
    "apps": {"deployments", "replicasets", "daemonsets", "statefulsets"},
    "batch": {"jobs"},
}
NON_RESOURCE = {"/readyz", "/livez", "/version"}


def documents() -> list[dict[str, Any]]:
    return [doc for path in MANIFESTS for doc in yaml.safe_load_all(path.read_text()) if doc]


def of_kind(kind: str) -> list[dict[str, Any]]:
    return [doc for doc in documents() if doc["kind"] == kind]


def test_the_manifests_hold_what_runs_clusterviz() -> None:
    kinds = sorted(doc["kind"] for doc in documents())
    assert kinds == sorted(
        ["Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Deployment", "Deployment", "Service"]
    )
    commands = {
        d["metadata"]["name"]: d["spec"]["template"]["spec"]["containers"][0]["command"] for d in of_kind("Deployment")
    }
    assert commands["clusterviz-web"][0] == "daphne"
    assert commands["clusterviz-watcher"][-1] == "watch_cluster"


def test_the_cluster_role_only_reads_what_the_map_draws() -> None:
    (role,) = of_kind("ClusterRole")
    for rule in role["rules"]:
        assert "*" not in str(rule), f"no wildcards: {rule}"
        if "nonResourceURLs" in rule:
            assert set(rule["nonResourceURLs"]) <= NON_RESOURCE and rule["verbs"] == ["get"]
            continue
        (group,) = rule["apiGroups"]
        assert set(rule["resources"]) <= ALLOWED[group], rule
        assert set(rule["verbs"]) == {"list", "watch"}, rule
    granted = {r for rule in role["rules"] for r in rule.get("resources", [])}
    assert not granted & {"secrets", "configmaps", "pods/log", "pods/exec", "pods/proxy", "nodes/proxy"}


def test_every_pod_runs_unprivileged() -> None:
    for deployment in of_kind("Deployment"):
        spec = deployment["spec"]["template"]["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True
        for container in spec["containers"]:
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False and context["capabilities"]["drop"] == ["ALL"]
            env = {e["name"]: e for e in container["env"]}
            assert env["DJANGO_SETTINGS_MODULE"]["value"] == "dashboard.settings_production"
            assert "valueFrom" in env["SECRET_KEY"], "the secret key comes from a Secret, not the manifest"


def kubectl(cluster: LocalCluster, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["kubectl", "--kubeconfig", str(cluster.kubeconfig), *args], capture_output=True, text=True, timeout=120
    )


def test_a_real_apiserver_accepts_every_manifest(cluster: LocalCluster) -> None:
    require(shutil.which("kubectl") is not None, "kubectl")
    created = kubectl(cluster, "apply", "-f", str(MANIFESTS[0]))  # namespaced objects need their namespace
    assert created.returncode == 0, created.stderr
    try:
        result = kubectl(cluster, "apply", "--dry-run=server", "-f", str(ROOT / "deploy" / "k8s"))
        assert result.returncode == 0, result.stderr
        for name in ("clusterrole.rbac.authorization.k8s.io/clusterviz-read", "deployment.apps/clusterviz-web"):
            assert name in result.stdout
        assert kubectl(cluster, "get", "clusterrole", "clusterviz-read").returncode != 0, "a dry run persists nothing"
    finally:
        kubectl(cluster, "delete", "namespace", "clusterviz", "--wait=false")


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_each_manifest_is_valid_yaml(path: Path) -> None:
    assert all(doc["apiVersion"] and doc["metadata"]["name"] for doc in yaml.safe_load_all(path.read_text()) if doc)
