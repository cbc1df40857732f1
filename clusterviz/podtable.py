"""The pods of a state as a table: one JSON array per pod, with the values many pods share written once.

At 150,000 pods the object form of the state's pods (``"pods": [{"uid": …}, …]``) is ~80 MB, most of it the
same keys, namespaces, node names, owners, label sets and statuses again and again. A browser spends 0.6 to 1 s
in ``JSON.parse`` on it before it can draw anything. The table form is the same information in a
third of the bytes and parses nearly three times faster, because a row is an array of scalars::

    "podTable": {
      "columns": ["uid", "name", "namespace", "node", …],      # POD_TABLE_COLUMNS: the meaning of a row's cells
      "interned": ["namespace", "node", …],                   # INTERNED: cells that hold an index into values
      "values": ["default", null, "Running", {"app": "web"}, …],
      "rows": [["6c1f…", "web-5d9c7-abcde", 0, 1, 2, …], …]
    }

A row's cell in an interned column is an index into ``values``; ``usage`` is ``null`` or ``[cpu, memory]``;
the other cells are the PodSummary's values as they are. :func:`decode_pod_table` turns a table back into the
PodSummary list, equal to the object form's ``pods``. Clients ask for it with ``?pods=table`` (see
:mod:`clusterviz.wire`); the object form stays the default.

:class:`PodTableEncoder` keeps one table of values for the life of a store, so every pod's row can be encoded
once and cached like the object form's fragments: a value gets its index the first time a row needs it and
keeps it. Values only some deleted pods used stay in the table; when the table has grown to twice what the
pods used at its last reset (:meth:`PodTableEncoder.overgrown`), the store resets it and encodes every row
again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import orjson

from clusterviz.mapping import pod_failing
from clusterviz.wire import PodSummary, PodView

POD_TABLE_COLUMNS: Final[tuple[str, ...]] = (
    "uid",
    "name",
    "namespace",
    "node",
    "phase",
    "status",
    "statusClass",
    "readyContainers",
    "totalContainers",
    "restarts",
    "owner",
    "qosClass",
    "labels",
    "requests",
    "usage",
    "message",
    "createdAt",
    "revision",
    "failing",
)
INTERNED: Final[tuple[str, ...]] = (
    "namespace",
    "node",
    "phase",
    "status",
    "statusClass",
    "owner",
    "qosClass",
    "labels",
    "requests",
    "message",
)
_BEFORE_FAILING: Final = POD_TABLE_COLUMNS[:-1]
"""The columns of tables written before pods carried whether they are failing (history keeps such tables)."""
_BEFORE_REVISION: Final = POD_TABLE_COLUMNS[:-2]
"""The columns of tables written before pods carried their ReplicaSet's revision."""
_INTERNED_AT: Final = tuple(POD_TABLE_COLUMNS.index(c) for c in INTERNED)
_USAGE_AT: Final = POD_TABLE_COLUMNS.index("usage")
RESET_SLACK: Final = 1024
"""Values the table may hold beyond twice what its pods used at the last reset before it is reset again."""

TABLE_HEAD: Final = orjson.dumps({"columns": POD_TABLE_COLUMNS, "interned": INTERNED})[:-1]
"""``{"columns":[…],"interned":[…]`` — the table's fixed first fields, as bytes, without the closing brace."""


class PodTableError(ValueError):
    """A pod table that does not decode (unknown columns, an index out of range, a row of the wrong shape)."""


def kept_json(value: object) -> bytes:
    """orjson bytes to keep: copied to their size. orjson's own result keeps its ~4 KB buffer, which made the
    fragments of 160,000 pods take 1.3 GB instead of 85 MB. The store's fragments and both tables' rows and values
    are kept this way."""
    return bytes(memoryview(orjson.dumps(value)))


