"""The install tier: the real image and the real chart, against the real control plane, Redis and PostgreSQL.

helm is built from the Go module proxy (deploy/chart/build-helm.sh) and the image by deploy/image/build.sh, both
cached in ~/.cache/clusterviz. The chart is rendered with the values an operator with their own PostgreSQL and
Redis would pass, applied with server-side apply, and its migrations Job, watcher and web pods are run with
podman exactly as the applied objects describe them (tests/install/kubelet.py). Outside CI a missing podman,
helm or control plane skips the tier; under CI=true it fails.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import browser, free_port  # noqa: F401  (the session's Chromium)
from tests.cluster.conftest import cluster, testcluster_bin  # noqa: F401  (the session's control plane)
from tests.cluster.support import LocalCluster, Rest
from tests.conftest import require
from tests.install.chart import ensure_namespace, named, render, server_side_apply
from tests.install.kubelet import Kubelet, Pod, alive, logs, podman, wait_until
from tests.multiprocess.conftest import REDIS, Redis
from tests.postgres.conftest import Postgres, _create_database, postgres  # noqa: F401  (a real PostgreSQL)

ROOT = Path(__file__).resolve().parents[2]
NAMESPACE = "clusterviz"
RELEASE = "cv"
SUPERUSER = ("wall-admin", "a-long-password-for-the-install-test")
LEADERSHIP = re.compile(r"watch_cluster: cluster test-cluster: (leading|lost leadership)")


def _build(script: str, what: str, timeout: float) -> str:
    try:
        result = subprocess.run([str(ROOT / script)], capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        require(False, f"{what} ({error})")
        raise
    require(result.returncode == 0, f"{what} from {script}:\n{result.stderr[-2000:]}")
    return result.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="session")
def helm() -> str:
    require(shutil.which("go") is not None or Path("/usr/local/go/bin/go").exists(), "Go, to build helm")
    return _build("deploy/chart/build-helm.sh", "helm", 1800)


@pytest.fixture(scope="session")
def image() -> str:
    require(shutil.which("podman") is not None, "podman (apt-get install podman debootstrap runc)")
    require(shutil.which("debootstrap") is not None, "debootstrap (apt-get install debootstrap)")
    return _build("deploy/image/build.sh", "the clusterviz image", 1800)


def operator_values(image: str, postgres: Postgres, redis: Redis, web_port: int) -> dict[str, Any]:  # noqa: F811
    """What an operator with their own PostgreSQL and Redis passes; plain http on loopback, so no TLS redirect."""
    repository, _, tag = image.rpartition(":")
    return {
        "image": {"repository": repository, "tag": tag, "pullPolicy": "Never"},
        "clusterName": "test-cluster",
        "hosts": ["127.0.0.1", "localhost"],
        "csrfTrustedOrigins": [f"http://127.0.0.1:{web_port}"],
        "sslRedirect": False,
        "web": {"port": web_port},
        "postgresql": {"enabled": False},
        "externalDatabase": {
            "host": postgres.host,
            "port": postgres.port,
            "database": "clusterviz_install",
            "username": postgres.user,
            "password": "the-test-server-trusts-loopback",
        },
        "redis": {"enabled": False},
        "externalRedis": {"url": redis.url},
    }


@pytest.fixture(scope="session")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Redis]:
    """A real redis-server for the whole tier (the multiprocess tier's, at session scope)."""
    require(Path(REDIS).exists(), "redis-server (apt-get install redis-server)")
    server = Redis(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.kill()


@dataclass
class Release:
    docs: list[dict[str, Any]]  # as rendered
    applied: list[dict[str, Any]]  # as the API server returned them
    rest: Rest
    values: dict[str, Any]

    def pod(self, kind: str, suffix: str) -> Pod:
        obj = named(self.applied, kind, suffix)
        return Pod(NAMESPACE, obj["spec"]["template"]["spec"], self.rest)

    def replicas(self, suffix: str) -> int:
        return int(named(self.applied, "Deployment", suffix)["spec"]["replicas"])


@pytest.fixture(scope="session")
def release(
    helm: str, image: str, cluster: LocalCluster, postgres: Postgres, redis: Redis  # noqa: F811
) -> Release:
    _create_database(postgres, "clusterviz_install")
    values = operator_values(image, postgres, redis, free_port())
    docs = render(helm, RELEASE, NAMESPACE, values)
    rest = cluster.rest()
    ensure_namespace(rest, NAMESPACE)
    applied = []
    for doc in docs:
        status, body = server_side_apply(rest, doc, NAMESPACE)
        assert status in (200, 201), f"{doc['kind']}/{doc['metadata']['name']} refused: {status} {body}"
        applied.append(body)
    return Release(docs, applied, rest, values)


@dataclass
class Running:
    """The release's containers under podman: the migrations ran, every watcher replica, one web replica."""

    kubelet: Kubelet
    release: Release
    url: str
    watchers: list[str]
    web: str

    def leader(self) -> str | None:
        """The live watcher whose last word on the cluster is that it leads."""
        for name in self.watchers:
            said = LEADERSHIP.findall(logs(name))
            if said and said[-1] == "leading" and alive(name):
                return name
        return None

    def leader_or_failure(self) -> str | None:
        """The leader; an AssertionError with its output when a container has exited (no point waiting)."""
        for name in [*self.watchers, self.web]:
            assert alive(name), f"{name} exited:\n{logs(name)[-3000:]}"
        return self.leader()

    def probe(self, kind: str) -> int:
        """The web container's probe of this kind, as its applied object describes it."""
        container = self.release.pod("Deployment", "-web").container("web")
        http = container[kind]["httpGet"]
        headers = {h["name"]: h["value"] for h in http.get("httpHeaders", [])}
        port = {p["name"]: p["containerPort"] for p in container["ports"]}.get(http["port"], http["port"])
        request = urllib.request.Request(f"http://127.0.0.1:{port}{http['path']}", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)
        except OSError:
            return 0

    def restart_web(self) -> None:
        podman("stop", "--time", "10", self.web)
        self.kubelet.start(self.release.pod("Deployment", "-web"), self._web_container(), self.web)
        wait_until(lambda: self.probe("readinessProbe") == 200, 60, "the restarted web container to be ready")

    def _web_container(self) -> dict[str, Any]:
        return self.release.pod("Deployment", "-web").container("web")


@pytest.fixture(scope="session")
def running(release: Release, cluster: LocalCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:  # noqa: F811
    kubelet = Kubelet(cluster, release.rest, tmp_path_factory.mktemp("kubelet"))
    try:
        migrate = release.pod("Job", f"-migrate-{1}")
        kubelet.run_to_completion(migrate, migrate.container("migrate"), "cv-migrate")
        watchers = [kubelet.start_pod(release.pod("Deployment", "-watcher"), f"cv-watcher-{i}")
                    for i in range(release.replicas("-watcher"))]
        web = kubelet.start_pod(release.pod("Deployment", "-web"), "cv-web-0")
        port = release.values["web"]["port"]
        running = Running(kubelet, release, f"http://127.0.0.1:{port}", watchers, web)
        wait_until(running.leader_or_failure, 60, "a leading watcher")
        wait_until(lambda: running.probe("readinessProbe") == 200, 90, "the web container to be ready")
        yield running
    finally:
        for name in kubelet.started:
            print(f"---- podman logs {name}\n{logs(name)[-3000:]}")
        kubelet.stop_all()
