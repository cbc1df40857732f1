"""The why next to the what: conditions with reason and message, containers' last state and start, Warning
events about an object, from API objects as the API sends them and from the fake cluster, which sends the same."""

from __future__ import annotations

from typing import Any

from clusterviz.clock import ManualClock
from clusterviz.events import MAX_EVENTS_PER_OBJECT, WarningEvents, WatchEvent
from clusterviz.fake import FakeCluster
from clusterviz.kube.slim import slim
from clusterviz.mapping import map_node_conditions, map_pod, map_pod_conditions, parse_time
from clusterviz.store import ClusterStore, summarize
from clusterviz.wire import SUMMARY_FIELDS

T0 = "2025-03-01T10:00:00Z"
T1 = "2025-03-01T10:02:00Z"
T2 = "2025-03-01T10:02:30Z"


class NoOwners:
    def deployment_of(self, namespace: str, replicaset: str) -> str | None:
        return None


def crashing_pod() -> dict[str, Any]:
    """A pod as the API returns it after its container crashed twice and is backing off."""
    return {
        "metadata": {"name": "web-1", "namespace": "shop", "uid": "u-1", "creationTimestamp": T0},
        "spec": {
            "nodeName": "worker-1",
            "containers": [{"name": "app", "image": "shop/web:2"}],
            "readinessGates": [{"conditionType": "example.com/load-balancer"}],
        },
        "status": {
            "phase": "Running",
            "conditions": [
                {"type": "PodScheduled", "status": "True", "lastTransitionTime": T0},
                {"type": "Initialized", "status": "True", "lastTransitionTime": T0},
                {
                    "type": "ContainersReady",
                    "status": "False",
                    "reason": "ContainersNotReady",
                    "message": "containers with unready status: [app]",
                },
                {"type": "Ready", "status": "False", "reason": "ReadinessGatesNotReady", "message": "gate"},
                {"type": "example.com/load-balancer", "status": "False", "reason": "NotRegistered"},
            ],
            "containerStatuses": [
                {
                    "name": "app",
                    "ready": False,
                    "restartCount": 2,
                    "image": "shop/web:2",
                    "state": {
                        "waiting": {
                            "reason": "CrashLoopBackOff",
                            "message": "back-off 20s restarting failed container=app pod=web-1_shop(u-1)",
                        }
                    },
                    "lastState": {
                        "terminated": {
                            "reason": "Error",
                            "exitCode": 1,
                            "startedAt": T1,
                            "finishedAt": T2,
                            "message": "panic: secret=hunter2",  # the container's own words: never kept
                        }
                    },
                }
            ],
        },
    }


def test_pod_conditions_keep_reason_and_message_and_name_the_readiness_gates() -> None:
    by_type = {c["type"]: c for c in map_pod_conditions(slim("Pod", crashing_pod()))}
    assert list(by_type) == ["PodScheduled", "Initialized", "ContainersReady", "Ready", "example.com/load-balancer"]
    assert by_type["ContainersReady"] == {
        "type": "ContainersReady",
        "status": "False",
        "reason": "ContainersNotReady",
        "message": "containers with unready status: [app]",
        "readinessGate": False,
    }
    assert by_type["PodScheduled"]["reason"] == "" and by_type["PodScheduled"]["status"] == "True"
    assert [t for t, c in by_type.items() if c["readinessGate"]] == ["example.com/load-balancer"]


def test_a_containers_last_state_says_how_its_previous_run_ended() -> None:
    (app,) = map_pod(slim("Pod", crashing_pod()), NoOwners())["containers"]
    assert app["state"] == "waiting" and app["reason"] == "CrashLoopBackOff"
    assert app["lastState"] == {"reason": "Error", "exitCode": 1, "finishedAt": parse_time(T2)}
    assert app["startedAt"] is None and app["exitCode"] is None  # waiting: no current run
    assert "hunter2" not in repr(map_pod(crashing_pod(), NoOwners()))  # not even from an unslimmed object


def test_a_running_container_has_its_start_and_a_terminated_one_its_exit_code() -> None:
    raw = crashing_pod()
    status = raw["status"]["containerStatuses"][0]
    status["state"] = {"running": {"startedAt": T2}}
    assert map_pod(raw, NoOwners())["containers"][0]["startedAt"] == parse_time(T2)
    status["state"] = {"terminated": {"exitCode": 137, "reason": "OOMKilled", "startedAt": T1, "finishedAt": T2}}
    app = map_pod(raw, NoOwners())["containers"][0]
    assert (app["state"], app["reason"], app["exitCode"], app["startedAt"]) == (
        "terminated",
        "OOMKilled",
        137,
        parse_time(T1),
    )


