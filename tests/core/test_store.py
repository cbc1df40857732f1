"""The cluster model: watch events and relists give the same model, and deltas rebuild the state exactly."""

from __future__ import annotations

import tracemalloc
from typing import Any

import orjson
import pytest

from clusterviz import podtable
from clusterviz.clock import ManualClock
from clusterviz.events import WatchEvent
from clusterviz.fake import Churn, FakeCluster
from clusterviz.nodetable import decode_node_table
from clusterviz.podtable import decode_pod_table
from clusterviz.store import ClusterStore
from clusterviz.wire import SourceStatus
from tests.dashboard.conftest import apply_delta

SOURCE: SourceStatus = {"kind": "fake", "state": "live", "reason": "", "lastEventAt": None, "resourceVersion": ""}


def loaded(cluster: FakeCluster) -> ClusterStore:
    store = ClusterStore("demo", SOURCE)
    objects, _ = cluster.list_all()
    store.load(objects, cluster.clock.now())
    return store


def comparable(state: Any) -> Any:
    return {k: state[k] for k in ("nodes", "pods", "controlPlane")}


def test_watching_equals_listing_afresh() -> None:
    cluster = FakeCluster(seed=3, clock=ManualClock(), scenario="demo")
    watched = loaded(cluster)
    for _ in range(120):
        for event in cluster.advance(5):
            watched.apply(event, cluster.clock.now())
    assert comparable(watched.snapshot()) == comparable(loaded(cluster).snapshot())


def test_deltas_rebuild_the_state() -> None:
    cluster = FakeCluster(seed=5, clock=ManualClock(), scenario="demo")
    store = loaded(cluster)
    store.take_delta()
    client = store.snapshot()
    seqs = []
    for _ in range(200):
        for event in cluster.advance(3):
            store.apply(event, cluster.clock.now())
        delta = store.take_delta()
        if delta is not None:
            seqs.append(delta["seq"])
            client = apply_delta(client, dict(delta))
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), "sequence numbers are consecutive"
    assert len(seqs) > 10, "the demo scenario changes things"
    assert comparable(client) == comparable(store.snapshot())


def test_a_delta_applied_twice_changes_nothing() -> None:
    cluster = FakeCluster(seed=1, clock=ManualClock(), scenario="quiet")
    store = loaded(cluster)
    store.take_delta()
    before = store.snapshot()
    for event in cluster.scale("default", "users-deployment", 4) + cluster.advance(30):
        store.apply(event, cluster.clock.now())
    delta = store.take_delta()
    assert delta is not None
    once = apply_delta(dict(before), dict(delta))
    twice = apply_delta(once, dict(delta))
    assert comparable(once) == comparable(twice)


def test_a_relist_removes_what_vanished_and_says_so() -> None:
    cluster = FakeCluster(seed=2, clock=ManualClock(), scenario="quiet")
    store = loaded(cluster)
    store.take_delta()
    before = {p["uid"] for p in store.snapshot()["pods"]}
    cluster.scale("default", "users-deployment", 0)
    cluster.advance(120)  # the store missed all of it, as a watcher does across a 410 Gone
    objects, _ = cluster.list_all()
    store.load(objects, cluster.clock.now())
    delta = store.take_delta()
    assert delta is not None
    gone = set(delta["pods"]["remove"])
    after = {p["uid"] for p in store.snapshot()["pods"]}
    assert gone and gone <= before
    assert not gone & after
    assert not [p for p in store.snapshot()["pods"] if p["name"].startswith("users-deployment-")]


def test_the_control_plane_follows_its_pods_nodes_and_leases_as_a_fresh_listing_shows_them() -> None:
    """The store keeps the control plane's pods, nodes and kube-system leases apart (so composing it does not read
    every pod): a pod that stops being a control-plane pod, a deleted lease and a node that loses its role each
    change it as listing the changed cluster afresh does."""
    import copy

    cluster = FakeCluster(seed=2, clock=ManualClock(), scenario="quiet")
    store = loaded(cluster)
    objects, _ = cluster.list_all()
    objects = {kind: [copy.deepcopy(o) for o in items] for kind, items in objects.items()}
    now = cluster.clock.now()
    scheduler = next(o for o in objects["Pod"] if o["metadata"]["labels"].get("component") == "kube-scheduler")
    scheduler["metadata"]["labels"] = {"component": "kube-scheduler"}  # no longer tier=control-plane
    leader = next(o for o in objects["Lease"] if o["metadata"]["name"] == "kube-controller-manager")
    objects["Lease"].remove(leader)
    node = next(o for o in objects["Node"] if "node-role.kubernetes.io/control-plane" in o["metadata"]["labels"])
    del node["metadata"]["labels"]["node-role.kubernetes.io/control-plane"]
    store.apply(WatchEvent("MODIFIED", "Pod", scheduler), now)
    store.apply(WatchEvent("DELETED", "Lease", leader), now)
    store.apply(WatchEvent("MODIFIED", "Node", node), now)
    store.take_delta()
    fresh = ClusterStore("demo", SOURCE)
    fresh.load(objects, now)
    fresh.take_delta()
    changed = store.snapshot()["controlPlane"]
    assert changed == fresh.snapshot()["controlPlane"]
    assert changed != loaded(cluster).snapshot()["controlPlane"], "the changes matter to the control plane"


