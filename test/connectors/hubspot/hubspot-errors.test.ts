import { describe, expect, test } from '@jest/globals';
import nock from 'nock';
import { AuthError, PayloadError, RateLimitedError, TransientError } from '../../../src/errors/connector-errors.js';
import { HUBSPOT_STATUS_TABLE } from '../../../connectors/hubspot/hubspot-errors.js';
import { nextDailyReset } from '../../../connectors/hubspot/daily-reset.js';
import { fixture, HUBSPOT, nockAccount, PORTAL_ID, type Kit, useHubSpotKit } from './hubspot-test-kit.js';

/**
 * One test per row of the status → action table (connectors/hubspot/hubspot-errors.ts),
 * each through the real SDK against nock, plus the retry behaviour around it.
 */

const UPDATE = '/crm/v3/objects/contacts/batch/update';
const update = (kit: Kit, connector: ReturnType<Kit['connector']>) =>
  connector.client.call('contact batch update', 'standard', (sdk) => sdk.crm.contacts.batchApi.update({ inputs: [{ id: '101', properties: { qualify_score: '80' } }] }));

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail');
}

describe('HubSpot status → action table', () => {
  const kit = useHubSpotKit();

  test('when the table is read, then every row has a test below (rows are not added silently)', () => {
    expect(HUBSPOT_STATUS_TABLE.map((r) => r.when.split(' → ')[0])).toEqual([
      '429 with policyName TEN_SECONDLY_ROLLING',
      '429 with policyName DAILY',
      '429 "You have reached your secondly limit." (search, 5 req/s)',
      '429 with any other or no policy',
      '401',
      '403',
      '400, 404, 409, 422',
      '5xx',
      'no response (network error, timeout)',
      'any other status',
    ]);
  });

  test('when HubSpot answers 429 TEN_SECONDLY_ROLLING, then a burst RateLimitedError for 10 s and every process pauses', async () => {
    const connector = kit.connector();
    nockAccount();
    const scope = nock(HUBSPOT).post(UPDATE).reply(429, fixture('error-429-ten-secondly.json'));
    const err = await failure(update(kit, connector));
    expect(err).toBeInstanceOf(RateLimitedError);
    expect(err).toMatchObject({ scope: 'burst', retryAfterMs: 10_000, status: 429 });
    expect(scope.isDone()).toBe(true);
    const paused = await kit.limiter.pausedUntil(connector.client.limiterKey('standard'));
    expect(paused! - Date.now()).toBeGreaterThan(9_000);
  });

  test('when a 429 TEN_SECONDLY_ROLLING carries Retry-After, then the pause honours it', async () => {
    const connector = kit.connector();
    nockAccount();
    nock(HUBSPOT).post(UPDATE).reply(429, fixture('error-429-ten-secondly.json'), { 'Retry-After': '3' });
    const err = await failure(update(kit, connector));
    expect(err).toMatchObject({ scope: 'burst', retryAfterMs: 3_000 });
  });

  test('when HubSpot answers 429 DAILY, then a daily RateLimitedError until midnight in the portal time zone, and the budget is spent for all', async () => {
    const connector = kit.connector();
    nockAccount();
    nock(HUBSPOT).post(UPDATE).reply(429, fixture('error-429-daily.json'));
    const err = (await failure(update(kit, connector))) as RateLimitedError;
    expect(err).toBeInstanceOf(RateLimitedError);
    expect(err.scope).toBe('daily');
    const reset = nextDailyReset(new Date(), 'US/Eastern').resetAt;
    expect(err.message).toContain(`parked until ${reset.toISOString()}, midnight in US/Eastern`);
    expect(Math.abs(Date.now() + err.retryAfterMs - reset.getTime())).toBeLessThan(5_000);
    // The next call is refused here, before it reaches HubSpot (nock has nothing left to answer).
    const next = (await failure(update(kit, connector))) as RateLimitedError;
    expect(next).toMatchObject({ scope: 'daily' });
  });

  test('when the portal time zone is unknown, then the daily reset is midnight UTC and the message says so', async () => {
    const connector = kit.connector();
    nockAccount({ portalId: PORTAL_ID });
    nock(HUBSPOT).post(UPDATE).reply(429, fixture('error-429-daily.json'));
    const err = await failure(update(kit, connector));
    expect(err.message).toContain(`parked until ${nextDailyReset(new Date(), null).resetAt.toISOString()}, midnight in UTC (the portal time zone is unknown)`);
  });

  test('when search answers 429 "secondly limit", then a burst RateLimitedError for 1 s on the search bucket', async () => {
    const connector = kit.connector();
    nockAccount();
    nock(HUBSPOT).post('/crm/v3/objects/contacts/search').reply(429, fixture('error-429-search-secondly.json'));
    const err = await failure(connector.client.call('contact search', 'search', (sdk) => sdk.crm.contacts.searchApi.doSearch({ limit: 1 })));
    expect(err).toMatchObject({ scope: 'burst', retryAfterMs: 1_000 });
    expect(await kit.limiter.pausedUntil(connector.client.limiterKey('search'))).not.toBeNull();
    expect(await kit.limiter.pausedUntil(connector.client.limiterKey('standard'))).toBeNull();
  });

  test('when a 429 names no policy, then a burst RateLimitedError for 10 s', async () => {
    const connector = kit.connector();
    nockAccount();
    nock(HUBSPOT).post(UPDATE).reply(429, { status: 'error', message: 'Too many requests' });
    expect(await failure(update(kit, connector))).toMatchObject({ scope: 'burst', retryAfterMs: 10_000 });
  });

  test('when HubSpot answers 401, then an AuthError that says to rotate the token, without retrying', async () => {
    const connector = kit.connector();
    nockAccount();
    const scope = nock(HUBSPOT).post(UPDATE).once().reply(401, fixture('error-401.json'));
    const err = await failure(update(kit, connector));
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toContain('HUBSPOT_ACCESS_TOKEN');
    expect(scope.isDone()).toBe(true);
  });

  test('when HubSpot answers 403, then an AuthError naming the scopes the app needs', async () => {
    const connector = kit.connector();
    nockAccount();
    nock(HUBSPOT).post(UPDATE).reply(403, fixture('error-403.json'));
    const err = await failure(update(kit, connector));
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toContain('crm.objects.contacts.write');
  });

  test.each([400, 404, 409, 422])('when HubSpot answers %i, then a PayloadError carrying HubSpot\'s own message', async (status) => {
    const connector = kit.connector();
    nockAccount();
    const body = fixture<{ message: string }>('error-400-invalid-option.json');
    nock(HUBSPOT).post(UPDATE).once().reply(status, body);
    const err = await failure(update(kit, connector));
    expect(err).toBeInstanceOf(PayloadError);
    expect(err.message).toBe(body.message);
    expect(err).toMatchObject({ status });
  });

  test('when HubSpot answers 502 then 200, then the call is retried and succeeds', async () => {
    const connector = kit.connector();
    nockAccount();
    const scope = nock(HUBSPOT)
      .post(UPDATE).reply(502, fixture('error-502.json'))
      .post(UPDATE).reply(200, { status: 'COMPLETE', results: [], startedAt: '2026-11-27T10:00:00Z', completedAt: '2026-11-27T10:00:01Z' });
    await expect(update(kit, connector)).resolves.toMatchObject({ status: 'COMPLETE' });
    expect(scope.isDone()).toBe(true);
  });

  test('when HubSpot keeps answering 5xx, then a TransientError after the configured retries (1 + 2 attempts)', async () => {
    const connector = kit.connector();
    nockAccount();
    const scope = nock(HUBSPOT).post(UPDATE).times(3).reply(503, { status: 'error', message: 'Service Unavailable' });
    const err = await failure(update(kit, connector));
    expect(err).toBeInstanceOf(TransientError);
    expect(err.message).toContain('503');
    expect(scope.isDone()).toBe(true);
  });

  test('when the connection fails (no response), then a TransientError after retries', async () => {
    const connector = kit.connector();
    nockAccount();
    const scope = nock(HUBSPOT).post(UPDATE).times(3)
      // An Error instance: nock 14 hangs node-fetch when given a plain object.
      .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    const err = await failure(update(kit, connector));
    expect(err).toBeInstanceOf(TransientError);
    expect(err.message).toContain('No answer from HubSpot');
    expect(err.message).toContain('ECONNRESET');
    expect(scope.isDone()).toBe(true);
  });

  test('when HubSpot answers an unexpected status (418), then a PayloadError that names it', async () => {
    const connector = kit.connector();
    nockAccount();
    nock(HUBSPOT).post(UPDATE).reply(418, { status: 'error', message: 'teapot' });
    const err = await failure(update(kit, connector));
    expect(err).toBeInstanceOf(PayloadError);
    expect(err.message).toContain('418');
  });

  test('when the daily budget we count is spent, then the call is refused before reaching HubSpot', async () => {
    const connector = kit.connector({ limits: { daily: 2 } });
    nockAccount(); // call 1 of 2
    const scope = nock(HUBSPOT).post(UPDATE).once().reply(200, { status: 'COMPLETE', results: [], startedAt: '2026-11-27T10:00:00Z', completedAt: '2026-11-27T10:00:01Z' });
    await update(kit, connector); // call 2 of 2
    expect(scope.isDone()).toBe(true);
    expect(await failure(update(kit, connector))).toMatchObject({ scope: 'daily' });
  });
});

