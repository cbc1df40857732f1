"""Buttons that script the fake cluster, so someone learning Kubernetes can poke it and watch it react.

Each button takes its target from its form (hidden inputs ``node``, ``pod`` = "namespace/name" and
``deployment`` = "namespace/name", filled from the map's selection by static/clusterviz/fake_controls.js);
without one it picks a sensible target (heal a node that is broken, crash a pod on a ready node). The press
runs on the runtime's thread (``FakeSource.ask``) and answers what it did or why it could not, as an
``Answer`` of English message ids that the view says in the viewer's language (the watcher that runs the
script may be another process, and does not know that language). Every press makes the demo's own script
wait (``FakeCluster.hands_on``), so the cluster does not change under the hands of whoever is poking it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop as N_

from clusterviz.events import RawObject, WatchEvent
from clusterviz.fake import FakeCluster, Invalid
from clusterviz.sources import FakeSource

USERS = ("default", "users-deployment")
MAX_REPLICAS = 50
ANSWER_WAIT = 3.0  # seconds a press waits for the runtime to run it (a tick is 0.25 s); under the 5 s query timeout
State = Literal["done", "unchanged", "refused", "invalid"]
# unchanged: what the press asks for holds already (scale to the current count, heal a Ready node): accepted,
# as the API accepts an update that changes nothing; refused: it cannot be done in the cluster's state.
STATUS: dict[str, int] = {"done": 202, "unchanged": 202, "refused": 409, "invalid": 400}


@dataclass(frozen=True)
class Answer:
    """What a press did (done), that nothing needed doing (unchanged), or why not (refused: the cluster's
    state; invalid: the form)."""

    state: State
    text: str  # an English message id (gettext_noop) with %(name)s parameters
    params: dict[str, str] = field(default_factory=dict)
    note: str = ""  # a teaching note, a message id as well
    pause: int = 0  # seconds the demo's own script now waits


class BadInput(ValueError):
    def __init__(self, text: str, params: dict[str, str] | None = None) -> None:
        super().__init__(text % (params or {}))
        self.text, self.params = text, params or {}


Events = list[WatchEvent]
Ask = Callable[[FakeCluster], tuple[Events, Answer]]


def done(text: str, **params: str) -> tuple[Events, Answer]:
    return [], Answer("done", text, params)


def refused(text: str, **params: str) -> tuple[Events, Answer]:
    return [], Answer("refused", text, params)


def unchanged(text: str, **params: str) -> tuple[Events, Answer]:
    return [], Answer("unchanged", text, params)


# ---------------------------------------------------------------------------------------------- targets


def _name_pair(post: QueryDict, key: str, default: tuple[str, str] | None = None) -> tuple[str, str] | None:
    value = (post.get(key) or "").strip()
    if not value:
        return default
    namespace, _slash, name = value.partition("/")
    if not namespace or not name or len(value) > 320:
        raise BadInput(N_("%(field)s must be namespace/name"), {"field": key})
    return namespace, name


def _is_worker(node: RawObject) -> bool:
    return "node-role.kubernetes.io/control-plane" not in node["metadata"].get("labels", {})


def _pod_node_ready(cluster: FakeCluster, pod: RawObject) -> bool:
    node = pod["spec"].get("nodeName")
    return bool(node) and cluster.node_is_ready(node)


def _running(pod: RawObject) -> bool:
    statuses = pod["status"].get("containerStatuses") or []
    return pod["status"].get("phase") == "Running" and bool(statuses) and "running" in statuses[0]["state"]


def _live_pods(cluster: FakeCluster, namespace: str, prefix: str) -> list[RawObject]:
    found = (cluster.get("Pod", namespace, name) for name in cluster.pods_of(namespace, prefix))
    return [p for p in found if p is not None and not p["metadata"].get("deletionTimestamp")]


def _pod(cluster: FakeCluster, key: tuple[str, str]) -> RawObject | None:
    pod = cluster.get("Pod", *key)
    return None if pod is None or pod["metadata"].get("deletionTimestamp") else pod


def _services_of(cluster: FakeCluster, pod: RawObject) -> str:
    labels = pod["metadata"].get("labels", {})
    names = [s["metadata"]["name"] for s in cluster.list("Service")[0]
             if s["metadata"]["namespace"] == pod["metadata"]["namespace"] and s["spec"].get("selector")
             and all(labels.get(k) == v for k, v in s["spec"]["selector"].items())]
    return ", ".join(names) or "none"


def _deployment(cluster: FakeCluster, key: tuple[str, str]) -> RawObject:
    dep = cluster.get("Deployment", *key)
    if dep is None:
        raise BadInput(N_("There is no Deployment %(name)s."), {"name": "/".join(key)})
    return dep


# ---------------------------------------------------------------------------------------------- nodes


def _break(post: QueryDict) -> Ask:
    wanted = (post.get("node") or "").strip()
    # reachable=False: the kubelet falls silent (no lease renewals, no status), as the button says, rather
    # than reporting NotReady: only the lease's age and then the node lifecycle controller tell.
    def ask(cluster: FakeCluster) -> tuple[Events, Answer]:
        node = wanted or next((w for w in sorted(cluster.workers()) if cluster.node_is_ready(w)), "")
        why = _not_a_worker(cluster, node)
        if why is not None:
            return why
        if not cluster.node_is_ready(node):
            return unchanged(N_("%(node)s is broken already: its kubelet is not reporting."), node=node)
        events = cluster.set_node_ready(node, False, reachable=False)
        return events, Answer("done", N_("%(node)s's kubelet stopped reporting. In about 50 s the node lifecycle "
                                         "controller marks it Unknown; its pods are evicted after 5 minutes."),
                              {"node": node})

    return ask


def _heal(post: QueryDict) -> Ask:
    wanted = (post.get("node") or "").strip()

    def ask(cluster: FakeCluster) -> tuple[Events, Answer]:
        node = wanted or next((w for w in sorted(cluster.workers()) if not cluster.node_is_ready(w)), "")
        if not node:
            return refused(N_("No worker is broken: there is nothing to heal."))
        why = _not_a_worker(cluster, node)
        if why is not None:
            return why
        if cluster.node_is_ready(node):
            return unchanged(N_("%(node)s is Ready: there is nothing to heal."), node=node)
        return cluster.set_node_ready(node, True), Answer(
            "done", N_("%(node)s's kubelet reports again: the node turns Ready and its taints go."), {"node": node})

    return ask


def _not_a_worker(cluster: FakeCluster, node: str) -> tuple[Events, Answer] | None:
    if not node:
        return refused(N_("No worker is Ready: there is none left to break."))
    known = {n["metadata"]["name"]: n for n in cluster.list("Node")[0]}
    if node not in known:
        return refused(N_("There is no node %(node)s."), node=node)
    if not _is_worker(known[node]):
        return refused(N_("%(node)s is the control-plane node: these buttons break workers only."), node=node)
    return None


# ---------------------------------------------------------------------------------------------- pods


def _pick_pod(cluster: FakeCluster, post: QueryDict, usable: Callable[[RawObject], bool]) -> RawObject | None:
    """The selected pod, or the first users pod that `usable` accepts."""
    key = _name_pair(post, "pod")
    if key is not None:
        return _pod(cluster, key)
    return next((p for p in _live_pods(cluster, *USERS) if usable(p)), None)


def _crash(post: QueryDict) -> Ask:
    _name_pair(post, "pod")  # a malformed target is refused before anything runs

    def ask(cluster: FakeCluster) -> tuple[Events, Answer]:
        pod = _pick_pod(cluster, post, lambda p: _running(p) and _pod_node_ready(cluster, p))
        if pod is None:
            return refused(N_("No pod to crash: none is running on a Ready node."))
        return _crash_pod(cluster, pod)

    return ask


def _crash_pod(cluster: FakeCluster, pod: RawObject) -> tuple[Events, Answer]:
    ns, name, node = pod["metadata"]["namespace"], pod["metadata"]["name"], pod["spec"].get("nodeName") or ""
    if not node:
        return refused(N_("%(pod)s is not on a node yet: there is no container to crash."), pod=name)
    if not cluster.node_is_ready(node):
        return refused(N_("%(pod)s is on %(node)s, whose kubelet is not reporting: nothing there can run or "
                          "crash it now. Heal the node first."), pod=name, node=node)
    if not _running(pod):
        return refused(N_("%(pod)s's container is not running: there is nothing to crash."), pod=name)
    return cluster.crash_loop(ns, name), Answer(
        "done", N_("%(pod)s's container exits with code 1 and keeps doing so: the kubelet restarts it, waiting "
                   "longer each time (CrashLoopBackOff)."), {"pod": name})


def _not_ready(post: QueryDict) -> Ask:
    _name_pair(post, "pod")

    def ask(cluster: FakeCluster) -> tuple[Events, Answer]:
        pod = _pick_pod(cluster, post, lambda p: _ready(p) and _pod_node_ready(cluster, p))
        if pod is None:
            return refused(N_("No pod to make not ready: none is Ready on a Ready node."))
        ns, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
        if not _ready(pod):
            return unchanged(N_("%(pod)s is not Ready already."), pod=name)
        services = _services_of(cluster, pod)
        return cluster.set_pod_ready(ns, name, False), Answer(
            "done", N_("%(pod)s's readiness probe fails: it keeps running, but it is no longer Ready, so it leaves "
                       "the endpoints of its Services (%(services)s)."), {"pod": name, "services": services})

    return ask


def _ready_again(post: QueryDict) -> Ask:
    _name_pair(post, "pod")

    def ask(cluster: FakeCluster) -> tuple[Events, Answer]:
        pod = _pick_pod(cluster, post, lambda p: _running(p) and not _ready(p) and _pod_node_ready(cluster, p))
        if pod is None:
            return refused(N_("Every running pod is Ready: there is none to make ready."))
        ns, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
        return cluster.set_pod_ready(ns, name, True), Answer(
            "done", N_("%(pod)s's readiness probe passes again: it is Ready and back in its Services' endpoints."),
            {"pod": name})

    return ask


def _ready(pod: RawObject) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions", []))


def _unschedulable(post: QueryDict) -> Ask:
    def ask(cluster: FakeCluster) -> tuple[Events, Answer]:
        name = f"too-big-{cluster.resource_version}"
        return cluster.add_unschedulable_pod("default", name), Answer(
            "done", N_("Pod %(pod)s asks for 64 CPUs and 256 GiB of memory: no node has that much, so the "
                       "scheduler leaves it Pending."), {"pod": name})

    return ask


COMPONENTS = ("kube-scheduler", "kube-apiserver", "kube-controller-manager", "etcd")


def _crash_component(post: QueryDict) -> Ask:
    component = post.get("component", COMPONENTS[0])
    if component not in COMPONENTS:
        raise BadInput(N_("component must be one of %(names)s"), {"names": ", ".join(COMPONENTS)})

    def ask(cluster: FakeCluster) -> tuple[Events, Answer]:
        pods = _live_pods(cluster, "kube-system", f"{component}-")
        if not pods:
            return refused(N_("%(component)s has no static pod to crash."), component=component)
        return _crash_pod(cluster, pods[0])

    return ask


# ---------------------------------------------------------------------------------------------- workloads


def _replicas(post: QueryDict) -> int:
    try:
        replicas = int(post.get("replicas", "3"))
    except ValueError:
        raise BadInput(N_("replicas must be a whole number")) from None
    if not 0 <= replicas <= MAX_REPLICAS:
        raise BadInput(N_("replicas must be between 0 and %(max)s"), {"max": str(MAX_REPLICAS)})
    return replicas


def _scale(post: QueryDict) -> Ask:
    replicas = _replicas(post)
    key = _name_pair(post, "deployment", USERS) or USERS

    def ask(cluster: FakeCluster) -> tuple[Events, Answer]:
        before = _deployment(cluster, key)["spec"]["replicas"]
        params = {"deployment": "/".join(key), "replicas": str(replicas), "before": str(before)}
        if before == replicas:
            return [], Answer("unchanged", N_("%(deployment)s has %(replicas)s replicas already."), params)
        return cluster.scale(*key, replicas), Answer(
            "done", N_("%(deployment)s: replicas %(before)s → %(replicas)s. Its ReplicaSet adds or removes pods "
                       "to match."), params)

    return ask


def _rolling_update(post: QueryDict) -> Ask:
    image = (post.get("image") or "").strip()[:200]
    key = _name_pair(post, "deployment", USERS) or USERS

    def ask(cluster: FakeCluster) -> tuple[Events, Answer]:
        dep = _deployment(cluster, key)
        revision = int(dep["metadata"].get("annotations", {}).get("deployment.kubernetes.io/revision", "1"))
        current = dep["spec"]["template"]["spec"]["containers"][0]["image"]
        repository = current.rsplit(":", 1)[0] if ":" in current.rsplit("/", 1)[-1] else current
        new = image or f"{repository}:v{revision + 1}"  # the next version by default: a new revision each press
        params = {"deployment": "/".join(key), "image": new, "revision": str(revision + 1)}
        if new == current:
            return [], Answer("unchanged", N_("%(deployment)s runs %(image)s already: nothing to roll out."), params)
        return cluster.rolling_update(*key, new), Answer(
            "done", N_("%(deployment)s rolls out %(image)s as revision %(revision)s: a new ReplicaSet grows while the "
                       "old one shrinks, within maxSurge and maxUnavailable (25%% each)."), params)

    return ask


def _introduction(post: QueryDict) -> Ask:
    """The introduction's example Deployment, as written: its selector does not match its template."""

    def ask(cluster: FakeCluster) -> tuple[Events, Answer]:
        try:
            events = cluster.create_deployment("default", "users-deployment", replicas=2, selector={"app": "users"},
                                               labels={"app": "nginx"}, image="my-repo/users-application")
        except Invalid as error:
            return [], Answer("refused", N_("The API server refused it: %(message)s"), {"message": str(error)},
                              note=N_("A Deployment finds its pods by its selector, so the selector must match the "
                                      "labels of its own pod template (here app: users against app: nginx). "
                                      "Kubernetes never creates such a Deployment: fix either label."))
        return events, Answer("done", N_("The Deployment was created."))

    return ask


