"""API objects as a real kube-apiserver returns them (shapes taken from `kubectl get -o json` of v1.33 objects,
managedFields and most defaults kept), for the objects that group pods. Tests build on these rather than on
the fake cluster, so the mapping is checked against the API's own shapes."""

from __future__ import annotations

import copy
from typing import Any

T0 = "2026-01-01T00:00:00Z"
MANAGED = [{"manager": "kube-controller-manager", "operation": "Update", "apiVersion": "apps/v1", "time": T0}]


def _meta(name: str, namespace: str | None = "default", **extra: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "uid": f"uid-{name}", "resourceVersion": "100", "creationTimestamp": T0}
    if namespace is not None:
        meta["namespace"] = namespace
    meta["managedFields"] = MANAGED
    return {**meta, **extra}


def _template(image: str, app: str = "users") -> dict[str, Any]:
    return {
        "metadata": {"labels": {"app": app}},
        "spec": {
            "containers": [
                {
                    "name": "users",
                    "image": image,
                    "env": [{"name": "DB_PASSWORD", "value": "hunter2"}],
                    "command": ["/bin/server", "--token=abc"],
                    "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                }
            ],
            "restartPolicy": "Always",
        },
    }


def deployment(replicas: int = 2, revision: str = "2", image: str = "my-repo/users-application:2") -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(
            "users-deployment",
            generation=3,
            annotations={
                "deployment.kubernetes.io/revision": revision,
                "kubectl.kubernetes.io/last-applied-configuration": '{"secret": "x"}',
            },
        ),
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "users"}},
            "template": _template(image),
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
        },
        "status": {
            "observedGeneration": 3,
            "replicas": 3,
            "updatedReplicas": 1,
            "readyReplicas": 2,
            "availableReplicas": 2,
            "unavailableReplicas": 1,
            "conditions": [
                {
                    "type": "Available",
                    "status": "True",
                    "lastUpdateTime": T0,
                    "lastTransitionTime": T0,
                    "reason": "MinimumReplicasAvailable",
                    "message": "Deployment has minimum availability.",
                },
                {
                    "type": "Progressing",
                    "status": "True",
                    "lastUpdateTime": T0,
                    "lastTransitionTime": T0,
                    "reason": "ReplicaSetUpdated",
                    "message": 'ReplicaSet "users-deployment-6b7c9d" is progressing.',
                },
            ],
        },
    }


def replicaset(hash_: str, revision: str, image: str, replicas: int, ready: int) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": _meta(
            f"users-deployment-{hash_}",
            labels={"app": "users", "pod-template-hash": hash_},
            annotations={
                "deployment.kubernetes.io/desired-replicas": "2",
                "deployment.kubernetes.io/max-replicas": "3",
                "deployment.kubernetes.io/revision": revision,
            },
            ownerReferences=[
                {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "name": "users-deployment",
                    "uid": "uid-users-deployment",
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        ),
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "users", "pod-template-hash": hash_}},
            "template": _template(image),
        },
        "status": {
            "replicas": replicas,
            "fullyLabeledReplicas": replicas,
            "readyReplicas": ready,
            "availableReplicas": ready,
            "observedGeneration": 1,
        },
    }


def pod(
    name: str, node: str | None, ready: bool = True, claim: str | None = None, app: str = "users"
) -> dict[str, Any]:
    """A pod of the Deployment's ReplicaSet ``users-deployment-6b7c9d`` (Running; Ready as given), or of another
    app, unowned."""
    status = "True" if ready else "False"
    volumes: list[dict[str, Any]] = [{"name": "kube-api-access-abcde", "projected": {"sources": []}}]
    if claim:
        volumes.append({"name": "data", "persistentVolumeClaim": {"claimName": claim}})
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": _meta(
            name,
            labels={"app": app, "pod-template-hash": "6b7c9d"},
            ownerReferences=[
                {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "users-deployment-6b7c9d", "uid": "u",
                 "controller": True, "blockOwnerDeletion": True}
            ]
            if app == "users"
            else [],  # another app's pod: a bare pod
        ),
        "spec": {"nodeName": node, "containers": _template("my-repo/users-application:2")["spec"]["containers"],
                 "volumes": volumes},
        "status": {
            "phase": "Running",
            "podIP": "10.244.1.5",
            "qosClass": "BestEffort",
            "conditions": [
                {"type": "PodScheduled", "status": "True", "lastTransitionTime": T0},
                {"type": "Ready", "status": status, "lastTransitionTime": T0},
                {"type": "ContainersReady", "status": status, "lastTransitionTime": T0},
            ],
            "containerStatuses": [
                {"name": "users", "ready": ready, "restartCount": 0, "started": True,
                 "image": "my-repo/users-application:2", "imageID": "", "containerID": "containerd://1",
                 "state": {"running": {"startedAt": T0}}}
            ],
        },
    }