def test_requests_are_summed_per_node() -> None:
    cluster = FakeCluster(seed=4, clock=ManualClock(), scenario="quiet")
    store = loaded(cluster)
    state = store.snapshot()
    for node in state["nodes"]:
        pods = [p for p in state["pods"] if p["node"] == node["name"] and p["phase"] not in ("Succeeded", "Failed")]
        assert node["requested"]["pods"] == len(pods)
        assert node["requested"]["cpu"] == sum(p["requests"]["cpu"] for p in pods)


def test_a_node_that_stops_renewing_its_lease_shows_an_unhealthy_kubelet() -> None:
    cluster = FakeCluster(seed=4, clock=ManualClock(), scenario="quiet")
    store = loaded(cluster)
    worker = next(n["name"] for n in store.snapshot()["nodes"] if not n["controlPlane"])
    events: list[WatchEvent] = cluster.set_node_ready(worker, False)
    events += cluster.advance(60)
    for event in events:
        store.apply(event, cluster.clock.now())
    node = store.node(worker)
    assert node is not None and node["ready"] != "True"
    kubelet = next(a for a in node["agents"] if a["name"] == "kubelet")
    assert kubelet["health"] in ("unhealthy", "degraded")


def test_a_lease_that_ages_without_any_event_changes_the_kubelet_health() -> None:
    cluster = FakeCluster(seed=4, clock=ManualClock(), scenario="quiet")
    store = loaded(cluster)
    store.take_delta()
    assert store.take_delta() is None, "nothing changes while time stands still"
    store.now += 120  # no renewals arrive: every node lease is now long expired
    delta = store.take_delta()
    assert delta is not None
    assert {n["name"] for n in delta["nodes"]["upsert"]} == {n["name"] for n in store.snapshot()["nodes"]}
    for node in delta["nodes"]["upsert"]:
        kubelet = next(a for a in node["agents"] if a["name"] == "kubelet")
        assert kubelet["health"] != "healthy"
    store.now += 10  # a recheck is due again, but every lease was already expired: nothing to send
    assert store.take_delta() is None


def test_a_node_whose_lease_stops_being_renewed_is_not_reporting_since_its_last_renewal() -> None:
    cluster = FakeCluster(seed=4, clock=ManualClock(), scenario="quiet")
    store = loaded(cluster)
    worker = next(n["name"] for n in store.snapshot()["nodes"] if not n["controlPlane"])
    events = cluster.set_node_ready(worker, False, reachable=False)  # the kubelet stops reporting at all
    renewed = store._leases[("kube-node-lease", worker)]["renewTime"]
    for event in events + cluster.advance(45):  # past the lease's 40 s, before the controller's grace ends
        store.apply(event, cluster.clock.now())
    store.take_delta()
    node = store.node(worker)
    assert node is not None and node["ready"] == "True", "nothing but the lease tells yet"
    assert (node["reporting"], node["lastReportedAt"]) == (False, renewed)
    others = [n for n in store.snapshot()["nodes"] if n["name"] != worker]
    assert all(n["reporting"] and n["lastReportedAt"] is None for n in others)


def test_a_renewed_lease_changes_no_node_view() -> None:
    cluster = FakeCluster(seed=4, clock=ManualClock(), scenario="quiet")
    store = loaded(cluster)
    store.take_delta()
    for event in cluster.advance(30):  # the kubelets renew their leases: nothing anybody sees changes
        store.apply(event, cluster.clock.now())
    delta = store.take_delta()
    assert delta is None or not delta["nodes"]["upsert"]


def state_bytes(store: ClusterStore, first_fields: bytes = b"") -> bytes:
    return store.state_json_parts(first_fields).join()


def table_state(store: ClusterStore, first_fields: bytes = b"") -> dict[str, Any]:
    """The table-format state with its tables decoded: must equal the object-format state."""
    state = orjson.loads(store.state_json_parts(first_fields, "table").join())
    assert "pods" not in state and "nodes" not in state
    pods = decode_pod_table(state.pop("podTable"))
    nodes = decode_node_table(state.pop("nodeTable"))
    return {**state, "nodes": nodes, "pods": pods}


