#!/usr/bin/env bash
# smoke-test.sh [WORKDIR]
# End-to-end check: build (cached), start, add 2 kwok nodes, create Deployment users (2 replicas of
# my-repo/users-application, label app=users), wait until both pods are scheduled onto kwok nodes and
# Running, check the leader-election Leases, restart the apiserver once, then stop. Exit 0 = all good.
# WORKDIR defaults to a fresh temporary directory, removed at the end on success.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
if [ $# -ge 1 ]; then mkdir -p "$1"; WORKDIR=$(cd "$1" && pwd); KEEP=1
else WORKDIR=$(mktemp -d "${TMPDIR:-/tmp}/clusterviz-testcluster.XXXXXX"); KEEP=0; fi
trap '"$HERE/stop.sh" "$WORKDIR" >&2 || true' EXIT

t0=$SECONDS
BIN=$("$HERE/build.sh" | tail -n 1)
say "binaries: $BIN"
TESTCLUSTER_BIN=$BIN "$HERE/start.sh" "$WORKDIR"
say "start.sh took $((SECONDS - t0))s"
load_env
"$HERE/add-nodes.sh" "$WORKDIR" 2

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

kapi POST /apis/apps/v1/namespaces/default/deployments -H 'Content-Type: application/json' -d '{
  "apiVersion":"apps/v1","kind":"Deployment",
  "metadata":{"name":"users","labels":{"app":"users"}},
  "spec":{"replicas":2,"selector":{"matchLabels":{"app":"users"}},
    "template":{"metadata":{"labels":{"app":"users"}},
      "spec":{"containers":[{"name":"users","image":"my-repo/users-application"}]}}}}' >/dev/null
say "deployment default/users created"

pods_running() {
  kapi GET '/api/v1/namespaces/default/pods?labelSelector=app%3Dusers' | json '
sum(1 for p in d["items"] if p["status"].get("phase") == "Running"
    and p["spec"].get("nodeName", "").startswith("kwok-node-")) == 2 or sys.exit(1)'
}
wait_for "2 pods app=users Running on kwok nodes" 90 "kwok kube-scheduler kube-controller-manager" pods_running
kapi GET '/api/v1/namespaces/default/pods?labelSelector=app%3Dusers' | json '
"\n".join("  pod %s node=%s phase=%s podIP=%s" % (p["metadata"]["name"], p["spec"].get("nodeName"),
          p["status"].get("phase"), p["status"].get("podIP")) for p in d["items"])' >&2
deploy_ready() {
  kapi GET /apis/apps/v1/namespaces/default/deployments/users | json 'd["status"].get("readyReplicas") == 2 or sys.exit(1)'
}
wait_for "deployment users readyReplicas=2" 60 "" deploy_ready

for l in kube-scheduler kube-controller-manager; do
  holder=$(kapi GET "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/$l" | json 'd["spec"]["holderIdentity"]')
  say "lease kube-system/$l holder=$holder"
done

"$HERE/restart-apiserver.sh" "$WORKDIR"
wait_for "pods still listed after apiserver restart" 30 "" pods_running

"$HERE/stop.sh" "$WORKDIR"
trap - EXIT
[ "$KEEP" = 1 ] || rm -rf "$WORKDIR"
say "smoke test passed in $((SECONDS - t0))s"
