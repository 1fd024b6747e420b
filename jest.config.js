// ESM + @swc/jest: swc strips types (no type-check here; `npm run typecheck` does that),
// and --experimental-vm-modules (set in the npm script) lets PGlite load its WASM.
export default {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2023' }, module: { type: 'es6' } }],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  globalSetup: '<rootDir>/test/support/global-setup.mjs',
  globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
  // After every file: leave Node's http unpatched by nock, whatever the file did (see the file for why).
  setupFilesAfterEnv: ['<rootDir>/test/support/restore-nock.ts'],
  // Tests drive real Redis, PostgreSQL, PGlite and child processes: leave room for a busy machine.
  testTimeout: 60000,
  testEnvironmentOptions: { globalsCleanup: 'on' },
};
