import { afterEach, describe, expect, jest, test } from '@jest/globals';
import { storeBackends } from '../support/store-backends.js';

/** The helper every store-backed test uses: it must say clearly when PostgreSQL is missing. */
describe('storeBackends', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    jest.restoreAllMocks();
  });

  const nobodyListens = () => {
    process.env.QUALIFY_TEST_BACKENDS = 'postgres';
    process.env.QUALIFY_TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:1/test';
  };

  test('when PostgreSQL does not answer and CI is set, then the test file fails saying so', () => {
    nobodyListens();
    process.env.CI = 'true';
    expect(() => storeBackends()).toThrow('PostgreSQL at postgres://postgres@127.0.0.1:1/test does not answer (set QUALIFY_TEST_DATABASE_URL, or start it: .ci/run does); CI requires it');
  });

  test('when PostgreSQL does not answer outside CI, then its variant is skipped with a warning', () => {
    nobodyListens();
    delete process.env.CI;
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(storeBackends()).toEqual([]);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('skipping the PostgreSQL variant'));
  });
});
