"""The installed dashboard, for real: the image's containers as the chart describes them, the test control
plane, Redis and PostgreSQL, and a team using it through headless Chromium."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clusterviz.kube import load_cluster
from clusterviz.kube.reflector import CATALOG, LEASE_NAMESPACES
from tests.browser.conftest import ARTIFACTS
from tests.cluster.support import LocalCluster, Rest, bound_pod
from tests.install.conftest import NAMESPACE, SUPERUSER, Running
from tests.install.kubelet import TOKEN_DIR, Pod, podman, wait_until

pytestmark = pytest.mark.browser
CLUSTER = "test-cluster"
LIVE_NAMESPACE = "install-live"


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status), dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return int(error.code), dict(error.headers), error.read()


def manage(running: Running, *args: str, env: dict[str, str] | None = None) -> str:
    flags = [f"--env={k}={v}" for k, v in (env or {}).items()]
    return podman("exec", *flags, running.web, "python", "manage.py", *args).stdout


@pytest.fixture(scope="module")
def superuser(running: Running) -> tuple[str, str]:
    name, password = SUPERUSER
    env = {"DJANGO_SUPERUSER_PASSWORD": password}
    manage(running, "createsuperuser", "--no-input", "--username", name, "--email", "wall@example.org", env=env)
    return SUPERUSER


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    context.failed = []  # type: ignore[attr-defined]
    watched = ("/static/", "/api/", "/jsi18n/", "/clusters/", "/wall/")  # not the favicon Chromium asks for
    failed = lambda r: r.status >= 400 and any(p in r.url for p in watched)  # noqa: E731
    context.on("response", lambda r: failed(r) and context.failed.append(f"{r.status} {r.url}"))
    yield context
    context.close()


def log_in(context: Any, running: Running, user: tuple[str, str]) -> Any:
    page = context.new_page()
    page.goto(f"{running.url}/accounts/login/?next=/clusters/{CLUSTER}/")
    page.fill("input[name=username]", user[0])
    page.fill("input[name=password]", user[1])
    page.click("form.cv-access-form button[type=submit]")
    page.wait_for_selector("body[data-rendered='1']", timeout=30_000)
    page.wait_for_function("window.clusterviz.indicator() === 'live'", timeout=30_000)
    return page


def browser_pods(page: Any) -> set[str]:
    return set(page.evaluate("[...window.clusterviz.state.pods.values()].map(p => p.namespace + '/' + p.name)"))


def ensure_namespace(rest: Rest, name: str) -> None:
    """The namespace, once pods can be made in it (its ServiceAccount ``default``, the controller-manager's)."""
    if rest.call("GET", f"/api/v1/namespaces/{name}")[0] == 404:
        rest.ok("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    account = f"/api/v1/namespaces/{name}/serviceaccounts/default"
    wait_until(lambda: rest.call("GET", account)[0] == 200, 30, f"serviceaccount {name}/default")


def create_pod(cluster: LocalCluster, name: str) -> str:
    rest = cluster.rest()
    ensure_namespace(rest, LIVE_NAMESPACE)
    node = rest.ok("GET", "/api/v1/nodes")["items"][0]["metadata"]["name"]
    rest.ok("POST", f"/api/v1/namespaces/{LIVE_NAMESPACE}/pods", bound_pod(name, node))
    return f"{LIVE_NAMESPACE}/{name}"


def test_the_kubelet_probes_answer_and_say_nothing_about_the_cluster(running: Running) -> None:
    assert running.probe("livenessProbe") == 200
    assert running.probe("readinessProbe") == 200
    status, _, body = get(f"{running.url}/readyz")
    assert status == 200 and body.decode() == "database: ok\nwatchers: ok\n"


def test_the_watchers_liveness_probe_passes_as_the_kubelet_runs_it(running: Running) -> None:
    container = running.release.pod("Deployment", "-watcher").container("watcher")
    for kind in ("startupProbe", "livenessProbe"):
        for name in running.watchers:
            result = podman("exec", name, *container[kind]["exec"]["command"], check=False)
            assert result.returncode == 0, f"{kind} of {name}: {result.returncode} {result.stderr}"


def test_static_files_are_served_with_debug_off(running: Running) -> None:
    status, _, page = get(f"{running.url}/accounts/login/")
    assert status == 200
    assets = set(re.findall(r'(?:src|href)="(/static/[^"]+)"', page.decode()))
    assert assets, "the login page links its static files"
    npm = ("/static/uplot/uPlot.iife.min.js", "/static/uplot/uPlot.min.css")  # the history charts, from npm ci
    for path in ("/static/clusterviz/map.js", "/static/clusterviz/map.css", *npm, *assets):
        status, headers, body = get(f"{running.url}{path}")
        assert status == 200 and body, path
        assert "max-age" in headers.get("Cache-Control", ""), (path, headers)


def test_a_user_logs_in_and_sees_the_test_cluster_live(
    running: Running, superuser: tuple[str, str], context: Any, cluster: LocalCluster
) -> None:
    page = log_in(context, running, superuser)
    nodes = {n["metadata"]["name"] for n in cluster.rest().ok("GET", "/api/v1/nodes")["items"]}
    assert set(page.evaluate("[...window.clusterviz.state.nodes.keys()]")) == nodes
    created = create_pod(cluster, "appears-live")
    wait_until(lambda: created in browser_pods(page), 30, "the new pod on the map, through the websocket")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "install-map.png"))
    assert not context.failed, context.failed


