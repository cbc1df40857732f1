#!/usr/bin/env bash
# restart-apiserver.sh WORKDIR
# Kills kube-apiserver (SIGKILL by default, as a crash would; RESTART_SIGNAL=TERM for a graceful stop),
# starts it again with exactly the same arguments (WORKDIR/kube-apiserver.args, same port), and
# waits for /readyz. The other components reconnect on their own, except that kube-controller-manager and
# kube-scheduler exit when they cannot renew their leader lease in time (10 s; a restart on a loaded machine
# takes longer): as the kubelet restarts a control plane's static pods, any of them that exits during the
# restart or within REVIVE_WINDOW seconds after it (default 20) is started again with its own arguments.
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

# ---------------------------------------------------------------- bring back what lost its leader lease
alive() { local entry pid st; entry=$(pid_of "$1"); [ -n "$entry" ] && read -r pid st <<<"$entry" && is_ours "$pid" "$st"; }
deadline=$((SECONDS + ${REVIVE_WINDOW:-20}))
while ((SECONDS < deadline)); do
  for name in kube-controller-manager:$KCM_PORT kube-scheduler:$SCHED_PORT; do
    port=${name#*:} name=${name%:*}
    if [ -f "$WORKDIR/$name.args" ] && ! alive "$name"; then
      say "$name exited (leader lease lost while kube-apiserver was down): starting it again"
      wait_port_free "$port" 30
      launch "$name" "$name"
    fi
  done
  sleep 0.5
done