def test_the_map_summary_carries_none_of_the_why() -> None:
    pod = map_pod(crashing_pod(), NoOwners())
    assert "containers" not in SUMMARY_FIELDS and "conditions" not in pod
    assert set(summarize(pod)) == set(SUMMARY_FIELDS)


def test_node_conditions_keep_reason_message_and_times() -> None:
    node = {
        "metadata": {"name": "worker-1"},
        "status": {
            "conditions": [
                {
                    "type": "Ready",
                    "status": "Unknown",
                    "reason": "NodeStatusUnknown",
                    "message": "Kubelet stopped posting node status.",
                    "lastHeartbeatTime": T0,
                    "lastTransitionTime": T1,
                },
                {"type": "MemoryPressure", "status": ["odd"], "reason": 7},
            ]
        },
    }
    ready, odd = map_node_conditions(slim("Node", node))
    assert ready == {
        "type": "Ready",
        "status": "Unknown",
        "reason": "NodeStatusUnknown",
        "message": "Kubelet stopped posting node status.",
        "lastHeartbeatAt": parse_time(T0),
        "lastTransitionAt": parse_time(T1),
    }
    assert odd["status"] == "Unknown" and odd["reason"] == ""  # odd values never raise


def warning(name: str, about: str, *, reason: str = "BackOff", last: str = T1, count: int = 1) -> WatchEvent:
    return WatchEvent(
        "ADDED",
        "Event",
        {
            "metadata": {"name": name, "namespace": "shop"},
            "type": "Warning",
            "involvedObject": {"kind": "Pod", "namespace": "shop", "name": about},
            "reason": reason,
            "message": f"{reason} of {about}",
            "count": count,
            "firstTimestamp": T0,
            "lastTimestamp": last,
            "source": {"component": "kubelet", "host": "worker-1"},
        },
    )


def test_warning_events_are_kept_by_object_newest_first_and_forgotten_when_deleted() -> None:
    events = WarningEvents()
    now = parse_time(T2) or 0.0
    events.apply(warning("a", "web-1", reason="Unhealthy", last=T1), now)
    events.apply(warning("b", "web-1", reason="BackOff", last=T2, count=5), now)
    events.apply(warning("c", "web-2"), now)
    listed = events.about("Pod", "shop", "web-1")
    assert [(e["reason"], e["count"], e["source"]) for e in listed] == [
        ("BackOff", 5, "kubelet"),
        ("Unhealthy", 1, "kubelet"),
    ]
    events.apply(WatchEvent("DELETED", "Event", {"metadata": {"name": "b", "namespace": "shop"}}), now)
    assert [e["reason"] for e in events.about("Pod", "shop", "web-1")] == ["Unhealthy"]
    normal = warning("d", "web-1")
    normal.object["type"] = "Normal"
    assert events.apply(normal, now) is None


def test_warning_events_are_bounded_per_object_and_by_age() -> None:
    events = WarningEvents()
    now = parse_time(T2) or 0.0
    for i in range(MAX_EVENTS_PER_OBJECT + 5):
        events.apply(warning(f"e{i}", "web-1", reason=f"R{i}", last=T1), now)
    assert len(events.about("Pod", "shop", "web-1")) == MAX_EVENTS_PER_OBJECT
    events.apply(warning("late", "web-9", last=T2), now + 2 * 3600)  # two hours on: web-9's own event is stale
    assert events.about("Pod", "shop", "web-9") == []


def test_the_fake_cluster_records_warning_events_as_the_kubelet_does_and_the_store_keeps_them() -> None:
    cluster = FakeCluster(seed=5, clock=ManualClock(start=1_700_000_000.0), workers=2, scenario="quiet")
    store = ClusterStore(
        "demo", {"kind": "fake", "state": "live", "reason": "", "lastEventAt": None, "resourceVersion": ""}
    )
    objects, _ = cluster.list_all()
    store.load(objects, cluster.clock.now())
    name = cluster.pods_of("default", "users-deployment-")[0]
    for event in cluster.crash_loop("default", name) + cluster.advance(120):
        store.apply(event, cluster.clock.now())
    backoff = [e for e in store.warnings_about("Pod", "default", name) if e["reason"] == "BackOff"]
    assert len(backoff) == 1 and backoff[0]["count"] >= 2  # one event, counted up at every back-off
    assert backoff[0]["message"].startswith("Back-off restarting failed container")
    assert backoff[0]["source"] == "kubelet"
    pod = store.pod("default", name)
    assert pod is not None and pod["containers"][0]["lastState"] is not None
    assert pod["containers"][0]["lastState"]["reason"] == "Error"
    cluster.delete_pod("default", name, grace=0)  # no more back-offs: an hour later its event is gone
    assert [e for e in cluster.advance(3700) if e.kind == "Event" and e.type == "DELETED"], "events expire"
