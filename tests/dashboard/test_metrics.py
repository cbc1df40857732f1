"""Watcher health for machines: the JSON health endpoint and Prometheus text."""

from __future__ import annotations

import pytest
from django.test import AsyncClient

from dashboard.hub import Hub

pytestmark = pytest.mark.django_db(transaction=True)


async def test_the_health_endpoint_reports_the_source_and_the_model(running_hub: Hub) -> None:
    client = AsyncClient()
    health = (await client.get("/api/v1/clusters/demo/health")).json()
    assert health["cluster"] == "demo"
    assert health["source"]["state"] == "live"
    assert health["source"]["kind"] == "fake"
    assert health["nodes"] == 4
    assert health["pods"] > 10
    assert health["watch"] is None, "the fake cluster has no watches to count"
    assert (await client.get("/api/v1/clusters/nope/health")).status_code == 404


async def test_prometheus_text_lists_every_started_cluster(running_hub: Hub) -> None:
    client = AsyncClient()
    assert (await client.get("/metrics")).content.decode().strip() == "", "no watcher runs before anyone asks"
    await client.get("/api/v1/clusters/demo/state")
    response = await client.get("/metrics")
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    lines = response.content.decode().splitlines()
    assert 'clusterviz_source_state{cluster="demo",state="live"} 1' in lines
    assert 'clusterviz_source_state{cluster="demo",state="error"} 0' in lines
    assert 'clusterviz_nodes{cluster="demo"} 4' in lines
    assert "# TYPE clusterviz_deltas_total counter" in lines


def test_watch_counters_become_labelled_counters() -> None:
    from dashboard.metrics import prometheus_text

    health = {
        "cluster": 'prod"x',
        "source": {"state": "stale", "lastEventAt": 1767225600.5},
        "nodes": 3,
        "pods": 9,
        "revision": 12,
        "seq": 4,
        "watch": {"reflectors": {"Pod": {"events": 41, "relists": 2, "errors": 1, "watchRestarts": 3}}},
    }
    lines = prometheus_text([health]).splitlines()
    assert 'clusterviz_source_state{cluster="prod\\"x",state="stale"} 1' in lines
    assert 'clusterviz_watch_relists_total{cluster="prod\\"x",resource="Pod"} 2' in lines
    assert 'clusterviz_watch_events_total{cluster="prod\\"x",resource="Pod"} 41' in lines
    assert 'clusterviz_last_event_timestamp_seconds{cluster="prod\\"x"} 1767225600.5' in lines
