/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }] },
  testTimeout: 120000,
  // Native training saturates both cores: running test files one at a time is faster overall.
  maxWorkers: 1,
  globalSetup: '<rootDir>/test/helpers/global-setup.js',
};