# ---------------------------------------------------------------------------------------------- the list


@dataclass(frozen=True)
class Control:
    action: str
    label: str | Promise  # lazily translated: rendered in the viewer's language
    description: str | Promise
    script: Callable[[QueryDict], Ask]
    takes: tuple[str, ...] = ()  # the targets its form carries (hidden inputs the map's selection fills)


CONTROLS: list[Control] = [
    Control("scale", _("Scale a Deployment"),
            _("Change the replicas of the Deployment chosen on the map (users-deployment if none) and watch its "
              "ReplicaSet add or remove pods."), _scale,
            ("deployment",)),
    Control("rolling-update", _("Roll out a new image"),
            _("Update the Deployment's image: a new ReplicaSet (the next revision) replaces pods one by one."),
            _rolling_update, ("deployment",)),
    Control("node-not-ready", _("Break a worker"),
            _("The kubelet stops reporting: the node turns NotReady and its pods are evicted and rescheduled."),
            _break, ("node",)),
    Control("node-ready", _("Heal the worker"),
            _("The kubelet reports again and the node turns Ready (the selected node, or one that is broken)."),
            _heal, ("node",)),
    Control("crash", _("Crash a pod"),
            _("A pod's container keeps exiting: CrashLoopBackOff, with growing restarts (the selected pod, or a "
              "users pod on a Ready node)."), _crash, ("pod",)),
    Control("pod-not-ready", _("Make a pod not ready"),
            _("Its readiness probe fails: the pod keeps running but leaves its Service's endpoints."), _not_ready,
            ("pod",)),
    Control("pod-ready", _("Make it ready again"),
            _("Its readiness probe passes again: the pod returns to its Service's endpoints."), _ready_again,
            ("pod",)),
    Control("crash-component", _("Crash the scheduler"),
            _("kube-scheduler's static pod keeps exiting: the control plane shows the process unhealthy."),
            _crash_component),
    Control("unschedulable", _("Ask for too much"),
            _("A pod requests more than any node has: the scheduler leaves it Pending."), _unschedulable),
    Control("introduction", _("Apply the introduction's Deployment"),
            _("The example as the introduction writes it: selector app: users, template label app: nginx."),
            _introduction),
]


