#!/usr/bin/env bash
# The README's test command (`npm test`), and what CI runs: installs what is missing, builds, lints and runs
# every test tier that this machine can run. Ends with one line "tests: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }
mkdir -p reports
rm -f reports/jest-*.json

step "Node $(node --version) (need >= 20.19)"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("Node 20.19 or newer is required"); process.exit(2); }'

step "Dependencies"
bash scripts/ensure-deps.sh

step "System packages (Mosquitto, OpenSSL)"
bash scripts/ensure-system-packages.sh

step "Build"
npm run build

step "Lint"
npm run lint

status=0
step "Unit tests (every package, and the repository's scripts)"
npx jest --ci --json --outputFile=reports/jest-unit.json || status=1

step "Chaincode on the real fabric-shim (the real chaincode server process, a test-double peer)"
npx jest -c chaincode/jest.shim.config.js --ci --json --outputFile="$PWD/reports/jest-shim-chaincode.json" || status=1

step "Integration tests (real Mosquitto)"
npm run -w @provena/iot-simulator test:integration -- --ci --json --outputFile="$PWD/reports/jest-integration-simulator.json" || status=1
# The gateway's broker side on a real Mosquitto with the shipped broker settings; its ledger is the in-memory
# double running the real chaincode, because no Fabric network can be built here (see README, Status).
npm run -w @provena/gateway test:integration -- --ci --json --outputFile="$PWD/reports/jest-integration-gateway.json" || status=1

# Sums Jest's JSON reports into the plain closing line CI reads.
node -e '
  const fs = require("fs");
  let passed = 0, failed = 0;
  for (const f of fs.readdirSync("reports").filter((f) => /^jest-.*\.json$/.test(f))) {
    const r = JSON.parse(fs.readFileSync("reports/" + f, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests + r.numRuntimeErrorTestSuites;
  }
  console.log(`\ntests: ${passed} passed, ${failed} failed`);
'
exit $status
