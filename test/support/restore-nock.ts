import { afterAll } from '@jest/globals';

/**
 * Runs after every test file (jest `setupFilesAfterEnv`).
 *
 * Why: nock patches Node's `http` module, which all test files in this jest process share. A file
 * that imports nock (directly or through a test kit) and never restores it leaves its interceptor
 * patched in; jest's globals cleanup then tears that interceptor's state down, and every later
 * file's HTTP calls fail with "Cannot read properties of undefined (reading 'listenerCount')".
 * Which files follow depends on jest's ordering, which differs on a clean clone (no timing cache),
 * so this showed up in CI and not locally. Restoring after each file makes files order-independent.
 *
 * The import is the file's own nock instance when it used one (same module registry); otherwise it
 * loads nock just to leave `http` unpatched.
 */
afterAll(async () => {
  const { default: nock } = await import('nock');
  nock.cleanAll();
  nock.enableNetConnect();
  nock.restore();
});