# ---------------------------------------------------------------------------------------------- a press


def _poking(ask: Ask) -> Ask:
    def run(cluster: FakeCluster) -> tuple[Events, Answer]:
        pause = int(cluster.hands_on())
        try:
            events, answer = ask(cluster)
        except BadInput as error:
            events, answer = [], Answer("invalid", error.text, error.params)
        return events, Answer(answer.state, answer.text, answer.params, answer.note, pause)

    return run


async def press(source: FakeSource, control: Control, form: dict[str, str]) -> dict[str, Any]:
    """Run a control on the source's next poll and return its Answer (as a dict: it may cross processes)."""
    post = QueryDict(mutable=True)
    post.update(form)
    try:
        ask = control.script(post)
    except BadInput as error:
        return asdict(Answer("invalid", error.text, error.params))
    future = source.ask(_poking(ask))
    try:
        answer: Answer = await asyncio.wait_for(asyncio.wrap_future(future), ANSWER_WAIT)
    except TimeoutError:
        return asdict(Answer("done", N_("Sent to the cluster: it acts on its next tick.")))
    return asdict(answer)


def render_answer(request: HttpRequest, answer: dict[str, Any]) -> HttpResponse:
    """The fragment swapped in beside the button: what it did or why not, in the viewer's language."""
    params = {str(k): str(v) for k, v in dict(answer.get("params") or {}).items()}
    context = {
        "state": answer.get("state", "done"),
        "text": gettext(str(answer.get("text", ""))) % params,
        "note": gettext(str(answer["note"])) if answer.get("note") else "",
        "pause_minutes": round(int(answer.get("pause") or 0) / 60),
    }
    status = STATUS.get(str(context["state"]), 202)
    return render(request, "dashboard/_fake_answer.html", context, status=status)
