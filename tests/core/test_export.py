"""The snapshot file: valid against its JSON Schema, stable order, and every kind of bad input refused clearly."""

from __future__ import annotations

import copy
import gzip
import json
from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pytest

from clusterviz import export
from clusterviz.export import SnapshotError
from clusterviz.wire import (
    ClaimView,
    ClusterState,
    ContainerView,
    LastState,
    NodeView,
    PersistentVolumeView,
    PodView,
    Process,
    ReplicaSetView,
    Resources,
    ServiceView,
    SourceStatus,
    VolumeView,
    WorkloadView,
)
from tests.core.test_history import Recording, record

SCHEMA_DIR = Path(export.__file__).parent / "schema"
SCHEMA = json.loads((SCHEMA_DIR / "snapshot-v2.schema.json").read_text())
SCHEMA_V1 = json.loads((SCHEMA_DIR / "snapshot-v1.schema.json").read_text())
EXPORTED_AT = 1_700_000_500.0


@pytest.fixture(scope="module")
def recording() -> Recording:
    """Four replicas, one of them crash-looping (its container has a last state and an exit code)."""
    rec = record(seed=4)
    rec.run(15, lambda c: c.scale("default", "users-deployment", 4))
    rec.run(40, lambda c: c.crash_loop("default", c.pods_of("default", "users-deployment-")[0]))
    return rec


@pytest.fixture(scope="module")
def state(recording: Recording) -> ClusterState:
    """The whole state, each pod with its containers and volumes, as exports take it."""
    full: ClusterState = orjson.loads(recording.runtime.state_json(b"", "full"))
    return full


@pytest.fixture(scope="module")
def summaries(recording: Recording) -> ClusterState:
    """The map's state: pod summaries only (what history recorded before containers were kept)."""
    return recording.state()


@pytest.mark.parametrize("schema", [SCHEMA, SCHEMA_V1], ids=["v2", "v1"])
def test_the_schemas_are_valid_draft_2020_12_schemas(schema: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["properties"]["schema"]["const"] in export.READS


def test_an_export_is_version_2_and_validates_against_its_schema(state: ClusterState) -> None:
    data = export.dumps(export.document(state, exported_at=EXPORTED_AT))
    doc = orjson.loads(data)
    assert doc["schema"] == "clusterviz.snapshot/v2"
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)


def test_a_state_without_containers_is_exported_as_version_1(summaries: ClusterState) -> None:
    """A moment recorded before containers were kept: a v2 file would claim its pods had none."""
    doc = orjson.loads(export.dumps(export.document(summaries, exported_at=EXPORTED_AT)))
    assert doc["schema"] == "clusterviz.snapshot/v1"
    assert all("containers" not in p and "revision" not in p for p in doc["state"]["pods"])
    jsonschema.Draft202012Validator(SCHEMA_V1).validate(doc)


@pytest.mark.parametrize(
    ("definition", "typed", "spec"),
    [
        ("node", NodeView, export.NODE_FIELDS),
        ("pod", PodView, {**export.POD_FIELDS, **export.POD_V2_FIELDS}),
        ("container", ContainerView, export.CONTAINER_FIELDS),
        ("lastState", LastState, export.LAST_STATE_FIELDS),
        ("volume", VolumeView, export.VOLUME_FIELDS),
        ("process", Process, export.PROCESS_FIELDS),
        ("source", SourceStatus, export.SOURCE_FIELDS),
        ("resources", Resources, export.RESOURCE_FIELDS),
        ("clusterState", ClusterState, export.STATE_FIELDS),
        ("workload", WorkloadView, export.WORKLOAD_FIELDS),
        ("replicaSet", ReplicaSetView, export.REPLICASET_FIELDS),
        ("service", ServiceView, export.SERVICE_FIELDS),
        ("claim", ClaimView, export.CLAIM_FIELDS),
        ("persistentVolume", PersistentVolumeView, export.PERSISTENT_VOLUME_FIELDS),
    ],
)
def test_schema_checker_and_wire_types_agree(definition: str, typed: Any, spec: dict[str, Any]) -> None:
    """The JSON Schema, the importer's checks and clusterviz.wire must not drift apart."""
    required = set(SCHEMA["$defs"][definition]["required"])
    live = {"feed", "rollouts"}  # what the live map is told beside the model: not part of a snapshot
    optional = {"leader"} | live  # NotRequired in wire.py (postponed annotations hide it from __required_keys__)
    optional |= {"usage"}  # required in wire.py, optional in files: snapshots from before it lack it
    optional |= {"reporting", "lastReportedAt", "server", "context"}  # NotRequired: older snapshots lack them
    optional |= {"revision", "failing"} if definition == "pod" else set()  # the same
    optional |= {"claim"} if definition == "volume" else set()  # NotRequired: only a claim's volume has one
    optional |= {"objects"}  # NotRequired: older snapshots have no objects
    assert required == set(spec) == set(typed.__annotations__) - optional
    assert set(SCHEMA["$defs"][definition]["properties"]) == set(typed.__annotations__) - live


