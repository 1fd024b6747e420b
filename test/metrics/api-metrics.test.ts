import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { createHubSpotConnector } from '../../connectors/hubspot/index.js';
import { createHubSpotSimulator } from '../../connectors/hubspot/simulator/hubspot-simulator.js';
import { RateLimitedError } from '../../src/errors/connector-errors.js';
import { Metrics } from '../../src/metrics/metrics.js';
import { createRedis } from '../../src/queues/redis-connection.js';
import { RedisRateLimiter } from '../../src/rate-limit/redis-rate-limiter.js';
import type { Store } from '../../src/store/store.types.js';
import { connectorFor, contextFor, silentLogger, startOrg } from '../connectors/salesforce/salesforce-test-kit.js';
import { storeBackends } from '../support/store-backends.js';
import { parsePrometheusText, sampleValue } from './prometheus-text.js';

/**
 * API calls and rate-limit refusals counted where the connectors see them: the HubSpot client
 * (the official SDK against the in-repo sandbox, whose rolling window answers 429 with
 * policyName) and the Salesforce API budget (jsforce against the in-repo org simulator, which
 * answers 403 REQUEST_LIMIT_EXCEEDED once the org's daily limit is spent).
 */

const [[backend, openStore]] = storeBackends();

describe(`API call metrics (${backend})`, () => {
  let store: Store;
  const redis = createRedis(process.env.REDIS_URL!);

  beforeAll(async () => {
    store = await openStore();
  });
  afterAll(async () => {
    redis.disconnect();
    await store.close();
  });

  test('when HubSpot answers 429 for its rolling window, then every request sent and the 429 are counted under the policy name', async () => {
    const token = 'pat-na1-metrics-429';
    // The sandbox allows 3 calls a minute; our limiter is told 100, so the 4th call reaches HubSpot and is refused there.
    const sim = createHubSpotSimulator({ accessToken: token, contacts: 5, rateLimit: { max: 3, intervalMs: 60_000 } });
    const baseUrl = await sim.listen(0, '127.0.0.1');
    try {
      const metrics = new Metrics({ defaultMetrics: false });
      const connector = createHubSpotConnector({
        accessToken: token,
        baseUrl,
        limiter: new RedisRateLimiter(redis, { prefix: `${process.env.QUALIFY_QUEUE_PREFIX}:rl:${randomUUID()}` }),
        limits: { burst: { max: 100, windowMs: 60_000 } },
        logger: silentLogger,
        historyMode: 'none',
        metrics: metrics.api('hubspot-a'),
      });
      const ctx = await contextFor(store, `hubspot-a-${randomUUID().slice(0, 6)}`);
      let refused: unknown;
      for (let i = 0; i < 6 && !refused; i++) {
        refused = await connector.people.fetch(ctx, [{ objectType: 'contact', recordId: sim.contactIds()[0]! }]).then(() => undefined, (e: unknown) => e);
      }
      expect(refused).toBeInstanceOf(RateLimitedError);

      const e = parsePrometheusText(await metrics.text());
      expect(sampleValue(e, 'qualify_api_rate_limited_total', { connection: 'hubspot-a', policy: 'TEN_SECONDLY_ROLLING' })).toBe(1);
      expect(sim.stats.rateLimited.TEN_SECONDLY_ROLLING).toBe(1);
      expect(sampleValue(e, 'qualify_api_calls_total', { connection: 'hubspot-a', kind: 'standard' })).toBe(sim.stats.totalCalls);
    } finally {
      await sim.close();
    }
  });

  test('when the Salesforce org answers REQUEST_LIMIT_EXCEEDED, then it is counted, and the next call refused by qualify’s own budget is counted without being sent', async () => {
    const org = await startOrg({ seed: { leads: 2, contacts: 0 }, dailyLimit: 1_000, usedToday: 1_000 });
    try {
      const metrics = new Metrics({ defaultMetrics: false });
      const connector = connectorFor(org, {}, { metrics: (id) => metrics.api(id) });
      const ctx = await contextFor(store, `salesforce-m-${randomUUID().slice(0, 6)}`);
      const leadId = [...org.sim.db.Lead!.keys()][0]!;
      const scrape = async () => parsePrometheusText(await metrics.text());
      const connection = ctx.connection.id;

      await expect(connector.people.fetch(ctx, [{ objectType: 'Lead', recordId: leadId }])).rejects.toBeInstanceOf(RateLimitedError);
      const first = await scrape();
      const sent = sampleValue(first, 'qualify_api_calls_total', { connection, kind: 'rest' });
      expect(sent).toBe(1); // the one request the org refused
      expect(sampleValue(first, 'qualify_api_rate_limited_total', { connection, policy: 'REQUEST_LIMIT_EXCEEDED' })).toBe(1);

      await expect(connector.people.fetch(ctx, [{ objectType: 'Lead', recordId: leadId }])).rejects.toBeInstanceOf(RateLimitedError);
      const second = await scrape();
      expect(sampleValue(second, 'qualify_api_rate_limited_total', { connection, policy: 'qualify_daily_budget' })).toBe(1);
      expect(sampleValue(second, 'qualify_api_calls_total', { connection, kind: 'rest' })).toBe(sent); // refused before it was sent
    } finally {
      await org.close();
    }
  });
});
