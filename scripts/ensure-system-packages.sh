#!/usr/bin/env bash
# Makes sure the Debian packages the project runs and tests with are on this machine: Mosquitto (integration tests
# start their own broker processes from it; `npm start` runs one), OpenSSL's command line (tests make throwaway
# certificates with it, so no private key is ever committed) and, with --with-browser, Chromium (the dashboard's
# browser tests drive Debian's headless build through playwright-core, which downloads no browser of its own).
# Installs what is missing with apt-get; never touches a running broker.
set -euo pipefail

missing=()
command -v mosquitto >/dev/null 2>&1 || [[ -x /usr/sbin/mosquitto ]] || missing+=(mosquitto)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
# Chromium only for the tests (`--with-browser`, from scripts/test.sh): `npm start` needs no browser.
if [[ "${1:-}" == --with-browser ]]; then
  command -v chromium >/dev/null 2>&1 || [[ -x /usr/bin/chromium ]] || missing+=(chromium)
fi

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "[packages] present: mosquitto ($(command -v mosquitto || echo /usr/sbin/mosquitto)), openssl ($(command -v openssl))$([[ "${1:-}" == --with-browser ]] && echo ", chromium ($(command -v chromium || echo /usr/bin/chromium))")"
  exit 0
fi

command -v apt-get >/dev/null 2>&1 ||
  { echo "[packages] ERROR: missing ${missing[*]} and there is no apt-get to install them" >&2; exit 2; }

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null 2>&1 ||
    { echo "[packages] ERROR: missing ${missing[*]}; run 'apt-get install -y ${missing[*]}' as root" >&2; exit 2; }
  sudo_cmd=(sudo)
fi

echo "[packages] installing Debian's ${missing[*]}"
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
# The mosquitto package may start a system broker on 1883; that is fine: our tests use their own ports.
echo "[packages] installed: ${missing[*]}"
