#!/usr/bin/env bash
# The README's main job (`npm start [-- --detach]`): the whole pipeline, end to end, on this machine.
#   dependencies and build → Fabric's binaries (cached) → the native network and the chaincode → Provena's broker →
#   the gateway → the demo devices provisioned through the REST API, their signed readings published over MQTT and
#   followed until every one is committed → the demo shipment's provenance read back from the ledger as an auditor.
# Then it keeps serving until Ctrl-C, which stops everything it started (`npm stop` does the same for --detach).
set -euo pipefail
cd "$(dirname "$0")/.."

detach=0
for arg in "$@"; do
  case "$arg" in
    --detach) detach=1 ;;
    *)
      echo "usage: npm start [-- --detach]" >&2
      exit 2
      ;;
  esac
done

t0=$SECONDS
step() { printf '\n==> %s (%d s)\n' "$*" $((SECONDS - t0)); }
fail() {
  printf '\nERROR: %s\n' "$@" >&2
  exit 1
}

provena=$PWD/.provena
export PROVENA_NETWORK_DIR=${PROVENA_NETWORK_DIR:-$provena/network}
readonly run_dir=$provena/run logs=$provena/logs demo_keys=$provena/demo/api-keys.json
readonly gateway_keys=${PROVENA_API_KEYS_FILE:-$provena/api-keys.json}
# What the gateway derives from one ledger (its event checkpoint, the forecasting history and forecasts) lives
# beside that ledger, so `network.sh down --wipe` takes it too: a checkpoint of a wiped ledger would point past the
# end of the new one, and the event stream would stay silent.
readonly ledger_state=$PROVENA_NETWORK_DIR/gateway
readonly http_port=${PROVENA_HTTP_PORT:-3000}
readonly gateway_url=http://127.0.0.1:$http_port
readonly scenario=iot-simulator/scenarios/demo.json
gateway=(node "$PWD/gateway/dist/main.js")
mkdir -p "$run_dir" "$logs"

# Whatever fails after something was started: say what runs and how to stop it, rather than leave it silently.
started_something=0
on_exit() {
  local status=$?
  if [[ $status -ne 0 && $started_something -eq 1 ]]; then
    printf '\nThe pipeline stopped (exit %s) with parts of it running; `npm stop` stops them all. Logs: %s, %s/logs\n' \
      "$status" "$logs" "$PROVENA_NETWORK_DIR" >&2
  fi
}
trap on_exit EXIT

gateway_pid() {
  local pid
  pid=$(cat "$run_dir/gateway.pid" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] && tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ" | grep -qxF "PROVENA_NODE=$provena/gateway" || return 1
  printf '%s\n' "$pid"
}

# The demo's API keys: one per organisation and role, each acting as a person of that organisation enrolled with
# its Fabric CA (so the ledger names who acted), created before the gateway starts (it reads the hashed keys file
# at start). The plain keys stay in .provena/demo (0600), for the simulator and for you to try the API with.
ensure_demo_keys() {
  # A network created anew (down --wipe) has a new CA that enrolled nobody yet: the old demo keys' persons are gone.
  if [[ -f "$demo_keys" && -f "$gateway_keys" ]] &&
    grep -q '"person": "aiko"' "$PROVENA_NETWORK_DIR/persons.json" 2>/dev/null; then
    return 0
  fi
  mkdir -p "$(dirname "$demo_keys")"
  rm -f "$demo_keys"
  key() {
    bash network/network.sh person enroll --org "$3" --name "$4" --role "$1" 2>&1 | grep -v '^\[install-fabric' >&2
    PROVENA_API_KEYS_FILE=$gateway_keys PROVENA_FABRIC_PERSONS=$PROVENA_NETWORK_DIR/persons.json \
      "${gateway[@]}" keys create --role "$1" --org "$2" --person "$4" \
      --label "npm start demo: $4"
  }
  local pa po ca co au
  pa=$(key admin ProducerMSP producer ada) po=$(key operator ProducerMSP producer omar)
  ca=$(key admin CarrierMSP carrier carmen) co=$(key operator CarrierMSP carrier kofi)
  au=$(key auditor AuditorMSP auditor aiko)
  (
    umask 077
    printf '{ "ProducerMSP": { "admin": "%s", "operator": "%s" },\n  "CarrierMSP": { "admin": "%s", "operator": "%s" },\n  "AuditorMSP": { "auditor": "%s" } }\n' \
      "$pa" "$po" "$ca" "$co" "$au" >"$demo_keys"
  )
  echo "API keys for the demo's organisations: $demo_keys"
}

start_gateway() {
  local pid owner i
  if pid=$(gateway_pid); then
    echo "the gateway already runs (pid $pid) on $gateway_url"
    return 0
  fi
  owner=$(node network/lib/netctl.mjs port-owner "$http_port")
  [[ -z "$owner" ]] || fail "port $http_port, where the gateway should listen, is taken by $owner" \
    "stop that process, or choose another port: PROVENA_HTTP_PORT=<port> npm start"
  ensure_demo_keys
  printf '\n==== gateway started %s\n' "$(date -u +%FT%TZ)" >>"$logs/gateway.log"
  env "${gateway_broker_credentials[@]}" \
    PROVENA_FABRIC_CONNECTION="$PROVENA_NETWORK_DIR/connection.json" \
    PROVENA_INGEST_ORG="${PROVENA_INGEST_ORG:-ProducerMSP}" \
    PROVENA_MQTT_URL="$mqtt_url" \
    PROVENA_HTTP_PORT="$http_port" \
    PROVENA_API_KEYS_FILE="$gateway_keys" \
    PROVENA_EVENTS_CHECKPOINT_FILE="${PROVENA_EVENTS_CHECKPOINT_FILE:-$ledger_state/events.checkpoint.json}" \
    PROVENA_FORECAST_DIR="${PROVENA_FORECAST_DIR:-$ledger_state/forecasts}" \
    PROVENA_NODE="$provena/gateway" \
    setsid "${gateway[@]}" >>"$logs/gateway.log" 2>&1 </dev/null &
  echo $! >"$run_dir/gateway.pid"
  for ((i = 0; i < 600; i++)); do
    if node network/lib/netctl.mjs wait-http "$gateway_url/ready" 100 2>/dev/null; then
      echo "gateway ready on $gateway_url (pid $(cat "$run_dir/gateway.pid"), log $logs/gateway.log)"
      return 0
    fi
    kill -0 "$(cat "$run_dir/gateway.pid")" 2>/dev/null ||
      fail "the gateway exited while starting; the end of its log ($logs/gateway.log):" "$(tail -n 20 "$logs/gateway.log")"
  done
  fail "the gateway did not become ready (broker and Fabric reachable) within 60 s; its log: $logs/gateway.log"
}

