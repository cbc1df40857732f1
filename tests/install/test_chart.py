"""The chart as rendered by real helm: what it grants, what it runs, and that a real API server takes all of it."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import resolve

from clusterviz.kube.reflector import CATALOG, LEASE_NAMESPACES
from tests.cluster.support import LocalCluster
from tests.install.chart import ensure_namespace, lint, named, of_kind, render, server_side_apply
from tests.install.conftest import Release

QUICK_START: dict[str, Any] = {"ingress": {"enabled": True, "tlsSecretName": "clusterviz-tls"}}
"""The defaults (bundled PostgreSQL and Redis) plus an ingress: `helm install` with nothing else to give."""
FORBIDDEN = {"secrets", "configmaps", "pods/log", "pods/exec", "pods/attach", "pods/proxy", "nodes/proxy"}


def pod_specs(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    kinds = ("Deployment", "StatefulSet", "Job")
    return {d["metadata"]["name"]: d["spec"]["template"]["spec"] for d in docs if d["kind"] in kinds}


def containers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [*spec.get("initContainers", []), *spec["containers"]]


def test_helm_lint_passes_for_the_quick_start_and_for_an_operator(helm: str, release: Release) -> None:
    for values in (QUICK_START, release.values):
        result = lint(helm, values)
        assert result.returncode == 0, result.stdout + result.stderr


def test_a_real_api_server_accepts_every_object_of_the_quick_start(helm: str, cluster: LocalCluster) -> None:
    docs = render(helm, "quick", "clusterviz-quick", QUICK_START)
    kinds = {doc["kind"] for doc in docs}
    assert {"StatefulSet", "Ingress", "NetworkPolicy", "Job", "ClusterRole", "Secret"} <= kinds
    rest = cluster.rest()
    ensure_namespace(rest, "clusterviz-quick")
    for doc in docs:
        status, body = server_side_apply(rest, doc, "clusterviz-quick")
        assert status in (200, 201), f"{doc['kind']}/{doc['metadata']['name']}: {status} {body}"


RESTRICTED = "clusterviz-restricted"


def test_every_pod_of_the_quick_start_passes_the_restricted_pod_security_standard(
    helm: str, cluster: LocalCluster
) -> None:
    """Pods made from each template, dry-run into a namespace that enforces `restricted` (the API server's
    PodSecurity admission decides, as it would for the ReplicaSets' pods)."""
    rest = cluster.rest()
    labels = {"pod-security.kubernetes.io/enforce": "restricted"}
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": RESTRICTED, "labels": labels}}
    if rest.call("GET", f"/api/v1/namespaces/{RESTRICTED}")[0] == 404:
        rest.ok("POST", "/api/v1/namespaces", namespace)
    docs = render(helm, "quick", RESTRICTED, QUICK_START)
    for account in of_kind(docs, "ServiceAccount"):  # the pods name them
        assert server_side_apply(rest, account, RESTRICTED)[0] in (200, 201)
    for doc in docs:
        if doc["kind"] not in ("Deployment", "StatefulSet", "Job"):
            continue
        name, spec = doc["metadata"]["name"], dict(doc["spec"]["template"]["spec"])
        claims = doc["spec"].get("volumeClaimTemplates", [])  # as the StatefulSet controller gives its pods
        volumes = [{"name": c["metadata"]["name"], "persistentVolumeClaim": {"claimName": f"{name}-0"}} for c in claims]
        spec["volumes"] = [*spec.get("volumes", []), *volumes]
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}
        status, body = rest.call("POST", f"/api/v1/namespaces/{RESTRICTED}/pods", pod, query=[("dryRun", "All")])
        assert status == 201, f"{name}: {status} {body}"


def test_the_operator_release_was_accepted_whole(release: Release) -> None:
    assert [(d["kind"], d["metadata"]["name"]) for d in release.applied] == [
        (d["kind"], d["metadata"]["name"]) for d in release.docs
    ]
    assert not of_kind(release.docs, "StatefulSet"), "their own PostgreSQL: no bundled one"


