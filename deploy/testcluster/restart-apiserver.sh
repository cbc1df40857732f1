#!/usr/bin/env bash
# restart-apiserver.sh WORKDIR
# Kills kube-apiserver (SIGKILL by default, as a crash would; RESTART_SIGNAL=TERM for a graceful stop),
# starts it again with exactly the same arguments (WORKDIR/kube-apiserver.args, same port), and
# waits for /readyz. The other components keep running and reconnect on their own.
# Environment: RESTART_DOWNTIME seconds to stay down before restarting (default 0), START_TIMEOUT (default 120).
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 WORKDIR" >&2; exit 2; }
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"
WORKDIR=$(cd "$1" && pwd)
load_env
entry=$(pid_of kube-apiserver); [ -n "$entry" ] || die "no kube-apiserver in $WORKDIR/pids"
read -r pid st <<<"$entry"
if is_ours "$pid" "$st"; then
  if [ "${RESTART_SIGNAL:-KILL}" = KILL ]; then
    kill -KILL "$pid"
    for ((i = 0; i < 100; i++)); do is_ours "$pid" "$st" || break; sleep 0.1; done
  else
    stop_proc kube-apiserver 30
  fi
  say "kube-apiserver (pid $pid) stopped"
else
  say "kube-apiserver (pid $pid) was not running"
fi
# The main thread turns zombie before the other threads have closed the listening socket: starting again
# before the port is free fails with "bind: address already in use".
wait_port_free "$APISERVER_PORT" 30
sleep "${RESTART_DOWNTIME:-0}"
launch kube-apiserver kube-apiserver
wait_for "kube-apiserver /readyz" "${START_TIMEOUT:-120}" "kube-apiserver" kapi GET /readyz
