"""Which clusters are shown: configuration from the environment, and broken configurations made visible."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml
from django.test import AsyncClient

from dashboard import hub as hub_module
from dashboard.clusters import ConfigurationError, build_source, cluster_specs

FAKE = {"name": "demo", "seed": 0, "workers": 3, "pods_per_node": 0, "scenario": "quiet", "speed": 1.0}
pytestmark = pytest.mark.django_db(transaction=True)


def test_nothing_configured_means_the_fake_cluster() -> None:
    assert [(s.name, s.kind) for s in cluster_specs({}, FAKE)] == [("demo", "fake")]


def test_several_fake_names_make_a_fleet_of_fakes_each_seeded_further() -> None:
    specs = cluster_specs({}, {**FAKE, "name": "demo, staging"})
    assert [(s.name, s.kind, s.fake["name"], s.fake["seed"]) for s in specs] == [
        ("demo", "fake", "demo", 0),
        ("staging", "fake", "staging", 1),
    ]


def test_contexts_become_clusters_named_after_them_or_as_given() -> None:
    env = {"KUBECONFIG": "/k/config", "CLUSTERVIZ_CONTEXTS": "kind-dev, prod=arn:aws:eks:eu-west-1:1:cluster/prod"}
    specs = cluster_specs(env, FAKE)
    assert [(s.name, s.kind, s.context, s.kubeconfig) for s in specs] == [
        ("kind-dev", "kubeconfig", "kind-dev", "/k/config"),
        ("prod", "kubeconfig", "arn:aws:eks:eu-west-1:1:cluster/prod", "/k/config"),
    ]


def test_the_fake_cluster_can_join_real_ones_and_in_cluster_is_named() -> None:
    env = {"CLUSTERVIZ_IN_CLUSTER": "1", "CLUSTERVIZ_FAKE_ENABLED": "1"}
    assert [(s.name, s.kind) for s in cluster_specs(env, FAKE)] == [("in-cluster", "in-cluster"), ("demo", "fake")]


def test_duplicate_names_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="share a name: a"):
        cluster_specs({"CLUSTERVIZ_CONTEXTS": "a=x,a=y"}, FAKE)


def test_a_missing_kubeconfig_is_an_error_source_not_a_crash(tmp_path: Path) -> None:
    env = {"CLUSTERVIZ_KUBECONFIG": str(tmp_path / "nope"), "CLUSTERVIZ_CLUSTER_NAME": "prod"}
    source = build_source(cluster_specs(env, FAKE)[0])
    status = source.status()
    assert status["state"] == "error"
    assert "does not exist" in status["reason"]


async def test_a_broken_cluster_shows_its_error_and_the_others_still_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kubeconfig = tmp_path / "config"
    kubeconfig.write_text("this: [is not: a kubeconfig")
    env = {
        "CLUSTERVIZ_KUBECONFIG": str(kubeconfig),
        "CLUSTERVIZ_CLUSTER_NAME": "broken",
        "CLUSTERVIZ_FAKE_ENABLED": "1",
    }
    hub = hub_module.Hub(cluster_specs(env, FAKE))
    for module in ("dashboard.hub", "dashboard.views", "dashboard.consumers"):
        monkeypatch.setattr(f"{module}.hub", hub)
    client = AsyncClient()
    try:
        broken = orjson.loads((await client.get("/api/v1/clusters/broken/state")).content)
        assert broken["source"]["state"] == "error"
        assert "kubeconfig" in broken["source"]["reason"]
        assert broken["nodes"] == []
        demo = orjson.loads((await client.get("/api/v1/clusters/demo/state")).content)
        assert demo["source"]["state"] == "live"
        assert len(demo["nodes"]) == 4
        assert (await client.get("/clusters/broken/")).status_code == 200
    finally:
        await hub.stop()


def _kubeconfig_at(path: Path, server: str) -> Path:
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": {"server": server}}],
        "users": [{"name": "u", "user": {"token": "t"}}],
        "contexts": [{"name": "hole-ctx", "context": {"cluster": "c", "user": "u"}}],
        "current-context": "hole-ctx",
    }
    path.write_text(yaml.safe_dump(doc))
    return path


async def test_the_first_page_answers_at_once_while_the_api_server_never_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clusterviz.kube import KubeSource, load_cluster

    with socket.create_server(("127.0.0.1", 0), backlog=64) as hole:  # accepts, never answers
        server = f"https://127.0.0.1:{hole.getsockname()[1]}"
        path = _kubeconfig_at(tmp_path / "kc", server)
        env = {"CLUSTERVIZ_CONTEXTS": "hole=hole-ctx", "CLUSTERVIZ_KUBECONFIG": str(path)}
        hub = hub_module.Hub(cluster_specs(env, FAKE))

        def patient(spec: Any) -> KubeSource:  # would wait an hour for its first lists, if anyone waited for it
            return KubeSource(spec.name, load_cluster(str(path), spec.context), start_timeout=3600, context="hole-ctx")

        monkeypatch.setattr("dashboard.hub.build_source", patient)
        for module in ("dashboard.hub", "dashboard.views", "dashboard.consumers"):
            monkeypatch.setattr(f"{module}.hub", hub)
        client = AsyncClient()
        try:
            # a guard, not a measurement: before the fix the page waited for the first list, here an hour
            page = await asyncio.wait_for(client.get("/clusters/hole/"), 120)
            assert page.status_code == 200
            state = orjson.loads((await asyncio.wait_for(client.get("/api/v1/clusters/hole/state"), 120)).content)
        finally:
            await hub.stop()
    source = state["source"]
    assert source["state"] == "connecting", "never live: not connected yet, not stale"
    assert source["reason"] == "waiting for the first answer" or "timed out" in source["reason"], source
    assert (source["server"], source["context"]) == (server, "hole-ctx")
    assert state["nodes"] == [] and state["pods"] == []
    assert all("managed" not in text for p in state["controlPlane"] for text in p["evidence"])
