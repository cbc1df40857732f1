#!/usr/bin/env bash
# Builds the clusterviz image with podman, from Debian's packages and PyPI's wheels only (no registry to pull from):
#
#   1. a Debian base (debootstrap minbase + Python), made once and cached as a tarball under
#      ${CLUSTERVIZ_CACHE:-$HOME/.cache/clusterviz}/image/, imported as localhost/clusterviz-base:<key>;
#   2. the runtime dependencies of pyproject.toml as wheels, built on the host (`pip wheel`) into
#      .../wheels/<key>/, keyed by the dependency list;
#   3. the browser libraries running needs (uPlot) from package-lock.json, `npm ci --omit=dev` on the host into
#      .../npm/<key>/, keyed by the lock file;
#   4. Containerfile: those wheels installed with --no-index (the build has no network), the dashboard's
#      source and node_modules/uplot/dist, its static files collected, user 10001.
#
# Idempotent and cached: with nothing changed a rebuild takes seconds. The last line on stdout is the image name.
#
# Environment:
#   IMAGE             name to tag (default localhost/clusterviz:<version in pyproject.toml>)
#   CLUSTERVIZ_CACHE  cache root (default $HOME/.cache/clusterviz)
#   PYTHON            host Python that builds the wheels (default Debian's /usr/bin/python3, with python3-pip): the
#                     same version as the image's, to the patch level (dependencies' markers test it, e.g. redis's
#                     async-timeout for python_full_version < 3.11.3)
#   DEBIAN_MIRROR     for debootstrap (default: the first URI in /etc/apt/sources.list.d/debian.sources)
#   CONTAINERS_CONF   default: containers.conf beside this script (runc, no default ulimits)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CACHE=${CLUSTERVIZ_CACHE:-$HOME/.cache/clusterviz}/image
PYTHON=${PYTHON:-/usr/bin/python3}
SUITE=bookworm
BASE_PACKAGES=python3,python3-venv,ca-certificates,tzdata
export CONTAINERS_CONF=${CONTAINERS_CONF:-$HERE/containers.conf}

log() { echo "[image/build.sh $(date -u +%H:%M:%S)] $*" >&2; }
die() { echo "image/build.sh: $*" >&2; exit 1; }
hash_of() { sha256sum | cut -c1-12; }
for tool in podman debootstrap npm; do
  command -v "$tool" >/dev/null || die "$tool not found (apt-get install podman debootstrap runc nodejs npm)"
done
mkdir -p "$CACHE"
# One build at a time per cache (parallel test jobs may all call this).
if command -v flock >/dev/null; then exec 9>"$CACHE/.lock"; flock 9; fi

