// The Fabric tier: tests against the real native network (network/network.sh), brought up once on free ports by
// the global setup and removed by the teardown. Run from the repository root: `npx jest -c test/fabric/jest.config.js`.
// Needs the build (the chaincode servers run chaincode/dist) and Fabric's binaries (network/install-fabric.sh).
module.exports = {
  displayName: 'fabric',
  rootDir: __dirname,
  setupFilesAfterEnv: [`${__dirname}/../support/scratch-tmpdir.js`],
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/../../tsconfig.jest.json' }] },
  moduleNameMapper: {
    '^@provena/wire$': '<rootDir>/../../wire/src/index.ts',
    '^@provena/chaincode$': '<rootDir>/../../chaincode/src/index.ts',
    '^@provena/chaincode/src/(.*)$': '<rootDir>/../../chaincode/src/$1',
    '^@provena/iot-simulator$': '<rootDir>/../../iot-simulator/src/index.ts',
    '^@provena/forecasting$': '<rootDir>/../../forecasting/src/index.ts',
  },
  testMatch: ['<rootDir>/**/*.fabric.test.ts'],
  globalSetup: '<rootDir>/global-setup.ts',
  globalTeardown: '<rootDir>/global-teardown.ts',
  testTimeout: 120_000,
  // One network, one ledger: test files run one after another.
  maxWorkers: 1,
};
