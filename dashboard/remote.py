"""What only a cluster's runtime knows, asked for by name: in this process, or of the watcher process.

With ``CLUSTERVIZ_WATCHER=inline`` (the default) each web process runs its clusters' runtimes and
:class:`LocalCluster` answers from them. With ``external`` the runtimes run in ``manage.py watch_cluster``
and a web process runs none: :class:`RemoteCluster` sends a request to the cluster's request channel
(``watcher.<cluster>``) on the channel layer (Redis) and awaits the leader's reply on a channel of its own.
Deltas do not pass through here: the watcher's runtime publishes them to the cluster's group as before.

A request is ``{"type": "watcher.request", "reply": <channel>, "query": <name>, "args": {...}}``; the reply
``{"type": "watcher.reply", "result": ...}`` or ``{"type": "watcher.reply", "error": "refused"|"failed",
"message": ...}``. The queries are few, named and typed (:data:`QUERIES` plus ``state``, ``state.message``,
``state.version``, ``state.entry`` (a state with its version, shared by :mod:`dashboard.firststate`), ``health`` and
``control``), so the same code serves both modes and results survive msgpack.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any, Literal

from channels.layers import BaseChannelLayer, get_channel_layer

from clusterviz.grouping import object_summary, pods_of, services_of
from clusterviz.live import FIRST_LIST_WAIT, STATE_MESSAGE_FIELDS, ClusterRuntime, StateVersion
from clusterviz.sources import FakeSource
from clusterviz.store import ClusterStore, PodFormat, pod_format

log = logging.getLogger(__name__)
Frame = Literal["message", "json"]
"""A first state as the websocket's first message (``{"type":"state",...}``) or as the state endpoint's body."""
QUERY_TIMEOUT = 5.0
"""Seconds a web process waits for the watcher's answer to a panel query."""
STATE_TIMEOUT = 30.0
"""Seconds it waits for a whole state (tens of MB at 150,000 pods)."""
WHOLE_STATES = frozenset({"state", "state.message", "state.entry"})
"""The queries answered with a whole state: the watcher answers one at a time (see :func:`serve`)."""


class WatcherUnavailable(RuntimeError):
    """No watcher answered (none running, a handover in progress, or the channel layer is down)."""


class QueryRefused(ValueError):
    """The watcher answered, and the answer is no (e.g. a fake-cluster control with bad input)."""


def request_channel(cluster: str) -> str:
    """The channel the cluster's active watcher reads requests from (names are validated: they fit)."""
    return f"watcher.{cluster}"


# -- the named queries: (store, args) -> plain data ----------------------------------------------------------


def no_metrics(store: ClusterStore, what: str) -> str:
    """What a panel says instead of measured usage when it has none. Not an error: most clusters (and the
    fake) have no metrics-server."""
    if store.usage_available:
        return f"no metrics for this {what} yet"
    return f"no metrics ({store.usage_reason or 'metrics-server not installed'})"


def _counts(store: ClusterStore, args: dict[str, Any]) -> dict[str, int]:
    return store.counts()


def _node(store: ClusterStore, args: dict[str, Any]) -> dict[str, Any] | None:
    """What the node panel shows: the node, its pods, the why (its conditions with reasons, its heartbeat
    lease, the Warning events about it) and the moment all this describes."""
    node = store.node(str(args["name"]))
    if node is None:
        return None
    name = node["name"]
    return {
        "node": node,
        "pods": store.pods_on(name),
        "conditions": store.node_conditions(name),
        "lease": store.node_lease(name),
        "events": store.warnings_about("Node", "", name),
        "no_metrics": no_metrics(store, "node"),
        "at": store.now,
    }


def _pod(store: ClusterStore, args: dict[str, Any]) -> dict[str, Any] | None:
    namespace, name = str(args["namespace"]), str(args["name"])
    pod = store.pod(namespace, name)
    if pod is None:
        return None
    return {
        "pod": pod,
        "node": store.node(pod["node"]) if pod["node"] else None,  # whether its kubelet still vouches for it
        "conditions": store.pod_conditions(namespace, name),
        "services": [s["name"] for s in services_of(pod, store.object_views())],
        "events": store.warnings_about("Pod", namespace, name),
        "no_metrics": no_metrics(store, "pod"),
        "at": store.now,
    }


def _object(store: ClusterStore, args: dict[str, Any]) -> dict[str, Any] | None:
    """What a workload, Service or claim panel shows: the object, the pods it groups (and a claim's volume)."""
    kind, namespace, name = str(args["kind"]), str(args.get("namespace") or ""), str(args["name"])
    view = store.object_view(kind, namespace, name)
    if view is None:
        return None
    claim = view["kind"] == "PersistentVolumeClaim"
    volume = store.object_view("PersistentVolume", "", view["volume"]) if claim else None  # type: ignore[typeddict-item]
    pods = store.pods_in(namespace) if kind != "PersistentVolume" else []
    return {
        "object": view,
        "pods": pods_of(view, pods),
        "volume": volume,
        "events": store.warnings_about(kind, namespace, name),
        "at": store.now,
    }


