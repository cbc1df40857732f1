#!/usr/bin/env bash
# restart-component.sh WORKDIR NAME [ARG...]
# Stops one component started by start.sh (SIGTERM, then SIGKILL after 15 s; only the recorded process) and starts
# it again with WORKDIR/NAME.args plus ARG... appended to that file first (later flags win, so this changes a flag
# for good, e.g. restart-component.sh WORKDIR kube-scheduler --config=/path/to/KubeSchedulerConfiguration.yaml).
# NAME: kube-controller-manager, kube-scheduler or kwok (for kube-apiserver use restart-apiserver.sh).
# Used on a benchmark cluster: the scheduler exited after losing its leader lease and had to be brought back.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 WORKDIR NAME [ARG...]" >&2; exit 2; }
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"
WORKDIR=$(cd "$1" && pwd)
NAME=$2; shift 2
case "$NAME" in
  kube-controller-manager|kube-scheduler|kwok) ;;
  *) die "NAME must be kube-controller-manager, kube-scheduler or kwok, not '$NAME'" ;;
esac
load_env
[ -f "$WORKDIR/$NAME.args" ] || die "$WORKDIR/$NAME.args not found"
stop_proc "$NAME" 15
[ $# -eq 0 ] || printf '%s\n' "$@" >> "$WORKDIR/$NAME.args"
launch "$NAME" "$NAME"
sleep 2
check_alive "$NAME"
