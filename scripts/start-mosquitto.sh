#!/usr/bin/env bash
# Makes sure an MQTT broker answers on PROVENA_MQTT_URL's host and port (default 127.0.0.1:1883). A broker already
# listening there is used as it is; otherwise a Mosquitto of ours starts in the background with persistence, its
# state, log and pid file under .provena/mosquitto/ (git-ignored; PROVENA_MOSQUITTO_STATE moves it). Never stops or
# reconfigures someone else's broker.
set -euo pipefail
cd "$(dirname "$0")/.."

url="${PROVENA_MQTT_URL:-mqtt://127.0.0.1:1883}"
hostport="${url#*://}"
hostport="${hostport%%/*}"
host="${hostport%:*}"
port="${hostport##*:}"
[[ "$port" =~ ^[0-9]+$ ]] || { echo "[mosquitto] ERROR: PROVENA_MQTT_URL=$url has no port" >&2; exit 2; }

listening() { node -e 'const s=require("net").connect(+process.argv[2],process.argv[1]);s.on("connect",()=>{s.destroy();process.exit(0)});s.on("error",()=>process.exit(1))' "$host" "$port"; }

if listening; then
  echo "[mosquitto] a broker answers on $host:$port; using it"
  exit 0
fi
if [[ "$host" != 127.0.0.1 && "$host" != localhost ]]; then
  echo "[mosquitto] ERROR: nothing answers on $host:$port, and a broker can only be started here for 127.0.0.1" >&2
  exit 3
fi

bash scripts/ensure-system-packages.sh
mosquitto_bin=$(command -v mosquitto || echo /usr/sbin/mosquitto)
state="${PROVENA_MOSQUITTO_STATE:-$PWD/.provena/mosquitto}"
mkdir -p "$state"
cat >"$state/mosquitto.conf" <<CONF
listener $port 127.0.0.1
allow_anonymous true
persistence_location $state/
# Provena's delivery settings: persistence, no queue limits, TCP_NODELAY.
include_dir $PWD/network/mosquitto/conf.d
pid_file $state/mosquitto.pid
log_dest file $state/mosquitto.log
# Root would hand the process to the 'mosquitto' user, who cannot write here.
user $(id -un)
CONF
"$mosquitto_bin" -d -c "$state/mosquitto.conf"
for _ in $(seq 1 50); do
  if listening; then
    echo "[mosquitto] started on 127.0.0.1:$port (pid $(cat "$state/mosquitto.pid"), log $state/mosquitto.log)"
    exit 0
  fi
  sleep 0.1
done
echo "[mosquitto] ERROR: Mosquitto did not answer on 127.0.0.1:$port within 5 s; see $state/mosquitto.log" >&2
exit 3
