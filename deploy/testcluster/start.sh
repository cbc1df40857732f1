#!/usr/bin/env bash
# start.sh WORKDIR
# Starts etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok on 127.0.0.1
# (free ports picked now), waits until the cluster is usable, writes WORKDIR/admin.kubeconfig
# (context clusterviz-test) and exits 0, leaving the processes running. Stop with stop.sh WORKDIR.
#
# Environment:
#   TESTCLUSTER_BIN       directory with the binaries (default: output of build.sh, which builds if needed)
#   ADVERTISE_ADDRESS     apiserver --advertise-address (default: first global IPv4 of the host;
#                         without one, 192.0.2.10 together with --endpoint-reconciler-type=none)
#   ETCD_EXTRA_ARGS, APISERVER_EXTRA_ARGS, KCM_EXTRA_ARGS, SCHEDULER_EXTRA_ARGS, KWOK_EXTRA_ARGS
#                         extra flags, split on whitespace and appended (later flags win), e.g.
#                         APISERVER_EXTRA_ARGS="--watch-cache=false --etcd-compaction-interval=5s"
#   START_TIMEOUT         seconds to wait for each readiness step (default 120)
#   KWOK_POD_PARALLELISM  kwok's pod stage workers (podPlayStageParallelism; kwok's own default is 4, ours 16)
#   KWOK_NODE_PARALLELISM kwok's node stage workers (nodePlayStageParallelism; kwok 4, ours 16)
#   KWOK_LEASE_PARALLELISM kwok's node-lease workers (nodeLeaseParallelism; kwok 4, ours 16)
#                         kwok v0.8.0 has no --kube-api-qps/--kube-api-burst flag and no client rate limiter
#                         (its rest.Config uses flowcontrol.NewFakeAlwaysRateLimiter); its throughput is bounded
#                         by these worker counts, each worker doing one synchronous request at a time.
#                         They go into WORKDIR/kwok-config.yaml (a KwokConfiguration), passed as a second --config.
#   NODE_LEASE_SECONDS    kwok --node-lease-duration-seconds (default 40; kwok renews every quarter of it) and
#                         KCM --node-monitor-grace-period (set to the same value, default 40s)
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 WORKDIR" >&2; exit 2; }
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"

mkdir -p "$1"
WORKDIR=$(cd "$1" && pwd)
TIMEOUT=${START_TIMEOUT:-120}
KWOK_POD_PAR=${KWOK_POD_PARALLELISM:-16}
KWOK_NODE_PAR=${KWOK_NODE_PARALLELISM:-16}
KWOK_LEASE_PAR=${KWOK_LEASE_PARALLELISM:-16}
LEASE_S=${NODE_LEASE_SECONDS:-40}
for v in KWOK_POD_PAR KWOK_NODE_PAR KWOK_LEASE_PAR LEASE_S; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer, got '${!v}'"
done

for tool in openssl curl setsid; do command -v "$tool" >/dev/null || die "$tool is required (apt-get install openssl curl util-linux)"; done

# Refuse to start twice in the same WORKDIR.
if [ -f "$WORKDIR/pids" ]; then
  while read -r name pid st; do
    if is_ours "$pid" "$st"; then die "$name (pid $pid) from a previous start is still running; run stop.sh $WORKDIR first"; fi
  done < "$WORKDIR/pids"
  rm -f "$WORKDIR/pids"
fi

BIN_DIR=${TESTCLUSTER_BIN:-$("$TC_DIR/build.sh" | tail -n 1)}
for b in etcd kube-apiserver kube-controller-manager kube-scheduler kwok kwok-stages.yaml; do
  [ -e "$BIN_DIR/$b" ] || die "$BIN_DIR/$b missing (run build.sh)"
done

