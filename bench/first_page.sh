#!/usr/bin/env bash
# Seconds from a fresh clone to the first page of `make run` (BENCHMARKS.md §0): clones REPO (default: this
# checkout's main) into a temporary directory, runs `make run` on a free port and polls until / answers 200
# (or a redirect to the map). Uses pip's cache as it is: run it twice to measure with a warm cache.
#
#   bench/first_page.sh [REPO] [REF]
set -euo pipefail
REPO=${1:-$(cd "$(dirname "$0")/.." && pwd)}
REF=${2:-HEAD}
WORK=$(mktemp -d /tmp/clusterviz-first-page.XXXX)
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() {
  [ -n "${RUN_PID:-}" ] && kill -- "-$RUN_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
git clone --quiet "$REPO" "$WORK/clusterviz" && git -C "$WORK/clusterviz" checkout --quiet "$REF"
start=$(date +%s.%N)
# setsid: make and the server it starts are one process group, stopped together at the end
setsid bash -c 'cd "$1" && exec make run PORT="$2"' _ "$WORK/clusterviz" "$PORT" > "$WORK/run.log" 2>&1 &
RUN_PID=$!
until curl -sf -o /dev/null "http://127.0.0.1:$PORT/clusters/demo/"; do
  kill -0 "$RUN_PID" 2>/dev/null || { cat "$WORK/run.log"; echo "make run exited" >&2; exit 1; }
  sleep 0.2
done
end=$(date +%s.%N)
du_venv=$(du -sm "$WORK/clusterviz/.venv" | cut -f1)
printf 'first page after %.1f s; .venv %s MB; load %s\n' "$(echo "$end - $start" | bc)" "$du_venv" "$(cut -d' ' -f1-3 /proc/loadavg)"
