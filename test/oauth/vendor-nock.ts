import { afterAll, afterEach, beforeAll } from '@jest/globals';
import nock from 'nock';

/**
 * For OAuth tests whose vendor (HubSpot, Salesforce) is answered by nock: call inside the describe.
 * A request to a host nock does not answer fails instead of reaching the real vendor, while
 * loopback (Redis, PostgreSQL, the app under test) still connects; each test's interceptors are
 * dropped after it, so an answer one test left unused never serves the next. nock itself is
 * restored after the file (test/support/restore-nock.ts), not here: a describe.each runs this
 * once per store backend in the same file.
 */
export function onlyNockedVendors(): void {
  beforeAll(() => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
  });
  afterEach(() => nock.cleanAll());
  afterAll(() => {
    nock.enableNetConnect();
  });
}

/** A token request's form body as nock hands it to a body matcher (a string, or already parsed). */
export function formOf(body: unknown): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(typeof body === 'string' ? body : (body as Record<string, string>)));
}
