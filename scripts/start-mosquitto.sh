#!/usr/bin/env bash
# Makes sure the MQTT broker Provena ingests from is running, and prints its URL (the only line on stdout).
#
# By default that is Provena's own Mosquitto, with Provena's delivery settings (network/mosquitto/conf.d:
# persistence, no queue limits, a 20 KiB packet size limit), on 127.0.0.1:$PROVENA_BROKER_PORT (11883) with its
# state, log and pid file under .provena/mosquitto/ (PROVENA_MOSQUITTO_STATE moves it). A broker that merely
# answers on some port is never taken for it: Debian's own Mosquitto on 1883, for one, drops QoS 1 messages past
# 1,000 queued.
#
# PROVENA_MQTT_URL names another broker instead: used as it is when it answers (its settings are then its
# operator's business, and this says so); started like our own when nothing answers on a local address.
#
# Exit codes: 0 running; 2 bad settings; 3 the broker could not be started or its port is taken by another process.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[mosquitto] %s\n' "$*" >&2; }
die() {
  local code=$1
  shift
  printf '[mosquitto] ERROR: %s\n' "$@" >&2
  exit "$code"
}

if [[ -n "${PROVENA_MQTT_URL:-}" ]]; then
  url=$PROVENA_MQTT_URL
  named=1
else
  url="mqtt://127.0.0.1:${PROVENA_BROKER_PORT:-11883}"
  named=0
fi
hostport="${url#*://}"
hostport="${hostport%%/*}"
host="${hostport%:*}"
port="${hostport##*:}"
[[ "$url" == *://*:* && "$port" =~ ^[0-9]+$ ]] || die 2 "PROVENA_MQTT_URL=$url has no port"

state="${PROVENA_MOSQUITTO_STATE:-$PWD/.provena/mosquitto}"
listening() { (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; }

# Ours: the pid file's process is still the Mosquitto started with this state folder's configuration.
our_pid() {
  local pid
  pid=$(cat "$state/mosquitto.pid" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] && tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF "$state/mosquitto.conf" || return 1
  printf '%s\n' "$pid"
}

if pid=$(our_pid) && listening; then
  say "Provena's broker already runs on $host:$port (pid $pid, log $state/mosquitto.log)"
  printf '%s\n' "$url"
  exit 0
fi
if listening; then
  if ((named)); then
    say "using the broker PROVENA_MQTT_URL names ($url) as it is: Provena's delivery settings" \
      "(network/mosquitto/conf.d: persistence, no queue limit) are its operator's to set"
    printf '%s\n' "$url"
    exit 0
  fi
  owner=$(node network/lib/netctl.mjs port-owner "$port")
  die 3 "port $port, where Provena's broker should listen, is taken by ${owner:-another process}" \
    "stop that process, or choose another port: PROVENA_BROKER_PORT=<port>"
fi
[[ "$host" == 127.0.0.1 || "$host" == localhost ]] ||
  die 3 "nothing answers on $host:$port, and a broker can only be started here for 127.0.0.1"

bash scripts/ensure-system-packages.sh >&2
mosquitto_bin=$(command -v mosquitto || echo /usr/sbin/mosquitto)
mkdir -p "$state"
cat >"$state/mosquitto.conf" <<CONF
listener $port 127.0.0.1
allow_anonymous true
persistence_location $state/
# Provena's delivery settings: persistence, no queue limits, TCP_NODELAY, the packet size limit.
include_dir $PWD/network/mosquitto/conf.d
pid_file $state/mosquitto.pid
log_dest file $state/mosquitto.log
# Root would hand the process to the 'mosquitto' user, who cannot write here.
user $(id -un)
CONF
"$mosquitto_bin" -d -c "$state/mosquitto.conf"
for _ in $(seq 1 50); do
  if listening; then
    say "started Provena's broker on 127.0.0.1:$port (pid $(cat "$state/mosquitto.pid"), log $state/mosquitto.log)"
    printf '%s\n' "$url"
    exit 0
  fi
  sleep 0.1
done
die 3 "Mosquitto did not answer on 127.0.0.1:$port within 5 s; see $state/mosquitto.log"
