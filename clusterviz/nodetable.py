"""The nodes of a state as a table, as :mod:`clusterviz.podtable` writes its pods: what nodes share written once.

At 5,000 nodes the object form of ``"nodes"`` is ~9 MB of the table-form state's ~30 MB, and most of it is the
same again on every node: its conditions, versions, capacity, and above all its agents, whose evidence reads the
same on every healthy node ("node Ready: the kubelet reports the node healthy"). Every MB of a first state costs
this browser ~16 ms of its main thread on the way in (BENCHMARKS.md §25), so the table form writes them once::

    "nodeTable": {
      "columns": ["name", "roles", …, "agents", "createdAt", "rest"],   # NODE_TABLE_COLUMNS
      "values": [[], false, "True", {"cpu": 3800, …}, {"name": "kubelet", …}, …],
      "rows": [["worker-1", 0, 1, 2, …, [7, 8, 9], 1766966540.0, 10], …]
    }

A row's ``name`` and ``createdAt`` are the node's own; ``agents`` is a list of indexes, one per agent, each agent
without its ``node`` when that is the node's own name (it always is for a node's agents); ``rest`` is the index
of an object holding the fields a node may lack (``reporting``, ``lastReportedAt``: absent in documents from before
them); every other cell is the index of its value. :func:`decode_node_table` gives the node objects back, equal
to the object form's ``nodes``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import orjson

from clusterviz.podtable import PodTableError, ValueTable, kept_json
from clusterviz.wire import NodeView

NODE_TABLE_COLUMNS: Final[tuple[str, ...]] = (
    "name",
    "roles",
    "controlPlane",
    "ready",
    "conditions",
    "unschedulable",
    "taints",
    "labels",
    "kubeletVersion",
    "containerRuntime",
    "osImage",
    "architecture",
    "allocatable",
    "requested",
    "usage",
    "agents",
    "createdAt",
    "rest",
)
_COLUMNS: Final = NODE_TABLE_COLUMNS[:-1]
"""The columns of a node's own fields (the last, ``rest``, holds those a node may lack)."""
_FIELDS: Final = frozenset(_COLUMNS)
_OWN: Final = frozenset({"name", "agents", "createdAt"})
_INTERNED: Final = _FIELDS - _OWN
NODE_TABLE_HEAD: Final = orjson.dumps({"columns": NODE_TABLE_COLUMNS})[:-1]
"""``{"columns":[…]`` — the table's fixed first field, as bytes, without the closing brace."""


class NodeTableEncoder(ValueTable):
    """Rows of nodes against one growing table of shared values."""

    def row(self, node: NodeView) -> bytes:
        """One node's row as JSON bytes."""
        ident, name = self._id, node["name"]
        view: Mapping[str, Any] = node
        agents = [ident({k: v for k, v in a.items() if k != "node" or v != name}) for a in node["agents"]]
        rest = {k: v for k, v in view.items() if k not in _FIELDS}
        cells = [agents if c == "agents" else view[c] if c in _OWN else ident(view[c]) for c in _COLUMNS]
        return kept_json([*cells, ident(rest)])


def node_table_fields(encoder: NodeTableEncoder) -> bytes:
    """What goes between ``"nodeTable":`` and the first row (the values are those the rows were encoded with)."""
    return NODE_TABLE_HEAD + b',"values":' + encoder.values_json() + b',"rows":['


def decode_node_table(table: Mapping[str, Any]) -> list[NodeView]:
    """The nodes a node table stands for (raises :class:`~clusterviz.podtable.PodTableError` when it is not one)."""
    columns = table.get("columns") if isinstance(table, Mapping) else None
    if list(columns or ()) != list(NODE_TABLE_COLUMNS):
        raise PodTableError(f"unknown node table columns {columns!r:.200}")
    values, rows = table.get("values"), table.get("rows")
    if not isinstance(values, list) or not isinstance(rows, list):
        raise PodTableError("a node table has a values list and a rows list")
    return [_node(row, values) for row in rows]


def _node(row: object, values: list[Any]) -> NodeView:
    if not isinstance(row, list) or len(row) != len(NODE_TABLE_COLUMNS):
        raise PodTableError(f"a node table row has {len(NODE_TABLE_COLUMNS)} cells: {row!r:.200}")
    cells = dict(zip(NODE_TABLE_COLUMNS, row, strict=True))
    name, agents, rest = cells["name"], cells["agents"], _value(cells["rest"], values)
    if not isinstance(name, str) or not isinstance(agents, list) or not isinstance(rest, dict):
        raise PodTableError(f"a node row has a name, a list of agents and an object of the rest: {row!r:.200}")
    node: dict[str, Any] = {c: _value(cells[c], values) if c in _INTERNED else cells[c] for c in _COLUMNS}
    node["agents"] = [_agent(_value(i, values), name) for i in agents]
    node.update((k, v) for k, v in rest.items() if k not in _FIELDS)  # what a node may lack, never its own fields
    return node  # type: ignore[return-value]


def _agent(value: object, node: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PodTableError(f"an agent is an object: {value!r:.200}")
    return {**value} if "node" in value else {**value, "node": node}  # each node's own: never shared


def _value(index: object, values: list[Any]) -> Any:
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(values):
        raise PodTableError(f"value index {index!r:.50} out of range")
    return values[index]


def unpack_nodes(state: dict[str, Any]) -> None:
    """Turn a state's ``nodeTable`` into ``nodes`` objects, in place; a state whose nodes are objects already (the
    object form, or a table-form state written before nodes had a table) is left as it is."""
    table = state.pop("nodeTable", None)
    if table is not None:
        state["nodes"] = decode_node_table(table)
