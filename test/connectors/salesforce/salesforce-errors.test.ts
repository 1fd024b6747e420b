import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import { AuthError, PayloadError, RateLimitedError, TransientError } from '../../../src/errors/connector-errors.js';
import { SalesforceSession } from '../../../connectors/salesforce/salesforce-auth.js';
import { REQUEST_ERROR_TABLE, toConnectorError } from '../../../connectors/salesforce/salesforce-errors.js';
import { MemoryTokenVault } from '../../../connectors/salesforce/salesforce-token-vault.js';
import type { Store } from '../../../src/store/store.types.js';
import { silentLogger } from './salesforce-test-kit.js';

/** An error as jsforce 3 raises it for a Salesforce `[{message, errorCode}]` body. */
function jsforceError(errorCode: string, message = 'details'): Error {
  const err = new Error(message) as Error & { errorCode: string; data: unknown };
  err.name = errorCode;
  err.errorCode = errorCode;
  err.data = { errorCode, message };
  return err;
}

const expectedClass = { auth: AuthError, park: RateLimitedError, burst: RateLimitedError, payload: PayloadError, transient: TransientError } as const;

describe('Salesforce error table', () => {
  it.each(Object.entries(REQUEST_ERROR_TABLE))('when Salesforce answers %s, then the worker gets the error its row names', (code, rule) => {
    const typed = toConnectorError(jsforceError(code), 'query Lead');
    expect(typed).toBeInstanceOf(expectedClass[rule.action]);
    expect(typed.message).toContain(code);
    expect(typed.message).toContain(rule.why);
    if (rule.action === 'park') expect(typed).toMatchObject({ scope: 'daily' });
  });

  it('when REQUEST_LIMIT_EXCEEDED is about concurrent long-running requests, then it is a short burst pause, not a daily park', () => {
    const typed = toConnectorError(jsforceError('REQUEST_LIMIT_EXCEEDED', 'ConcurrentPerOrgLongTxn Limit exceeded.'), 'query');
    expect(typed).toBeInstanceOf(RateLimitedError);
    expect(typed).toMatchObject({ scope: 'burst', retryAfterMs: 30_000 });
  });

  it.each([
    ['ERROR_HTTP_503', TransientError],
    ['ERROR_HTTP_500', TransientError],
    ['ERROR_HTTP_429', RateLimitedError],
    ['ERROR_HTTP_401', AuthError],
    ['ERROR_HTTP_404', PayloadError],
    ['ECONNRESET', TransientError],
  ] as const)('when the failure is %s without a Salesforce body, then it maps by its HTTP status or network code', (code, cls) => {
    const err = code.startsWith('E') && !code.startsWith('ERROR') ? Object.assign(new Error('socket hang up'), { code }) : jsforceError(code);
    expect(toConnectorError(err, 'request')).toBeInstanceOf(cls);
  });
});

describe('Salesforce errors through the real jsforce client (nock)', () => {
  const instance = 'https://acme.my.salesforce.com';
  const statuses: string[] = [];
  const store = { setConnectionStatus: async (_id: string, status: string) => void statuses.push(status) } as unknown as Store;

  beforeAll(() => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
  });
  afterEach(() => nock.cleanAll());
  afterAll(() => nock.restore());

  function session() {
    return new SalesforceSession({
      connectionId: `salesforce:nock-${Math.random()}`,
      config: { loginUrl: 'https://login.salesforce.com', clientId: 'cid', clientSecret: 'secret', refreshToken: 'rt', instanceUrl: instance, apiVersion: '62.0', bulkThreshold: 2000, dailyBudgetShare: 1, bulkPollIntervalMs: 5, bulkPollTimeoutMs: 1000 },
      vault: new MemoryTokenVault(),
      store,
      logger: silentLogger,
    });
  }

  it('when the org answers 403 REQUEST_LIMIT_EXCEEDED, then the call ends as a daily RateLimitedError', async () => {
    nock('https://login.salesforce.com').post('/services/oauth2/token').reply(200, { access_token: 'tok', instance_url: instance, id: 'https://login.salesforce.com/id/00D5g000000ABCDEAA/0055g000000XyZaAAK', token_type: 'Bearer' });
    nock(instance).get('/services/data/v62.0/query').query(true).reply(403, [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }], { 'Content-Type': 'application/json', 'Sforce-Limit-Info': 'api-usage=100001/100000' });
    const s = session();
    const err = await s.run('query Lead', (conn) => conn.request('/query?q=SELECT+Id+FROM+Lead')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect(err).toMatchObject({ scope: 'daily' });
    expect((err as Error).message).toMatch(/parked until the next day/);
    expect(s.orgId).toBe('00D5g000000ABCDEAA');
    expect(s.budget.usage).toEqual({ used: 100001, limit: 100000 });
  });

  it('when the org answers 400 MALFORMED_QUERY, then the call ends as a PayloadError carrying Salesforce’s message', async () => {
    nock('https://login.salesforce.com').post('/services/oauth2/token').reply(200, { access_token: 'tok', instance_url: instance, id: 'https://login.salesforce.com/id/00D5g000000ABCDEAA/0055g000000XyZaAAK' });
    nock(instance).get('/services/data/v62.0/query').query(true).reply(400, [{ message: "unexpected token: 'FORM'", errorCode: 'MALFORMED_QUERY' }], { 'Content-Type': 'application/json' });
    const err = await session().run('query Lead', (conn) => conn.request('/query?q=SELECT+Id+FORM+Lead')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PayloadError);
    expect((err as Error).message).toContain("unexpected token: 'FORM'");
  });
});