describe('daily reset', () => {
  test('when it is evening in New York, then the reset is the coming local midnight (05:00 UTC in winter)', () => {
    expect(nextDailyReset(new Date('2026-11-27T23:30:00Z'), 'America/New_York').resetAt.toISOString()).toBe('2026-11-28T05:00:00.000Z');
  });
  test('when the local day ends on a DST change, then the reset still lands on local midnight', () => {
    // 2026-03-08 is the US spring-forward day; midnight of the 9th is 04:00 UTC (EDT).
    expect(nextDailyReset(new Date('2026-03-08T12:00:00Z'), 'America/New_York').resetAt.toISOString()).toBe('2026-03-09T04:00:00.000Z');
  });
  test('when the zone is east of UTC, then the reset is before midnight UTC', () => {
    expect(nextDailyReset(new Date('2026-11-27T10:00:00Z'), 'Europe/Berlin').resetAt.toISOString()).toBe('2026-11-27T23:00:00.000Z');
  });
  test('when the zone is invalid, then UTC is assumed and flagged', () => {
    expect(nextDailyReset(new Date('2026-11-27T10:00:00Z'), 'Mars/Olympus')).toEqual({ resetAt: new Date('2026-11-28T00:00:00.000Z'), timeZone: 'UTC', assumed: true });
  });
});