def _objects(store: ClusterStore, args: dict[str, Any]) -> dict[str, Any]:
    """The list beside the map: a line per workload, Service and claim (no endpoint lists: they can be long)."""
    return {
        "objects": [object_summary(o) for o in store.object_views() if o["kind"] != "PersistentVolume"],
        "rollouts": dict(store.rollouts),
        "at": store.now,
    }


def _process(store: ClusterStore, args: dict[str, Any]) -> dict[str, Any] | None:
    process = store.process(str(args["name"]), args.get("node") or None)
    return None if process is None else {"process": process, "at": store.now}


QUERIES: dict[str, Callable[[ClusterStore, dict[str, Any]], Any]] = {
    "counts": _counts,
    "node": _node,
    "pod": _pod,
    "process": _process,
    "object": _object,
    "objects": _objects,
}


async def answer(runtime: ClusterRuntime, query: str, args: dict[str, Any]) -> Any:
    """Answer one query from a runtime in this process. A fresh leader may still be listing: wait a moment
    for its first list, never longer (the runtime's own task starts it; a page must not hang on a cluster)."""
    await runtime.awaited_start(FIRST_LIST_WAIT)
    if query in ("state", "state.message"):
        fields = STATE_MESSAGE_FIELDS if query == "state.message" else b""
        return await asyncio.to_thread(runtime.state_json, fields, _pods_arg(args))
    if query == "state.version":
        return list(await asyncio.to_thread(runtime.state_version))
    if query == "state.entry":
        fields = STATE_MESSAGE_FIELDS if args.get("frame") == "message" else b""
        version, data = await asyncio.to_thread(runtime.state_entry, fields, _pods_arg(args))
        return {"version": list(version), "data": data}
    if query == "health":
        from dashboard import metrics

        return await asyncio.to_thread(metrics.health, runtime)
    if query == "control":
        return await _control(runtime, str(args.get("action", "")), dict(args.get("form") or {}))
    fn = QUERIES.get(query)
    if fn is None:
        raise QueryRefused(f"no query named {query!r}")
    return await runtime.aread(lambda store: fn(store, args))


def _pods_arg(args: dict[str, Any]) -> PodFormat:
    try:
        return pod_format(args.get("pods"))
    except ValueError as error:
        raise QueryRefused(str(error)) from None


async def _control(runtime: ClusterRuntime, action: str, form: dict[str, str]) -> dict[str, Any]:
    """Press a fake-cluster button: its answer (what it did, or why not) comes back as plain data."""
    from dashboard.fake_controls import CONTROLS, press

    control = next((c for c in CONTROLS if c.action == action), None)
    if control is None or not isinstance(runtime.source, FakeSource):
        raise QueryRefused(f"no control {action!r} for cluster {runtime.name!r}")
    return await press(runtime.source, control, form)


# -- the two ways to ask ---------------------------------------------------------------------------------------


class LocalCluster:
    """A cluster whose runtime runs in this process (started on first use by the hub)."""

    def __init__(self, hub: Any, name: str) -> None:
        self.hub, self.name = hub, name

    async def query(self, query: str, **args: Any) -> Any:
        return await answer(await self.hub.running(self.name), query, args)

    async def state_json(self, pods: PodFormat = "objects") -> bytes:
        runtime = await self.hub.running(self.name)
        return bytes(await runtime.astate_json(pods))

    async def state_message(self, pods: PodFormat = "objects") -> str:
        runtime = await self.hub.running(self.name)
        return str(await runtime.astate_message(pods))

    async def state_version(self) -> StateVersion:
        runtime = await self.hub.running(self.name)
        return await asyncio.to_thread(runtime.state_version)

    async def state_entry(self, frame: Frame, pods: PodFormat) -> tuple[StateVersion, bytes]:
        """The state (``frame="message"``: the websocket's first message) with its version, as the runtime shares it."""
        runtime = await self.hub.running(self.name)
        fields = STATE_MESSAGE_FIELDS if frame == "message" else b""
        return await asyncio.to_thread(runtime.state_entry, fields, pods)


