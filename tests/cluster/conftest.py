"""The cluster tier: a real etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok.

One control plane serves the whole session (tests that break theirs start their own). The binaries are
built by deploy/testcluster/build.sh, which is cached and returns at once when they exist; a machine that
cannot build them skips this tier, except under CI=true where that fails.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from clusterviz.kube import KubeSource
from tests.cluster.support import LocalCluster, run_script, start_cluster, stop_cluster
from tests.conftest import require


@pytest.fixture(scope="session")
def testcluster_bin() -> str:
    """The directory of the control-plane binaries (built now if needed: minutes on a fresh machine)."""
    try:
        out = run_script("build.sh", timeout=3600)
    except (AssertionError, OSError, subprocess.TimeoutExpired) as error:
        require(False, f"control-plane binaries from deploy/testcluster/build.sh ({str(error)[-500:]})")
        raise
    return out.strip().splitlines()[-1]


@pytest.fixture(scope="session")
def cluster(testcluster_bin: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    """A running control plane with two kwok nodes, shared by the session; do not break it."""
    workdir = tmp_path_factory.mktemp("cluster")
    started = start_cluster(workdir, testcluster_bin, nodes=2)
    try:
        yield started
    finally:
        stop_cluster(workdir)


@pytest.fixture
def own_cluster(testcluster_bin: str, tmp_path: Path) -> Iterator[Callable[..., LocalCluster]]:
    """Start a control plane for this test alone (``own_cluster(nodes=1, APISERVER_EXTRA_ARGS=...)``)."""
    workdirs: list[Path] = []

    def start(nodes: int = 1, **env: str) -> LocalCluster:
        workdir = tmp_path / f"cluster{len(workdirs)}"
        workdirs.append(workdir)
        return start_cluster(workdir, testcluster_bin, nodes=nodes, env=env)

    try:
        yield start
    finally:
        for workdir in workdirs:
            stop_cluster(workdir)


@pytest.fixture
def sources() -> Iterator[Callable[..., KubeSource]]:
    """Make KubeSources that are stopped when the test ends, whatever happens."""
    made: list[KubeSource] = []

    def make(*args: Any, **kwargs: Any) -> KubeSource:
        source = KubeSource(*args, **kwargs)
        made.append(source)
        return source

    try:
        yield make
    finally:
        for source in made:
            source.stop()
