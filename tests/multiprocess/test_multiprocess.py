"""Web processes and watchers as separate processes over Redis and PostgreSQL (issue #6).

Each test starts from two web processes, two watchers (one leading) and a client on each web process; tests
kill what they are about and the next test's ``stack.ensure()`` replaces it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from tests.multiprocess.client import Client, fetch_json, post_control, same
from tests.multiprocess.conftest import Stack, wait_until

CLUSTER = "demo"


@pytest.fixture
def clients(stack: Stack) -> Iterator[list[Client]]:
    stack.ensure()
    started = [Client(url, CLUSTER) for _, url in stack.webs]
    for client in started:
        client.start()
    wait_until(lambda: all(c.state is not None for c in started), 30, "both clients' first state")
    yield started
    for client in started:
        client.stop()


def server_state(stack: Stack) -> dict[str, Any] | None:
    for proc, url in stack.webs:
        if proc.alive:
            try:
                return dict(fetch_json(f"{url}/api/v1/clusters/{CLUSTER}/state", timeout=5))
            except OSError:
                continue
    return None


def in_sync(stack: Stack, clients: list[Client]) -> bool:
    """Every client's model equals the watcher's state (same seq, revision, nodes, pods, control plane)."""
    state = server_state(stack)
    return all(same(c.snapshot(), state) for c in clients)


def users_replicas(state: dict[str, Any] | None) -> int:
    pods = (state or {}).get("pods", [])
    return sum(1 for p in pods if p["name"].startswith("users-deployment-") and p["status"] != "Terminating")


def scale(stack: Stack, url: str, replicas: int) -> None:
    assert post_control(url, CLUSTER, "scale", replicas=str(replicas)) == 202


def test_both_web_processes_see_the_same_deltas(stack: Stack, clients: list[Client]) -> None:
    first = max(c.snapshot()["seq"] for c in clients)  # type: ignore[index]
    for replicas, via in ((4, 0), (6, 1), (3, 0)):  # a control POSTed to either web process reaches the watcher
        scale(stack, stack.webs[via][1], replicas)
        wait_until(lambda n=replicas: all(users_replicas(c.snapshot()) == n for c in clients), 20, f"{replicas} pods")
    wait_until(lambda: in_sync(stack, clients), 20, "both clients equal to the watcher's state")
    a, b = ({s: d for s, d in c.deltas.items() if s > first} for c in clients)
    common = sorted(set(a) & set(b))
    assert len(common) >= 3, "too few deltas reached both web processes"
    assert all(a[s] == b[s] for s in common), "the two web processes delivered different deltas"
    assert sorted(a) == sorted(b) == list(range(min(a), max(a) + 1)), "a delta was missing on one side"
    print(f"\n{len(common)} deltas, identical on both web processes")


def test_panels_and_health_come_from_the_watcher(stack: Stack, clients: list[Client]) -> None:
    import urllib.request

    url = stack.webs[1][1]
    state = server_state(stack)
    assert state is not None
    node, pod = state["nodes"][-1]["name"], state["pods"][0]
    for path in (
        f"/clusters/{CLUSTER}/",
        f"/clusters/{CLUSTER}/nodes/{node}/panel",
        f"/clusters/{CLUSTER}/pods/{pod['namespace']}/{pod['name']}/panel",
        f"/clusters/{CLUSTER}/processes/kube-apiserver/panel",
        f"/clusters/{CLUSTER}/processes/kubelet/panel?node={node}",
        f"/api/v1/clusters/{CLUSTER}/health",
        "/metrics",
    ):
        with urllib.request.urlopen(url + path, timeout=10) as response:
            body = response.read().decode()
            assert response.status == 200, path
    assert "clusterviz_pods" in body
    assert pod["name"] in urllib.request.urlopen(
        f"{url}/clusters/{CLUSTER}/pods/{pod['namespace']}/{pod['name']}/panel", timeout=10
    ).read().decode()


def test_killing_a_web_process_leaves_the_other_s_clients_alone(stack: Stack, clients: list[Client]) -> None:
    (victim, _), (_, survivor_url) = stack.webs
    survivor = clients[1]
    reconnects, seq = survivor.reconnects, survivor.snapshot()["seq"]  # type: ignore[index]
    victim.kill()
    scale(stack, survivor_url, 1)
    wait_until(lambda: users_replicas(survivor.snapshot()) == 1, 20, "the surviving client to see the change")
    wait_until(lambda: in_sync(stack, [survivor]), 20, "the surviving client equal to the watcher's state")
    assert survivor.snapshot()["seq"] > seq  # type: ignore[index]
    assert survivor.reconnects == reconnects and survivor.resyncs == 0, "the surviving client was disturbed"


def test_killing_the_active_watcher_hands_over_within_seconds(stack: Stack, clients: list[Client]) -> None:
    old = stack.leader()
    assert old is not None
    old_seq = clients[0].snapshot()["seq"]  # type: ignore[index]
    killed = time.monotonic()
    old.kill()
    new = wait_until(stack.leader, 15, "the standby to lead")
    leading = time.monotonic() - killed
    assert new is not old
    wait_until(lambda: all(c.snapshot()["seq"] > old_seq for c in clients), 15, "clients on the new watcher")  # type: ignore[index]
    wait_until(lambda: in_sync(stack, clients), 15, "clients equal to the new watcher's state")
    synced = time.monotonic() - killed
    print(f"\nhandover: standby leading after {leading:.1f} s, both clients in sync after {synced:.1f} s")
    assert synced <= 15
    # the new leader works: a change made now reaches both clients through it
    scale(stack, stack.webs[0][1], 5)
    wait_until(lambda: all(users_replicas(c.snapshot()) == 5 for c in clients), 20, "the change via the new leader")
    wait_until(lambda: in_sync(stack, clients), 20, "clients equal to the watcher's state")


def test_restarting_redis_makes_clients_resync_and_nothing_is_lost(stack: Stack, clients: list[Client]) -> None:
    states = [c.states + c.resyncs for c in clients]
    killed = time.monotonic()
    stack.redis.kill()
    time.sleep(2)
    stack.redis.start()
    # Group memberships died with Redis: consumers notice the silence and close, clients reconnect and resync.
    wait_until(lambda: all(c.states + c.resyncs > n for c, n in zip(clients, states, strict=True)), 30,
               "clients to load the state again")
    wait_until(lambda: in_sync(stack, clients), 20, "clients equal to the watcher's state")
    print(f"\nredis restart: clients resynced after {time.monotonic() - killed:.1f} s (Redis down 2 s)")
    wait_until(lambda: _post_ok(stack, 2), 20, "controls through Redis again")
    wait_until(lambda: all(users_replicas(c.snapshot()) == 2 for c in clients), 20, "the change after the restart")
    wait_until(lambda: in_sync(stack, clients), 20, "clients equal to the watcher's state")


def _post_ok(stack: Stack, replicas: int) -> bool:
    try:
        scale(stack, stack.webs[0][1], replicas)
    except OSError:
        return False
    return True


def test_history_is_recorded_by_the_leading_watcher(stack: Stack) -> None:
    """The recorder runs in the watcher: checkpoints in PostgreSQL, a new segment for each leader."""
    url = stack.env["DATABASE_URL"]
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT count(*), count(DISTINCT seq) FROM dashboard_checkpoint").fetchone()
    assert rows is not None and rows[0] >= 1
