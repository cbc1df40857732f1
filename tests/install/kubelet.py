"""What a kubelet would do with the chart's pods, done with podman: kwok nodes run no containers.

A container of an applied pod template becomes a ``podman run`` with exactly its image, command, args and
environment (``valueFrom`` read from the applied Secrets), its volume mounts (emptyDir as tmpfs), the pod's and
container's security context (user, read-only root, no capabilities, no privilege escalation) and memory limit,
and — only when the pod automounts one — a real ServiceAccount token from the API server's TokenRequest with the
cluster's CA where in-cluster config looks for them. ``KUBERNETES_SERVICE_HOST/PORT`` name the test API server,
as the kubelet would name the ``kubernetes`` Service.
"""

from __future__ import annotations

import base64
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.cluster.support import LocalCluster, Rest
from tests.conftest import wait_until as _wait_until

ROOT = Path(__file__).resolve().parents[2]
CONTAINERS_CONF = ROOT / "deploy" / "image" / "containers.conf"
TOKEN_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"


def podman(*args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CONTAINERS_CONF": str(CONTAINERS_CONF)}
    result = subprocess.run(["podman", *args], env=env, capture_output=True, text=True, timeout=timeout, check=False)
    if check and result.returncode != 0:
        raise AssertionError(f"podman {' '.join(args[:3])} … failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return result


def quantity_bytes(text: str) -> int:
    units = {"Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "k": 10**3, "M": 10**6, "G": 10**9}
    for suffix, factor in units.items():
        if text.endswith(suffix):
            return int(float(text[: -len(suffix)]) * factor)
    return int(text)


@dataclass
class Pod:
    """One applied pod template of the release, in its namespace."""

    namespace: str
    spec: dict[str, Any]
    rest: Rest

    def container(self, name: str, init: bool = False) -> dict[str, Any]:
        listed = self.spec.get("initContainers" if init else "containers", [])
        (found,) = [c for c in listed if c["name"] == name]
        return dict(found)

    def env(self, container: dict[str, Any]) -> dict[str, str]:
        return {item["name"]: self._value(item) for item in container.get("env", [])}

    def _value(self, item: dict[str, Any]) -> str:
        if "value" in item:
            return str(item["value"])
        ref = item["valueFrom"]["secretKeyRef"]
        secret = self.rest.ok("GET", f"/api/v1/namespaces/{self.namespace}/secrets/{ref['name']}")
        return base64.b64decode(secret["data"][ref["key"]]).decode()

    def volumes(self) -> dict[str, dict[str, Any]]:
        return {v["name"]: v for v in self.spec.get("volumes", [])}


@dataclass
class Kubelet:
    cluster: LocalCluster
    rest: Rest
    workdir: Path
    started: list[str] = field(default_factory=list)

    def token_dir(self, pod: Pod, name: str) -> Path:
        """A real token of the pod's ServiceAccount (TokenRequest), the cluster's CA and the namespace."""
        account = pod.spec["serviceAccountName"]
        path = f"/api/v1/namespaces/{pod.namespace}/serviceaccounts/{account}/token"
        request = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest"}
        token = self.rest.ok("POST", path, {**request, "spec": {"expirationSeconds": 3600}})["status"]["token"]
        directory = self.workdir / f"{name}-serviceaccount"
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "token").write_text(token)
        (directory / "namespace").write_text(pod.namespace)
        (directory / "ca.crt").write_bytes((self.cluster.workdir / "pki" / "ca.crt").read_bytes())
        for item in directory.iterdir():
            item.chmod(0o644)
        return directory

    def run_args(self, pod: Pod, container: dict[str, Any], name: str) -> list[str]:
        args = ["--name", name, "--network=host", *self._security(pod, container), *self._mounts(pod, container)]
        limit = container.get("resources", {}).get("limits", {}).get("memory")
        if limit:
            args += ["--memory", str(quantity_bytes(limit))]
        env = {
            **pod.env(container),
            "KUBERNETES_SERVICE_HOST": "127.0.0.1",
            "KUBERNETES_SERVICE_PORT": str(self.cluster.apiserver_port),
        }
        for key, value in env.items():
            args += ["--env", f"{key}={value}"]
        if pod.spec.get("automountServiceAccountToken"):
            args += ["--volume", f"{self.token_dir(pod, name)}:{TOKEN_DIR}:ro"]
        command = container.get("command")
        if command:
            args += ["--entrypoint", command[0]]
        return [*args, container["image"], *(command or [])[1:], *container.get("args", [])]

    def _security(self, pod: Pod, container: dict[str, Any]) -> list[str]:
        context = {**pod.spec.get("securityContext", {}), **container.get("securityContext", {})}
        assert context.get("runAsNonRoot") and context.get("runAsUser"), f"{container['name']} must not run as root"
        args = ["--user", f"{context['runAsUser']}:{context.get('runAsGroup', context['runAsUser'])}"]
        if context.get("readOnlyRootFilesystem"):  # and no tmpfs of podman's own: only the pod's volumes are writable
            args += ["--read-only", "--read-only-tmpfs=false"]
        if context.get("allowPrivilegeEscalation") is False:
            args += ["--security-opt", "no-new-privileges"]
        for capability in context.get("capabilities", {}).get("drop", []):
            args += ["--cap-drop", capability.lower()]
        return args

    def _mounts(self, pod: Pod, container: dict[str, Any]) -> list[str]:
        volumes, args = pod.volumes(), []
        for mount in container.get("volumeMounts", []):
            volume = volumes[mount["name"]]
            assert "emptyDir" in volume, f"only emptyDir volumes are expected, not {volume}"
            size = volume["emptyDir"].get("sizeLimit")
            options = f",tmpfs-size={quantity_bytes(size)}" if size else ""
            args += ["--mount", f"type=tmpfs,destination={mount['mountPath']},tmpfs-mode=1777{options}"]
        return args

    def run_to_completion(self, pod: Pod, container: dict[str, Any], name: str, timeout: float = 300) -> str:
        podman("rm", "--force", "--ignore", name)  # left by a run that was killed
        result = podman("run", "--rm", *self.run_args(pod, container, name), timeout=timeout, check=False)
        output = result.stdout[-2000:] + result.stderr[-3000:]
        assert result.returncode == 0, f"{name} exited {result.returncode}:\n{output}"
        return result.stdout

    def start(self, pod: Pod, container: dict[str, Any], name: str) -> str:
        podman("rm", "--force", "--ignore", name)
        podman("run", "--detach", *self.run_args(pod, container, name))
        self.started.append(name)
        return name

    def start_pod(self, pod: Pod, name: str) -> str:
        """Its init containers to completion, in order, then its one container, detached."""
        for init in pod.spec.get("initContainers", []):
            self.run_to_completion(pod, init, f"{name}-{init['name']}")
        (main,) = pod.spec["containers"]
        return self.start(pod, main, name)

    def stop_all(self) -> None:
        for name in reversed(self.started):
            podman("rm", "--force", "--ignore", "--time", "10", name, check=False)
        self.started.clear()


def logs(name: str) -> str:
    result = podman("logs", name, check=False)
    return result.stdout + result.stderr


def wait_until(condition: Callable[[], Any], timeout: float, what: str, every: float = 0.25) -> Any:
    """tests.conftest.wait_until, polling podman a little less often."""
    return _wait_until(condition, timeout, what, every)


def alive(name: str) -> bool:
    result = podman("inspect", "--format", "{{.State.Running}}", name, check=False)
    return result.stdout.strip() == "true"


