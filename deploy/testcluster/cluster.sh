#!/usr/bin/env bash
# cluster.sh [WORKDIR]: what `make cluster` runs. Builds (cached) and starts a real control plane with three
# kwok nodes and the introduction's users-deployment, then prints how to point the dashboard at it.
# Stop it with: deploy/testcluster/stop.sh WORKDIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
WORKDIR=${1:-$PWD/var/testcluster}
mkdir -p "$WORKDIR"
"$here/build.sh" >/dev/null
"$here/start.sh" "$WORKDIR"
"$here/add-nodes.sh" "$WORKDIR" 3 >/dev/null
. "$here/lib.sh"
load_env

# The seed's Deployment, with its selector and template labels made to agree (as written, the API server
# rejects it: the selector app=users does not match the template's app=nginx).
deployment='{"apiVersion":"apps/v1","kind":"Deployment",
 "metadata":{"name":"users-deployment","namespace":"default"},
 "spec":{"replicas":2,"selector":{"matchLabels":{"app":"users"}},
  "template":{"metadata":{"labels":{"app":"users"}},
   "spec":{"containers":[{"name":"users","image":"my-repo/users-application"}]}}}}'
code=$(curl -sS -o "$WORKDIR/.deployment.out" -w '%{http_code}' --max-time 10 \
  --cacert "$WORKDIR/pki/ca.crt" --cert "$WORKDIR/pki/admin.crt" --key "$WORKDIR/pki/admin.key" \
  -H 'Content-Type: application/json' -X POST "$APISERVER_URL/apis/apps/v1/namespaces/default/deployments" \
  -d "$deployment")
case "$code" in
  201|409) ;;
  *) cat "$WORKDIR/.deployment.out" >&2; die "creating users-deployment: HTTP $code" ;;
esac

cat <<MSG

A real control plane is running (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok).
Point the dashboard at it:

    CLUSTERVIZ_KUBECONFIG=$WORKDIR/admin.kubeconfig CLUSTERVIZ_CLUSTER_NAME=testcluster make run

Stop it:

    deploy/testcluster/stop.sh $WORKDIR
MSG
