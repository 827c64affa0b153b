#!/usr/bin/env bash
# npm ci, the reproducible install, skipped when node_modules already matches package-lock.json. Shared by the
# README's two commands.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
else
  echo "node_modules matches package-lock.json"
fi
