// One Jest run over every package's unit tests (`*.test.ts` beside the code). Packages import each other by
// source, so a test never runs against a stale build.
const shared = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/../tsconfig.jest.json' }] },
  moduleNameMapper: { '^@provena/wire$': '<rootDir>/../wire/src/index.ts' },
  testMatch: ['<rootDir>/src/**/*.test.ts'],
  setupFilesAfterEnv: [require('node:path').join(__dirname, 'test/support/scratch-tmpdir.js')],
};

module.exports = {
  projects: [
    ...['wire', 'chaincode', 'iot-simulator'].map((name) => ({
      ...shared,
      displayName: name,
      rootDir: `<rootDir>/${name}`,
    })),
    // The gateway is a NestJS app: its dependency injection needs decorator metadata.
    {
      ...shared,
      displayName: 'gateway',
      rootDir: '<rootDir>/gateway',
      transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }] },
      moduleNameMapper: {
        ...shared.moduleNameMapper,
        '^@provena/forecasting$': '<rootDir>/../forecasting/src/index.ts',
        '^@provena/chaincode$': '<rootDir>/../chaincode/src/index.ts',
        '^@provena/chaincode/src/(.*)$': '<rootDir>/../chaincode/src/$1',
      },
    },
    // The forecasting service is a NestJS module too; brain.js training in its tests takes seconds, not minutes.
    {
      ...shared,
      displayName: 'forecasting',
      rootDir: '<rootDir>/forecasting',
      transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }] },
      moduleNameMapper: {
        ...shared.moduleNameMapper,
        '^@provena/iot-simulator$': '<rootDir>/../iot-simulator/src/index.ts',
        '^@provena/chaincode$': '<rootDir>/../chaincode/src/index.ts',
        '^@provena/chaincode/src/(.*)$': '<rootDir>/../chaincode/src/$1',
      },
    },
    // The repository's own scripts (network/, scripts/), driven as a user runs them.
    {
      ...shared,
      displayName: 'scripts',
      rootDir: '<rootDir>/test',
      testMatch: ['<rootDir>/network/**/*.test.ts', '<rootDir>/scripts/**/*.test.ts'],
    },
  ],
};
