"""Named scenarios: what happens in the fake cluster over simulated time.

A scenario only schedules actions on the cluster's queue (``cluster.schedule``) that call its scripting API,
so everything stays deterministic: each scenario draws from its own ``random.Random`` seeded from the
cluster's seed, never from the global one, and never reads the wall clock.

* ``demo``  — life on a schedule: scale up and back down, rolling updates (one with an image that cannot be
  pulled, rolled back later), a pod in CrashLoopBackOff, a pod that cannot be scheduled, a worker that goes
  NotReady (or silent) and comes back with its pods evicted and rescheduled, Jobs that complete.
* ``quiet`` — nothing happens but lease renewals and heartbeats: tests script every change themselves.
* ``churn`` — steady random pod churn (deletions, container restarts, small scale changes) at a target rate
  of watch events per second, for benchmarks.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from clusterviz.fake.cluster import FakeCluster

USERS = ("default", "users-deployment")


class Scenario(Protocol):
    name: str

    def start(self, cluster: FakeCluster) -> None:
        """Schedule the scenario's first actions; called once, at the end of FakeCluster's construction."""
        ...


class Quiet:
    name = "quiet"
    pauses = False

    def start(self, cluster: FakeCluster) -> None:
        return None


class Demo:
    """Episodes one after another, 30-75 s apart; the first seven in a fixed order, then drawn at random."""

    name = "demo"
    pauses = True  # waits while someone pokes the cluster by hand (FakeCluster.hands_on)
    FIRST = ("scale", "job", "crash", "unschedulable", "rollout", "node_flap", "bad_rollout")

    def __init__(self, *, first_delay: float = 10.0, gap: tuple[float, float] = (30.0, 75.0)) -> None:
        self.first_delay = first_delay
        self.gap = gap
        self.busy: set[str] = set()
        self.counter = 0
        self.version = 0
        self.good_image = "my-repo/users-application"
        self._queue = list(self.FIRST)

    def start(self, cluster: FakeCluster) -> None:
        self.c = cluster
        self.rng = random.Random(f"{cluster.seed}:demo")
        cluster.schedule(self.first_delay, self._next)

    def _next(self) -> None:
        wait = self.c.hands_off_in()
        if wait > 0:  # someone is poking: no new episode under their hands
            self.c.schedule(wait, self._next)
            return
        episode = self._queue.pop(0) if self._queue else self.rng.choice(self.FIRST)
        if episode not in self.busy:
            self.counter += 1
            self._episodes()[episode]()
        self.c.schedule(self.rng.uniform(*self.gap), self._next)

    def _episodes(self) -> dict[str, Callable[[], None]]:
        return {
            "scale": self._scale, "job": self._job, "crash": self._crash, "unschedulable": self._unschedulable,
            "rollout": self._rollout, "node_flap": self._node_flap, "bad_rollout": self._bad_rollout,
        }

    def _later(self, low: float, high: float, action: Callable[[], None]) -> None:
        self.c.schedule(self.rng.uniform(low, high), partial(self._when_idle, action))

    def _when_idle(self, action: Callable[[], None]) -> None:
        """An episode's end (scale back, heal the node, roll back) waits too: it would undo what someone did."""
        wait = self.c.hands_off_in()
        if wait > 0:
            self.c.schedule(wait, partial(self._when_idle, action))
        else:
            action()

    def _done(self, episode: str) -> Callable[[], None]:
        return lambda: self.busy.discard(episode)

    def _scale(self) -> None:
        self.busy.add("scale")
        self.c.scale(*USERS, self.rng.choice((3, 4, 5)))
        self._later(60, 150, self._scale_back)

    def _scale_back(self) -> None:
        self.c.scale(*USERS, 2)
        self.busy.discard("scale")

    def _job(self) -> None:
        name = f"report-{self.counter}"
        if not self.c.has_job("default", name):
            self.c.run_job("default", name, 3, parallelism=2, duration=self.rng.uniform(15, 40), ttl=300)

    def _crash(self) -> None:
        pods = self.c.pods_of(*USERS)
        if not pods:
            return
        pod = self.rng.choice(pods)
        self.busy.add("crash")
        self.c.crash_loop(USERS[0], pod)
        self._later(180, 300, lambda: self._end_crash(pod))

    def _end_crash(self, pod: str) -> None:
        if self.c.has_pod(USERS[0], pod):
            self.c.delete_pod(USERS[0], pod)  # "fixed": its ReplicaSet starts a healthy one
        self.busy.discard("crash")

    def _unschedulable(self) -> None:
        name = f"ml-trainer-{self.counter}"
        self.busy.add("unschedulable")
        self.c.add_unschedulable_pod("default", name)
        self._later(180, 300, lambda: self._end_unschedulable(name))

    def _end_unschedulable(self, name: str) -> None:
        if self.c.has_pod("default", name):
            self.c.delete_pod("default", name)
        self.busy.discard("unschedulable")

    def _rollout(self) -> None:
        if "bad_rollout" in self.busy:
            return
        self.version += 1
        self.good_image = f"my-repo/users-application:1.{self.version}.0"
        self.c.rolling_update(*USERS, self.good_image)

    def _bad_rollout(self) -> None:
        self.busy.add("bad_rollout")
        self.c.rolling_update(*USERS, "my-repo/users-application:2.0.0-rc1", pullable=False)
        self._later(120, 240, self._roll_back)

    def _roll_back(self) -> None:
        self.c.rolling_update(*USERS, self.good_image)
        self.busy.discard("bad_rollout")

    def _node_flap(self) -> None:
        workers = [w for w in self.c.workers() if self.c.node_is_ready(w)]
        if len(workers) < 2:
            return
        node = self.rng.choice(workers)
        self.busy.add("node_flap")
        self.c.set_node_ready(node, False, reachable=self.rng.random() < 0.5)
        self._later(420, 540, lambda: self._end_flap(node))

    def _end_flap(self, node: str) -> None:
        if node in self.c.workers():
            self.c.set_node_ready(node, True)
        self.busy.discard("node_flap")


