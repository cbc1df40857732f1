#!/usr/bin/env bash
# Builds etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok
# from the Go module proxy into a version-keyed cache directory outside the repo:
#
#   ${CLUSTERVIZ_CACHE:-$HOME/.cache/clusterviz}/bin/k8s-<ver>-etcd-<ver>-kwok-<ver>/
#
# `build.sh kubectl` builds only kubectl (cmd/kubectl of the same wrapper module k8s/, same flags) into that
# directory: the benches compare against it (make bench-real); the control plane and its tests do not need it.
#
# Idempotent: exits at once when every binary is already there.
# Progress goes to stderr; the last line on stdout is the bin directory.
#
# Environment:
#   CLUSTERVIZ_CACHE  cache root (default $HOME/.cache/clusterviz)
#   GO                go binary (default: go on PATH, else /usr/local/go/bin/go)
#   BUILD_P           value for go build -p (default: go's default, = number of CPUs);
#                     set BUILD_P=1 on machines with little RAM
#   GOMODCACHE, GOCACHE, GOPROXY, GOSUMDB are honoured as usual (defaults: go env).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
. "$HERE/versions.env"

CACHE_ROOT=${CLUSTERVIZ_CACHE:-$HOME/.cache/clusterviz}
BIN_DIR="$CACHE_ROOT/bin/k8s-$K8S_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION"
BINARIES=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)
EXTRA_FILES=(kwok-stages.yaml)
K8S_COMMANDS=(kube-apiserver kube-controller-manager kube-scheduler)
ONLY_KUBECTL=
if [ "${1:-}" = kubectl ]; then ONLY_KUBECTL=1; BINARIES=(kubectl); EXTRA_FILES=(); K8S_COMMANDS=(kubectl); fi

all_present() {
  local f
  for f in "${BINARIES[@]}"; do [ -x "$BIN_DIR/$f" ] || return 1; done
  for f in "${EXTRA_FILES[@]+"${EXTRA_FILES[@]}"}"; do [ -s "$BIN_DIR/$f" ] || return 1; done
}

if all_present; then echo "$BIN_DIR"; exit 0; fi

log() { echo "[build.sh $(date -u +%H:%M:%S)] $*" >&2; }

GO=${GO:-$(command -v go || true)}
[ -n "$GO" ] || GO=/usr/local/go/bin/go
[ -x "$GO" ] || { echo "build.sh: go not found (set GO=/path/to/go)" >&2; exit 1; }

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-modcacherw -buildvcs=false"
GOVER=$("$GO" env GOVERSION); GOVER=${GOVER#go}
if [ "$(printf '%s\n%s\n' 1.26.0 "$GOVER" | sort -V | head -1)" != 1.26.0 ]; then
  echo "build.sh: need Go >= 1.26.0 (go directive of k8s.io/kubernetes $K8S_VERSION), have $GOVER" >&2; exit 1
fi

mkdir -p "$BIN_DIR"
# One build at a time per cache directory (parallel test jobs may all call build.sh).
if command -v flock >/dev/null; then exec 9>"$BIN_DIR/.lock"; flock 9; fi
if all_present; then echo "$BIN_DIR"; exit 0; fi

PFLAG=()
[ -n "${BUILD_P:-}" ] && PFLAG=(-p "$BUILD_P")
log "go $GOVER, GOMODCACHE=$("$GO" env GOMODCACHE) GOCACHE=$("$GO" env GOCACHE) -> $BIN_DIR"

timed_build() { # name, then the command; builds to $BIN_DIR/.tmp.name, renames on success
  local name=$1; shift
  if [ -x "$BIN_DIR/$name" ]; then log "$name: already built"; return 0; fi
  local t0=$SECONDS
  log "$name: building"
  "$@"
  mv -f "$BIN_DIR/.tmp.$name" "$BIN_DIR/$name"
  log "$name: done in $((SECONDS - t0))s, $(du -h "$BIN_DIR/$name" | cut -f1)"
}

build_etcd_and_kwok() {
# --- etcd (wrapper module etcd/) ---
# etcd's version is a constant; only the git SHA is an ldflag.
ETCD_LDFLAGS="-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=$ETCD_VERSION"
(cd "$HERE/etcd" || exit 1; timed_build etcd "$GO" build "${PFLAG[@]}" -trimpath -ldflags="$ETCD_LDFLAGS" \
   -o "$BIN_DIR/.tmp.etcd" go.etcd.io/etcd/server/v3)

# --- kwok (go install of the published module; version is a constant in pkg/consts) ---
build_kwok() {
  local gobin; gobin=$(mktemp -d "$BIN_DIR/.kwok.XXXX")
  GOBIN="$gobin" "$GO" install "${PFLAG[@]}" -trimpath -ldflags="-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  mv -f "$gobin/kwok" "$BIN_DIR/.tmp.kwok"; rmdir "$gobin"
}
(cd "$HERE" || exit 1; timed_build kwok build_kwok)

# kwok v0.8.0 has no built-in stages: assemble what kwokctl would write (node-initialize,
# node-heartbeat-with-lease, pod-ready, pod-complete, pod-delete) from the module's kustomize/stage.
KWOK_SRC=$(cd "$HERE" && "$GO" mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
{
  for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
           pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    echo "---"; cat "$KWOK_SRC/kustomize/stage/$f"
  done
} > "$BIN_DIR/.tmp.kwok-stages.yaml"
mv -f "$BIN_DIR/.tmp.kwok-stages.yaml" "$BIN_DIR/kwok-stages.yaml"
}
[ -n "$ONLY_KUBECTL" ] || build_etcd_and_kwok

# --- kube-apiserver, kube-controller-manager, kube-scheduler, or kubectl (wrapper module k8s/) ---
# Same tags and -X version flags as upstream hack/lib/golang.sh + hack/lib/version.sh.
K8S_MINOR=${K8S_VERSION#v1.}; K8S_MINOR=${K8S_MINOR%%.*}
BUILD_DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
K8S_LDFLAGS="-s -w"
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  K8S_LDFLAGS="$K8S_LDFLAGS -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$K8S_MINOR"
  K8S_LDFLAGS="$K8S_LDFLAGS -X $p.gitTreeState=clean -X $p.buildDate=$BUILD_DATE"
done
for c in "${K8S_COMMANDS[@]}"; do
  (cd "$HERE/k8s" || exit 1; timed_build "$c" "$GO" build "${PFLAG[@]}" -trimpath -pgo=off \
     -tags=selinux,notest,grpcnotrace -ldflags="$K8S_LDFLAGS" \
     -o "$BIN_DIR/.tmp.$c" "k8s.io/kubernetes/cmd/$c")
done

all_present || { echo "build.sh: some outputs are missing in $BIN_DIR" >&2; exit 1; }
log "all binaries built"
echo "$BIN_DIR"
