"""History storage: the rows of :mod:`dashboard.models` in wire shapes, and any stored moment rebuilt.

:class:`HistoryStore` reads and writes checkpoints, change blocks, timeline events, samples and imported
snapshots (``using`` picks the database, so the same code runs on SQLite and PostgreSQL). The models stay in
the ``dashboard`` app (its migrations made them); this module is the only one that queries them.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from django.conf import settings
from django.db import transaction
from django.db.models import Max, Min, Sum

from clusterviz import export
from clusterviz.history import Sample, TimelineEvent, rebuild
from clusterviz.nodetable import unpack_nodes
from clusterviz.podtable import unpack_pods
from clusterviz.wire import ClusterState, Delta
from dashboard.models import ChangeBlock, Checkpoint, ImportedSnapshot
from dashboard.models import Sample as SampleRow
from dashboard.models import TimelineEvent as EventRow


def pack(value: Any) -> bytes:
    return zlib.compress(orjson.dumps(value), 6)


def pack_json(raw: bytes) -> bytes:
    return zlib.compress(raw, 6)


def unpack(blob: bytes | memoryview) -> Any:
    return orjson.loads(zlib.decompress(bytes(blob)))


def unpack_state(blob: bytes | memoryview) -> ClusterState:
    """A checkpoint's state with its pods and nodes as objects, whether it was stored with tables (as the recorder
    writes them now: a third of the bytes, stored as the runtime joined them) or with objects."""
    state = unpack(blob)
    unpack_pods(state)  # with each pod's containers and volumes when they were stored (see podtable.details_table)
    unpack_nodes(state)
    return state


@dataclass(frozen=True)
class HistoryConfig:
    enabled: bool = True
    checkpoint_seconds: float = 600.0
    flush_seconds: float = 5.0
    sample_seconds: float = 60.0
    retention_hours: float = 48.0
    retention_bytes: int = 1024 * 1024 * 1024
    retention_check_seconds: float = 60.0
    import_max_bytes: int = export.DEFAULT_MAX_BYTES

    @classmethod
    def from_settings(cls) -> HistoryConfig:
        return cls(
            enabled=getattr(settings, "CLUSTERVIZ_HISTORY", True),
            checkpoint_seconds=getattr(settings, "CLUSTERVIZ_CHECKPOINT_SECONDS", 600.0),
            flush_seconds=getattr(settings, "CLUSTERVIZ_HISTORY_FLUSH_SECONDS", 5.0),
            sample_seconds=getattr(settings, "CLUSTERVIZ_SAMPLE_SECONDS", 60.0),
            retention_hours=getattr(settings, "CLUSTERVIZ_RETENTION_HOURS", 48.0),
            retention_bytes=int(getattr(settings, "CLUSTERVIZ_RETENTION_MB", 1024)) * 1024 * 1024,
            import_max_bytes=int(getattr(settings, "CLUSTERVIZ_IMPORT_MAX_MB", 128)) * 1024 * 1024,
        )


class HistoryError(LookupError):
    """No stored history covers what was asked for."""


class ImportRefused(ValueError):
    """An import that would clash with something that exists (its name); nothing was changed."""


# -- storage ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Moment:
    state: ClusterState
    checkpoint: int  # the segment the moment belongs to (deltas after it continue its seq)


class HistoryStore:
    """Rows of one database (``using``), in wire shapes."""

    def __init__(self, using: str = "default") -> None:
        self.using = using

    # writing
    def write_checkpoint(self, cluster: str, state: Mapping[str, Any], raw: bytes | None = None) -> int:
        """Store ``state`` (a ClusterState, its pods as objects or as a table); ``raw``, its JSON as the runtime
        made it, is stored as it is instead of serialising ``state`` again."""
        blob = pack_json(raw) if raw is not None else pack(state)
        row = Checkpoint.objects.using(self.using).create(
            cluster=cluster, at=state["at"], seq=state["seq"], revision=state["revision"], size=len(blob), blob=blob
        )
        return int(row.pk)

    def write_changes(
        self,
        checkpoint: int,
        cluster: str,
        deltas: Sequence[Delta],
        raw: Sequence[bytes],
        events: Sequence[TimelineEvent] = (),
        samples: Sequence[Sample] = (),
    ) -> None:
        """One block of consecutive deltas (``raw``: their JSON, to skip re-encoding) with their events."""
        with transaction.atomic(using=self.using):
            if deltas:
                blob = pack_json(b"[" + b",".join(raw) + b"]")
                ChangeBlock.objects.using(self.using).create(
                    checkpoint_id=checkpoint,
                    cluster=cluster,
                    first_seq=deltas[0]["seq"],
                    last_seq=deltas[-1]["seq"],
                    start_at=deltas[0]["at"],
                    end_at=deltas[-1]["at"],
                    count=len(deltas),
                    size=len(blob),
                    blob=blob,
                )
            EventRow.objects.using(self.using).bulk_create(
                EventRow(
                    cluster=cluster,
                    at=e["at"],
                    seq=e["seq"],
                    kind=e["kind"],
                    subject=e["subject"][:320],
                    text=e["text"][:1000],
                )
                for e in events
            )
            for sample in samples:
                blob = pack(sample)
                SampleRow.objects.using(self.using).create(cluster=cluster, at=sample["at"], size=len(blob), blob=blob)

    # reading
    def clusters(self) -> list[str]:
        return sorted(set(Checkpoint.objects.using(self.using).values_list("cluster", flat=True).distinct()))

    def bounds(self, cluster: str) -> tuple[float, float] | None:
        """The first and last recorded moment of a cluster, or None without history."""
        cps = Checkpoint.objects.using(self.using).filter(cluster=cluster).aggregate(lo=Min("at"), hi=Max("at"))
        if cps["lo"] is None:
            return None
        last = ChangeBlock.objects.using(self.using).filter(cluster=cluster).aggregate(hi=Max("end_at"))["hi"]
        return float(cps["lo"]), max(float(cps["hi"]), float(last or cps["hi"]))

    def _checkpoint_at(self, cluster: str, at: float) -> Checkpoint:
        row = Checkpoint.objects.using(self.using).filter(cluster=cluster, at__lte=at).order_by("-at", "-id").first()
        if row is None:
            raise HistoryError(f"no history of {cluster!r} at or before {at}")
        return row

    def _deltas(self, checkpoint: int, after_seq: int, until: float) -> Iterator[Delta]:
        blocks = (
            ChangeBlock.objects.using(self.using)
            .filter(checkpoint_id=checkpoint, last_seq__gt=after_seq, start_at__lte=until)
            .order_by("first_seq")
            .values_list("blob", flat=True)
        )
        for blob in blocks:
            for delta in unpack(blob):
                if delta["seq"] > after_seq and delta["at"] <= until:
                    yield delta

    def state_at(self, cluster: str, at: float) -> Moment:
        """The cluster as it was at ``at``: its checkpoint plus the deltas up to then."""
        row = self._checkpoint_at(cluster, at)
        state = rebuild(unpack_state(row.blob), self._deltas(int(row.pk), int(row.seq), at), at)
        return Moment(state, int(row.pk))

    def deltas_between(self, cluster: str, checkpoint: int, after_seq: int, until: float) -> list[Delta] | None:
        """The deltas after ``after_seq`` up to ``until`` when they continue segment ``checkpoint``; None when
        ``until`` lies in another segment (the caller then fetches the whole state)."""
        try:
            row = self._checkpoint_at(cluster, until)
        except HistoryError:
            return None
        if int(row.pk) != checkpoint:
            return None
        return list(self._deltas(checkpoint, after_seq, until))

    def events(self, cluster: str, start: float, end: float, limit: int = 2000) -> list[TimelineEvent]:
        rows = (
            EventRow.objects.using(self.using)
            .filter(cluster=cluster, at__gte=start, at__lte=end)
            .order_by("at", "id")
            .values("at", "seq", "kind", "subject", "text")[:limit]
        )
        return [dict(r) for r in rows]  # type: ignore[misc]

    def samples(self, cluster: str, start: float, end: float) -> list[Sample]:
        """Samples in [start, end], plus the last one before start (the value in force at start)."""
        rows = SampleRow.objects.using(self.using).filter(cluster=cluster)
        before = rows.filter(at__lt=start).order_by("-at").values_list("blob", flat=True).first()
        inside = rows.filter(at__gte=start, at__lte=end).order_by("at").values_list("blob", flat=True)
        return [unpack(b) for b in ([before] if before is not None else []) + list(inside)]

    def usage(self) -> int:
        """Bytes of history blobs in the database (what retention by size counts; imports excluded)."""
        total = 0
        for model in (Checkpoint, ChangeBlock, SampleRow):
            total += int(model.objects.using(self.using).aggregate(s=Sum("size"))["s"] or 0)
        return total

    # retention
    def enforce_retention(self, max_age_seconds: float, max_bytes: int, now: float) -> int:
        """Drop what is older than the window (keeping what rebuilding its first moment needs), then the oldest
        segments while over the size limit (never a cluster's newest). Returns the checkpoints dropped."""
        dropped = 0
        for cluster in self.clusters():
            bounds = self.bounds(cluster)
            cutoff = max(now, bounds[1] if bounds else 0.0) - max_age_seconds
            dropped += self._drop_before(cluster, cutoff)
        while self.usage() > max_bytes:
            oldest = self._oldest_droppable()
            if oldest is None:
                break
            self._drop_segment(oldest)
            dropped += 1
        return dropped

    def _drop_before(self, cluster: str, cutoff: float) -> int:
        cps = Checkpoint.objects.using(self.using).filter(cluster=cluster)
        base = cps.filter(at__lte=cutoff).order_by("-at", "-id").first()
        if base is None:
            return 0
        with transaction.atomic(using=self.using):
            _, per_model = cps.filter(at__lte=base.at).exclude(pk=base.pk).delete()
            EventRow.objects.using(self.using).filter(cluster=cluster, at__lt=cutoff).delete()
            SampleRow.objects.using(self.using).filter(cluster=cluster, at__lt=cutoff).delete()
        return int(per_model.get(Checkpoint._meta.label, 0))

    def _oldest_droppable(self) -> Checkpoint | None:
        newest = {
            c["cluster"]: c["id"] for c in Checkpoint.objects.using(self.using).values("cluster").annotate(id=Max("id"))
        }
        return Checkpoint.objects.using(self.using).exclude(pk__in=newest.values()).order_by("at", "id").first()

    def _drop_segment(self, row: Checkpoint) -> None:
        following = (
            Checkpoint.objects.using(self.using)
            .filter(cluster=row.cluster, at__gte=row.at)
            .exclude(pk=row.pk)
            .order_by("at", "id")
            .values_list("at", flat=True)
            .first()
        )
        until = float(following) if following is not None else row.at
        with transaction.atomic(using=self.using):
            row.delete(using=self.using)
            EventRow.objects.using(self.using).filter(cluster=row.cluster, at__lt=until).delete()
            SampleRow.objects.using(self.using).filter(cluster=row.cluster, at__lt=until).delete()

    # imported snapshots
    def import_snapshot(
        self, data: bytes, *, name: str | None, filename: str, max_bytes: int, taken: Sequence[str] = ()
    ) -> ImportedSnapshot:
        """Check a snapshot file and store it as replay cluster ``name`` (default: cluster-YYYYmmdd-HHMMSS).

        Raises SnapshotError (bad file) or ImportRefused (the name is taken); either way nothing changes."""
        doc = export.parse(data, max_bytes=max_bytes)
        name = name or default_import_name(doc["cluster"], doc["at"])
        if not export.CLUSTER_NAME.match(name):
            raise ImportRefused(f"{name[:80]!r} is not a valid cluster name (letters, digits, '.', '_', '-')")
        if name in taken:
            raise ImportRefused(f"a live cluster is already called {name!r}; choose another name")
        with transaction.atomic(using=self.using):
            if ImportedSnapshot.objects.using(self.using).filter(name=name).exists():
                raise ImportRefused(f"an imported snapshot is already called {name!r}; choose another name")
            try:
                blob = pack(doc)
            except orjson.JSONEncodeError as error:  # nested deeper than can be stored (254 levels)
                raise export.SnapshotError(f"the snapshot cannot be stored: {error}") from None
            return ImportedSnapshot.objects.using(self.using).create(
                name=name,
                cluster=doc["cluster"],
                at=doc["at"],
                exported_at=doc["exportedAt"],
                imported_at=time.time(),
                filename=filename[:255],
                pods=len(doc["state"]["pods"]),
                nodes=len(doc["state"]["nodes"]),
                size=len(blob),
                blob=blob,
            )

    def imported_names(self) -> list[str]:
        return list(ImportedSnapshot.objects.using(self.using).order_by("name").values_list("name", flat=True))

    def imports(self) -> list[dict[str, Any]]:
        """The imported snapshots, newest import first (name, cluster, at, pods, nodes)."""
        self.expire_imports()
        rows = ImportedSnapshot.objects.using(self.using).order_by("-imported_at")
        return [dict(r) for r in rows.values("name", "cluster", "at", "pods", "nodes")]

    def imported(self, name: str) -> tuple[ImportedSnapshot, export.Snapshot] | None:
        """An imported snapshot, parsed once and kept in a small cache (every panel of a replay reads it: a
        100,000-node snapshot takes seconds to unpack); an expired one is deleted instead."""
        self.expire_imports()
        row = ImportedSnapshot.objects.using(self.using).defer("blob").filter(name=name).first()
        if row is None:
            return None
        key = (self.using, row.pk, row.imported_at)
        doc = _PARSED.get(key)
        if doc is None:
            doc = unpack(ImportedSnapshot.objects.using(self.using).get(pk=row.pk).blob)
            _PARSED.put(key, doc)
        return row, doc

    def delete_import(self, name: str) -> bool:
        deleted, _ = ImportedSnapshot.objects.using(self.using).filter(name=name).delete()
        return deleted > 0

    def expire_imports(self) -> int:
        """Imports older than ``CLUSTERVIZ_IMPORT_KEEP_DAYS`` are deleted (0: kept until someone deletes them)."""
        days = float(getattr(settings, "CLUSTERVIZ_IMPORT_KEEP_DAYS", 30))
        if days <= 0:
            return 0
        old = ImportedSnapshot.objects.using(self.using).filter(imported_at__lt=time.time() - days * 86400)
        return int(old.delete()[0])


def stored_snapshot(store: HistoryStore, cluster: str, at: float | None, exported_at: float) -> export.Snapshot:
    """The export document of a stored moment (None: the latest recorded) or of an imported snapshot."""
    imported = store.imported(cluster)
    if imported is not None:
        return {**imported[1], "exportedAt": exported_at}
    if at is None:
        bounds = store.bounds(cluster)
        if bounds is None:
            raise HistoryError(f"no history of {cluster!r} is stored")
        at = bounds[1]
    return export.document(store.state_at(cluster, at).state, at=at, exported_at=exported_at)


class ParsedCache:
    """The last few parsed imports, by (database, row, import time): bounded by count, since one parsed
    snapshot of 150,000 pods holds about 800 MB (BENCHMARKS.md, the memory of an import)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self.lock = threading.Lock()

    def put(self, key: tuple[Any, ...], value: Any) -> None:
        with self.lock:
            self.entries[key] = value
            while len(self.entries) > max(self.size, 0):
                self.entries.popitem(last=False)

    def get(self, key: tuple[Any, ...]) -> Any:
        """The value, or None."""
        with self.lock:
            if key not in self.entries:
                return None
            self.entries.move_to_end(key)
            return self.entries[key]


_PARSED = ParsedCache(int(getattr(settings, "CLUSTERVIZ_REPLAY_CACHE", 2)))


def default_import_name(cluster: str, at: float) -> str:
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(at))
    return f"{cluster[:40]}-{stamp}"
