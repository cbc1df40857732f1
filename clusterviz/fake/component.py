"""What every simulated component shares: the cluster it runs in, the API server it talks to, the clock."""

from __future__ import annotations

from typing import TYPE_CHECKING

from clusterviz.fake.timeline import Action

if TYPE_CHECKING:
    from clusterviz.fake.cluster import FakeCluster


class Component:
    def __init__(self, c: FakeCluster) -> None:
        self.c = c
        self.api = c.api
        self.rng = c.rng

    def now(self) -> float:
        return self.c.timeline.now()

    def after(self, delay: float, action: Action) -> None:
        self.c.timeline.after(delay, action)
