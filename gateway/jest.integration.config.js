// Integration tests of the gateway against a real Mosquitto the tests start on a free port, with Provena's shipped
// broker settings. The ledger behind the gateway is the in-memory test double running the real chaincode: these
// tests prove the broker side (acknowledge after commit, redelivery, back-pressure), not Fabric.
// Run with `npm run -w @provena/gateway test:integration`.
module.exports = {
  displayName: 'gateway:integration',
  rootDir: __dirname,
  setupFilesAfterEnv: [`${__dirname}/../test/support/scratch-tmpdir.js`],
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }] },
  moduleNameMapper: {
    '^@provena/wire$': '<rootDir>/../wire/src/index.ts',
    '^@provena/chaincode$': '<rootDir>/../chaincode/src/index.ts',
    '^@provena/chaincode/src/(.*)$': '<rootDir>/../chaincode/src/$1',
    '^@provena/iot-simulator$': '<rootDir>/../iot-simulator/src/index.ts',
    '^@provena/forecasting$': '<rootDir>/../forecasting/src/index.ts',
  },
  testMatch: ['<rootDir>/test/**/*.int.test.ts'],
  testTimeout: 60_000,
  maxWorkers: 1,
};
