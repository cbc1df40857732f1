"""The node, pod and process panels: what they say, from a live store and from a replayed state, through the
one code path (dashboard.panels) both feed."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pytest
from django.test import RequestFactory

from clusterviz.clock import ManualClock
from clusterviz.fake import FakeCluster
from clusterviz.store import ClusterStore
from dashboard import panels
from dashboard.history.replay import answer
from dashboard.remote import QUERIES

pytestmark = pytest.mark.django_db


class Live:
    """A fake cluster and its store, moved by hand: what a runtime does, without its thread."""

    def __init__(self) -> None:
        self.cluster = FakeCluster(seed=7, clock=ManualClock(start=1_700_000_000.0), workers=2, scenario="quiet")
        self.store = ClusterStore(
            "demo", {"kind": "fake", "state": "live", "reason": "", "lastEventAt": None, "resourceVersion": ""}
        )
        objects, _ = self.cluster.list_all()
        self.store.load(objects, self.cluster.clock.now())

    def run(self, events: list[Any], seconds: float = 0.0) -> None:
        for event in events + self.cluster.advance(seconds):
            self.store.apply(event, self.cluster.clock.now())
        self.store.now = self.cluster.clock.now()

    def source(self) -> panels.Source:
        async def fetch(kind: str, args: Mapping[str, Any]) -> dict[str, Any] | None:
            return QUERIES[kind](self.store, dict(args))  # type: ignore[no-any-return]

        return panels.Source("demo", fetch, "/clusters/demo/")


async def panel(source: panels.Source, kind: str, **args: Any) -> tuple[int, str]:
    response = await panels.render_panel(RequestFactory().get("/panel"), source, kind, args)
    return response.status_code, response.content.decode()


async def test_a_crash_looping_pods_panel_says_why_with_kubectls_restart_age() -> None:
    live = Live()
    name = live.cluster.pods_of("default", "users-deployment-")[0]
    live.run(live.cluster.crash_loop("default", name), 90)
    pod = live.store.pod("default", name)
    assert pod is not None and pod["restarts"] >= 2
    status, html = await panel(live.source(), "pod", namespace="default", name=name)
    assert status == 200
    assert re.search(rf'data-restarts="{pod["restarts"]}">{pod["restarts"]} \((\d+m)?\d+s ago\)<', html), "3 (2m ago)"
    assert 'data-condition="ContainersReady"' in html and "containers with unready status: [" in html
    assert 'data-event-reason="BackOff"' in html and "Back-off restarting failed container" in html
    assert "terminated</" not in html or "exit code 1" in html
    assert re.search(r"data-last-state>terminated: <span class=\"mono\">Error</span> \(exit code 1\)", html)
    assert f'data-follow="pod:{pod["uid"]}"' in html and 'data-url="/clusters/demo/pods/default/' in html
    assert re.search(r"as of \d\d:\d\d:\d\d UTC", html)


async def test_a_pod_on_a_node_whose_kubelet_stopped_is_shown_as_last_reported_live_and_in_replay() -> None:
    live = Live()
    worker = live.cluster.workers()[0]
    name = next(p["name"] for p in live.store.pods_on(worker) if p["namespace"] == "default")
    status, html = await panel(live.source(), "pod", namespace="default", name=name)
    assert status == 200 and "data-last-reported" not in html  # its kubelet still vouches for it
    live.run(live.cluster.set_node_ready(worker, False, reachable=False), 120)
    status, html = await panel(live.source(), "pod", namespace="default", name=name)
    assert status == 200
    assert re.search(r"data-last-reported>Last reported: the kubelet stopped reporting (\d+m)?\d+s ago", html)
    then = live.store.snapshot()  # the moment to replay: the kubelet silent
    live.run(live.cluster.set_node_ready(worker, True, reachable=True), 60)  # live: reporting again
    status, html = await panel(live.source(), "pod", namespace="default", name=name)
    assert status == 200 and "data-last-reported" not in html
    status, html = await panel(replay(dict(then), then["at"]), "pod", namespace="default", name=name)
    assert status == 200 and "data-last-reported" in html  # the replayed moment's node, not today's


async def test_a_node_whose_kubelet_stopped_says_so_with_the_reason_and_ages() -> None:
    live = Live()
    worker = live.cluster.workers()[0]
    live.run(live.cluster.set_node_ready(worker, False, reachable=False), 120)
    status, html = await panel(live.source(), "node", name=worker)
    assert status == 200
    assert 'data-ready="Unknown"' in html and "NodeStatusUnknown" in html
    assert "Kubelet stopped posting node status." in html
    assert re.search(r"data-stopped-reporting>the kubelet stopped reporting \dm\d+s ago<", html)
    assert re.search(r"the kubelet last reported \d+m\d+s ago · Unknown for \d+s<", html)
    assert re.search(r"heartbeat lease renewed \dm\d+s ago", html)
    assert 'data-condition="MemoryPressure"' in html and "node.kubernetes.io/unreachable" in html
    assert f'data-follow="node:{worker}"' in html


async def test_an_object_gone_from_the_live_cluster_gets_a_panel_saying_so() -> None:
    status, html = await panel(Live().source(), "pod", namespace="default", name="never-was")
    assert status == 404 and 'data-panel="gone"' in html
    assert "Pod default/never-was is no longer in the cluster." in html


def replay(state: dict[str, Any], at: float) -> panels.Source:
    moment = {**state, "history": {"at": at, "checkpoint": 1, "imported": False}}

    async def fetch(kind: str, args: Mapping[str, Any]) -> dict[str, Any] | None:
        return answer(moment, kind, args)

    return panels.Source("demo", fetch, "/replays/demo/", at=at)


async def test_a_replayed_panel_shows_the_replayed_moment_not_the_live_one() -> None:
    live = Live()
    worker = live.cluster.workers()[0]
    live.run(live.cluster.set_node_ready(worker, False), 60)
    then = live.store.snapshot()  # the moment to replay: worker NotReady
    at = then["at"]
    live.run(live.cluster.set_node_ready(worker, True), 60)  # live: Ready again
    assert (live.store.node(worker) or {})["ready"] == "True"
    status, html = await panel(replay(dict(then), at), "node", name=worker)
    assert status == 200
    assert 'data-ready="False"' in html and re.search(r'panel-replay-tag">Replay</span> — as of \d{4}-', html)
    assert "History keeps the conditions" in html and "not their reasons" in html
    pod = next(p for p in then["pods"] if p["node"] == worker)
    assert f"/replays/demo/pods/default/{pod['name']}/panel?at=" in html, "its links stay in the replay"


async def test_a_pod_absent_at_the_replayed_moment_gets_a_panel_saying_so() -> None:
    state = dict(Live().store.snapshot())
    status, html = await panel(replay(state, state["at"]), "pod", namespace="default", name="born-later")
    assert status == 404 and 'data-panel="gone"' in html
    assert "Pod default/born-later did not exist at " in html and "(the moment being replayed)" in html


async def test_panels_speak_korean() -> None:
    from django.utils import translation

    live = Live()
    name = live.cluster.pods_of("default", "users-deployment-")[0]
    live.run(live.cluster.crash_loop("default", name), 90)
    with translation.override("ko"):
        _, html = await panel(live.source(), "pod", namespace="default", name=name)
        state = dict(live.store.snapshot())
        _, gone = await panel(replay(state, live.store.now), "pod", namespace="default", name="x")
    assert "컨디션" in html and "Warning 이벤트" in html and re.search(r"\d+ \((\d+m)?\d+s 전\)", html)
    assert "Conditions" not in html and "Warning events" not in html
    assert "재생 중인 시점" in gone