def display_token(running: Running) -> tuple[str, str]:
    """A display token made on the web container as an administrator would: its secret and its wall link."""
    out = manage(running, "display_token", "create", "install-wall", "--cluster", CLUSTER)
    (secret,) = re.findall(r"secret \(shown once\): (\S+)", out)
    (link,) = re.findall(r"wall link: (\S+)", out)
    return secret, link


def open_wall(context: Any, running: Running, link: str) -> Any:
    page = context.new_page()
    page.goto(f"{running.url}{link}")
    page.wait_for_url(f"**/wall/{CLUSTER}/**", timeout=30_000)
    page.wait_for_selector("body[data-rendered='1']", timeout=30_000)
    page.wait_for_function("window.clusterviz.freshness() === 'live'", timeout=30_000)
    assert "token" not in page.url, "the secret leaves the address at once"
    return page


def test_a_wall_opens_with_a_display_token(running: Running, context: Any) -> None:
    open_wall(context, running, display_token(running)[1])
    assert not context.failed, context.failed


def test_killing_the_leading_watcher_hands_over_to_the_standby(
    running: Running, superuser: tuple[str, str], context: Any, cluster: LocalCluster
) -> None:
    page = log_in(context, running, superuser)
    leader = running.leader()
    assert leader is not None
    podman("kill", leader)
    successor = wait_until(lambda: running.leader() not in (None, leader) and running.leader(), 60, "a new leader")
    created = create_pod(cluster, "after-handover")
    wait_until(lambda: created in browser_pods(page), 60, "a pod created after the handover, on the same page")
    assert successor != leader
    running.kubelet.start_pod(running.release.pod("Deployment", "-watcher"), leader)  # the Deployment replaces it


def history_range(running: Running, secret: str) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{running.url}/api/v1/clusters/{CLUSTER}/history/range", headers={"Authorization": f"Bearer {secret}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        data: dict[str, Any] = json.loads(response.read())
        return data


def test_restarting_the_web_container_loses_no_user_token_or_history(
    running: Running, superuser: tuple[str, str], context: Any
) -> None:
    secret, link = display_token(running)
    before = wait_until(lambda: history_range(running, secret)["from"], 60, "the leader's first checkpoint")
    running.restart_web()
    log_in(context, running, superuser)
    open_wall(context, running, link)
    assert history_range(running, secret)["from"] == before, "history starts where it started"
    assert not context.failed, context.failed


# --- RBAC for real: the watcher's own token, from TokenRequest -----------------------------------------------


