#!/usr/bin/env bash
# add-nodes.sh WORKDIR N
# Creates N fake nodes (REST POST as the admin client cert), managed by the kwok started by start.sh,
# and waits until each one reports Ready=True. Names are ${NODE_PREFIX:-kwok-node-}<i> with the
# lowest unused indexes, so the script can be called repeatedly. Prints the created names, one a line.
# The work is done by add_nodes.py (python3, standard library only): the nodes are POSTed in parallel
# over keep-alive connections, and readiness is checked with one node list per second.
#
# Environment:
#   NODE_PREFIX   name prefix (default kwok-node-)
#   NODE_TAINT=1  add the taint kwok.x-k8s.io/node=fake:NoSchedule (pods then need a toleration);
#                 default: no taint, so ordinary Deployments schedule onto the fake nodes
#   NODE_CPU, NODE_MEMORY, NODE_PODS   capacity (default 32, 256Gi, 110)
#   ADD_NODES_PARALLEL  concurrent POSTs (default 16)
#   READY_TIMEOUT seconds without progress (no further node turning Ready) before giving up (default 60)
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 WORKDIR N" >&2; exit 2; }
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"
WORKDIR=$(cd "$1" && pwd)
N=$2
[[ "$N" =~ ^[0-9]+$ ]] || die "N must be a number"
command -v python3 >/dev/null || die "python3 is required"
load_env

export NODE_PREFIX NODE_TAINT NODE_CPU NODE_MEMORY NODE_PODS ADD_NODES_PARALLEL READY_TIMEOUT
exec python3 "$TC_DIR/add_nodes.py" "$APISERVER_URL" "$WORKDIR/pki" "$N"
