#!/usr/bin/env bash
# Provena's native Fabric network: processes, no Docker. One entry point:
#
#   network/network.sh up [--orderers 1|3] [--base-port N]   bring up (or resume) the network and deploy the chaincode
#   network/network.sh deploy                               install/approve/commit the chaincode if its code changed
#   network/network.sh deploy --chaincode NAME --path DIR   another chaincode beside Provena's (the benchmark's baseline)
#   network/network.sh status                               what runs, on which ports; exit 0 only when all of it runs
#   network/network.sh down [--wipe]                        stop exactly what up started (by pid); --wipe removes ledgers
#   network/network.sh person enroll --org ORG --name NAME [--role admin|operator|auditor]
#                                                           register and enrol a person with ORG's Fabric CA
#   network/network.sh person revoke --org ORG --name NAME  revoke them: CA revocation, the CRL onto the channel
#
# Topology (network/lib/topology.mjs holds the table): an orderer organisation (Raft, 1 orderer or 3), ProducerMSP and
# CarrierMSP (members: both endorse every write) and AuditorMSP (reads its own copy of the ledger), one peer each, TLS
# on every endpoint, the channel `provena` created through the channel participation API, and the chaincode as a
# service: one chaincode server per organisation, each behind its own package. Each peer organisation also runs a
# Fabric CA (network/lib/fabric-ca.sh) that enrols its staff as persons; cryptogen makes the nodes' identities.
#
# Settings: PROVENA_NETWORK_DIR (.provena/network), PROVENA_NETWORK_BASE_PORT (7050), PROVENA_NETWORK_ORDERERS (1),
# PROVENA_NETWORK_BATCH_TIMEOUT (200ms), PROVENA_NETWORK_ENDORSEMENT (all-members: both members endorse every write;
# any-member: either one alone, a measured trade-off, see the README). Once a network exists its folder remembers them.
#
# Exit codes: 0 done; 1 failed (the message says what, and what still runs); 2 bad usage or settings; 3 a port in use;
# 4 Fabric's binaries unavailable (install-fabric.sh's message); 5 the chaincode is not built; 6 status: not all up.
set -euo pipefail
trap 'printf "[network] ERROR: %s failed (network.sh line %s)\n" "$BASH_COMMAND" "$LINENO" >&2' ERR

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly repo
readonly netctl="$repo/network/lib/netctl.mjs"
readonly CHANNEL=provena CHAINCODE=provena
# The chaincodes' endorsement policy by NET_ENDORSEMENT; the default is the strong one (README, "Endorsement policy").
signature_policy() {
  if [[ "$NET_ENDORSEMENT" == any-member ]]; then
    printf '%s' "OR('ProducerMSP.peer','CarrierMSP.peer')"
  else
    printf '%s' "AND('ProducerMSP.peer','CarrierMSP.peer')"
  fi
}

say() { printf '[network] %s\n' "$*" >&2; }
die() {
  local code=$1
  shift
  printf '[network] ERROR: %s\n' "$@" >&2
  exit "$code"
}

state=$(realpath -m "${PROVENA_NETWORK_DIR:-$repo/.provena/network}")
readonly state logs="$state/logs" run="$state/run"
export NET_STATE=$state

usage() { sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; }

# ---------------------------------------------------------------------------------------------------------------
# Settings: from the command line or the environment for a new network; from its own folder for an existing one.
load_settings() {
  local want_orderers=${opt_orderers:-${PROVENA_NETWORK_ORDERERS:-}}
  local want_base=${opt_base_port:-${PROVENA_NETWORK_BASE_PORT:-}}
  if [[ -f "$state/network.env" ]]; then
    # shellcheck source=/dev/null
    source "$state/network.env"
    if [[ -n "$want_orderers" && "$want_orderers" != "$NET_ORDERERS" ]] ||
      [[ -n "$want_base" && "$want_base" != "$NET_BASE_PORT" ]]; then
      die 2 "the network in $state was created with $NET_ORDERERS orderer(s) on base port $NET_BASE_PORT;" \
        "to change that, remove it first: network/network.sh down --wipe"
    fi
  else
    NET_ORDERERS=${want_orderers:-1}
    NET_BASE_PORT=${want_base:-7050}
    NET_BATCH_TIMEOUT=${PROVENA_NETWORK_BATCH_TIMEOUT:-200ms}
    NET_ENDORSEMENT=${PROVENA_NETWORK_ENDORSEMENT:-all-members}
  fi
  # A folder from before the setting existed was made with the default.
  NET_ENDORSEMENT=${NET_ENDORSEMENT:-all-members}
  [[ "$NET_ENDORSEMENT" == all-members || "$NET_ENDORSEMENT" == any-member ]] ||
    die 2 "the endorsement must be all-members or any-member, not '$NET_ENDORSEMENT'"
  [[ "$NET_ORDERERS" == 1 || "$NET_ORDERERS" == 3 ]] || die 2 "orderers must be 1 or 3, not '$NET_ORDERERS'"
  [[ "$NET_BASE_PORT" =~ ^[0-9]+$ ]] && ((NET_BASE_PORT >= 1024 && NET_BASE_PORT <= 65400)) ||
    die 2 "the base port must be a number from 1024 to 65400, not '$NET_BASE_PORT'"
  [[ "$NET_BATCH_TIMEOUT" =~ ^[0-9]+(ms|s)$ ]] || die 2 "the batch timeout must look like 200ms or 2s"
  export NET_ORDERERS NET_BASE_PORT NET_BATCH_TIMEOUT NET_ENDORSEMENT
}

