"""The table form's nodes: what nodes share written once, and decoded back to the very nodes of the object form."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from clusterviz import podtable
from clusterviz.clock import ManualClock
from clusterviz.fake import FakeCluster
from clusterviz.nodetable import NodeTableEncoder, decode_node_table, node_table_fields, unpack_nodes
from clusterviz.store import ClusterStore
from tests.core.test_store import loaded, plain

HOSTILE = '</script><img src=x onerror=alert(1)> "\\ \u202e\U0001f600'


def table_nodes(store: ClusterStore) -> list[dict[str, Any]]:
    state = orjson.loads(store.state_json_parts(b"", "table").join())
    assert "nodes" not in state
    return decode_node_table(state["nodeTable"])  # type: ignore[return-value]


def table_of(nodes: list[dict[str, Any]]) -> dict[str, Any]:
    encoder = NodeTableEncoder()
    rows = [encoder.row(n) for n in nodes]  # type: ignore[arg-type]
    return orjson.loads(node_table_fields(encoder) + b",".join(rows) + b"]}")  # type: ignore[no-any-return]


def fake_nodes(workers: int = 3) -> list[dict[str, Any]]:
    store = loaded(FakeCluster(seed=2, clock=ManualClock(), workers=workers, pods_per_node=4, scenario="quiet"))
    return plain(store.snapshot()["nodes"])  # type: ignore[no-any-return]


def test_a_node_table_decodes_to_the_nodes_it_was_made_of_whatever_they_hold() -> None:
    node = fake_nodes()[1]
    odd = {
        **node,
        "name": HOSTILE,
        "labels": {**node["labels"], HOSTILE: HOSTILE},
        "agents": [
            {**node["agents"][0], "node": None},  # an agent whose node is unknown keeps its null
            {**node["agents"][1], "node": "elsewhere"},
            {**node["agents"][2], "evidence": [HOSTILE]},
        ],
    }
    older = {k: v for k, v in node.items() if k not in ("reporting", "lastReportedAt")}  # a document from before
    nodes = [node, odd, older, {**node, "name": "twin"}]
    assert decode_node_table(table_of(nodes)) == nodes


def test_every_node_gets_agents_of_its_own() -> None:
    nodes = fake_nodes()
    decoded = decode_node_table(table_of(nodes))
    decoded[0]["agents"][0]["health"] = "unhealthy"
    assert decoded[1]["agents"][0]["health"] == nodes[1]["agents"][0]["health"]


def test_nodes_that_run_alike_share_their_values() -> None:
    nodes = fake_nodes(workers=50)
    table = table_of(nodes)
    assert len(orjson.dumps(table)) * 2 < len(orjson.dumps(nodes)), "at most half the bytes of the objects"
    kubelets = {row[table["columns"].index("agents")][0] for row in table["rows"][1:]}
    assert len(kubelets) == 1, "every healthy worker's kubelet is one value"


def test_a_node_table_decodes_only_what_it_should() -> None:
    table = table_of(fake_nodes())
    row, width = table["rows"][0], len(table["columns"])
    bad_cases: list[Any] = [
        [],
        list(table["columns"]),
        {**table, "columns": table["columns"][::-1]},
        {**table, "values": None},
        {**table, "rows": [row[:-1]]},
        {**table, "rows": [[row[0], len(table["values"]), *row[2:]]]},
        {**table, "rows": [[*row[:15], [True], *row[16:]]]},
        {**table, "rows": [[*row[:15], 3, *row[16:]]]},
        {**table, "rows": [[7, *row[1:]]]},
        {**table, "rows": [[*row[: width - 1], row[table["columns"].index("roles")]]]},  # "rest" is an object
    ]
    kubelet = row[table["columns"].index("agents")][0]  # an object, but one with fields of a node's own
    assert decode_node_table({**table, "rows": [[*row[: width - 1], kubelet]]})[0]["name"] == row[0]
    for bad in bad_cases:
        with pytest.raises(podtable.PodTableError):
            decode_node_table(bad)


def test_a_state_without_a_node_table_keeps_its_nodes() -> None:
    nodes = fake_nodes()
    state: dict[str, Any] = {"nodes": nodes}
    unpack_nodes(state)
    assert state == {"nodes": nodes}
    packed: dict[str, Any] = {"nodeTable": table_of(nodes)}
    unpack_nodes(packed)
    assert packed == {"nodes": nodes}


def test_the_node_table_is_reset_when_values_of_changed_nodes_pile_up() -> None:
    """A node whose labels keep changing leaves a value behind each time; once the table has doubled the store
    starts a fresh one and encodes every node's row against it."""
    store = loaded(FakeCluster(seed=3, clock=ManualClock(), workers=4, pods_per_node=2, scenario="quiet"))
    assert table_nodes(store) == plain(store.snapshot()["nodes"])
    used = len(store._node_table.values)
    name = sorted(store._nodes)[-1]
    node = store._nodes[name]
    grown = 0
    for i in range(used + podtable.RESET_SLACK + 10):
        store._nodes[name] = {**node, "labels": {"i": str(i)}}
        store._forget_node_json(name)
        store.state_json_parts(b"", "table")
        grown = max(grown, len(store._node_table.values))
    assert grown <= 2 * used + podtable.RESET_SLACK + 1, "the table was reset once it had doubled"
    assert len(store._node_table.values) < used + 20, "only what the nodes use now is in the new table"
    assert table_nodes(store) == plain(store.snapshot()["nodes"]), "after the reset"
