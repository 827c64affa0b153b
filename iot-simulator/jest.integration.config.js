// Integration tests of the simulator against a real Mosquitto the tests start on a free port and stop again.
// Run with `npm run -w @provena/iot-simulator test:integration`.
module.exports = {
  displayName: 'iot-simulator:integration',
  rootDir: __dirname,
  setupFilesAfterEnv: [`${__dirname}/../test/support/scratch-tmpdir.js`],
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/../tsconfig.jest.json' }] },
  moduleNameMapper: { '^@provena/wire$': '<rootDir>/../wire/src/index.ts' },
  testMatch: ['<rootDir>/test/**/*.int.test.ts'],
  testTimeout: 30_000,
  // Each test runs its own broker; running files one at a time keeps timings meaningful on a small machine.
  maxWorkers: 1,
};