VERSION=$("$PYTHON" -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb"))["project"]["version"])' \
  "$ROOT/pyproject.toml")
IMAGE=${IMAGE:-localhost/clusterviz:$VERSION}

# --- 1. the base: Debian minbase with Python, from the Debian mirror ----------------------------------------
mirror() {
  [ -n "${DEBIAN_MIRROR:-}" ] && { echo "$DEBIAN_MIRROR"; return; }
  awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || echo http://deb.debian.org/debian
}
BASE_KEY=$SUITE-$(echo "$BASE_PACKAGES" | hash_of)
BASE=localhost/clusterviz-base:$BASE_KEY
BASE_TAR=$CACHE/base-$BASE_KEY.tar
make_base_tar() {
  local rootfs; rootfs=$(mktemp -d "$CACHE/.rootfs.XXXX")
  log "debootstrap $SUITE ($BASE_PACKAGES) from $(mirror): about 2 minutes"
  debootstrap --variant=minbase --include="$BASE_PACKAGES" "$SUITE" "$rootfs" "$(mirror)" >&2
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -cf "$BASE_TAR.tmp" . && mv -f "$BASE_TAR.tmp" "$BASE_TAR"
  rm -rf "$rootfs"
}
if ! podman image exists "$BASE"; then
  [ -s "$BASE_TAR" ] || make_base_tar
  log "importing $BASE_TAR as $BASE"
  podman import "$BASE_TAR" "$BASE" >&2
fi

# --- 2. wheels of the runtime dependencies, built on the host ------------------------------------------------
PY_VERSION='import platform; print(platform.python_version())'
IMAGE_PY=$(podman run --rm --network=none "$BASE" python3 -c "$PY_VERSION")
HOST_PY=$("$PYTHON" -c "$PY_VERSION")
[ "$IMAGE_PY" = "$HOST_PY" ] || die "the host's $PYTHON is $HOST_PY, the image's Python is $IMAGE_PY: set PYTHON"
REQUIREMENTS=$("$PYTHON" -c 'import sys, tomllib; print("\n".join(tomllib.load(open(sys.argv[1], "rb"))["project"]["dependencies"]))' \
  "$ROOT/pyproject.toml")
WHEELS=$CACHE/wheels/py$HOST_PY-$(printf '%s\n' "$REQUIREMENTS" | hash_of)
if [ ! -f "$WHEELS/.complete" ]; then
  log "pip wheel: the runtime dependencies into $WHEELS"
  mkdir -p "$WHEELS"
  printf '%s\n' "$REQUIREMENTS" > "$WHEELS/requirements.txt"
  "$PYTHON" -m pip wheel --quiet --wheel-dir "$WHEELS" -r "$WHEELS/requirements.txt" >&2
  touch "$WHEELS/.complete"
fi

# --- 3. the browser libraries: npm ci of the lock file, without the test tools ---------------------------------
NPM=$CACHE/npm/$(cat "$ROOT/package.json" "$ROOT/package-lock.json" | hash_of)
if [ ! -f "$NPM/.complete" ]; then
  log "npm ci --omit=dev into $NPM"
  rm -rf "$NPM" && mkdir -p "$NPM"
  cp "$ROOT/package.json" "$ROOT/package-lock.json" "$NPM/"
  (cd "$NPM" && npm ci --omit=dev --no-audit --no-fund --loglevel=error >&2)
  touch "$NPM/.complete"
fi

# --- 4. the image ---------------------------------------------------------------------------------------------
CONTEXT=$CACHE/context
rm -rf "$CONTEXT" && mkdir -p "$CONTEXT/wheels" "$CONTEXT/app"
cp -l "$WHEELS"/*.whl "$WHEELS/requirements.txt" "$CONTEXT/wheels/" 2>/dev/null || cp "$WHEELS"/*.whl "$WHEELS/requirements.txt" "$CONTEXT/wheels/"
# What the dashboard runs from: the committed files, not caches, virtualenvs or local databases.
source_files() {
  git -C "$ROOT" ls-files -z --cached --others --exclude-standard -- manage.py clusterviz dashboard templates static locale \
    | while IFS= read -r -d '' f; do [ -f "$ROOT/$f" ] && printf '%s\0' "$f"; done
}
(cd "$ROOT" && source_files | xargs -0 cp --parents -t "$CONTEXT/app") || die "copying the source failed"
rm -rf "$CONTEXT/app/static/readme"  # the README's pictures are not the dashboard's
# uPlot as settings.STATICFILES_DIRS expects it (collectstatic in the Containerfile serves it as /static/uplot/).
mkdir -p "$CONTEXT/app/node_modules/uplot"
cp -r "$NPM/node_modules/uplot/dist" "$NPM/node_modules/uplot/LICENSE" "$CONTEXT/app/node_modules/uplot/"
cp "$HERE/Containerfile" "$CONTEXT/Containerfile"
log "podman build $IMAGE"
podman build --network=none --layers --build-arg BASE="$BASE" --label "org.opencontainers.image.version=$VERSION" \
  -t "$IMAGE" -f "$CONTEXT/Containerfile" "$CONTEXT" >&2
echo "$IMAGE"