class RemoteCluster:
    """A cluster whose runtime runs in the watcher process, asked over the channel layer."""

    def __init__(self, name: str, layer: BaseChannelLayer | None = None) -> None:
        self.name = name
        self._layer = layer

    async def query(self, query: str, *, timeout: float = QUERY_TIMEOUT, **args: Any) -> Any:
        layer = self._layer or get_channel_layer()
        if layer is None:
            raise WatcherUnavailable("no channel layer is configured")
        try:
            reply = await layer.new_channel()
            request = {"type": "watcher.request", "reply": reply, "query": query, "args": args, "timeout": timeout}
            await layer.send(request_channel(self.name), request)
            message = await asyncio.wait_for(layer.receive(reply), timeout)
        except TimeoutError:
            raise WatcherUnavailable(f"no watcher of cluster {self.name!r} answered within {timeout:g} s") from None
        except Exception as error:  # the layer is down (e.g. Redis restarting), or the request channel is full
            raise WatcherUnavailable(f"cannot reach the watcher of cluster {self.name!r}: {error!r}") from None
        if message.get("error") == "refused":
            raise QueryRefused(str(message.get("message", "")))
        if "error" in message:
            raise WatcherUnavailable(f"the watcher of cluster {self.name!r} failed: {message.get('message')}")
        return message.get("result")

    async def state_json(self, pods: PodFormat = "objects") -> bytes:
        return bytes(await self.query("state", timeout=STATE_TIMEOUT, pods=pods))

    async def state_message(self, pods: PodFormat = "objects") -> str:
        return bytes(await self.query("state.message", timeout=STATE_TIMEOUT, pods=pods)).decode()

    async def state_version(self) -> StateVersion:
        instance, revision, seq = await self.query("state.version")
        return int(instance), int(revision), int(seq)

    async def state_entry(self, frame: Frame, pods: PodFormat) -> tuple[StateVersion, bytes]:
        entry = await self.query("state.entry", timeout=STATE_TIMEOUT, frame=frame, pods=pods)
        instance, revision, seq = entry["version"]
        return (int(instance), int(revision), int(seq)), bytes(entry["data"])

    # what code written for a runtime (``hub.running(...)``) uses, so it keeps working in external mode
    async def astate_json(self, pods: PodFormat = "objects") -> bytes:
        return await self.state_json(pods)

    async def astate_message(self, pods: PodFormat = "objects") -> str:
        return await self.state_message(pods)

    async def aread(self, fn: Callable[[ClusterStore], Any]) -> Any:
        raise TypeError("the runtime runs in the watcher process: ask it a named query (dashboard.remote.QUERIES)")


# -- the watcher's side ------------------------------------------------------------------------------------------


async def serve(runtime: ClusterRuntime, layer: BaseChannelLayer, retry: float = 1.0) -> None:
    """Answer the requests of web processes for one cluster, until cancelled (only the leader does this).

    Whole states are answered one at a time: each is tens of MB, and its encoding for the channel layer as
    much again, so requests that pile up while the watcher is busy (its first list of 150,000 pods) would
    otherwise make several at once. One that waited longer than its asker waits is dropped unanswered."""
    channel = request_channel(runtime.name)
    pending: set[asyncio.Task[None]] = set()
    whole_state = asyncio.Semaphore(1)
    failures = 0
    try:
        while True:
            try:
                message = await layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # Redis restarting: keep trying; report once (a lone timeout is normal)
                failures += 1
                if failures == 2:
                    log.warning("cluster %s: cannot read requests from the channel layer: %r", runtime.name, error)
                await asyncio.sleep(retry if failures > 1 else 0)
                continue
            if failures > 1:
                log.info("cluster %s: reading requests again", runtime.name)
            failures = 0
            task = asyncio.create_task(_reply_in_turn(runtime, layer, message, whole_state))
            pending.add(task)
            task.add_done_callback(pending.discard)
    finally:
        for task in pending:
            task.cancel()


async def _reply_in_turn(
    runtime: ClusterRuntime, layer: BaseChannelLayer, message: dict[str, Any], whole_state: asyncio.Semaphore
) -> None:
    """Reply at once, or a whole state after the one being answered, unless its asker has given up by then."""
    if message.get("query") not in WHOLE_STATES:
        return await _reply(runtime, layer, message)
    received = time.monotonic()
    async with whole_state:
        timeout = message.get("timeout")
        waited = time.monotonic() - received
        if isinstance(timeout, int | float) and waited > timeout:
            why = "cluster %s: dropped a state request that waited %.1f s (its asker waits %g s)"
            log.info(why, runtime.name, waited, timeout)
            return None
        return await _reply(runtime, layer, message)


async def _reply(runtime: ClusterRuntime, layer: BaseChannelLayer, message: dict[str, Any]) -> None:
    reply = message.get("reply")
    if not isinstance(reply, str):
        return
    try:
        result: dict[str, Any] = {"result": await answer(runtime, str(message.get("query")), message.get("args") or {})}
    except QueryRefused as refused:
        result = {"error": "refused", "message": str(refused)}
    except Exception as error:
        log.exception("cluster %s: query %r failed", runtime.name, message.get("query"))
        result = {"error": "failed", "message": repr(error)}
    try:
        await layer.send(reply, {"type": "watcher.reply", **result})
    except Exception as error:
        log.warning("cluster %s: could not reply to %s: %r", runtime.name, reply, error)