# Ports in the kernel's ephemeral range can be taken at any moment as the local end of an outgoing connection, and a
# node that then binds one dies with EADDRINUSE: say so before starting, the network may still come up.
# Needs the node table (read_nodes).
warn_ephemeral_ports() {
  local low high n p first=65535 last=0
  read -r low high 2>/dev/null </proc/sys/net/ipv4/ip_local_port_range || return 0
  for n in "${NODES[@]}"; do
    for p in "${PORT[$n]}" "${PORT2[$n]}" "${OPS[$n]}"; do
      [[ "$p" =~ ^[0-9]+$ ]] || continue
      ((p < first)) && first=$p
      ((p > last)) && last=$p
    done
  done
  if ((first <= high && last >= low)); then
    say "warning: ports $first-$last overlap the kernel's ephemeral range $low-$high (outgoing connections" \
      "take their ports from it, and a node cannot bind one so taken); a base port below" \
      "$((low - (last - NET_BASE_PORT))) avoids that"
  fi
}

save_settings() {
  printf 'NET_ORDERERS=%s\nNET_BASE_PORT=%s\nNET_BATCH_TIMEOUT=%s\nNET_ENDORSEMENT=%s\n' \
    "$NET_ORDERERS" "$NET_BASE_PORT" "$NET_BATCH_TIMEOUT" "$NET_ENDORSEMENT" >"$state/network.env"
}

# The node table: kind name port second-port ops-port msp, one line each (see netctl.mjs).
declare -A PORT=() PORT2=() OPS=() MSP=() KIND=()
NODES=()
read_nodes() {
  local kind name port port2 ops msp table
  table=$(node "$netctl" "$@") || die 1 "could not work out the network's configuration (above)"
  NODES=()
  while IFS=$'\t' read -r kind name port port2 ops msp; do
    NODES+=("$name")
    KIND[$name]=$kind PORT[$name]=$port PORT2[$name]=$port2 OPS[$name]=$ops MSP[$name]=$msp
  done <<<"$table"
}
nodes_of_kind() {
  local n
  for n in "${NODES[@]}"; do [[ "${KIND[$n]}" == "$1" ]] && printf '%s\n' "$n"; done
  return 0
}

load_fabric() {
  local out line
  out=$(bash "$repo/network/install-fabric.sh") || exit 4
  while IFS= read -r line; do
    case "$line" in
      FABRIC_BIN=* | FABRIC_CCAAS_BUILDER=* | FABRIC_CONFIG=* | FABRIC_VERSION=*) export "${line?}" ;;
    esac
  done <<<"$out"
  [[ -n "${FABRIC_BIN:-}" && -n "${FABRIC_CCAAS_BUILDER:-}" && -n "${FABRIC_CONFIG:-}" ]] ||
    die 4 "install-fabric.sh did not say where Fabric's binaries are"
}

# ---------------------------------------------------------------------------------------------------------------
# Processes. Each started process carries PROVENA_NODE=<state>/<name> in its environment, so a pid file is trusted
# only while that pid is still the process we started (pids are reused).
pid_of() {
  local file="$run/$1.pid" pid
  [[ -f "$file" ]] || return 1
  pid=$(<"$file")
  [[ "$pid" =~ ^[0-9]+$ ]] && [[ -r "/proc/$pid/environ" ]] || return 1
  tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ" | grep -qxF "PROVENA_NODE=$state/$1" || return 1
  printf '%s\n' "$pid"
}