def test_version_1_is_version_2_without_containers_volumes_revision_and_failing() -> None:
    objects = {"condition", "replicaSet", "workload", "service", "claim", "persistentVolume"}
    assert set(SCHEMA["$defs"]) - set(SCHEMA_V1["$defs"]) == {"container", "lastState", "volume", *objects}
    pod, pod_v1 = SCHEMA["$defs"]["pod"], SCHEMA_V1["$defs"]["pod"]
    assert set(pod["properties"]) - set(pod_v1["properties"]) == {"containers", "volumes", "revision", "failing"}
    assert set(pod_v1["required"]) == set(export.POD_FIELDS)
    shared = set(SCHEMA_V1["$defs"]) - {"pod", "clusterState"}
    assert all(SCHEMA["$defs"][d] == SCHEMA_V1["$defs"][d] for d in shared)
    state, state_v1 = SCHEMA["$defs"]["clusterState"], SCHEMA_V1["$defs"]["clusterState"]
    assert set(state["properties"]) - set(state_v1["properties"]) == {"objects"}
    assert state["required"] == state_v1["required"], "objects are optional: older version 2 files load"


def test_a_version_2_round_trip_keeps_every_container_field(state: ClusterState) -> None:
    data = export.dumps(export.document(state, exported_at=EXPORTED_AT))
    back = export.parse(export.compress(data))
    pods = {p["uid"]: p for p in back["state"]["pods"]}
    assert [pods[p["uid"]]["containers"] for p in state["pods"]] == [p["containers"] for p in state["pods"]]
    assert [pods[p["uid"]]["volumes"] for p in state["pods"]] == [p["volumes"] for p in state["pods"]]
    containers = [c for p in back["state"]["pods"] for c in p["containers"]]
    assert {c["state"] for c in containers} >= {"running", "waiting", "terminated"}
    assert any(c["init"] for c in containers) and any(not c["init"] for c in containers)
    restarted = [c for c in containers if c["lastState"] is not None and not c["init"]]
    assert restarted and all(c["restarts"] > 0 and c["lastState"]["finishedAt"] for c in restarted)
    assert any(c["lastState"]["exitCode"] == 1 and c["lastState"]["reason"] == "Error" for c in restarted)
    assert any(c["exitCode"] == 0 and c["reason"] == "Completed" for c in containers)
    assert all(c["image"] for c in containers)
    assert any(c["startedAt"] for c in containers)
    assert any(p["revision"] == 1 for p in back["state"]["pods"])


def test_a_version_1_document_still_imports() -> None:
    """A file the previous version wrote (tests/core/data: exported by clusterviz before schema v2)."""
    data = (Path(__file__).parent / "data" / "snapshot-v1.json.gz").read_bytes()
    doc = export.parse(data)
    assert doc["schema"] == "clusterviz.snapshot/v1"
    assert len(doc["state"]["pods"]) == 19 and "containers" not in doc["state"]["pods"][0]
    jsonschema.Draft202012Validator(SCHEMA_V1).validate(doc)


