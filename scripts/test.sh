#!/usr/bin/env bash
# The README's test command (`npm test`), and what CI runs: installs what is missing, builds, lints and runs
# every test tier that this machine can run. Ends with one line "tests: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }
mkdir -p reports
rm -f reports/jest-*.json
# Every test file's temporary folder lives under this one (test/support/scratch-tmpdir.js), removed at the end.
PROVENA_TEST_SCRATCH_ROOT=$(mktemp -d "${TMPDIR:-/tmp}/provena-test-run.XXXXXX")
export PROVENA_TEST_SCRATCH_ROOT
trap 'rm -rf "$PROVENA_TEST_SCRATCH_ROOT"' EXIT

step "Node $(node --version) (need >= 20.19)"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("Node 20.19 or newer is required"); process.exit(2); }'

step "Dependencies"
bash scripts/ensure-deps.sh

step "System packages (Mosquitto, OpenSSL, Chromium for the dashboard's browser tests)"
bash scripts/ensure-system-packages.sh --with-browser

step "Build"
npm run build

step "Lint"
npm run lint

status=0
# Built once per machine into the cache (about a minute on 2 cores), then found there. Where neither Fabric's
# release binaries nor its source tarball can be had, this says how to provide them and the Fabric tier fails.
step "Fabric v3.1.5 binaries (network/install-fabric.sh)"
bash network/install-fabric.sh >/dev/null || status=1
# Each peer organisation's CA, which enrols staff as persons (about 3 minutes cold on 2 cores, then cached).
step "Fabric CA v1.5.21 binaries (network/install-fabric-ca.sh)"
bash network/install-fabric-ca.sh >/dev/null || status=1

step "Unit tests (every package, and the repository's scripts)"
npx jest --ci --json --outputFile=reports/jest-unit.json || status=1

step "Chaincode on the real fabric-shim (the real chaincode server process, a test-double peer)"
npx jest -c chaincode/jest.shim.config.js --ci --json --outputFile="$PWD/reports/jest-shim-chaincode.json" || status=1

step "Integration tests (real Mosquitto)"
npm run -w @provena/iot-simulator test:integration -- --ci --json --outputFile="$PWD/reports/jest-integration-simulator.json" || status=1
# The gateway's broker side on a real Mosquitto with the shipped broker settings.
npm run -w @provena/gateway test:integration -- --ci --json --outputFile="$PWD/reports/jest-integration-gateway.json" || status=1

step "Fabric tier: the native network on free ports (network/network.sh), driven through fabric-gateway"
npx jest -c test/fabric/jest.config.js --ci --json --outputFile="$PWD/reports/jest-fabric.json" || status=1

step "The gateway's integration tests against the native network (their own network, on free ports)"
npm run -w @provena/gateway test:fabric -- --ci --json --outputFile="$PWD/reports/jest-fabric-gateway.json" || status=1

# Sums Jest's JSON reports into the plain closing line CI reads. A tier that wrote no report (its global setup failed,
# say) counts as one failure, so the line never looks greener than the run.
node -e '
  const fs = require("fs");
  const tiers = ["unit", "shim-chaincode", "integration-simulator", "integration-gateway", "fabric", "fabric-gateway"];
  let passed = 0, failed = 0;
  for (const tier of tiers) {
    const file = `reports/jest-${tier}.json`;
    if (!fs.existsSync(file)) {
      console.log(`no report from the ${tier} tier: counted as 1 failed`);
      failed += 1;
      continue;
    }
    const r = JSON.parse(fs.readFileSync(file, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests + r.numRuntimeErrorTestSuites;
    if (r.numTotalTestSuites === 0 || (r.numFailedTestSuites > 0 && r.numFailedTests === 0 && r.numRuntimeErrorTestSuites === 0)) failed += 1;
  }
  console.log(`\ntests: ${passed} passed, ${failed} failed`);
'
exit $status