# ---------------------------------------------------------------- ports
free_ports() { # N -> N distinct free TCP ports on 127.0.0.1
  if command -v python3 >/dev/null 2>&1; then
    python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
  else # fallback: random high ports that nothing listens on
    local ports=() p
    while [ ${#ports[@]} -lt "$1" ]; do
      p=$((20000 + RANDOM % 12000))
      case " ${ports[*]} " in *" $p "*) continue ;; esac
      (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
      ports+=("$p")
    done
    echo "${ports[*]}"
  fi
}
read -r ETCD_PORT ETCD_PEER_PORT APISERVER_PORT KCM_PORT SCHED_PORT <<<"$(free_ports 5)"
APISERVER_URL=https://127.0.0.1:$APISERVER_PORT

# ---------------------------------------------------------------- advertise address
# kube-apiserver needs a non-loopback advertise address; it cannot pick one without a default route.
RECONCILER_ARGS=()
if [ -z "${ADVERTISE_ADDRESS:-}" ]; then
  ADVERTISE_ADDRESS=$(ip -4 -o addr show scope global 2>/dev/null | awk '{split($4, a, "/"); print a[1]; exit}' || true)
  [ -n "$ADVERTISE_ADDRESS" ] || ADVERTISE_ADDRESS=$(hostname -I 2>/dev/null | awk '{print $1}' || true)
  if [ -z "$ADVERTISE_ADDRESS" ]; then
    ADVERTISE_ADDRESS=192.0.2.10   # TEST-NET-1, never contacted; don't publish it in Endpoints
    RECONCILER_ARGS=(--endpoint-reconciler-type=none)
  fi
fi

# ---------------------------------------------------------------- PKI
PKI=$WORKDIR/pki
if [ ! -s "$PKI/admin.crt" ] || [ ! -s "$PKI/front-proxy-client.crt" ]; then
  say "generating certificates in $PKI"
  rm -rf "$PKI"; mkdir -p "$PKI"; chmod 700 "$PKI"
  set +e
  (
    set -e
    cd "$PKI"
    mkca() { # NAME CN
      printf '[req]\ndistinguished_name=dn\nprompt=no\n[dn]\nCN=%s\n[v3_ca]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign,digitalSignature\nsubjectKeyIdentifier=hash\n' "$2" > "$1.cnf"
      openssl req -x509 -new -nodes -newkey rsa:2048 -keyout "$1.key" -out "$1.crt" -days 3650 \
        -config "$1.cnf" -extensions v3_ca
    }
    mkca ca clusterviz-test-ca
    mkca front-proxy-ca clusterviz-test-front-proxy-ca
    sign() { # CA NAME CN O EXTENSIONS
      { printf '[req]\ndistinguished_name=dn\nprompt=no\n[dn]\nCN=%s\n' "$3"
        [ -n "$4" ] && printf 'O=%s\n' "$4"
        printf '[ext]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n%s\n' "$5"
      } > "$2.cnf"
      openssl req -new -nodes -newkey rsa:2048 -keyout "$2.key" -out "$2.csr" -config "$2.cnf"
      openssl x509 -req -in "$2.csr" -CA "$1.crt" -CAkey "$1.key" -CAcreateserial -out "$2.crt" -days 3650 \
        -extfile "$2.cnf" -extensions ext
    }
    # 10.96.0.1 = first IP of --service-cluster-ip-range below
    sign ca apiserver kube-apiserver "" "extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:10.96.0.1,IP:$ADVERTISE_ADDRESS"
    sign ca admin clusterviz-admin system:masters "extendedKeyUsage=clientAuth"
    # aggregation layer (front proxy); also silences the components' "missing requestheader-client-ca-file" errors
    sign front-proxy-ca front-proxy-client front-proxy-client "" "extendedKeyUsage=clientAuth"
    openssl genrsa -out sa.key 2048
    openssl rsa -in sa.key -pubout -out sa.pub
    rm -f ./*.csr ./*.cnf ./*.srl
  ) > "$WORKDIR/openssl.log" 2>&1
  rc=$?; set -e
  [ $rc -eq 0 ] || { cat "$WORKDIR/openssl.log" >&2; die "certificate generation failed"; }
fi

b64() { base64 -w0 < "$1"; }
KUBECONFIG_FILE=$WORKDIR/admin.kubeconfig
cat > "$KUBECONFIG_FILE.tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: clusterviz-test
  cluster:
    server: $APISERVER_URL
    certificate-authority-data: $(b64 "$PKI/ca.crt")
users:
- name: clusterviz-admin
  user:
    client-certificate-data: $(b64 "$PKI/admin.crt")
    client-key-data: $(b64 "$PKI/admin.key")
contexts:
- name: clusterviz-test
  context:
    cluster: clusterviz-test
    user: clusterviz-admin
current-context: clusterviz-test
EOF
chmod 600 "$KUBECONFIG_FILE.tmp"; mv -f "$KUBECONFIG_FILE.tmp" "$KUBECONFIG_FILE"

cat > "$WORKDIR/cluster.env" <<EOF
BIN_DIR=$BIN_DIR
ETCD_PORT=$ETCD_PORT
ETCD_PEER_PORT=$ETCD_PEER_PORT
APISERVER_PORT=$APISERVER_PORT
KCM_PORT=$KCM_PORT
SCHED_PORT=$SCHED_PORT
ADVERTISE_ADDRESS=$ADVERTISE_ADDRESS
APISERVER_URL=$APISERVER_URL
KUBECONFIG=$KUBECONFIG_FILE
EOF

# Everything started from here on is stopped again if start.sh fails.
cleanup_on_error() {
  local rc=$?
  if [ $rc -ne 0 ] && [ -f "$WORKDIR/pids" ]; then
    say "start failed (rc=$rc); stopping what was started"
    "$TC_DIR/stop.sh" "$WORKDIR" >&2 || true
  fi
}
trap cleanup_on_error EXIT

write_args() { local name=$1; shift; printf '%s\n' "$@" > "$WORKDIR/$name.args"; }
split() { EXTRA=(); read -r -a EXTRA <<<"${1:-}" || true; }   # whitespace split of an *_EXTRA_ARGS variable (no globbing)

# ---------------------------------------------------------------- etcd
split "${ETCD_EXTRA_ARGS:-}"
write_args etcd \
  --name=clusterviz-test --data-dir="$WORKDIR/etcd-data" \
  --listen-client-urls="http://127.0.0.1:$ETCD_PORT" --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster="clusterviz-test=http://127.0.0.1:$ETCD_PEER_PORT" \
  --unsafe-no-fsync=true --quota-backend-bytes=8589934592 --log-level=warn \
  "${EXTRA[@]}"
launch etcd etcd
wait_for "etcd /health" "$TIMEOUT" etcd curl -sf --max-time 2 "http://127.0.0.1:$ETCD_PORT/health"

# ---------------------------------------------------------------- kube-apiserver
split "${APISERVER_EXTRA_ARGS:-}"
write_args kube-apiserver \
  --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
  --bind-address=127.0.0.1 --secure-port="$APISERVER_PORT" \
  --advertise-address="$ADVERTISE_ADDRESS" "${RECONCILER_ARGS[@]}" \
  --cert-dir="$WORKDIR/apiserver-certs" \
  --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
  --client-ca-file="$PKI/ca.crt" \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
  --service-cluster-ip-range=10.96.0.0/12 \
  --authorization-mode=Node,RBAC --allow-privileged=true \
  --requestheader-client-ca-file="$PKI/front-proxy-ca.crt" --requestheader-allowed-names=front-proxy-client \
  --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
  --requestheader-extra-headers-prefix=X-Remote-Extra- \
  --proxy-client-cert-file="$PKI/front-proxy-client.crt" --proxy-client-key-file="$PKI/front-proxy-client.key" \
  "${EXTRA[@]}"
launch kube-apiserver kube-apiserver
wait_for "kube-apiserver /readyz" "$TIMEOUT" "etcd kube-apiserver" kapi GET /readyz

# ---------------------------------------------------------------- controller-manager, scheduler (leader election on)
split "${KCM_EXTRA_ARGS:-}"
write_args kube-controller-manager \
  --kubeconfig="$KUBECONFIG_FILE" \
  --authentication-kubeconfig="$KUBECONFIG_FILE" --authorization-kubeconfig="$KUBECONFIG_FILE" \
  --bind-address=127.0.0.1 --secure-port="$KCM_PORT" \
  --root-ca-file="$PKI/ca.crt" --service-account-private-key-file="$PKI/sa.key" \
  --node-monitor-period=5s --node-monitor-grace-period="${LEASE_S}s" \
  --kube-api-qps=100 --kube-api-burst=200 \
  "${EXTRA[@]}"
launch kube-controller-manager kube-controller-manager

split "${SCHEDULER_EXTRA_ARGS:-}"
write_args kube-scheduler \
  --kubeconfig="$KUBECONFIG_FILE" \
  --authentication-kubeconfig="$KUBECONFIG_FILE" --authorization-kubeconfig="$KUBECONFIG_FILE" \
  --bind-address=127.0.0.1 --secure-port="$SCHED_PORT" \
  "${EXTRA[@]}"
launch kube-scheduler kube-scheduler

# ---------------------------------------------------------------- kwok (fake kubelets for nodes annotated kwok.x-k8s.io/node=fake)
# kwok reads its options from a KwokConfiguration document. Options loaded from a file are NOT defaulted
# (config.Load only converts them), so every option that has a default in kwok's
# SetObjectDefaults_KwokConfiguration is written out here. The flags below still win over the file.
cat > "$WORKDIR/kwok-config.yaml" <<KWOKCONF
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokConfiguration
options:
  cidr: 10.244.0.0/16
  nodeIP: 10.0.0.1
  manageAllNodes: false
  manageNodesWithAnnotationSelector: kwok.x-k8s.io/node=fake
  nodeLeaseDurationSeconds: $LEASE_S
  podPlayStageParallelism: $KWOK_POD_PAR
  nodePlayStageParallelism: $KWOK_NODE_PAR
  nodeLeaseParallelism: $KWOK_LEASE_PAR
  podsOnNodeSyncParallelism: 1
  enablePodsOnNodeSyncListPager: true
  enablePodsOnNodeSyncStreamWatch: false
  enableDebuggingHandlers: true
  enableContentionProfiling: false
  enableProfilingHandler: true
KWOKCONF
split "${KWOK_EXTRA_ARGS:-}"
write_args kwok \
  --kubeconfig="$KUBECONFIG_FILE" --config="$BIN_DIR/kwok-stages.yaml" --config="$WORKDIR/kwok-config.yaml" \
  --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
  --cidr=10.244.0.0/16 --node-ip=10.0.0.1 --node-lease-duration-seconds="$LEASE_S" \
  "${EXTRA[@]}"
launch kwok kwok

ALL="etcd kube-apiserver kube-controller-manager kube-scheduler kwok"
wait_for "kube-controller-manager /healthz" "$TIMEOUT" "$ALL" curl -skf --max-time 2 "https://127.0.0.1:$KCM_PORT/healthz"
wait_for "kube-scheduler /healthz" "$TIMEOUT" "$ALL" curl -skf --max-time 2 "https://127.0.0.1:$SCHED_PORT/healthz"
wait_for "lease kube-system/kube-controller-manager" "$TIMEOUT" "$ALL" \
  kapi GET /apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-controller-manager
wait_for "lease kube-system/kube-scheduler" "$TIMEOUT" "$ALL" \
  kapi GET /apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler
wait_for "serviceaccount default/default" "$TIMEOUT" "$ALL" kapi GET /api/v1/namespaces/default/serviceaccounts/default
check_alive $ALL

trap - EXIT
say "cluster up: $APISERVER_URL (advertise $ADVERTISE_ADDRESS), logs in $WORKDIR/*.log"
echo "KUBECONFIG=$KUBECONFIG_FILE"
