// The gateway's integration tests against the real native Fabric network: the Fabric tier's global setup brings
// one up on free ports (network/network.sh) and exports PROVENA_TEST_NETWORK_DIR, and test/ledger-under-test.ts
// then hands the gateway the real FabricLedgerAdapter, built from the network's connection file as the gateway
// builds it, instead of the in-memory double. Mosquitto is real, as in `test:integration`.
// Run with `npm run build && npm run -w @provena/gateway test:fabric` (the chaincode servers and the SIGKILL
// test's gateway process run the build; Fabric's binaries come from network/install-fabric.sh).
const integration = require('./jest.integration.config');

module.exports = {
  ...integration,
  displayName: 'gateway:fabric',
  // Every integration test whose claim is about the system with its ledger. Left out: built-gateway (it starts
  // the built gateway with Fabric unreachable on purpose and reads no ledger).
  testMatch: [
    'app',
    'commercial-terms',
    'epcis',
    'fault-api-abuse',
    'fault-broker-loss-receipts',
    'fault-custody-race',
    'fault-fuzz',
    'fault-mosquitto-sigkill',
    'forecasts',
    'gateway-replicas',
    'gateway-sigkill',
    'hostile-devices',
    'ingest-broker',
    'pallets',
    'secure-broker',
    'simulator-demo',
    'simulator-demo-command',
  ]
    .map((name) => `<rootDir>/test/${name}.int.test.ts`)
    // Fabric only: nodes of the network killed, frozen and stopped while readings flow, and the Raft leader of a
    // three-orderer network of its own; the auditor's verifier, which reads blocks and tampers with them; the web
    // dashboard in Chromium, whose verify button needs blocks; staff enrolled as persons with the organisations'
    // Fabric CAs; one signed transaction sent twice.
    .concat(
      '<rootDir>/test/fabric-node-faults.fabric.test.ts',
      '<rootDir>/test/raft-leader-fault.fabric.test.ts',
      '<rootDir>/test/verify.fabric.test.ts',
      '<rootDir>/test/dashboard.fabric.test.ts',
      '<rootDir>/test/staff-persons.fabric.test.ts',
      '<rootDir>/test/transaction-resend.fabric.test.ts',
    ),
  globalSetup: '<rootDir>/../test/fabric/global-setup.ts',
  globalTeardown: '<rootDir>/../test/fabric/global-teardown.ts',
  // Fabric commits take 0.3–1 s each; the longest files ingest thousands of readings and create a thousand
  // shipments through the API.
  testTimeout: 300_000,
  // One network, one ledger: test files run one after another.
  maxWorkers: 1,
};
