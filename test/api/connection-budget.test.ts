import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { createHubSpotConnector, type HubSpotConnector } from '../../connectors/hubspot/index.js';
import { createRedis } from '../../src/queues/redis-connection.js';
import { RedisRateLimiter } from '../../src/rate-limit/redis-rate-limiter.js';
import type { Store } from '../../src/store/store.types.js';
import { connectorFor, startOrg, type Org } from '../connectors/salesforce/salesforce-test-kit.js';
import { storeBackends } from '../support/store-backends.js';
import { as, makeWorkspace, startApiKit, type ApiKit, type TestWorkspace } from './api-test-kit.js';

/**
 * "API budget used today" per connection, as the admin API shows it: HubSpot from the daily
 * counter the shared Redis limiter keeps for the portal; Salesforce from the org's last
 * Sforce-Limit-Info (here: a real jsforce session against the in-repo org simulator).
 */
describe.each(storeBackends())('connection API budget on %s', (_backend, open) => {
  let store: Store;
  let kit: ApiKit;
  let ws: TestWorkspace;
  let hubspot: HubSpotConnector;
  let org: Org;
  const redis = createRedis(process.env.REDIS_URL!);
  const limiter = new RedisRateLimiter(redis, { prefix: `qualify-test-budget-${randomUUID().slice(0, 8)}:rl` });
  const hubspotId = `hubspot-budget-${randomUUID().slice(0, 8)}`;
  const salesforceId = `salesforce-budget-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    store = await open();
    ws = await makeWorkspace(store, 'budget');
    hubspot = createHubSpotConnector({ accessToken: `token-${randomUUID()}`, baseUrl: 'http://127.0.0.1:9', limiter, logger: pino({ level: 'silent' }), limits: { daily: 1000 } });
    org = await startOrg({ dailyLimit: 5000, usedToday: 1200 });
    const salesforce = connectorFor(org, { dailyBudgetShare: 0.5 });
    kit = await startApiKit(store, {
      connections: [
        { id: hubspotId, workspaceId: ws.id, system: 'hubspot', connector: hubspot, mappingFile: 'mappings/hubspot.yaml', pollIntervalMs: 3_600_000 },
        { id: salesforceId, workspaceId: ws.id, system: 'salesforce', connector: salesforce, pollIntervalMs: 3_600_000 },
      ],
    });
    await ws.store.upsertConnection({ id: hubspotId, system: 'hubspot', accountId: '777' });
  });
  afterAll(async () => {
    await kit.close();
    await org.close();
    redis.disconnect();
    await store.close();
  });

  test('when HubSpot calls were counted against the portal\'s daily budget, then the connection shows them used today', async () => {
    const before = (await as(kit.app, ws.key).get(`/api/connections/${hubspotId}`).expect(200)).body.connection.budget;
    expect(before).toEqual({ usedToday: 0, limit: 1000, share: 0 });
    // What the client does before each call: one unit of the portal's daily budget.
    hubspot.client.adoptAccount({ accountId: '777', config: {} });
    for (let i = 0; i < 3; i++) await limiter.consumeDaily(hubspot.client.limiterKey('daily'), 1000, hubspot.client.dailyReset().resetAt);
    const after = (await as(kit.app, ws.key).get(`/api/connections/${hubspotId}`).expect(200)).body.connection.budget;
    expect(after).toEqual({ usedToday: 3, limit: 1000, share: 0.003 });
  });

  test('when the Salesforce org has answered a call, then the connection shows its reported usage against qualify\'s share', async () => {
    const list = async () => (await as(kit.app, ws.key).get('/api/connections').expect(200)).body.connections.find((c: { id: string }) => c.id === salesforceId);
    // Nothing known before the first call: unknown, not zero.
    expect((await list()).budget).toBeNull();
    const rt = kit.runtime.deps.connections.known(salesforceId)!;
    await rt.connector.people!.fetch(await rt.context(), [{ objectType: 'Lead', recordId: '00Q000000000001AAA' }]);
    const budget = (await list()).budget;
    expect(budget.limit).toBe(2500);
    expect(budget.usedToday).toBeGreaterThan(1200);
    expect(budget.share).toBeCloseTo(budget.usedToday / 2500, 6);
  });

  test('when a driven connection is deleted through the API, then its poll schedule goes and the runtime stops driving it', async () => {
    await kit.runtime.schedulePolls();
    const schedulers = async () => (await kit.runtime.queues.sync.getJobSchedulers()).map((j) => j.key);
    expect((await schedulers()).some((k) => k.includes(hubspotId))).toBe(true);
    await as(kit.app, ws.key).delete(`/api/connections/${hubspotId}`).expect(200);
    expect((await schedulers()).some((k) => k.includes(hubspotId))).toBe(false);
    expect(kit.runtime.deps.connections.known(hubspotId)).toBeUndefined();
    expect((await schedulers()).some((k) => k.includes(salesforceId))).toBe(true);
  });
});
