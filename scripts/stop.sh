#!/usr/bin/env bash
# `npm stop`: stops what `npm start` started, by pid: the forecasting service, the gateway, Provena's broker and the
# native network. Ledgers, keys and logs stay in .provena/ (network/network.sh down --wipe removes the network's).
set -euo pipefail
cd "$(dirname "$0")/.."
provena=$PWD/.provena

# stop NAME PIDFILE MARKER: SIGTERM the pid when its process is still ours (MARKER in its environment or command
# line; pids are reused), SIGKILL after 10 s.
stop() {
  local name=$1 file=$2 marker=$3 pid i
  pid=$(cat "$file" 2>/dev/null) || return 0
  if ! [[ "$pid" =~ ^[0-9]+$ ]] ||
    ! { tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ" | grep -qxF "$marker" ||
      tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF "$marker"; }; then
    rm -f "$file"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  rm -f "$file"
  echo "stopped the $name (pid $pid)"
}

stop "forecasting service" "$provena/run/forecasting.pid" "PROVENA_NODE=$provena/forecasting"
stop gateway "$provena/run/gateway.pid" "PROVENA_NODE=$provena/gateway"
mosquitto_state=${PROVENA_MOSQUITTO_STATE:-$provena/mosquitto}
stop broker "$mosquitto_state/mosquitto.pid" "$mosquitto_state/mosquitto.conf"
PROVENA_NETWORK_DIR=${PROVENA_NETWORK_DIR:-$provena/network} bash network/network.sh down
