"""The kubelet of every node: takes bound pods, starts their sandbox, init containers and containers through
the container runtime, probes readiness, restarts crashed containers with back-off, kills deleted pods,
recreates mirror pods of static pods, renews its node Lease and posts node status.

A pod's lifecycle steps carry the pod's ``token``: a step whose token is stale (the pod was deleted or
restarted meanwhile), or whose node's kubelet is down, does nothing."""

from __future__ import annotations

from functools import partial

from clusterviz.fake import objects as o
from clusterviz.fake.component import Component
from clusterviz.fake.objects import ContainerState, NodeRec, OwnerRef, PodRec, PodTemplate

BACKOFF_MAX = 300
NODE_LEASE_PERIOD = 10.0  # kubelet renews its Lease every 10 s (leaseDurationSeconds 40)
NODE_STATUS_PERIOD = 300.0  # kubelet nodeStatusReportFrequency: posts status at least every 5 min


class Kubelet(Component):
    def live(self, pod: PodRec, token: int) -> NodeRec | None:
        """The pod's node if the step is still current and the node's kubelet is running."""
        if pod.token != token or not self.api.exists(pod) or pod.node is None:
            return None
        node = self.api.nodes.get(("", pod.node))
        return node if node is not None and node.kubelet_up else None

    # starting a pod ---------------------------------------------------------------------------------------

    def accept(self, pod: PodRec, token: int) -> None:
        node = self.live(pod, token)
        if node is None or pod.accepted_at is not None:
            return
        now = self.now()
        pod.accepted_at, pod.host_ip, pod.ready_since = now, node.internal_ip, now
        if pod.init_states:
            for st in pod.init_states + pod.states:
                st.wait("PodInitializing")
        else:
            pod.initialized_at = now
        self.api.emit("MODIFIED", pod)
        self.after(self.rng.uniform(0.8, 3.0), partial(self._sandbox_ready, pod, token))

    def _sandbox_ready(self, pod: PodRec, token: int) -> None:
        node = self.live(pod, token)
        if node is None:
            return
        pod.sandbox_at = self.now()
        pod.pod_ip = node.internal_ip if pod.template.host_network else self.alloc_ip(node)
        if not pod.init_states:
            self._start_containers(pod, token)
            return
        self.run_state(pod, pod.template.init_containers[0], pod.init_states[0], self.now())
        self.api.emit("MODIFIED", pod)
        self.after(self.rng.uniform(1.0, 3.0), partial(self._init_done, pod, token))

    def _init_done(self, pod: PodRec, token: int) -> None:
        if self.live(pod, token) is None:
            return
        for st in pod.init_states:
            st.terminate(self.now(), "Completed", 0)
        pod.initialized_at = self.now()
        self._start_containers(pod, token)

    def _start_containers(self, pod: PodRec, token: int) -> None:
        now = self.now()
        for i, (c, st) in enumerate(zip(pod.template.containers, pod.states, strict=True)):
            if not c.pullable:
                st.wait("ErrImagePull", pull_error(c.image))
                self.after(self.rng.uniform(0.5, 1.5), partial(self._image_backoff, pod, token, i))
                continue
            self.run_state(pod, c, st, now)
            if c.readiness_delay:
                self.after(c.readiness_delay, partial(self._probe_ready, pod, token, i, now))
        if any(st.state == "running" for st in pod.states):
            pod.phase = "Running"
        self.refresh_ready(pod)
        self.api.emit("MODIFIED", pod)
        if pod.template.run_seconds:
            self.after(pod.template.run_seconds, partial(self._complete, pod, token))
        if pod.crashing:
            self._schedule_crash(pod, token)

    def refresh_ready(self, pod: PodRec) -> None:
        ready = pod.initialized_at is not None and all(st.ready for st in pod.states) and not pod.terminal
        if ready != pod.ready:
            pod.ready, pod.ready_since = ready, self.now()

    def _probe_ready(self, pod: PodRec, token: int, i: int, started: float) -> None:
        st = pod.states[i]
        if self.live(pod, token) is None or st.state != "running" or st.started_at != started or st.ready:
            return
        if pod.probe_failing:
            return
        st.ready = True
        self.refresh_ready(pod)
        self.api.emit("MODIFIED", pod)

    def run_state(self, pod: PodRec, c: o.Container, st: ContainerState, at: float) -> None:
        st.run(at, f"containerd://{self.rng.getrandbits(256):064x}")
        st.image, st.image_ref = o.normalize_image(c.image), o.image_id(c.image)
        st.ready = c.readiness_delay == 0 and not pod.probe_failing

    def set_probe_failing(self, pod: PodRec, failing: bool) -> None:
        """The readiness probes of the pod's containers start (or stop) failing: Ready follows at once."""
        pod.probe_failing = failing
        for st in pod.states:
            st.ready = st.state == "running" and not failing
        was = pod.ready
        self.refresh_ready(pod)
        if pod.ready != was:
            self.api.emit("MODIFIED", pod)
        if failing and self.live(pod, pod.token) is not None:
            message = "Readiness probe failed: HTTP probe failed with statuscode: 503"
            self.c.recorder.warn(pod, "Unhealthy", message, "kubelet", pod.node or "")

    def alloc_ip(self, node: NodeRec) -> str:
        node.next_ip = node.next_ip % 253 + 1
        return f"{node.pod_cidr.rsplit('.', 1)[0]}.{node.next_ip + 1}"

    def settle(self, pod: PodRec, node: NodeRec, at: float) -> None:
        """Build time: put a pod straight into its steady Running state on `node` (no events in between)."""
        pod.created = at
        pod.node, pod.scheduled_at, pod.accepted_at = node.name, at + 0.01, at + 0.5
        pod.host_ip = node.internal_ip
        pod.sandbox_at = at + 2.0
        pod.pod_ip = node.internal_ip if pod.template.host_network else self.alloc_ip(node)
        for c, st in zip(pod.template.init_containers, pod.init_states, strict=True):
            self.run_state(pod, c, st, at + 2.0)
            st.terminate(at + 3.0, "Completed", 0)
        pod.initialized_at = at + (3.0 if pod.init_states else 0.5)
        for c, st in zip(pod.template.containers, pod.states, strict=True):
            self.run_state(pod, c, st, at + 3.0)
            st.ready = True
        pod.phase, pod.ready, pod.ready_since = "Running", True, at + 3.0 + max(
            (c.readiness_delay for c in pod.template.containers), default=0.0)
        self.api.emit("ADDED", pod)

    # images ----------------------------------------------------------------------------------------------

    def _image_backoff(self, pod: PodRec, token: int, i: int) -> None:
        if self.live(pod, token) is None:
            return
        image = pod.template.containers[i].image
        pod.pull_failures += 1
        pod.states[i].wait("ImagePullBackOff", f'Back-off pulling image "{image}": ErrImagePull: '
                                               f"{pull_error(image)}")
        self.api.emit("MODIFIED", pod)
        warn = self.c.recorder.warn
        warn(pod, "Failed", f'Failed to pull image "{image}": {pull_error(image)}', "kubelet", pod.node or "")
        warn(pod, "BackOff", f'Back-off pulling image "{image}"', "kubelet", pod.node or "")
        delay = min(10 * 2 ** (pod.pull_failures - 1), BACKOFF_MAX)
        self.after(delay, partial(self._image_retry, pod, token, i))

    def _image_retry(self, pod: PodRec, token: int, i: int) -> None:
        if self.live(pod, token) is None:
            return
        pod.states[i].wait("ErrImagePull", pull_error(pod.template.containers[i].image))
        self.api.emit("MODIFIED", pod)
        self.after(self.rng.uniform(0.5, 1.5), partial(self._image_backoff, pod, token, i))

    # crashes and restarts ---------------------------------------------------------------------------------

    def _schedule_crash(self, pod: PodRec, token: int) -> None:
        st = pod.states[0]
        self.after(self.rng.uniform(2.0, 8.0), partial(self._crash, pod, token, st.started_at))

    def crash_now(self, pod: PodRec) -> None:
        if pod.states and pod.states[0].state == "running":
            self._crash(pod, pod.token, pod.states[0].started_at)

    def _crash(self, pod: PodRec, token: int, started: float) -> None:
        st = pod.states[0]
        if self.live(pod, token) is None or st.state != "running" or st.started_at != started:
            return
        st.terminate(self.now(), "Error", 1)
        if pod.template.restart_policy == "Never":
            pod.phase = "Failed"
        self.refresh_ready(pod)
        self.api.emit("MODIFIED", pod)
        if pod.template.restart_policy != "Never":
            self.after(self.rng.uniform(0.5, 1.5), partial(self._after_crash, pod, token))

    def _after_crash(self, pod: PodRec, token: int) -> None:
        """Restart at once after a first crash; later ones wait in CrashLoopBackOff (10 s, 20 s, ... 5 min)."""
        st = pod.states[0]
        if self.live(pod, token) is None or st.state != "terminated":
            return
        st.archive()
        if st.restarts == 0 or not pod.crashing:
            self._restart(pod, token)
            return
        backoff = min(10 * 2 ** (st.restarts - 1), BACKOFF_MAX)
        name = pod.template.containers[0].name
        st.wait("CrashLoopBackOff", f"back-off {go_duration(backoff)} restarting failed container={name} "
                                    f"pod={pod.name}_{pod.namespace}({pod.uid})")
        self.api.emit("MODIFIED", pod)
        self.c.recorder.warn(pod, "BackOff", f"Back-off restarting failed container {name} in pod "
                                             f"{pod.name}_{pod.namespace}({pod.uid})", "kubelet", pod.node or "")
        self.after(backoff, partial(self._restart, pod, token))

    def _restart(self, pod: PodRec, token: int) -> None:
        st = pod.states[0]
        if self.live(pod, token) is None or st.state == "running":
            return
        st.restarts += 1
        c = pod.template.containers[0]
        self.run_state(pod, c, st, self.now())
        if c.readiness_delay:
            self.after(c.readiness_delay, partial(self._probe_ready, pod, token, 0, st.started_at))
        self.refresh_ready(pod)
        self.api.emit("MODIFIED", pod)
        if pod.crashing:
            self._schedule_crash(pod, token)

    def _complete(self, pod: PodRec, token: int) -> None:
        if self.live(pod, token) is None:
            return
        for st in pod.states:
            if st.state == "running":
                st.terminate(self.now(), "Completed", 0)
        pod.phase = "Succeeded"
        self.refresh_ready(pod)
        self.api.emit("MODIFIED", pod)

    # stopping a pod --------------------------------------------------------------------------------------

    def schedule_kill(self, pod: PodRec, grace: int) -> None:
        if self.rng.random() < 0.85:
            self.after(self.rng.uniform(0.3, min(2.0, max(grace, 0.3))), partial(self.kill, pod, 0))
        else:  # ignores SIGTERM: SIGKILL when the grace period ends
            self.after(float(grace), partial(self.kill, pod, 137))

    def kill(self, pod: PodRec, exit_code: int) -> None:
        if not self.api.exists(pod):
            return
        node = self.api.nodes.get(("", pod.node)) if pod.node else None
        if node is not None and not node.kubelet_up:
            return  # stays Terminating until the kubelet comes back (see resync)
        now = self.now()
        for st in pod.states + pod.init_states:
            if st.state == "running":
                st.terminate(now, "Completed" if exit_code == 0 else "Error", exit_code)
        if pod.phase == "Running":
            pod.phase = "Failed" if any(st.exit_code for st in pod.states) else "Succeeded"
        pod.sandbox_at = None
        pod.pod_ip = ""
        self.refresh_ready(pod)
        self.api.emit("MODIFIED", pod)
        self.after(0.05, partial(self._remove, pod))

    def _remove(self, pod: PodRec) -> None:
        if self.api.exists(pod):
            self.api.emit("DELETED", pod)

    # the node's kubelet as a whole ---------------------------------------------------------------------

    def resync(self, node: NodeRec, epoch: int) -> None:
        """A kubelet back on line: finish pending kills, start accepted pods, report readiness again."""
        if node.epoch != epoch or not self.api.exists(node) or not node.kubelet_up:
            return
        for pod in list(node.pods.values()):
            if pod.deleted_at is not None:
                self.after(self.rng.uniform(0.2, 1.0), partial(self.kill, pod, 0))
            elif pod.accepted_at is None:
                self.after(self.rng.uniform(0.2, 1.0), partial(self.accept, pod, pod.token))
            elif not pod.ready and not pod.terminal:
                self.refresh_ready(pod)
                if pod.ready:
                    self.api.emit("MODIFIED", pod)

    def ensure_mirror(self, node: NodeRec, tpl: PodTemplate) -> None:
        """The kubelet recreates a deleted mirror pod for a static pod that still runs."""
        component = dict(tpl.labels)["component"]
        if self.api.exists(node) and (("kube-system", f"{component}-{node.name}") not in self.api.pods):
            pod = self.static_pod(node, component, self.now())
            self.settle(pod, node, self.now())

    def static_pod(self, node: NodeRec, component: str, at: float) -> PodRec:
        """The mirror pod of a static pod the kubelet runs from /etc/kubernetes/manifests."""
        tpl = o.static_pod_template(component)
        config_hash = o.sha256_hex("static", node.name, component)[:32]
        pod = self.c.pods.new(None, "kube-system", f"{component}-{node.name}", tpl)
        pod.owner = OwnerRef("v1", "Node", node.name, node.uid)
        pod.mirror = True
        pod.annotations = {
            "kubernetes.io/config.hash": config_hash,
            "kubernetes.io/config.mirror": config_hash,
            "kubernetes.io/config.seen": o.rfc3339(at).replace("Z", ".000000000Z"),
            "kubernetes.io/config.source": "file",
        }
        if component == "kube-apiserver":
            pod.annotations["kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint"] = \
                f"{node.internal_ip}:6443"
        return pod

    def renew_node_lease(self, node: NodeRec) -> None:
        if not self.api.exists(node):
            return
        lease = self.api.leases.get(("kube-node-lease", node.name))
        if lease is not None and node.kubelet_up:
            lease.renewed = self.now()
            self.api.emit("MODIFIED", lease)
        self.after(NODE_LEASE_PERIOD, partial(self.renew_node_lease, node))

    def post_node_status(self, node: NodeRec) -> None:
        if not self.api.exists(node):
            return
        if node.kubelet_up:
            node.heartbeat = self.now()
            self.api.emit("MODIFIED", node)
        self.after(NODE_STATUS_PERIOD, partial(self.post_node_status, node))


def pull_error(image: str) -> str:
    ref = o.normalize_image(image)
    return (f'rpc error: code = NotFound desc = failed to pull and unpack image "{ref}": '
            f'failed to resolve reference "{ref}": {ref}: not found')


def go_duration(seconds: int) -> str:
    minutes, secs = divmod(seconds, 60)
    return f"{minutes}m{secs}s" if minutes else f"{secs}s"