def token_rest(cluster: LocalCluster, running: Running, tmp_path: Path, account: str) -> Rest:
    pod = Pod(NAMESPACE, {"serviceAccountName": account}, running.release.rest)
    token = (running.kubelet.token_dir(pod, f"rbac-{account}") / "token").read_text()
    kubeconfig = cluster.kubeconfig_variant(tmp_path / f"{account}.kubeconfig", user={"token": token})
    return Rest(load_cluster(str(kubeconfig)))


def watcher_account(running: Running) -> str:
    return str(running.release.pod("Deployment", "-watcher").spec["serviceAccountName"])


def read_paths() -> list[str]:
    """Every list the watcher makes (clusterviz/kube/reflector.py's CATALOG), and its health reads."""
    paths = []
    for plural, group_version, scope in CATALOG.values():
        base = "/api/v1" if group_version == "v1" else f"/apis/{group_version}"
        namespaces = LEASE_NAMESPACES if scope == "system" else [None]
        paths += [f"{base}/namespaces/{ns}/{plural}" if ns else f"{base}/{plural}" for ns in namespaces]
    return [*paths, "/readyz", "/version"]


def test_the_watcher_token_may_list_and_watch_everything_the_watcher_reads(
    cluster: LocalCluster, running: Running, tmp_path: Path
) -> None:
    rest = token_rest(cluster, running, tmp_path, watcher_account(running))
    for path in read_paths():
        status, body = rest.call("GET", path)
        assert status == 200, f"GET {path}: {status} {body}"
        if path.startswith("/api"):
            status, body = rest.call("GET", path, query=[("watch", "1"), ("timeoutSeconds", "1")])
            assert status == 200, f"watch {path}: {status} {body}"


def test_the_watcher_token_may_read_metrics_server_usage(
    cluster: LocalCluster, running: Running, tmp_path: Path
) -> None:
    """The test cluster serves no metrics API: allowed means "not found", never "forbidden"."""
    rest = token_rest(cluster, running, tmp_path, watcher_account(running))
    for path in ("/apis/metrics.k8s.io/v1beta1/nodes", "/apis/metrics.k8s.io/v1beta1/pods"):
        status, body = rest.call("GET", path)
        assert status in (200, 404), f"GET {path}: {status} {body}"


def test_only_the_watcher_containers_hold_a_service_account_token(running: Running) -> None:
    result = podman("exec", running.web, "ls", TOKEN_DIR, check=False)
    assert result.returncode != 0 and "No such file or directory" in result.stderr
    assert podman("exec", running.watchers[0], "ls", TOKEN_DIR).stdout.split() == ["ca.crt", "namespace", "token"]


def test_the_watcher_token_is_refused_secrets_configmaps_logs_exec_and_writes(
    cluster: LocalCluster, running: Running, tmp_path: Path
) -> None:
    pod = create_pod(cluster, "rbac-target").split("/")[1]
    rest = token_rest(cluster, running, tmp_path, watcher_account(running))
    refused = [
        ("GET", "/api/v1/secrets"),
        ("GET", f"/api/v1/namespaces/{NAMESPACE}/secrets"),
        ("GET", "/api/v1/configmaps"),
        ("GET", "/api/v1/namespaces/kube-system/configmaps"),
        ("GET", f"/api/v1/namespaces/{LIVE_NAMESPACE}/pods/{pod}/log"),
        ("POST", f"/api/v1/namespaces/{LIVE_NAMESPACE}/pods/{pod}/exec"),
        ("GET", f"/api/v1/namespaces/{LIVE_NAMESPACE}/pods/{pod}"),
        ("DELETE", f"/api/v1/namespaces/{LIVE_NAMESPACE}/pods/{pod}"),
    ]
    for method, path in refused:
        status, body = rest.call(method, path)
        assert status == 403, f"{method} {path}: {status} {body}"
    status, body = rest.call("GET", "/apis/coordination.k8s.io/v1/namespaces/default/leases")
    assert status == 403, body