def service(name: str = "users", **spec: Any) -> dict[str, Any]:
    base = {
        "type": "ClusterIP",
        "clusterIP": "10.96.12.34",
        "clusterIPs": ["10.96.12.34"],
        "ipFamilies": ["IPv4"],
        "ports": [{"name": "http", "protocol": "TCP", "port": 80, "targetPort": 8080}],
        "selector": {"app": "users"},
        "sessionAffinity": "None",
        "internalTrafficPolicy": "Cluster",
    }
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(name, annotations={"kubectl.kubernetes.io/last-applied-configuration": "{}"}),
        "spec": {**base, **spec},
        "status": {"loadBalancer": {}},
    }


def endpoint(pod_name: str, node: str, ip: str, ready: bool = True, terminating: bool = False) -> dict[str, Any]:
    return {
        "addresses": [ip],
        "conditions": {"ready": ready, "serving": ready or terminating, "terminating": terminating},
        "targetRef": {"kind": "Pod", "namespace": "default", "name": pod_name, "uid": f"uid-{pod_name}"},
        "nodeName": node,
    }


def endpoint_slice(service_name: str, endpoints: list[dict[str, Any]], suffix: str = "x7k2p") -> dict[str, Any]:
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": _meta(
            f"{service_name}-{suffix}",
            generateName=f"{service_name}-",
            labels={"endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
                    "kubernetes.io/service-name": service_name},
            ownerReferences=[{"apiVersion": "v1", "kind": "Service", "name": service_name, "uid": "s",
                              "controller": True, "blockOwnerDeletion": True}],
        ),
        "addressType": "IPv4",
        "endpoints": copy.deepcopy(endpoints),
        "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
    }


BOUND_STATUS = {"accessModes": ["ReadWriteOnce"], "capacity": {"storage": "1Gi"}}


def claim(name: str = "data-users", phase: str = "Bound", volume: str = "pvc-1234") -> dict[str, Any]:
    bound = phase == "Bound"
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": _meta(name, annotations={"pv.kubernetes.io/bind-completed": "yes"},
                          finalizers=["kubernetes.io/pvc-protection"]),
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": "1Gi"}},
            "storageClassName": "standard",
            "volumeMode": "Filesystem",
            **({"volumeName": volume} if bound else {}),
        },
        "status": {"phase": phase, **(BOUND_STATUS if bound else {})},
    }


def volume(name: str = "pvc-1234", claim_name: str = "data-users") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": _meta(name, None, annotations={"pv.kubernetes.io/provisioned-by": "ebs.csi.aws.com"}),
        "spec": {
            "capacity": {"storage": "1Gi"},
            "accessModes": ["ReadWriteOnce"],
            "persistentVolumeReclaimPolicy": "Delete",
            "storageClassName": "standard",
            "volumeMode": "Filesystem",
            "claimRef": {"kind": "PersistentVolumeClaim", "namespace": "default", "name": claim_name,
                         "uid": "c", "apiVersion": "v1", "resourceVersion": "9"},
            "csi": {"driver": "ebs.csi.aws.com", "volumeHandle": "vol-0abc",
                    "nodePublishSecretRef": {"name": "ebs-secret", "namespace": "kube-system"}},
            "nodeAffinity": {"required": {"nodeSelectorTerms": []}},
        },
        "status": {"phase": "Bound", "lastPhaseTransitionTime": T0},
    }
