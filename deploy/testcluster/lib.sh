# Shared helpers for start.sh, stop.sh, restart-apiserver.sh and add-nodes.sh. Source it; do not run it.
#
# WORKDIR layout (written by start.sh):
#   cluster.env            sourceable: BIN_DIR, ports, APISERVER_URL, KUBECONFIG, ...
#   admin.kubeconfig       context "clusterviz-test", user in group system:masters (certs embedded)
#   pids                   one line per process: "<name> <pid> <starttime-ticks>"
#   <name>.args            the exact arguments of each process, one per line (restart-apiserver.sh reuses them)
#   <name>.log             stdout+stderr of each process
#   pki/                   ca.crt/key, apiserver.crt/key, admin.crt/key, sa.key/pub
#   etcd-data/             etcd data directory

TC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

die() { echo "testcluster: $*" >&2; exit 1; }
say() { echo "[testcluster $(date -u +%H:%M:%S)] $*" >&2; }

# starttime (clock ticks since boot, field 22 of /proc/PID/stat): identifies a process
# together with its pid, so a recycled pid is never mistaken for ours.
proc_starttime() { [ -r "/proc/$1/stat" ] && sed 's/^.*) //' "/proc/$1/stat" | awk '{print $20}'; }

# is_ours PID STARTTIME -> 0 if that exact process is still alive (and not a zombie)
is_ours() {
  local st state
  st=$(proc_starttime "$1" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" = "$2" ] || return 1
  state=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '{print $1}')
  [ "$state" != Z ]
}

# port_listening PORT -> 0 if a socket listens on TCP PORT (IPv4 or IPv6), from /proc/net/tcp{,6}. A killed
# process whose main thread is already a zombie can still hold its listening socket in another thread; only
# this tells when the port is free again.
port_listening() {
  local hex; hex=$(printf ':%04X' "$1")
  awk -v p="$hex" 'NR > 1 && $4 == "0A" && substr($2, length($2) - 4) == p {found=1} END {exit !found}' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# wait_port_free PORT TIMEOUT_S: until nothing listens on PORT
wait_port_free() {
  local deadline=$((SECONDS + $2))
  while port_listening "$1"; do
    [ "$SECONDS" -lt "$deadline" ] || die "port $1 still in use after ${2}s"
    sleep 0.1
  done
}

# pid_of NAME -> "pid starttime" from WORKDIR/pids (last entry wins)
pid_of() { awk -v n="$1" '$1==n {p=$2" "$3} END {if (p!="") print p}' "$WORKDIR/pids" 2>/dev/null; }

# record_pid NAME PID: replace NAME's line in WORKDIR/pids
record_pid() {
  local st; st=$(proc_starttime "$2") || die "process $1 (pid $2) exited right after start; see $WORKDIR/$1.log"
  { [ -f "$WORKDIR/pids" ] && awk -v n="$1" '$1!=n' "$WORKDIR/pids"; echo "$1 $2 $st"; } > "$WORKDIR/pids.tmp"
  mv -f "$WORKDIR/pids.tmp" "$WORKDIR/pids"
}

# launch NAME: starts "$BIN_DIR/<binary>" with the args in WORKDIR/NAME.args, detached
# (own session, stdin from /dev/null, output appended to WORKDIR/NAME.log); records the pid.
launch() {
  local name=$1 bin=$2 pid
  local -a args
  mapfile -t args < "$WORKDIR/$name.args"
  echo "=== $(date -u +%FT%TZ) starting $bin" >> "$WORKDIR/$name.log"
  # setsid execs in place (we are not a process group leader), so $! is the binary's pid.
  setsid "$BIN_DIR/$bin" "${args[@]}" >> "$WORKDIR/$name.log" 2>&1 < /dev/null &
  pid=$!
  record_pid "$name" "$pid"   # starttime is fixed at fork, so it stays valid across the exec below
  # wait (max 5 s) until the forked child has exec'd setsid and then the binary
  local exe i
  for ((i = 0; i < 50; i++)); do
    exe=$(readlink "/proc/$pid/exe" 2>/dev/null || true)
    case "$exe" in
      "$BIN_DIR/$bin"|"") break ;;  # "" = already exited, caught later by check_alive/wait_for
    esac
    sleep 0.1
  done
  case "$exe" in
    "$BIN_DIR/$bin"|"") ;;
    *) die "pid $pid of $name runs '$exe', expected $BIN_DIR/$bin" ;;
  esac
  say "$name started (pid $pid)"
}

# stop_proc NAME [TIMEOUT_S]: SIGTERM then SIGKILL, only if the recorded process is still the same one
stop_proc() {
  local name=$1 timeout=${2:-15} entry pid st i
  entry=$(pid_of "$name"); [ -n "$entry" ] || return 0
  read -r pid st <<<"$entry"
  if ! is_ours "$pid" "$st"; then return 0; fi
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < timeout * 10; i++)); do is_ours "$pid" "$st" || return 0; sleep 0.1; done
  say "$name (pid $pid) ignored SIGTERM for ${timeout}s, sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do is_ours "$pid" "$st" || return 0; sleep 0.1; done
}

check_alive() { # NAME...: die with the log tail if a recorded process has exited
  local name entry pid st
  for name in "$@"; do
    entry=$(pid_of "$name"); read -r pid st <<<"$entry"
    if ! is_ours "$pid" "$st"; then
      echo "---- last lines of $WORKDIR/$name.log" >&2; tail -n 30 "$WORKDIR/$name.log" >&2 || true
      die "$name (pid $pid) exited"
    fi
  done
}

# wait_for DESC TIMEOUT_S 'ALIVE NAMES' CMD...: poll CMD every 0.25 s; fail early if a watched process died
wait_for() {
  local desc=$1 timeout=$2 alive=$3; shift 3
  local deadline=$((SECONDS + timeout))
  # shellcheck disable=SC2086
  while ! "$@" >/dev/null 2>&1; do
    [ -z "$alive" ] || check_alive $alive
    [ "$SECONDS" -lt "$deadline" ] || die "timed out after ${timeout}s waiting for $desc"
    sleep 0.25
  done
  say "$desc: ok"
}

# kapi METHOD PATH [curl args...]: authenticated request to the apiserver as admin
kapi() {
  local method=$1 path=$2; shift 2
  curl -sS --fail --max-time 10 --cacert "$WORKDIR/pki/ca.crt" --cert "$WORKDIR/pki/admin.crt" \
    --key "$WORKDIR/pki/admin.key" -X "$method" "$APISERVER_URL$path" "$@"
}

load_env() { # loads WORKDIR/cluster.env
  [ -f "$WORKDIR/cluster.env" ] || die "$WORKDIR/cluster.env not found (was start.sh run with this WORKDIR?)"
  # shellcheck disable=SC1091
  . "$WORKDIR/cluster.env"
}