class ValueTable:
    """One growing table of shared values, each kept as its JSON: rows refer to a value by its index."""

    def __init__(self) -> None:
        self.values: list[bytes] = []  # each value's JSON, by index
        self._ids: dict[object, int] = {}  # str / None by themselves, objects by their JSON
        self._used_at_reset = 0

    def _id(self, value: object) -> int:
        key: object = value if value is None or isinstance(value, str) else orjson.dumps(value)
        found = self._ids.get(key)
        if found is not None:
            return found
        fragment = bytes(memoryview(key)) if isinstance(key, bytes) else kept_json(value)
        index = self._ids[fragment if isinstance(key, bytes) else key] = len(self.values)
        self.values.append(fragment)
        return index

    def values_json(self) -> bytes:
        return b"[" + b",".join(self.values) + b"]"

    def overgrown(self) -> bool:
        """Whether the table holds so many values no row uses any more that it should be reset."""
        return len(self.values) > 2 * self._used_at_reset + RESET_SLACK

    def reset(self) -> None:
        """Forget every value: every row encoded so far is invalid, the caller encodes them all again."""
        self.values, self._ids = [], {}

    def mark_used(self) -> None:
        """Called after every row was encoded again: what the rows use now is the baseline for growth."""
        self._used_at_reset = len(self.values)


class PodTableEncoder(ValueTable):
    """Rows of pods against one growing table of shared values."""

    def row(self, pod: PodSummary | PodView) -> bytes:
        """One pod's row as JSON bytes."""
        ident = self._id
        usage = pod["usage"]
        return kept_json(
            [
                pod["uid"],
                pod["name"],
                ident(pod["namespace"]),
                ident(pod["node"]),
                ident(pod["phase"]),
                ident(pod["status"]),
                ident(pod["statusClass"]),
                pod["readyContainers"],
                pod["totalContainers"],
                pod["restarts"],
                ident(pod["owner"]),
                ident(pod["qosClass"]),
                ident(pod["labels"]),
                ident(pod["requests"]),
                None if usage is None else [usage["cpu"], usage["memory"]],
                ident(pod["message"]),
                pod["createdAt"],
                pod["revision"],
                pod["failing"] if "failing" in pod else pod_failing(pod["status"], pod["statusClass"]),
            ]
        )


def table_fields(encoder: PodTableEncoder) -> tuple[bytes, bytes]:
    """The bytes of a state around its rows: what goes between the nodes (after their closing bracket) and the
    first row, and after the last."""
    mid = b',"podTable":' + TABLE_HEAD + b',"values":' + encoder.values_json() + b',"rows":['
    return mid, b"]}}"


def table_state_json(state: Mapping[str, Any]) -> bytes:
    """A state whose pods are objects (``"pods": [...]``) as the JSON of its table form."""
    encoder = PodTableEncoder()
    rows = [encoder.row(pod) for pod in state["pods"]]
    rest = orjson.dumps({k: v for k, v in state.items() if k != "pods"})
    table = b"".join((TABLE_HEAD, b',"values":', encoder.values_json(), b',"rows":[', b",".join(rows), b"]}"))
    return rest[:-1] + b',"podTable":' + table + b"}"


def decode_pod_table(table: Mapping[str, Any]) -> list[PodSummary]:
    """The PodSummary list a pod table stands for (raises :class:`PodTableError` when it is not one)."""
    if not isinstance(table, Mapping):
        raise PodTableError("a pod table is a JSON object")
    columns, interned = table.get("columns"), table.get("interned")
    known = list(columns or ()) in (list(POD_TABLE_COLUMNS), list(_BEFORE_FAILING), list(_BEFORE_REVISION))
    if not known or list(interned or ()) != list(INTERNED):
        raise PodTableError(f"unknown pod table columns {columns!r} / interned {interned!r}")
    values, rows = table.get("values"), table.get("rows")
    if not isinstance(values, list) or not isinstance(rows, list):
        raise PodTableError("a pod table has a values list and a rows list")
    out: list[PodSummary] = []
    names = tuple(columns)  # type: ignore[arg-type]
    width = len(names)
    for row in rows:
        if not isinstance(row, list) or len(row) != width:
            raise PodTableError(f"a pod table row has {width} cells: {row!r:.200}")
        cells: list[Any] = list(row)
        for at in _INTERNED_AT:
            index = cells[at]
            if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(values):
                raise PodTableError(f"value index {index!r} out of range in row {row!r:.200}")
            cells[at] = values[index]
        usage = cells[_USAGE_AT]
        if usage is not None:
            if not (isinstance(usage, Sequence) and len(usage) == 2):
                raise PodTableError(f"usage is null or [cpu, memory]: {usage!r:.200}")
            cells[_USAGE_AT] = {"cpu": usage[0], "memory": usage[1]}
        pod = dict(zip(names, cells, strict=True))
        pod.setdefault("revision", None)  # tables stored before the revision column
        if "failing" not in pod:  # … or before the failing one: the same rule as the live pods'
            pod["failing"] = pod_failing(pod["status"], pod["statusClass"])
        out.append(pod)  # type: ignore[arg-type]
    return out