class Churn:
    """Random pod churn: ~75 % pod deletions, ~20 % container restarts, ~5 % scale changes of ±1."""

    name = "churn"
    pauses = False
    EVENTS_PER_ACTION = 7.0  # measured average of watch events one churn action causes (see tests)

    def __init__(self, events_per_second: float = 50.0) -> None:
        if events_per_second <= 0:
            raise ValueError("events_per_second must be positive")
        self.events_per_second = events_per_second
        self.base: dict[tuple[str, str], int] = {}

    def start(self, cluster: FakeCluster) -> None:
        self.c = cluster
        self.rng = random.Random(f"{cluster.seed}:churn")
        self.rate = self.events_per_second / self.EVENTS_PER_ACTION
        self.base = {(ns, name): replicas for ns, name, replicas in cluster.deployments()}
        cluster.schedule(self.rng.expovariate(self.rate), self._tick)

    def _tick(self) -> None:
        roll = self.rng.random()
        if roll < 0.05:
            self._rescale()
        else:
            target = self.c.pick_pod(self.rng)
            if target is not None:
                if roll < 0.25:
                    self.c.restart_container(*target)
                else:
                    self.c.delete_pod(*target)
        self.c.schedule(self.rng.expovariate(self.rate), self._tick)

    def _rescale(self) -> None:
        if not self.base:
            return
        key = self.rng.choice(sorted(self.base))
        current = {(ns, name): r for ns, name, r in self.c.deployments()}.get(key)
        if current is None:
            return
        low, high = max(self.base[key] - 2, 1), self.base[key] + 2
        step = self.rng.choice((-1, 1))
        self.c.scale(*key, min(max(current + step, low), high))


SCENARIOS: dict[str, Callable[[], Scenario]] = {"demo": Demo, "quiet": Quiet, "churn": Churn}


def make_scenario(name: str) -> Scenario:
    """A scenario by name, with default parameters (construct Demo/Churn yourself to change them)."""
    try:
        return SCENARIOS[name]()
    except KeyError:
        raise ValueError(f"unknown scenario {name!r}; one of {', '.join(sorted(SCENARIOS))}") from None
