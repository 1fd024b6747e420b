import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Server } from 'node:http';
import { pino } from 'pino';
import request from 'supertest';
import type { Runtime } from '../../src/app/runtime.js';
import { createRedis } from '../../src/queues/redis-connection.js';
import type { Store } from '../../src/store/store.types.js';
import { storeBackends } from '../support/store-backends.js';
import { offlineHubSpotConnection, startTestRuntime, testPrefix } from '../support/test-runtime.js';
import { parsePrometheusText, sampleValue, type Exposition } from './prometheus-text.js';

/**
 * Webhook requests the per-IP rate limit refuses (429 before any route sees them) are counted in
 * qualify_webhooks_refused_total with reason "rate_limited", as the runtime assembles the app:
 * real Redis counting the window, the real HubSpot route behind it. No CRM call is made here.
 */

const TOKEN = 'operator-token-rate-metrics';
const logger = pino({ level: 'silent' });
const [[backend, openStore]] = storeBackends();

describe(`rate-limited webhooks in the metrics (${backend})`, () => {
  let store: Store;
  let runtime: Runtime;
  let server: Server;
  const limiterRedis = createRedis(process.env.REDIS_URL!);
  const prefix = testPrefix('ratemetrics');
  // One fixed instant: every request falls in the same window, however slow the machine.
  const instant = Date.now();

  const scrape = async (): Promise<Exposition> => parsePrometheusText((await request(server).get('/metrics').set('authorization', `Bearer ${TOKEN}`).expect(200)).text);
  const count = (e: Exposition, name: string, labels: Record<string, string>) => sampleValue(e, name, labels) ?? 0;
  const refused = (e: Exposition, system: string, reason: string) => count(e, 'qualify_webhooks_refused_total', { system, reason });
  const rateLimitedTotal = (e: Exposition) => e.samples.filter((s) => s.name === 'qualify_webhooks_refused_total' && s.labels.reason === 'rate_limited').reduce((a, s) => a + s.value, 0);

  beforeAll(async () => {
    store = await openStore();
    runtime = await startTestRuntime({
      queuePrefix: prefix,
      store,
      logger,
      coalesceMs: 60_000,
      adminToken: TOKEN,
      connections: [offlineHubSpotConnection({ id: 'hubspot-rate-metrics', accessToken: 'pat-na1-rate-metrics', clientSecret: 'rate-metrics-secret', redis: limiterRedis, prefix, logger })],
      // The test client is on loopback, which the limiter normally lets through.
      rateLimits: { prefix, windowMs: 60_000, webhooks: 2, oauth: 1, limitLoopback: true, now: () => instant },
    });
    server = await runtime.listen(0);
  });
  afterAll(async () => {
    const keys = await limiterRedis.keys(`${prefix}:*`);
    if (keys.length) await limiterRedis.del(...keys);
    await runtime.close();
    limiterRedis.disconnect();
    await store.close();
  });

  test('when webhook requests from one address go over the limit, then each 429 is counted as received and refused with reason rate_limited under its system', async () => {
    const before = await scrape();
    const post = (path: string) => request(server).post(path).set('content-type', 'application/json').send('[]');
    // Two within the limit reach the route (unsigned: refused there for their signature)…
    await post('/webhooks/hubspot').expect(401);
    await post('/webhooks/hubspot').expect(401);
    // …the rest of the window is refused by the limit, whatever the system.
    const limited = await post('/webhooks/hubspot').expect(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    await post('/webhooks/hubspot').expect(429);
    await post('/webhooks/salesforce').expect(429);
    await post('/webhooks/no-such-system').expect(429);

    const after = await scrape();
    expect(refused(after, 'hubspot', 'rate_limited') - refused(before, 'hubspot', 'rate_limited')).toBe(2);
    expect(refused(after, 'salesforce', 'rate_limited') - refused(before, 'salesforce', 'rate_limited')).toBe(1);
    // A path naming no system is one bounded label, not one per path.
    expect(refused(after, 'other', 'rate_limited') - refused(before, 'other', 'rate_limited')).toBe(1);
    expect(refused(after, 'hubspot', 'signature') - refused(before, 'hubspot', 'signature')).toBe(2);
    const received = (e: Exposition, system: string) => count(e, 'qualify_webhooks_received_total', { system });
    expect(received(after, 'hubspot') - received(before, 'hubspot')).toBe(4);
    expect(received(after, 'salesforce') - received(before, 'salesforce')).toBe(1);
  });

  test('when OAuth requests are refused by their limit, then no webhook refusal is counted', async () => {
    const before = await scrape();
    await request(server).get('/oauth/hubspot/install').expect((res) => expect(res.status).not.toBe(429));
    await request(server).get('/oauth/hubspot/install').expect(429);
    await request(server).get('/oauth/salesforce/install').expect(429);
    const after = await scrape();
    expect(rateLimitedTotal(after)).toBe(rateLimitedTotal(before));
  });
});
