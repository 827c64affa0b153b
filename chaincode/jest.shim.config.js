// The shim tier: the chaincode's build (dist/) runs in a real `fabric-chaincode-node server` process, the real
// fabric-shim and fabric-contract-api inside it, and a test double of the peer drives it over the chaincode gRPC
// protocol. It tests the build, so build first: `npm run -w @provena/chaincode test:shim` does (`tsc -b`, then this).
module.exports = {
  displayName: 'chaincode:shim',
  rootDir: __dirname,
  setupFilesAfterEnv: [`${__dirname}/../test/support/scratch-tmpdir.js`],
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/../tsconfig.jest.json' }] },
  // No mapping of @provena/wire to its sources: the test signs and parses with the same build the process runs.
  testMatch: ['<rootDir>/test/shim/**/*.shim.test.ts'],
  testTimeout: 30_000,
  maxWorkers: 1,
};