# The forecasting service: its own process with its own ProducerMSP identity (scripts/forecasting-identity.sh),
# following chaincode events from its checkpoint and anchoring what it publishes; the gateway serves what it
# published from the same folder.
start_forecasting() {
  local pid
  pid=$(cat "$run_dir/forecasting.pid" 2>/dev/null) || pid=
  if [[ "$pid" =~ ^[0-9]+$ ]] && tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ" | grep -qxF "PROVENA_NODE=$provena/forecasting"; then
    echo "the forecasting service already runs (pid $pid)"
    return 0
  fi
  bash scripts/forecasting-identity.sh >/dev/null
  printf '\n==== forecasting started %s\n' "$(date -u +%FT%TZ)" >>"$logs/forecasting.log"
  env PROVENA_FABRIC_CONNECTION="$PROVENA_NETWORK_DIR/connection.json" \
    PROVENA_FORECAST_DIR="${PROVENA_FORECAST_DIR:-$ledger_state/forecasts}" \
    PROVENA_NODE="$provena/forecasting" \
    setsid node "$PWD/forecasting/dist/main.js" serve >>"$logs/forecasting.log" 2>&1 </dev/null &
  echo $! >"$run_dir/forecasting.pid"
  sleep 1
  kill -0 "$(cat "$run_dir/forecasting.pid")" 2>/dev/null ||
    fail "the forecasting service exited while starting; the end of its log ($logs/forecasting.log):" "$(tail -n 20 "$logs/forecasting.log")"
  echo "forecasting service running (pid $(cat "$run_dir/forecasting.pid"), log $logs/forecasting.log)"
}

step "Dependencies"
bash scripts/ensure-deps.sh

step "Build"
npm run build

step "Fabric binaries (v3.1.5) and Fabric CA (v1.5.21)"
bash network/install-fabric.sh >/dev/null
bash network/install-fabric-ca.sh >/dev/null

step "Fabric network (state, logs and pid files in $PROVENA_NETWORK_DIR)"
started_something=1
bash network/network.sh up

step "MQTT broker"
mqtt_url=$(bash scripts/start-mosquitto.sh)
# Provena's own broker takes only authenticated TLS clients: the gateway and the demo's simulator each get the
# credentials start-mosquitto.sh issued them (KEY=VALUE lines: user, password, the broker's CA). A broker that
# PROVENA_MQTT_URL names is its operator's: its credentials come from the environment, as they are.
gateway_broker_credentials=() fleet_broker_credentials=()
if [[ -z "${PROVENA_MQTT_URL:-}" ]]; then
  broker_credentials=${PROVENA_MOSQUITTO_STATE:-$provena/mosquitto}/credentials
  mapfile -t gateway_broker_credentials <"$broker_credentials/provena-gateway.env"
  mapfile -t fleet_broker_credentials <"$broker_credentials/provena-fleet.env"
fi

step "Gateway"
start_gateway

step "Forecasting service (its own process and ledger identity)"
start_forecasting

step "Demo: $scenario"
env "${fleet_broker_credentials[@]}" \
  node iot-simulator/dist/cli.js demo "$scenario" --gateway "$gateway_url" --broker "$mqtt_url" --api-keys "$demo_keys"

cat <<NEXT

Provena is running ($((SECONDS - t0)) s from the start of npm start to the provenance above).
  REST API and its OpenAPI page   $gateway_url/docs   (API keys for each organisation: $demo_keys)
  live ledger events (SSE)        curl -N -H "Authorization: Bearer <key>" $gateway_url/events
  health, readiness, metrics      $gateway_url/health  $gateway_url/ready  $gateway_url/metrics
  forecasts                       $gateway_url/forecasts   (published by the forecasting service on its crons, every 15 min by default)
  logs                            $logs/gateway.log, $logs/forecasting.log, $PROVENA_NETWORK_DIR/logs/, $provena/mosquitto/mosquitto.log
  network                         bash network/network.sh status
NEXT

if ((detach)); then
  echo "Running in the background; stop everything with: npm stop"
  trap - EXIT
  exit 0
fi

echo "Serving until Ctrl-C (which stops the gateway, the broker and the network)."
stopping=0
stop_all() {
  ((stopping)) && return
  stopping=1
  printf '\nStopping...\n'
  bash scripts/stop.sh
  trap - EXIT
  exit 0
}
trap stop_all INT TERM
while pid=$(gateway_pid); do sleep 1; done
echo "The gateway stopped unexpectedly; the end of its log ($logs/gateway.log):" >&2
tail -n 20 "$logs/gateway.log" >&2
bash scripts/stop.sh
exit 1
