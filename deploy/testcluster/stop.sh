#!/usr/bin/env bash
# stop.sh WORKDIR
# Stops the processes that start.sh recorded in WORKDIR/pids (newest component first), and nothing else:
# a pid is signalled only if its process start time still matches the recorded one.
# Keeps WORKDIR (logs, etcd data, certificates); delete it yourself if you want.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 WORKDIR" >&2; exit 2; }
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"
WORKDIR=$(cd "$1" && pwd)
[ -f "$WORKDIR/pids" ] || { say "no $WORKDIR/pids: nothing to stop"; exit 0; }
for name in kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do
  entry=$(pid_of "$name"); [ -n "$entry" ] || continue
  read -r pid st <<<"$entry"
  if is_ours "$pid" "$st"; then stop_proc "$name" 15; say "$name (pid $pid) stopped"; fi
done
rm -f "$WORKDIR/pids"
