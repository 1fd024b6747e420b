import { afterEach, describe, expect, test } from '@jest/globals';
import { sdkError, startSandbox, type Harness } from './simulator-harness.js';

describe('HubSpot sandbox: rate limits', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.sim.close();
    h = undefined;
  });

  /** A clock the test moves by hand, so windows are exact and nothing sleeps. */
  function manualClock(start = Date.parse('2026-11-27T10:00:00Z')) {
    let t = start;
    return { now: () => t, advance: (ms: number) => (t += ms) };
  }

  test('when calls succeed, then each answer carries the X-HubSpot-RateLimit headers counting down', async () => {
    h = await startSandbox({ contacts: 5 });
    const first = await h.client.crm.contacts.basicApi.getPageWithHttpInfo(1);
    const second = await h.client.crm.contacts.basicApi.getPageWithHttpInfo(1);
    expect(first.headers['x-hubspot-ratelimit-max']).toBe('100');
    expect(first.headers['x-hubspot-ratelimit-interval-milliseconds']).toBe('10000');
    expect(first.headers['x-hubspot-ratelimit-remaining']).toBe('99');
    expect(second.headers['x-hubspot-ratelimit-remaining']).toBe('98');
    expect(first.headers['x-hubspot-ratelimit-daily']).toBe('250000');
    expect(Number(second.headers['x-hubspot-ratelimit-daily-remaining'])).toBe(Number(first.headers['x-hubspot-ratelimit-daily-remaining']) - 1);
  });

  test('when the rolling window is full, then HubSpot answers 429 TEN_SECONDLY_ROLLING until the oldest call leaves it', async () => {
    const clock = manualClock();
    h = await startSandbox({ contacts: 5, now: clock.now, rateLimit: { max: 5, intervalMs: 10_000 } });
    for (let i = 0; i < 5; i++) {
      await h.client.crm.contacts.basicApi.getPage(1);
      clock.advance(1000);
    }
    const err = await sdkError(h.client.crm.contacts.basicApi.getPage(1));
    expect(err.code).toBe(429);
    expect(err.body).toMatchObject({
      status: 'error',
      message: 'You have reached your ten_secondly_rolling limit.',
      errorType: 'RATE_LIMIT',
      policyName: 'TEN_SECONDLY_ROLLING',
    });
    expect(typeof err.body.correlationId).toBe('string');
    expect(err.headers['x-hubspot-ratelimit-remaining']).toBe('0');
    // A rolling window, not a fixed bucket: at t0+10 s only the first call has left it.
    clock.advance(5000);
    await h.client.crm.contacts.basicApi.getPage(1);
    expect((await sdkError(h.client.crm.contacts.basicApi.getPage(1))).code).toBe(429);
    expect(h.sim.stats.rateLimited.TEN_SECONDLY_ROLLING).toBe(2);
    expect(h.sim.stats.maxCallsInWindow).toBe(5);
  });

  test('when the daily budget is spent, then HubSpot answers 429 with policyName DAILY', async () => {
    const clock = manualClock();
    h = await startSandbox({ contacts: 5, now: clock.now, dailyLimit: 3 });
    for (let i = 0; i < 3; i++) await h.client.crm.contacts.basicApi.getPage(1);
    const err = await sdkError(h.client.crm.contacts.basicApi.getPage(1));
    expect(err.code).toBe(429);
    expect(err.body).toMatchObject({ policyName: 'DAILY', errorType: 'RATE_LIMIT' });
    expect(err.headers['x-hubspot-ratelimit-daily-remaining']).toBe('0');
    clock.advance(24 * 3_600_000);
    await expect(h.client.crm.contacts.basicApi.getPage(1)).resolves.toBeDefined();
  });

  test('when search exceeds its per-second limit, then it gets the secondly-limit 429, without rate-limit headers, and leaves the account window alone', async () => {
    const clock = manualClock();
    h = await startSandbox({ contacts: 20, now: clock.now, searchPerSecond: 5 });
    const doSearch = () => h!.client.crm.contacts.searchApi.doSearchWithHttpInfo({ filterGroups: [], sorts: [], properties: [], limit: 5, after: '0' });
    for (let i = 0; i < 5; i++) {
      const ok = await doSearch();
      expect(ok.headers['x-hubspot-ratelimit-remaining']).toBeUndefined();
    }
    const err = await sdkError(doSearch());
    expect(err.code).toBe(429);
    expect(err.body.message).toBe('You have reached your secondly limit.');
    expect(err.headers['x-hubspot-ratelimit-max']).toBeUndefined();
    clock.advance(1001);
    await expect(doSearch()).resolves.toBeDefined();
    const other = await h.client.crm.contacts.basicApi.getPageWithHttpInfo(1);
    expect(other.headers['x-hubspot-ratelimit-remaining']).toBe('99');
    expect(h.sim.stats.rateLimited.SECONDLY).toBe(1);
  });

  test('when counting, then stats report calls per endpoint, write calls and records written', async () => {
    h = await startSandbox({ contacts: 10 });
    const ids = h.sim.contactIds();
    await h.client.crm.contacts.batchApi.update({ inputs: ids.slice(0, 4).map((id) => ({ id, properties: { city: 'Oslo' } })) });
    await h.client.crm.contacts.basicApi.getById(ids[0]!);
    expect(h.sim.stats.calls['POST /crm/v3/objects/contacts/batch/update']).toBe(1);
    expect(h.sim.stats.calls['GET /crm/v3/objects/contacts/{contactId}']).toBe(1);
    expect(h.sim.stats.writeCalls).toBe(1);
    expect(h.sim.stats.recordsWritten).toBe(4);
    expect(h.sim.stats.totalCalls).toBe(2);
  });
});