def test_the_cluster_role_grants_exactly_what_the_watcher_lists_and_watches(release: Release) -> None:
    role = named(release.docs, "ClusterRole", "-read")
    granted = {(group, resource) for rule in role["rules"] for group in rule.get("apiGroups", [])
               for resource in rule.get("resources", [])}
    for rule in role["rules"]:
        assert "*" not in str(rule), rule
        assert set(rule["verbs"]) <= {"list", "watch", "get"}, rule
    watched = {(gv.rpartition("/")[0], plural) for plural, gv, scope in CATALOG.values() if scope != "system"}
    assert watched <= granted
    assert granted - watched == {("metrics.k8s.io", "nodes"), ("metrics.k8s.io", "pods")}
    assert not {resource for _, resource in granted} & FORBIDDEN
    assert {("", "services"), ("discovery.k8s.io", "endpointslices"), ("", "persistentvolumeclaims"),
            ("", "persistentvolumes")} <= granted, "the objects that group pods: Services, endpoints, claims"
    nonresource = [rule for rule in role["rules"] if "nonResourceURLs" in rule]
    assert nonresource == [{"nonResourceURLs": ["/readyz", "/version"], "verbs": ["get"]}]


def test_leases_are_read_only_where_the_control_plane_and_the_nodes_keep_them(release: Release) -> None:
    roles = of_kind(release.docs, "Role")
    assert sorted(r["metadata"]["namespace"] for r in roles) == sorted(LEASE_NAMESPACES)
    for role in roles:
        (rule,) = role["rules"]
        assert rule == {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["list", "watch"]}


def test_only_the_watcher_pods_get_a_service_account_token(release: Release) -> None:
    for account in of_kind(release.docs, "ServiceAccount"):
        assert account["automountServiceAccountToken"] is False
    tokens = {name: spec.get("automountServiceAccountToken") for name, spec in pod_specs(release.docs).items()}
    assert tokens == {"cv-clusterviz-web": False, "cv-clusterviz-watcher": True, "cv-clusterviz-migrate-1": False}
    watcher = pod_specs(release.docs)["cv-clusterviz-watcher"]
    binding = named(release.docs, "ClusterRoleBinding", "-read")
    assert binding["subjects"][0]["name"] == watcher["serviceAccountName"]


@pytest.mark.parametrize("values", [{}, QUICK_START], ids=["operator", "quick-start"])
def test_every_container_runs_unprivileged_on_a_read_only_root(helm: str, release: Release, values: dict) -> None:
    docs = render(helm, "cv", "clusterviz", values or release.values)
    for name, spec in pod_specs(docs).items():
        pod = spec["securityContext"]
        assert pod["runAsNonRoot"] is True and pod["seccompProfile"] == {"type": "RuntimeDefault"}, name
        for container in containers(spec):
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True, (name, container["name"])
            assert context["allowPrivilegeEscalation"] is False and context["capabilities"]["drop"] == ["ALL"]
            assert container["resources"]["requests"] and container["resources"]["limits"]["memory"]


def test_the_secret_key_and_the_database_password_come_from_secrets(release: Release) -> None:
    for spec in pod_specs(release.docs).values():
        for container in containers(spec):
            env = {e["name"]: e for e in container["env"]}
            for secret in ("SECRET_KEY", "POSTGRES_PASSWORD"):
                assert "value" not in env[secret] and "secretKeyRef" in env[secret]["valueFrom"], secret


def test_the_probes_ask_real_endpoints(release: Release) -> None:
    web = pod_specs(release.docs)["cv-clusterviz-web"]["containers"][0]
    paths = {kind: web[kind]["httpGet"]["path"] for kind in ("startupProbe", "livenessProbe", "readinessProbe")}
    assert paths == {"startupProbe": "/livez", "livenessProbe": "/livez", "readinessProbe": "/readyz"}
    assert {resolve(path).url_name for path in paths.values()} == {"livez", "readyz"}


def test_the_watchers_elect_a_leader_and_the_web_pods_run_none(release: Release) -> None:
    specs = pod_specs(release.docs)
    assert release.replicas("-watcher") >= 2, "a standby takes over when the leader dies"
    for name in ("cv-clusterviz-web", "cv-clusterviz-watcher"):
        env = {e["name"]: e.get("value") for e in specs[name]["containers"][0]["env"]}
        assert env["CLUSTERVIZ_WATCHER"] == "external" and env["CLUSTERVIZ_IN_CLUSTER"] == "1", name
    watcher = specs["cv-clusterviz-watcher"]["containers"][0]
    assert watcher["command"][:3] == ["python", "manage.py", "watch_cluster"]
    assert watcher["livenessProbe"]["exec"]["command"][:2] == ["python", "-c"], "the watcher's loop is probed too"