# While a process starts, its /proc environ is still its parent's until it execs: trust the pid file alone.
still_starting() { kill -0 "$(cat "$run/$1.pid" 2>/dev/null || echo 0)" 2>/dev/null; }

check_port_free() {
  local name=$1 port=$2 owner
  owner=$(node "$netctl" port-owner "$port")
  if [[ -n "$owner" ]]; then
    die 3 "port $port, wanted by $name, is in use by $owner" \
      "stop that process, or bring the network up on other ports: PROVENA_NETWORK_BASE_PORT=<n> (after down --wipe)"
  fi
}

# start_process NAME PORT... -- ENV=VALUE... -- COMMAND...
start_process() {
  local name=$1
  shift
  local ports=() envs=()
  while [[ $1 != -- ]]; do ports+=("$1") && shift; done
  shift
  while [[ $1 != -- ]]; do envs+=("$1") && shift; done
  shift
  local pid
  if pid=$(pid_of "$name"); then
    say "$name already running (pid $pid)"
    return 0
  fi
  local p
  for p in "${ports[@]}"; do check_port_free "$name" "$p"; done
  mkdir -p "$logs" "$run"
  printf '\n==== %s started %s\n' "$name" "$(date -u +%FT%TZ)" >>"$logs/$name.log"
  # setsid: a Ctrl-C in the terminal that ran `up` reaches the caller, which stops the nodes in order.
  env "${envs[@]}" "PROVENA_NODE=$state/$name" setsid "$@" >>"$logs/$name.log" 2>&1 </dev/null &
  echo $! >"$run/$name.pid"
  started_now+=("$name")
}

stop_process() {
  local name=$1 pid i
  pid=$(pid_of "$name") || {
    rm -f "$run/$name.pid"
    return 0
  }
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "$name (pid $pid) did not stop within 10 s of SIGTERM: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$run/$name.pid"
  say "stopped $name (pid $pid)"
}

wait_healthy() {
  local name=$1 url=$2 ms=${3:-60000}
  if ! node "$netctl" wait-http "$url" "$ms"; then
    still_starting "$name" || die 1 "$name exited while starting; the end of its log ($logs/$name.log):" \
      "$(tail -n 15 "$logs/$name.log")"
    die 1 "$name did not answer $url within $((ms / 1000)) s; its log: $logs/$name.log"
  fi
}

