#!/usr/bin/env bash
# Builds helm from the Go module proxy (wrapper module helm/, version in versions.env) into a version-keyed
# cache directory outside the repo, like deploy/testcluster/build.sh does for the control plane:
#
#   ${CLUSTERVIZ_CACHE:-$HOME/.cache/clusterviz}/bin/helm-<version>/helm
#
# Idempotent: exits at once when helm is there. Progress goes to stderr; the last line on stdout is the binary.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
. "$HERE/versions.env"
CACHE_ROOT=${CLUSTERVIZ_CACHE:-$HOME/.cache/clusterviz}
BIN_DIR="$CACHE_ROOT/bin/helm-$HELM_VERSION"
HELM="$BIN_DIR/helm"

if [ -x "$HELM" ]; then echo "$HELM"; exit 0; fi
log() { echo "[build-helm.sh $(date -u +%H:%M:%S)] $*" >&2; }

GO=${GO:-$(command -v go || true)}
[ -n "$GO" ] || GO=/usr/local/go/bin/go
[ -x "$GO" ] || { echo "build-helm.sh: go not found (set GO=/path/to/go)" >&2; exit 1; }
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-modcacherw -buildvcs=false"

mkdir -p "$BIN_DIR"
# One build at a time per cache directory (parallel test jobs may all call this).
if command -v flock >/dev/null; then exec 9>"$BIN_DIR/.lock"; flock 9; fi
if [ -x "$HELM" ]; then echo "$HELM"; exit 0; fi

PFLAG=()
[ -n "${BUILD_P:-}" ] && PFLAG=(-p "$BUILD_P")
t0=$SECONDS
log "helm $HELM_VERSION: building into $BIN_DIR"
# helm reports its version from this ldflag (upstream's Makefile sets the same one).
(cd "$HERE/helm" && "$GO" build "${PFLAG[@]}" -trimpath \
   -ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
   -o "$BIN_DIR/.tmp.helm" helm.sh/helm/v3/cmd/helm)
mv -f "$BIN_DIR/.tmp.helm" "$HELM"
log "helm: done in $((SECONDS - t0))s, $(du -h "$HELM" | cut -f1)"
echo "$HELM"