@pytest.mark.parametrize(
    ("where", "value", "message"),
    [
        ("exitCode", "137", "state.pods[{i}].containers[0].exitCode must be an integer or null"),
        ("image", None, "state.pods[{i}].containers[0].image must be a string"),
        ("restarts", 1.5, "state.pods[{i}].containers[0].restarts must be an integer"),
        ("init", 0, "state.pods[{i}].containers[0].init must be true/false"),
        ("lastState", [], "state.pods[{i}].containers[0].lastState must be an object or null"),
        ("state", "exploded", "state.pods[{i}].containers[0].state 'exploded' is unknown"),
    ],
)
def test_a_wrong_type_in_a_container_is_refused_with_its_path(
    state: ClusterState, where: str, value: Any, message: str
) -> None:
    doc = good(state)
    i = next(i for i, p in enumerate(doc["state"]["pods"]) if p["containers"])
    doc["state"]["pods"][i]["containers"][0][where] = value
    assert refused(orjson.dumps(doc)) == message.format(i=i)
    with pytest.raises(jsonschema.ValidationError) as info:
        jsonschema.Draft202012Validator(SCHEMA).validate(doc)
    assert list(info.value.absolute_path)[:5] == ["state", "pods", i, "containers", 0]


def test_a_wrong_last_state_or_volume_is_refused_with_its_path(state: ClusterState) -> None:
    doc = good(state)
    i, j = next(
        (i, j)
        for i, p in enumerate(doc["state"]["pods"])
        for j, c in enumerate(p["containers"])
        if c["lastState"] is not None
    )
    doc["state"]["pods"][i]["containers"][j]["lastState"]["finishedAt"] = "yesterday"
    where = f"state.pods[{i}].containers[{j}].lastState.finishedAt"
    assert refused(orjson.dumps(doc)) == f"{where} must be an integer or a number or null"
    doc = good(state)
    doc["state"]["pods"][0]["volumes"] = [{"name": "data"}]
    assert refused(orjson.dumps(doc)) == "state.pods[0].volumes[0] has no field 'kind'"
    doc = good(state)
    del doc["state"]["pods"][0]["containers"]
    assert refused(orjson.dumps(doc)) == "state.pods[0] has no field 'containers'"


def test_the_order_is_stable_and_line_based(state: ClusterState) -> None:
    shuffled: ClusterState = {
        **state,
        "nodes": state["nodes"][::-1],
        "pods": state["pods"][::-1],
        "controlPlane": state["controlPlane"][::-1],
    }
    a = export.dumps(export.document(state, exported_at=EXPORTED_AT))
    b = export.dumps(export.document(shuffled, exported_at=EXPORTED_AT))
    assert a == b
    doc = orjson.loads(a)
    assert [n["name"] for n in doc["state"]["nodes"]] == sorted(n["name"] for n in state["nodes"])
    keys = [(p["namespace"], p["name"]) for p in doc["state"]["pods"]]
    assert keys == sorted(keys)
    assert list(doc) == sorted(doc)
    assert a.endswith(b"\n") and a.count(b"\n") > len(state["pods"]) * 10  # one value per line: diffs are clean


def test_one_changed_pod_is_a_small_diff(state: ClusterState) -> None:
    changed = copy.deepcopy(state)
    changed["pods"][3]["status"] = "CrashLoopBackOff"
    a = export.dumps(export.document(state, exported_at=EXPORTED_AT)).splitlines()
    b = export.dumps(export.document(changed, exported_at=EXPORTED_AT)).splitlines()
    assert len(a) == len(b)
    assert sum(1 for x, y in zip(a, b, strict=True) if x != y) == 1


def test_round_trip_plain_and_gzip(state: ClusterState) -> None:
    doc = export.document(state, at=state["at"] - 1, exported_at=EXPORTED_AT)
    data = export.dumps(doc)
    assert export.parse(data) == orjson.loads(data)
    assert export.parse(export.compress(data)) == orjson.loads(data)
    assert export.parse(data)["at"] == state["at"] - 1


# -- bad input ---------------------------------------------------------------------------------------------------


def good(state: ClusterState) -> dict[str, Any]:
    return orjson.loads(export.dumps(export.document(state, exported_at=EXPORTED_AT)))


