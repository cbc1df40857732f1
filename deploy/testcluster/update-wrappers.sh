#!/usr/bin/env bash
# Regenerates the wrapper modules k8s/go.mod and etcd/go.mod from versions.env
# and checks, on the Go module proxy, everything they depend on:
#   * the go directive of each tag (must be <= the local Go, since GOTOOLCHAIN=local)
#   * every k8s.io staging module of k8s.io/kubernetes at the matching v0.X.Y tag
# Then runs `go mod tidy` to write go.sum. Needs network access to the module proxy.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
. "$HERE/versions.env"
export PATH=/usr/local/go/bin:$PATH GOTOOLCHAIN=local GOFLAGS=-modcacherw CGO_ENABLED=0
STAGING=v0.${K8S_VERSION#v1.}
LOCAL_GO=$(go env GOVERSION); LOCAL_GO=${LOCAL_GO#go}

check_go_directive() { # gomod-file label
  local want; want=$(awk '$1=="go"{print $2; exit}' "$1")
  echo "$2: go directive $want (local go $LOCAL_GO)"
  if [ "$(printf '%s\n%s\n' "$want" "$LOCAL_GO" | sort -V | tail -1)" != "$LOCAL_GO" ]; then
    echo "ERROR: $2 needs go $want, newer than local $LOCAL_GO" >&2; exit 1
  fi
}

# --- k8s ---
K8S_GOMOD=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
check_go_directive "$K8S_GOMOD" "k8s.io/kubernetes@$K8S_VERSION"
# staging modules = those required at v0.0.0 (must exist) + those in upstream's replace block (optional)
REQUIRED=$(awk '$1 ~ /^k8s\.io\// && $2=="v0.0.0" {print $1}' "$K8S_GOMOD" | sort -u)
ALL=$( (echo "$REQUIRED"; sed -n '/^replace (/,/^)/p' "$K8S_GOMOD" | awk '$1 ~ /^k8s\.io\// {print $1}') | sort -u)
KEEP=()
for m in $ALL; do
  if go list -m "$m@$STAGING" >/dev/null 2>&1; then
    KEEP+=("$m")
  elif echo "$REQUIRED" | grep -qx "$m"; then
    echo "ERROR: required staging module $m@$STAGING not available on the proxy:" >&2
    go list -m "$m@$STAGING" >&2 || true; exit 1
  else
    echo "note: $m@$STAGING not available on the proxy; not required by k8s.io/kubernetes, replace left out"
  fi
done
echo "staging modules: $(echo "$REQUIRED" | wc -w) required, ${#KEEP[@]} replaced at $STAGING"

cd "$HERE/k8s"
rm -f go.mod go.sum
go mod init clusterviz/testcluster/k8s >/dev/null 2>&1
go mod edit -go=1.26.0 -require="k8s.io/kubernetes@$K8S_VERSION"
for m in "${KEEP[@]}"; do go mod edit -replace="$m=$m@$STAGING"; done
for c in kube-apiserver kube-controller-manager kube-scheduler kubectl; do go mod edit -tool="k8s.io/kubernetes/cmd/$c"; done
go mod tidy
echo "k8s/go.mod + go.sum written"

# --- etcd ---
ETCD_GOMOD=$(go mod download -json "go.etcd.io/etcd/server/v3@$ETCD_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
check_go_directive "$ETCD_GOMOD" "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
cd "$HERE/etcd"
rm -f go.mod go.sum
go mod init clusterviz/testcluster/etcd >/dev/null 2>&1
go mod edit -go=1.26.0 -require="go.etcd.io/etcd/server/v3@$ETCD_VERSION" -tool=go.etcd.io/etcd/server/v3
go mod tidy
echo "etcd/go.mod + go.sum written"

# --- kwok (built with go install, no wrapper) ---
KWOK_GOMOD=$(go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
check_go_directive "$KWOK_GOMOD" "sigs.k8s.io/kwok@$KWOK_VERSION"
if grep -qE '^(replace|exclude)' "$KWOK_GOMOD"; then echo "WARNING: kwok go.mod has replace/exclude; go install will refuse it" >&2; fi
echo OK
