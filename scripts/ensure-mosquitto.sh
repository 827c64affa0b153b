#!/usr/bin/env bash
# Makes sure the Mosquitto broker binary is on this machine (Debian's package), because integration tests start
# their own broker processes from it. Installs it with apt-get where it is missing; never touches a running broker.
set -euo pipefail

if command -v mosquitto >/dev/null 2>&1 || [[ -x /usr/sbin/mosquitto ]]; then
  echo "[mosquitto] present: $(command -v mosquitto || echo /usr/sbin/mosquitto)"
  exit 0
fi

command -v apt-get >/dev/null 2>&1 ||
  { echo "[mosquitto] ERROR: mosquitto is missing and there is no apt-get to install it; install Mosquitto 2.x" >&2; exit 2; }

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null 2>&1 ||
    { echo "[mosquitto] ERROR: mosquitto is missing; run 'apt-get install -y mosquitto' as root" >&2; exit 2; }
  sudo_cmd=(sudo)
fi

echo "[mosquitto] installing Debian's mosquitto package"
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq mosquitto >/dev/null
# The package may start a system broker on 1883; that is fine: our tests use their own ports.
echo "[mosquitto] installed: $(command -v mosquitto || echo /usr/sbin/mosquitto)"