def refused(data: bytes, **kwargs: Any) -> str:
    with pytest.raises(SnapshotError) as info:
        export.parse(data, **kwargs)
    return str(info.value)


def test_invalid_json_is_refused() -> None:
    assert "not valid JSON" in refused(b"{not json")


def test_an_empty_file_is_refused() -> None:
    assert refused(b"  \n") == "the file is empty"


def test_a_truncated_file_says_so(state: ClusterState) -> None:
    data = export.dumps(export.document(state, exported_at=EXPORTED_AT))
    assert "truncated" in refused(data[: len(data) // 2])


def test_a_truncated_gzip_says_so(state: ClusterState) -> None:
    data = export.compress(export.dumps(export.document(state, exported_at=EXPORTED_AT)))
    assert "truncated" in refused(data[: len(data) // 2])


def test_corrupt_gzip_is_refused() -> None:
    assert "not valid gzip" in refused(b"\x1f\x8b" + b"\x00" * 40)


def test_files_over_the_limit_are_refused(state: ClusterState) -> None:
    data = export.dumps(export.document(state, exported_at=EXPORTED_AT))
    assert "larger than the limit" in refused(data, max_bytes=len(data) - 1)


def test_a_gzip_bomb_is_stopped_at_the_limit() -> None:
    bomb = gzip.compress(b" " * (20 * 1024 * 1024))
    assert len(bomb) < 100_000
    assert "unpacks to more than the limit of 10 MB" in refused(bomb, max_bytes=10 * 1024 * 1024)


@pytest.mark.parametrize(
    ("version", "message"),
    [
        ("clusterviz.snapshot/v3", "unsupported snapshot schema 'clusterviz.snapshot/v3'"),
        (None, 'no "schema" field'),
    ],
)
def test_another_schema_version_is_refused(state: ClusterState, version: str | None, message: str) -> None:
    doc = good(state)
    if version is None:
        del doc["schema"]
    else:
        doc["schema"] = version
    assert message in refused(orjson.dumps(doc))


def test_not_an_object_is_refused() -> None:
    assert "expected a JSON object" in refused(b"[1, 2]")


def test_duplicate_node_names_are_refused(state: ClusterState) -> None:
    doc = good(state)
    doc["state"]["nodes"].append(copy.deepcopy(doc["state"]["nodes"][0]))
    assert refused(orjson.dumps(doc)) == f"duplicate node name {doc['state']['nodes'][0]['name']!r}"


def test_duplicate_pods_are_refused(state: ClusterState) -> None:
    doc = good(state)
    pod = copy.deepcopy(doc["state"]["pods"][0])
    doc["state"]["pods"].append({**pod, "uid": "another"})
    assert refused(orjson.dumps(doc)) == f"duplicate pod {pod['namespace']}/{pod['name']}"
    doc["state"]["pods"][-1] = {**pod, "name": "another"}
    assert refused(orjson.dumps(doc)) == f"duplicate pod uid {pod['uid']!r}"


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("state", "pods", 0, "restarts"), "3", "state.pods[0].restarts must be an integer"),
        (("state", "pods", 0, "restarts"), True, "state.pods[0].restarts must be an integer"),
        (("state", "pods", 0, "statusClass"), "weird", "state.pods[0].statusClass 'weird' is unknown"),
        (("state", "nodes", 0, "allocatable"), {"cpu": 1}, "state.nodes[0].allocatable has no field 'memory'"),
        (("state", "nodes"), {}, "state.nodes must be a list"),
        (("cluster",), "../etc", "cluster name '../etc' is not a valid name"),
        (("at",), "yesterday", "the document.at must be an integer or a number"),
    ],
)
def test_wrong_types_are_refused_with_where(
    state: ClusterState, path: tuple[Any, ...], value: Any, message: str
) -> None:
    doc = good(state)
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert refused(orjson.dumps(doc)) == message


def test_what_the_checker_refuses_the_schema_refuses_too(state: ClusterState) -> None:
    doc = good(state)
    doc["state"]["pods"][0]["restarts"] = "3"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(SCHEMA).validate(doc)
