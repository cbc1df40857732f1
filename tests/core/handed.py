"""A runtime source for tests: a fake cluster's first list, then exactly the changes a test hands it."""

from __future__ import annotations

from collections.abc import Collection

from clusterviz.fake import FakeCluster
from clusterviz.live import Relisted
from clusterviz.wire import SourceStatus

LIVE: SourceStatus = {"kind": "kubernetes", "state": "live", "reason": "", "lastEventAt": None, "resourceVersion": ""}


class HandedSource:
    """Lists ``cluster`` at start (without the kinds in ``hold_back``), then delivers ``changes`` on the next
    poll and nothing after, until a test sets ``changes`` again."""

    def __init__(
        self, cluster: FakeCluster, changes: list[object] | None = None, hold_back: Collection[str] = ()
    ) -> None:
        self.cluster, self.changes = cluster, changes or []
        self.objects, _ = cluster.list_all()
        self.hold_back = hold_back

    def start(self) -> Relisted:
        return Relisted({k: v for k, v in self.objects.items() if k not in self.hold_back})

    def poll(self, elapsed: float) -> list[object]:
        changes, self.changes = self.changes, []
        return changes

    def now(self) -> float:
        return self.cluster.clock.now()

    def status(self) -> SourceStatus:
        return LIVE

    def stop(self) -> None:
        pass
