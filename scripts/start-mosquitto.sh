#!/usr/bin/env bash
# Makes sure the MQTT broker Provena ingests from is running, and prints its URL (the only line on stdout).
#
# By default that is Provena's own Mosquitto, with Provena's delivery settings (network/mosquitto/conf.d:
# persistence, no queue limits, a 3 KiB packet size limit), on 127.0.0.1:$PROVENA_BROKER_PORT (11883) with its
# state, log and pid file under .provena/mosquitto/ (PROVENA_MOSQUITTO_STATE moves it). It takes only MQTT over TLS
# (mqtts://, a certificate from its own CA, made here once: $state/tls/ca.pem) from authenticated clients (a
# password each, scripts/broker-credentials.sh; the gateway's and the simulator's are issued here), and its ACL
# (network/mosquitto/acl) keeps each device to its own topics. A broker that merely answers on some port is never
# taken for it: Debian's own Mosquitto on 1883, for one, drops QoS 1 messages past 1,000 queued.
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
  url="mqtts://127.0.0.1:${PROVENA_BROKER_PORT:-11883}"
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

# The broker's own CA and server certificate, made once (P-256). Clients check the broker against the CA; the
# server certificate names 127.0.0.1 and localhost, where it listens.
tls="$state/tls"
if [[ ! -s "$tls/server.pem" ]]; then
  (
    umask 077
    mkdir -p "$tls"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -subj "/CN=Provena broker CA" \
      -keyout "$tls/ca.key" -out "$tls/ca.pem" 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
      -keyout "$tls/server.key" -out "$tls/server.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$tls/server.ext"
    openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial -days 825 \
      -extfile "$tls/server.ext" -out "$tls/server.pem" 2>/dev/null
    rm -f "$tls/server.csr" "$tls/server.ext"
  ) || die 3 "could not make the broker's TLS certificate with openssl"
  chmod 644 "$tls/ca.pem"
  say "made the broker's CA and certificate in $tls (clients check the broker with $tls/ca.pem)"
fi
# The gateway's and the simulator's credentials (kept when they exist).
PROVENA_MOSQUITTO_STATE=$state bash scripts/broker-credentials.sh provena-gateway >/dev/null
PROVENA_MOSQUITTO_STATE=$state bash scripts/broker-credentials.sh provena-fleet >/dev/null

cat >"$state/mosquitto.conf" <<CONF
listener $port 127.0.0.1
certfile $tls/server.pem
keyfile $tls/server.key
allow_anonymous false
password_file $state/passwd
acl_file $PWD/network/mosquitto/acl
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
    say "started Provena's broker on 127.0.0.1:$port (TLS, password and ACL; pid $(cat "$state/mosquitto.pid"), log $state/mosquitto.log)" \
      "clients' credentials: $state/credentials/<name>.env (scripts/broker-credentials.sh <device id> issues a device's)"
    printf '%s\n' "$url"
    exit 0
  fi
  sleep 0.1
done
die 3 "Mosquitto did not answer on 127.0.0.1:$port within 5 s; see $state/mosquitto.log"
