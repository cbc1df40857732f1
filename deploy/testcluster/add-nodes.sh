#!/usr/bin/env bash
# add-nodes.sh WORKDIR N
# Creates N fake nodes (REST POST as the admin client cert), managed by the kwok started by start.sh,
# and waits until each one reports Ready=True. Names are ${NODE_PREFIX:-kwok-node-}<i> with the
# lowest unused indexes, so the script can be called repeatedly. Prints the created names, one a line.
#
# Environment:
#   NODE_PREFIX   name prefix (default kwok-node-)
#   NODE_TAINT=1  add the taint kwok.x-k8s.io/node=fake:NoSchedule (pods then need a toleration);
#                 default: no taint, so ordinary Deployments schedule onto the fake nodes
#   NODE_CPU, NODE_MEMORY, NODE_PODS   capacity (default 32, 256Gi, 110)
#   READY_TIMEOUT seconds to wait for Ready (default 60)
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 WORKDIR N" >&2; exit 2; }
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"
WORKDIR=$(cd "$1" && pwd)
N=$2
[[ "$N" =~ ^[0-9]+$ ]] || die "N must be a number"
load_env

PREFIX=${NODE_PREFIX:-kwok-node-}
CPU=${NODE_CPU:-32}; MEM=${NODE_MEMORY:-256Gi}; PODS=${NODE_PODS:-110}
TAINTS='[]'
[ "${NODE_TAINT:-0}" = 1 ] && TAINTS='[{"key":"kwok.x-k8s.io/node","value":"fake","effect":"NoSchedule"}]'

node_json() {
  cat <<EOF
{"apiVersion":"v1","kind":"Node",
 "metadata":{"name":"$1",
   "annotations":{"node.alpha.kubernetes.io/ttl":"0","kwok.x-k8s.io/node":"fake"},
   "labels":{"kubernetes.io/hostname":"$1","kubernetes.io/os":"linux","kubernetes.io/arch":"amd64","type":"kwok"}},
 "spec":{"taints":$TAINTS},
 "status":{"allocatable":{"cpu":"$CPU","memory":"$MEM","pods":"$PODS"},
           "capacity":{"cpu":"$CPU","memory":"$MEM","pods":"$PODS"}}}
EOF
}

created=()
i=0
while [ ${#created[@]} -lt "$N" ]; do
  name=$PREFIX$i; i=$((i + 1))
  code=$(curl -sS -o "$WORKDIR/.add-node.out" -w '%{http_code}' --max-time 10 \
    --cacert "$WORKDIR/pki/ca.crt" --cert "$WORKDIR/pki/admin.crt" --key "$WORKDIR/pki/admin.key" \
    -H 'Content-Type: application/json' -X POST "$APISERVER_URL/api/v1/nodes" -d "$(node_json "$name")")
  case "$code" in
    201) created+=("$name") ;;
    409) continue ;;  # exists already: try the next index
    *) cat "$WORKDIR/.add-node.out" >&2; die "creating node $name: HTTP $code" ;;
  esac
done
rm -f "$WORKDIR/.add-node.out"

if command -v jq >/dev/null; then
  node_ready() { kapi GET "/api/v1/nodes/$1" | jq -e '.status.conditions[]? | select(.type=="Ready" and .status=="True")'; }
else # NodeCondition serializes type before status
  node_ready() { kapi GET "/api/v1/nodes/$1" | tr -d ' \n' | grep -q '"type":"Ready","status":"True"'; }
fi
for name in "${created[@]}"; do wait_for "node $name Ready" "${READY_TIMEOUT:-60}" kwok node_ready "$name"; done
printf '%s\n' "${created[@]}"
