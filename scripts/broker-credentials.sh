#!/usr/bin/env bash
# Issues a client of Provena's broker its credentials: a random password entered (hashed) in the broker's password
# file, and an environment file for the client, $state/credentials/<name>.env (mode 600):
#   PROVENA_MQTT_USERNAME, PROVENA_MQTT_PASSWORD, PROVENA_MQTT_CA_FILE (the broker's CA, to check its certificate)
# which the gateway and the simulator read. <name> is a device id for a device (the ACL, network/mosquitto/acl,
# then lets it publish its own readings and hear only its own receipts and rejections), or provena-gateway /
# provena-fleet. Idempotent: existing credentials are kept unless --rotate. A running broker reloads its password
# file (SIGHUP). Prints the environment file's path, never the password.
# Usage: bash scripts/broker-credentials.sh [--rotate] <name>     (PROVENA_MOSQUITTO_STATE: default .provena/mosquitto)
# Exit codes: 0 issued or kept; 2 bad name or usage; 3 the broker's state has no CA yet (start it first).
set -euo pipefail
cd "$(dirname "$0")/.."

die() {
  local code=$1
  shift
  printf '[broker-credentials] ERROR: %s\n' "$@" >&2
  exit "$code"
}

rotate=0
if [[ "${1:-}" == --rotate ]]; then
  rotate=1
  shift
fi
[[ $# -eq 1 ]] || die 2 "usage: bash scripts/broker-credentials.sh [--rotate] <device id | provena-gateway | provena-fleet>"
name=$1
# Device ids may also hold ':', which the password file uses as its separator: such a device cannot have a user name.
[[ "$name" =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$ ]] ||
  die 2 "'$name' cannot be a broker user name: letters, digits and ._- only, at most 64, first a letter or digit (device ids with ':' need another id on the broker)"

state="${PROVENA_MOSQUITTO_STATE:-$PWD/.provena/mosquitto}"
ca="$state/tls/ca.pem"
[[ -s "$ca" ]] || die 3 "no broker CA in $state/tls: start the broker first (bash scripts/start-mosquitto.sh)"
passwd="$state/passwd"
env_file="$state/credentials/$name.env"

(
  umask 077
  mkdir -p "$state/credentials"
  [[ -f "$passwd" ]] || : >"$passwd"
)
if ((rotate)) || [[ ! -s "$env_file" ]] || ! grep -q "^$name:" "$passwd"; then
  password=$(openssl rand -base64 32 | tr -d '/+=\n' | cut -c1-32)
  mosquitto_passwd -b "$passwd" "$name" "$password"
  (
    umask 077
    printf 'PROVENA_MQTT_USERNAME=%s\nPROVENA_MQTT_PASSWORD=%s\nPROVENA_MQTT_CA_FILE=%s\n' "$name" "$password" "$ca" \
      >"$env_file.tmp"
    mv "$env_file.tmp" "$env_file"
  )
  # Ours and running: reload the password file (Mosquitto re-reads it and the ACL on SIGHUP).
  pid=$(cat "$state/mosquitto.pid" 2>/dev/null || true)
  if [[ "$pid" =~ ^[0-9]+$ ]] && tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF "$state/mosquitto.conf"; then
    kill -HUP "$pid"
    sleep 0.2 # the reload happens in the broker's next loop; a client connecting at once could be refused
  fi
fi
printf '%s\n' "$env_file"