# -- the history form: each pod's containers and volumes beside its row ----------------------------------------

DETAILS_COLUMNS: Final[tuple[str, ...]] = ("containers", "volumes")
DETAILS_HEAD: Final = orjson.dumps({"columns": DETAILS_COLUMNS})[:-1]


def details_table(pods: Iterable[PodView]) -> bytes:
    """``{"columns": ["containers", "volumes"], "values": […], "rows": [[c, v], …]}`` for the pods in the order of
    the state's rows: each pod's container list and volume list is an index into ``values``, so the pods of one
    Deployment that run the same way share one entry (history keeps this; the map's state never carries it)."""
    ids: dict[bytes, int] = {}
    rows: list[bytes] = []
    for pod in pods:
        rows.append(b"[%d,%d]" % (_value_id(ids, pod["containers"]), _value_id(ids, pod["volumes"])))
    return b"".join((DETAILS_HEAD, b',"values":[', b",".join(ids), b'],"rows":[', b",".join(rows), b"]}"))


def _value_id(ids: dict[bytes, int], value: object) -> int:
    """The index of ``value``'s JSON in ``ids``, added if new: kept copied to its size (orjson's own result keeps
    its ~4 KB buffer, and most pods' containers are their own, which made a checkpoint of 32,000 pods peak at
    200 MB for 11 MB of JSON)."""
    key = orjson.dumps(value)
    found = ids.get(key)
    if found is None:
        found = ids[bytes(memoryview(key))] = len(ids)
    return found


def merge_details(pods: list[PodSummary], table: Mapping[str, Any]) -> list[PodView]:
    """The pods of a decoded table (changed in place) with their containers and volumes from
    :func:`details_table`'s output."""
    if not isinstance(table, Mapping) or list(table.get("columns") or ()) != list(DETAILS_COLUMNS):
        raise PodTableError(f"unknown pod details: {table!r:.200}")
    values, rows = table.get("values"), table.get("rows")
    if not isinstance(values, list) or not isinstance(rows, list) or len(rows) != len(pods):
        raise PodTableError("pod details have a values list and one row per pod")
    for pod, row in zip(pods, rows, strict=True):
        if not (isinstance(row, list) and len(row) == 2 and all(_index_in(i, values) for i in row)):
            raise PodTableError(f"a pod details row is two value indexes: {row!r:.200}")
        view: dict[str, Any] = pod  # type: ignore[assignment]
        view["containers"], view["volumes"] = values[row[0]], values[row[1]]  # the decoded pods are fresh dicts
    return pods  # type: ignore[return-value]


def _index_in(index: object, values: list[Any]) -> bool:
    return isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(values)


def unpack_pods(state: dict[str, Any]) -> None:
    """Turn a state's ``podTable`` (and ``podDetails``, when history stored them) into ``pods`` objects, in place;
    a state whose pods are objects already is left as it is."""
    table, details = state.pop("podTable", None), state.pop("podDetails", None)
    if table is not None:
        pods = decode_pod_table(table)
        state["pods"] = pods if details is None else merge_details(pods, details)