wait_listening() {
  local name=$1 port=$2 i
  for ((i = 0; i < 300; i++)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    still_starting "$name" || die 1 "$name exited while starting; the end of its log ($logs/$name.log):" \
      "$(tail -n 15 "$logs/$name.log")"
    sleep 0.1
  done
  die 1 "$name does not listen on 127.0.0.1:$port after 30 s; its log: $logs/$name.log"
}

# ---------------------------------------------------------------------------------------------------------------
# Fabric CLI as an organisation's admin.
org_dir() { printf '%s/crypto/peerOrganizations/%s.provena.local' "$state" "$1"; }
orderer_tlsca() { printf '%s/crypto/ordererOrganizations/orderer.provena.local/tlsca/tlsca.orderer.provena.local-cert.pem' "$state"; }
peer_tlsca() { printf '%s/tlsca/tlsca.%s.provena.local-cert.pem' "$(org_dir "$1")" "$1"; }
first_orderer() { printf '127.0.0.1:%s' "${PORT[orderer1]}"; }

# PEER_CALL_TIMEOUT=<seconds> bounds the call.
as_admin() {
  local org=$1 limit=()
  shift
  [[ -z "${PEER_CALL_TIMEOUT:-}" ]] || limit=(timeout "$PEER_CALL_TIMEOUT")
  FABRIC_CFG_PATH="$state/nodes/peer0-$org" \
    FABRIC_LOGGING_SPEC='grpc=error:warning' \
    CORE_PEER_LOCALMSPID="${MSP[peer0-$org]}" \
    CORE_PEER_MSPCONFIGPATH="$(org_dir "$org")/users/Admin@$org.provena.local/msp" \
    CORE_PEER_ADDRESS="127.0.0.1:${PORT[peer0-$org]}" \
    CORE_PEER_TLS_ENABLED=true \
    CORE_PEER_TLS_ROOTCERT_FILE="$(peer_tlsca "$org")" \
    "${limit[@]}" "$FABRIC_BIN/peer" "$@"
}

peer_orgs() { nodes_of_kind peer | sed 's/^peer0-//'; }

# shellcheck source=lib/fabric-ca.sh
source "$repo/network/lib/fabric-ca.sh"

# ---------------------------------------------------------------------------------------------------------------
make_crypto() {
  [[ -f "$state/crypto/.complete" ]] && return 0
  say "creating the organisations' keys and certificates (cryptogen)"
  rm -rf "$state/crypto"
  "$FABRIC_BIN/cryptogen" generate --config="$state/config/crypto-config.yaml" --output="$state/crypto" >/dev/null
  # Each organisation's chaincode server gets a TLS certificate from that organisation's TLS CA: its peer checks it,
  # and it accepts only clients whose certificate that CA signed (the peer's own TLS certificate).
  local org dir tlsca
  for org in $(peer_orgs); do
    dir="$state/chaincode/$org/tls"
    tlsca="$(org_dir "$org")/tlsca"
    mkdir -p "$dir"
    cp "$(peer_tlsca "$org")" "$dir/ca.crt"
    openssl ecparam -name prime256v1 -genkey -noout -out "$dir/server.key" 2>/dev/null
    openssl req -new -key "$dir/server.key" -subj "/O=${MSP[peer0-$org]}/CN=chaincode.$org.provena.local" \
      -out "$dir/server.csr" 2>/dev/null
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$tlsca/priv_sk" -CAcreateserial \
      -days 3650 -sha256 -out "$dir/server.crt" \
      -extfile <(printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n') 2>/dev/null
    rm -f "$dir/server.csr" "$dir/ca.srl"
    chmod 600 "$dir/server.key"
  done
  touch "$state/crypto/.complete"
}

make_genesis_block() {
  [[ -f "$state/config/$CHANNEL.block" ]] && return 0
  say "creating the channel's genesis block (configtxgen)"
  FABRIC_LOGGING_SPEC=warning "$FABRIC_BIN/configtxgen" -configPath "$state/config" -profile ProvenaChannel \
    -channelID "$CHANNEL" -outputBlock "$state/config/$CHANNEL.block.tmp" 2>&1 | sed 's/^/    /' >&2
  mv "$state/config/$CHANNEL.block.tmp" "$state/config/$CHANNEL.block"
}

start_orderers() {
  local o
  for o in $(nodes_of_kind orderer); do
    mkdir -p "$state/nodes/$o"
    start_process "$o" "${PORT[$o]}" "${PORT2[$o]}" "${OPS[$o]}" -- "FABRIC_CFG_PATH=$state/nodes/$o" -- \
      "$FABRIC_BIN/orderer"
  done
  for o in $(nodes_of_kind orderer); do wait_healthy "$o" "http://127.0.0.1:${OPS[$o]}/healthz"; done
}

# retry TRIES WHAT COMMAND...: COMMAND's output, asked up to TRIES times a second apart while it fails. A node that
# answers its health check can still refuse a call for a moment (a peer busy catching up after a restart), and a
# failed call here must not be taken for a "no" (not joined, nothing committed).
retry() {
  local tries=$1 what=$2 attempt out
  shift 2
  for ((attempt = 1; ; attempt++)); do
    out=$("$@" 2>&1) && {
      printf '%s\n' "$out"
      return 0
    }
    ((attempt < tries)) || die 1 "$what failed $tries times, the last time with:" "$(tail -n 2 <<<"$out")"
    sleep 1
  done
}

join_orderers() {
  local o tls="$state/crypto/ordererOrganizations/orderer.provena.local/users/Admin@orderer.provena.local/tls"
  local admin=(--ca-file "$(orderer_tlsca)" --client-cert "$tls/client.crt" --client-key "$tls/client.key") listed
  for o in $(nodes_of_kind orderer); do
    # Exit 0 with "Status: 404" when the orderer has not joined; not 0 when it could not be asked.
    listed=$(retry 10 "asking $o which channels it has joined (osnadmin)" \
      "$FABRIC_BIN/osnadmin" channel list --channelID "$CHANNEL" -o "127.0.0.1:${PORT2[$o]}" "${admin[@]}")
    grep -q '"name": "'"$CHANNEL"'"' <<<"$listed" && continue
    say "$o joins channel $CHANNEL (osnadmin)"
    "$FABRIC_BIN/osnadmin" channel join --channelID "$CHANNEL" --config-block "$state/config/$CHANNEL.block" \
      -o "127.0.0.1:${PORT2[$o]}" "${admin[@]}" >/dev/null
  done
}

# An orderer that answers its health check may still be electing a Raft leader (after a restart, for one); until
# one leads, every submit fails with "no orderers could successfully process transaction".
wait_for_raft_leader() {
  local ports=() o leader
  for o in $(nodes_of_kind orderer); do ports+=("${OPS[$o]}"); done
  leader=$(node "$netctl" wait-raft-leader "$CHANNEL" 60000 "${ports[@]}") ||
    die 1 "no orderer leads channel $CHANNEL after 60 s (Raft); logs: $logs/orderer*.log"
  say "Raft leader of $CHANNEL: the orderer with operations port $leader"
}

start_peers() {
  local p
  for p in $(nodes_of_kind peer); do
    start_process "$p" "${PORT[$p]}" "${PORT2[$p]}" "${OPS[$p]}" -- "FABRIC_CFG_PATH=$state/nodes/$p" -- \
      "$FABRIC_BIN/peer" node start
  done
  for p in $(nodes_of_kind peer); do wait_healthy "$p" "http://127.0.0.1:${OPS[$p]}/healthz"; done
}

join_peers() {
  local org joined
  for org in $(peer_orgs); do
    joined=$(retry 10 "asking peer0-$org which channels it has joined" as_admin "$org" channel list)
    grep -qxF "$CHANNEL" <<<"$joined" && continue
    say "peer0-$org joins channel $CHANNEL"
    as_admin "$org" channel join -b "$state/config/$CHANNEL.block" 2>&1 | grep -v 'Successfully submitted' >&2 || true
    as_admin "$org" channel getinfo -c "$CHANNEL" >/dev/null || die 1 "peer0-$org did not join $CHANNEL; its log: $logs/peer0-$org.log"
  done
}

# ---------------------------------------------------------------------------------------------------------------
# The chaincode, as a service. Its version is a hash of the built files the servers run, so a deploy is skipped
# exactly when the committed definition already runs this code. Packages are tarred deterministically (fixed
# mtimes and owners), so an organisation's package id is the same every time for the same code.
chaincode_package() {
  local org=$1 label=$2 port=$3 dir="$state/chaincode/$1/package"
  rm -rf "$dir" && mkdir -p "$dir/src"
  node "$netctl" ccaas-files "$dir/src" "$org" "$label" "$port"
  local tar_flags=(--sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner)
  tar "${tar_flags[@]}" -C "$dir/src" -cf - connection.json | gzip -n >"$dir/code.tar.gz"
  cp "$dir/src/metadata.json" "$dir/metadata.json"
  tar "${tar_flags[@]}" -C "$dir" -cf - metadata.json code.tar.gz | gzip -n >"$state/chaincode/$org/$label.tar.gz"
  rm -rf "$dir"
  printf '%s\n' "$state/chaincode/$org/$label.tar.gz"
}

# start_chaincode_server ORG PACKAGE_ID NAME PORT DIR: `fabric-chaincode-node server` on the package in DIR.
start_chaincode_server() {
  local org=$1 package_id=$2 name=$3 port=$4 dir=$5 tls="$state/chaincode/$1/tls" pid
  # A server started for another package (older code) is replaced.
  if pid=$(pid_of "$name") && [[ "$(cat "$run/$name.package" 2>/dev/null)" != "$package_id" ]]; then
    stop_process "$name"
  fi
  local shim_cli
  shim_cli=$(cd "$dir" && node -p 'require.resolve("fabric-shim/cli.js")')
  (
    cd "$dir"
    # The peers take many keys in one message (core.yaml runtimeParams useWriteBatch and useGetMultipleKeys, set by
    # netctl); PROVENA_STATE_BATCH=off in the caller's environment makes one state call per key (a benchmark's before).
    start_process "$name" "$port" -- CORE_CHAINCODE_LOGGING_LEVEL=warning \
      "PROVENA_STATE_BATCH=${PROVENA_STATE_BATCH:-on}" -- \
      "$(command -v node)" "$shim_cli" server --chaincode-address="127.0.0.1:$port" \
      --chaincode-id="$package_id" --chaincode-tls-cert-file="$tls/server.crt" \
      --chaincode-tls-key-file="$tls/server.key" --chaincode-tls-client-cacert-file="$tls/ca.crt"
  )
  printf '%s\n' "$package_id" >"$run/$name.package"
  wait_listening "$name" "$port"
}

# The committed definition of chaincode NAME as JSON, or nothing when none is committed yet; fails when the peer
# could not be asked (busy while a restarted network catches up): read as "nothing committed", that would start a
# deploy at the wrong sequence.
query_committed() {
  local out err="$run/querycommitted.err"
  if out=$(as_admin producer lifecycle chaincode querycommitted -C "$CHANNEL" -n "$1" --output json 2>"$err"); then
    printf '%s\n' "$out"
  elif ! grep -qF "namespace $1 is not defined" "$err"; then
    cat "$err"
    return 1
  fi
}

# committed_definition CHAINCODE: "VERSION SEQUENCE" of the committed definition, or nothing when none is committed
# yet. Call it alone in an assignment, `x=$(committed_definition ...)`, so that its failure stops the script.
committed_definition() {
  local definition
  definition=$(retry 10 "asking peer0-producer which definition of chaincode $1 is committed" query_committed "$1")
  [[ -n "$definition" ]] || return 0
  node -e 'const d = JSON.parse(process.argv[1]); console.log(`${d.version} ${d.sequence}`)' "$definition"
}

deploy_provena() {
  [[ -f "$repo/chaincode/dist/index.js" && -d "$repo/wire/dist" ]] ||
    die 5 "the chaincode is not built (chaincode/dist is missing): run npm run build first"
  local org servers=()
  for org in $(peer_orgs); do servers+=("$org:chaincode-$org:${PORT[chaincode-$org]}"); done
  # The private data collections (commercial terms) are part of the definition: a changed file is a new version.
  COLLECTIONS_CONFIG="$repo/chaincode/collections.json" \
    deploy_chaincode "$CHAINCODE" "$repo/chaincode" "$(node "$netctl" chaincode-version "$repo")" "${servers[@]}"
}

# Another chaincode beside Provena's (the benchmark's raw-Fabric baseline): its own servers, for the two endorsing
# organisations only, on the port after each one's Provena chaincode server; same channel, same endorsement policy.
deploy_extra() {
  local name=$1 dir=$2
  [[ "$name" =~ ^[a-z][a-z0-9_-]{0,30}$ && "$name" != "$CHAINCODE" ]] ||
    die 2 "--chaincode must be a lower-case name other than $CHAINCODE, not '$name'"
  [[ -f "$dir/package.json" ]] || die 2 "--path $dir holds no package.json (a fabric-contract-api package)"
  local org servers=()
  for org in producer carrier; do
    servers+=("$org:chaincode-$org-$name:$((${PORT[chaincode-$org]} + 1))")
  done
  deploy_chaincode "$name" "$dir" "$(node "$netctl" dir-version "$dir")" "${servers[@]}"
}

# deploy_chaincode NAME DIR VERSION ORG:SERVER:PORT...: the lifecycle for one chaincode. Its version is a hash of the
# files its servers run, so a deploy is skipped exactly when the committed definition already runs this code.
# Packages are tarred deterministically (fixed mtimes and owners), so an organisation's package id is the same
# every time for the same code.
deploy_chaincode() {
  local name=$1 dir=$2 version=$3
  shift 3
  local started=$SECONDS label org server port package package_id sequence entry
  local committed committed_version committed_sequence
  label="${name}_$version"
  declare -A package_ids=()
  for entry in "$@"; do
    IFS=: read -r org server port <<<"$entry"
    package=$(chaincode_package "$org" "$label" "$port")
    package_id=$(as_admin "$org" lifecycle chaincode calculatepackageid "$package")
    package_ids[$org]=$package_id
    start_chaincode_server "$org" "$package_id" "$server" "$port" "$dir"
    if ! as_admin "$org" lifecycle chaincode queryinstalled --output json 2>/dev/null | grep -qF "\"$package_id\""; then
      say "installing chaincode $label on peer0-$org"
      as_admin "$org" lifecycle chaincode install "$package" 2>&1 | grep -v 'Installed remotely\|Chaincode code package identifier' >&2 || true
    fi
  done
  committed=$(committed_definition "$name")
  read -r committed_version committed_sequence <<<"$committed"
  if [[ "$committed_version" == "$version" ]]; then
    say "chaincode $name version $version is already committed on $CHANNEL (nothing to deploy)"
    return 0
  fi
  sequence=$((${committed_sequence:-0} + 1))
  local orderer_args=(-o "$(first_orderer)" --tls --cafile "$(orderer_tlsca)")
  local definition=(--channelID "$CHANNEL" --name "$name" --version "$version" --sequence "$sequence"
    --signature-policy "$(signature_policy)")
  [[ -z "${COLLECTIONS_CONFIG:-}" ]] || definition+=(--collections-config "$COLLECTIONS_CONFIG")
  for org in "${!package_ids[@]}"; do
    say "$org approves $name version $version, sequence $sequence"
    as_admin "$org" lifecycle chaincode approveformyorg "${definition[@]}" --package-id "${package_ids[$org]}" \
      "${orderer_args[@]}" --waitForEvent 2>&1 | grep -v 'txid \[.*committed with status (VALID)' >&2 || true
  done
  local endorsers=()
  for org in producer carrier; do
    endorsers+=(--peerAddresses "127.0.0.1:${PORT[peer0-$org]}" --tlsRootCertFiles "$(peer_tlsca "$org")")
  done
  say "committing $name version $version (sequence $sequence), endorsed by ProducerMSP and CarrierMSP"
  as_admin producer lifecycle chaincode commit "${definition[@]}" "${orderer_args[@]}" "${endorsers[@]}" \
    --waitForEvent 2>&1 | grep -v 'committed with status (VALID)' >&2 || true
  committed=$(committed_definition "$name")
  read -r committed_version committed_sequence <<<"$committed"
  [[ "$committed_version" == "$version" ]] || die 1 "the definition of chaincode $name was not committed (see above)"
  say "chaincode $name deployed in $((SECONDS - started)) s"
}

# Endorsement needs each member's peer to reach its chaincode server, and every organisation's peer to know the
# others (gossip membership); until then submits fail with "no combination of peers can be derived which satisfy the
# endorsement policy". Waits for both, and says which is missing when they do not come.
wait_for_endorsement() {
  local org out last='' metadata='{"function":"org.hyperledger.fabric:GetMetadata","Args":[]}'
  local deadline=$((SECONDS + 60))
  while ((SECONDS < deadline)); do
    last=''
    for org in $(peer_orgs); do
      pid_of "chaincode-$org" >/dev/null ||
        die 1 "chaincode-$org exited; the end of its log ($logs/chaincode-$org.log):" "$(tail -n 15 "$logs/chaincode-$org.log")"
      # A chaincode server that accepts connections but never answers would hold a query for the peer's 30 s.
      if ! out=$(PEER_CALL_TIMEOUT=10 as_admin "$org" chaincode query -C "$CHANNEL" -n "$CHAINCODE" -c "$metadata" 2>&1); then
        [[ -n "$out" ]] || out="no answer within 10 s"
        last="peer0-$org cannot run the chaincode through chaincode-$org (127.0.0.1:${PORT[chaincode-$org]}): $(tail -n 1 <<<"$out")"
        break
      fi
    done
    if [[ -z "$last" ]]; then
      [[ -n "$(discover_endorsers)" ]] && return 0
      last="the peers answer, but peer0-producer's discovery finds no endorsers in CarrierMSP yet (gossip)"
    fi
    sleep 0.5
  done
  die 1 "$last (for 60 s); logs: $logs/"
}

# One line per layout of peers that satisfies the chaincode's endorsement policy, as the producer's peer sees it.
discover_endorsers() {
  local org=producer admin
  admin="$(org_dir producer)/users/Admin@producer.provena.local/msp"
  FABRIC_LOGGING_SPEC=error "$FABRIC_BIN/discover" endorsers --channel "$CHANNEL" --chaincode "$CHAINCODE" \
    --peerTLSCA "$(peer_tlsca "$org")" --userKey "$admin/keystore/priv_sk" \
    --userCert "$admin/signcerts/Admin@producer.provena.local-cert.pem" --MSP ProducerMSP \
    --server "127.0.0.1:${PORT[peer0-producer]}" 2>/dev/null | grep -F '"CarrierMSP"' || true
}

# ---------------------------------------------------------------------------------------------------------------
report_half_up() {
  local n running=()
  for n in "${NODES[@]}"; do pid_of "$n" >/dev/null && running+=("$n"); done
  if ((${#running[@]} > 0)); then
    printf '[network] the network is half up: running %s. Stop it with: network/network.sh down\n' \
      "${running[*]}" >&2
  fi
}

cmd_up() {
  local t0=$SECONDS
  load_settings
  load_fabric
  load_fabric_ca
  mkdir -p "$state" "$logs" "$run"
  save_settings
  read_nodes render
  started_now=()
  trap 'status=$?; [[ $status -ne 0 ]] && report_half_up; exit $status' EXIT
  local all_up=1 n
  for n in "${NODES[@]}"; do pid_of "$n" >/dev/null || all_up=0; done
  if ((all_up)) && [[ -f "$state/connection.json" ]]; then
    say "already up ($NET_ORDERERS orderer(s), base port $NET_BASE_PORT, state in $state): nothing to do"
    trap - EXIT
    return 0
  fi
  say "Fabric $FABRIC_VERSION from $FABRIC_BIN; state in $state; base port $NET_BASE_PORT; $NET_ORDERERS orderer(s)"
  warn_ephemeral_ports
  make_crypto
  make_ca_material
  make_genesis_block
  say "starting the organisations' Fabric CAs ($((SECONDS - t0)) s)"
  start_cas
  say "starting orderers ($((SECONDS - t0)) s)"
  start_orderers
  join_orderers
  wait_for_raft_leader
  say "starting peers ($((SECONDS - t0)) s)"
  start_peers
  join_peers
  say "deploying the chaincode as a service ($((SECONDS - t0)) s)"
  deploy_provena
  wait_for_endorsement
  node "$netctl" connection "$state/connection.json.tmp" && mv "$state/connection.json.tmp" "$state/connection.json"
  trap - EXIT
  cmd_status_table
  say "network up in $((SECONDS - t0)) s; gateway connection settings: $state/connection.json; logs: $logs/"
}

cmd_deploy() {
  [[ -f "$state/network.env" ]] || die 2 "no network in $state: run network/network.sh up"
  load_settings
  load_fabric
  read_nodes render
  started_now=()
  local n
  for n in $(nodes_of_kind peer) $(nodes_of_kind orderer); do
    pid_of "$n" >/dev/null || die 1 "$n is not running: run network/network.sh up"
  done
  if [[ -n "$opt_chaincode" ]]; then
    [[ -n "$opt_path" ]] || die 2 "deploy --chaincode NAME needs --path DIR"
    deploy_extra "$opt_chaincode" "$(realpath "$opt_path")"
    return 0
  fi
  deploy_provena
  wait_for_endorsement
}

cmd_status_table() {
  local n pid
  printf '%-18s %-10s %-12s %-7s %s\n' node kind msp port state >&2
  for n in "${NODES[@]}"; do
    if pid=$(pid_of "$n"); then state_text="running (pid $pid)"; else state_text=stopped; fi
    printf '%-18s %-10s %-12s %-7s %s\n' "$n" "${KIND[$n]}" "${MSP[$n]}" "${PORT[$n]}" "$state_text" >&2
  done
}

cmd_status() {
  [[ -f "$state/network.env" ]] || {
    say "no network in $state"
    exit 6
  }
  load_settings
  read_nodes nodes
  cmd_status_table
  local n
  for n in "${NODES[@]}"; do pid_of "$n" >/dev/null || exit 6; done
}

cmd_down() {
  if [[ -f "$state/network.env" ]]; then
    load_settings
    read_nodes nodes
    local n extra=()
    # Chaincode servers first (another chaincode's too: every pid file up or deploy wrote), then peers, then
    # orderers: nothing is left talking to a stopped node.
    for n in "$run"/chaincode-*.pid; do [[ -e "$n" ]] && extra+=("$(basename "$n" .pid)"); done
    for n in "${extra[@]}" $(nodes_of_kind peer) $(nodes_of_kind orderer) $(nodes_of_kind ca); do
      stop_process "$n"
    done
  else
    say "no network in $state"
  fi
  if ((opt_wipe)); then
    rm -rf "$state"
    say "removed $state (ledgers, keys, logs)"
  fi
}

command=${1:-}
[[ $# -gt 0 ]] && shift
opt_orderers='' opt_base_port='' opt_wipe=0 opt_chaincode='' opt_path='' opt_org='' opt_name='' opt_role=''
person_action=''
if [[ "$command" == person ]]; then
  person_action=${1:-}
  [[ $# -gt 0 ]] && shift
fi
while [[ $# -gt 0 ]]; do
  case "$1" in
    --orderers) opt_orderers=${2:?--orderers needs 1 or 3} && shift 2 ;;
    --base-port) opt_base_port=${2:?--base-port needs a port} && shift 2 ;;
    --wipe) opt_wipe=1 && shift ;;
    --chaincode) opt_chaincode=${2:?--chaincode needs a name} && shift 2 ;;
    --path) opt_path=${2:?--path needs a folder} && shift 2 ;;
    --org) opt_org=${2:?--org needs an organisation} && shift 2 ;;
    --name) opt_name=${2:?--name needs a name} && shift 2 ;;
    --role) opt_role=${2:?--role needs admin, operator or auditor} && shift 2 ;;
    *) usage && die 2 "unknown option $1" ;;
  esac
done
case "$command" in
  up) cmd_up ;;
  deploy) cmd_deploy ;;
  status) cmd_status ;;
  down) cmd_down ;;
  person) cmd_person "$person_action" ;;
  *) usage && exit 2 ;;
esac