def plain(value: object) -> Any:
    return orjson.loads(orjson.dumps(value))


@pytest.mark.parametrize("formats", ["objects", "table", "both"])
@pytest.mark.parametrize("resort_over", [0, 5, 5_000])
@pytest.mark.parametrize("scenario", ["demo", "churn"])
def test_the_cached_state_json_never_drifts_from_the_snapshot(
    scenario: str, resort_over: int, formats: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The state JSON is joined from per-pod and per-node fragments cached across changes; after any run of
    events, relists and deltas it must be byte for byte what serialising the snapshot gives (with the pod
    order patched, rebuilt, or both), and the pod table must decode to the snapshot's pods, whether one
    format is asked for or both in turn (they share the order)."""
    monkeypatch.setattr(ClusterStore, "RESORT_OVER", resort_over)
    cluster = FakeCluster(
        seed=7, clock=ManualClock(), workers=4, pods_per_node=6, scenario=Churn(100) if scenario == "churn" else "demo"
    )
    store = loaded(cluster)

    def check(where: str) -> None:
        if formats in ("objects", "both"):
            assert state_bytes(store) == orjson.dumps(store.snapshot()), f"drifted at {where}"
        if formats in ("table", "both"):
            assert table_state(store) == plain(store.snapshot()), f"table drifted at {where}"

    check("start")
    store.take_delta()
    checked = 0
    for step in range(100):
        for event in cluster.advance(1):
            store.apply(event, cluster.clock.now())
        if step % 3 == 0:
            store.take_delta()
        if step % 5 == 0:
            check(f"step {step}")
            checked += 1
        if step == 50:  # a relist in the middle (as after 410 Gone), with changes the watch never saw
            cluster.advance(40)
            objects, _ = cluster.list_all()
            store.load(objects, cluster.clock.now())
    store.now += 120  # leases age with no event: node views change without any pod or node event
    check("the end")
    expected = {"type": "state", **plain(store.snapshot())}
    if formats != "table":
        assert orjson.loads(state_bytes(store, b'"type":"state",')) == expected
    if formats != "objects":
        assert table_state(store, b'"type":"state",') == expected
    assert checked == 20
    assert store.revision > 100, "the scenario changed things"


def test_the_pod_table_is_reset_when_values_of_gone_pods_pile_up() -> None:
    """Values only deleted pods used stay in the table until it has doubled; then the store starts a fresh
    table and encodes every row against it (a row of the old table would point at the wrong values)."""
    cluster = FakeCluster(seed=3, clock=ManualClock(), workers=4, pods_per_node=6, scenario=Churn(100))
    store = loaded(cluster)
    assert table_state(store) == plain(store.snapshot())
    used = len(store._table.values)
    # pods come and go, each with labels of its own: their values stay behind in the table
    template = store.snapshot()["pods"][0]
    pod = store.pod(template["namespace"], template["name"])
    assert pod is not None
    extra = range(used + podtable.RESET_SLACK + 1)
    for i in extra:
        store._set_pod(f"!gone-{i}", {**pod, "uid": f"!gone-{i}", "name": f"gone-{i}", "labels": {"i": str(i)}}, None)
    assert table_state(store) == plain(store.snapshot())
    for i in extra:
        store._remove_pod(f"!gone-{i}")
    assert store._table.overgrown()
    assert table_state(store) == plain(store.snapshot()), "after the reset"
    assert len(store._table.values) <= used + 1, "only what the pods use now is in the new table"
    assert not store._table.overgrown()


def test_a_pod_table_decodes_only_what_it_should() -> None:
    cluster = FakeCluster(seed=5, clock=ManualClock(), workers=2, pods_per_node=3, scenario="quiet")
    store = loaded(cluster)
    table = orjson.loads(store.state_json_parts(b"", "table").join())["podTable"]
    assert decode_pod_table(table) == plain(store.snapshot()["pods"])
    bad_cases: list[dict[str, Any]] = [
        {**table, "columns": table["columns"][::-1]},
        {**table, "interned": table["interned"][1:]},
        {**table, "rows": [[*table["rows"][0][:2], len(table["values"]), *table["rows"][0][3:]]]},
        {**table, "rows": [table["rows"][0][:-1]]},
        {**table, "rows": [[*table["rows"][0][:14], [1, 2, 3], *table["rows"][0][15:]]]},
        {**table, "values": None},
    ]
    for bad in bad_cases:
        with pytest.raises(podtable.PodTableError):
            decode_pod_table(bad)


def test_every_pod_on_the_wire_says_whether_it_is_failing_and_older_tables_get_it_by_the_same_rule() -> None:
    cluster = FakeCluster(seed=5, clock=ManualClock(), workers=2, pods_per_node=3, scenario="quiet")
    cluster.crash_loop("default", cluster.pods_of("default", "")[0])
    cluster.advance(60)
    store = loaded(cluster)
    pods = orjson.loads(store.state_json_parts(b"").join())["pods"]
    assert {p["failing"] for p in pods} == {True, False}
    assert all(p["failing"] == (p["statusClass"] == "failed") for p in pods), "the fake's failures are all 'failed'"
    table = orjson.loads(store.state_json_parts(b"", "table").join())["podTable"]
    at = table["columns"].index("failing")
    older = {**table, "columns": table["columns"][:at], "rows": [row[:at] for row in table["rows"]]}
    assert decode_pod_table(older) == pods, "a table recorded before the failing column"


def test_a_pod_table_is_several_times_smaller_than_the_objects() -> None:
    cluster = FakeCluster(seed=5, clock=ManualClock(), workers=50, pods_per_node=30, scenario="quiet")
    store = loaded(cluster)
    objects = len(store.state_json_parts().join())
    table = len(store.state_json_parts(b"", "table").join())
    assert table * 2.5 < objects, (table, objects)


def test_pods_with_the_same_name_are_ordered_by_uid_in_state_and_json() -> None:
    cluster = FakeCluster(seed=1, clock=ManualClock(), scenario="quiet")
    store = loaded(cluster)
    state_bytes(store)
    pod = store.snapshot()["pods"][0]
    # the same namespace/name under another uid, e.g. a recreated pod seen before the old one's deletion
    store._set_pod("!twin", {**store.pod(pod["namespace"], pod["name"]), "uid": "!twin"}, None)  # type: ignore[typeddict-item]
    pods = store.snapshot()["pods"]
    assert [p["uid"] for p in pods[:2]] == ["!twin", pod["uid"]]
    assert state_bytes(store) == orjson.dumps(store.snapshot())
    store._remove_pod("!twin")
    assert state_bytes(store) == orjson.dumps(store.snapshot())


def test_pods_of_one_deployment_share_their_equal_parts_and_a_change_to_one_leaves_the_others() -> None:
    cluster = FakeCluster(seed=2, clock=ManualClock(), workers=10, pods_per_node=20, scenario="quiet")
    store = loaded(cluster)
    pods = [p for p in store._pods.values() if p["owner"] and p["owner"]["kind"] == "Deployment"]
    by_owner: dict[str, list[Any]] = {}
    for pod in pods:
        by_owner.setdefault(pod["owner"]["name"], []).append(pod)  # type: ignore[index]
    group = max(by_owner.values(), key=len)
    assert len(group) >= 3
    assert len({id(p["labels"]) for p in group}) == 1 and len({id(p["owner"]) for p in group}) == 1
    assert len({id(p["requests"]) for p in group}) == 1
    before = [plain(p) for p in group[1:]]
    raw = next(o for o in cluster.list_all()[0]["Pod"] if o["metadata"]["uid"] == group[0]["uid"])
    changed = {**raw, "metadata": {**raw["metadata"], "labels": {**raw["metadata"]["labels"], "extra": "yes"}}}
    store.apply(WatchEvent("MODIFIED", "Pod", changed), cluster.clock.now())
    first = store.pod(group[0]["namespace"], group[0]["name"])
    assert first is not None and first["labels"]["extra"] == "yes"
    assert [plain(store.pod(p["namespace"], p["name"])) for p in group[1:]] == before, "the others kept theirs"


def test_a_state_of_objects_turns_into_the_same_table_form() -> None:
    cluster = FakeCluster(seed=6, clock=ManualClock(), workers=3, pods_per_node=5, scenario="demo")
    store = loaded(cluster)
    state = plain(store.snapshot())
    table = orjson.loads(podtable.table_state_json(state))
    assert "pods" not in table and list(table)[-1] == "podTable"
    pods = decode_pod_table(table.pop("podTable"))
    assert {**table, "pods": pods} == state


def test_a_checkpoint_of_the_pods_details_holds_memory_of_the_order_of_its_bytes() -> None:
    cluster = FakeCluster(seed=5, clock=ManualClock(), workers=50, pods_per_node=30, scenario="quiet")
    store = loaded(cluster)
    pods = store.snapshot(containers=True)["pods"]
    tracemalloc.start()
    try:
        details = podtable.details_table(pods)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(pods) > 1_500
    # Each pod's containers are JSON of their own, kept until the join: at orjson's buffer size (~4 KB each) the
    # peak was 35 times the output (1,500 pods); kept at their size it is 4 times.
    assert peak < 8 * len(details), (peak, len(details))
    table = orjson.loads(details)
    assert len(table["rows"]) == len(pods) and podtable.merge_details(plain(pods), table) == plain(pods)
