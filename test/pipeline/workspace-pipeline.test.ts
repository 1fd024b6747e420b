import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { pino } from 'pino';
import { createHubSpotConnector } from '../../connectors/hubspot/index.js';
import { createHubSpotSimulator, type HubSpotSimulator } from '../../connectors/hubspot/simulator/hubspot-simulator.js';
import type { Runtime } from '../../src/app/runtime.js';
import { runSync } from '../../src/pipeline/run-sync.js';
import { createRedis } from '../../src/queues/redis-connection.js';
import { RedisRateLimiter } from '../../src/rate-limit/redis-rate-limiter.js';
import type { Store } from '../../src/store/store.types.js';
import { storeBackends } from '../support/store-backends.js';
import { closeTestRuntime, startTestRuntime, testPrefix } from '../support/test-runtime.js';

/**
 * Two teams whose HubSpot portals hold the same contacts (same record ids, same emails): each
 * sync stores into its own workspace, scores with its own model, and queues write-backs only to
 * its own portal's connection. Writes are left pending (no workers) so they can be inspected.
 */
const logger = pino({ level: 'silent' });
const CONTACTS = 6;

describe.each(storeBackends())('pipeline per workspace on %s', (_backend, openStore) => {
  const prefix = testPrefix('wsp');
  const redis = createRedis(process.env.REDIS_URL!);
  const sims: HubSpotSimulator[] = [];
  let store: Store;
  let team: Store;
  let runtime: Runtime;

  beforeAll(async () => {
    store = await openStore();
    team = store.forWorkspace((await store.createWorkspace({ id: `team-${randomUUID().slice(0, 6)}`, name: 'Team' })).id);
    const connector = async (token: string, portalId: number) => {
      // The same seed: both portals hold the same contacts under the same record ids.
      const sim = createHubSpotSimulator({ accessToken: token, contacts: CONTACTS, seed: 3, portalId, rateLimit: false, searchPerSecond: false });
      sims.push(sim);
      const baseUrl = await sim.listen(0, '127.0.0.1');
      return createHubSpotConnector({ accessToken: token, baseUrl, limiter: new RedisRateLimiter(redis, { prefix: `${prefix}:rl` }), logger });
    };
    runtime = await startTestRuntime({
      queuePrefix: prefix,
      store,
      logger,
      coalesceMs: 3_600_000,
      connections: [
        { id: 'hubspot-default', system: 'hubspot', connector: await connector('tok-default', 1001), mappingFile: 'mappings/hubspot.yaml', pollIntervalMs: 3_600_000 },
        { id: `hubspot-team-${team.workspaceId}`, workspaceId: team.workspaceId, system: 'hubspot', connector: await connector('tok-team', 2002), mappingFile: 'mappings/hubspot.yaml', pollIntervalMs: 3_600_000 },
      ],
    });
    await runtime.setupConnections();
  });
  afterAll(async () => {
    await closeTestRuntime(runtime);
    for (const sim of sims) await sim.close();
    redis.disconnect();
    await store.close();
  });

  test("when the team's portal is synced, then its leads land in the team's workspace and its write-backs go to the team's connection only", async () => {
    const teamConn = runtime.connections.get(`hubspot-team-${team.workspaceId}`)!;
    const defaultConn = runtime.connections.get('hubspot-default')!;
    expect(teamConn.store.workspaceId).toBe(team.workspaceId);
    expect(await team.getConnection(teamConn.id)).toMatchObject({ accountId: '2002' });

    const out = await runSync(runtime.deps, teamConn, { full: true });
    expect(out.processed).toBe(CONTACTS);
    expect(await team.countLeads()).toBe(CONTACTS);
    expect(await store.countLeads()).toBe(0);
    expect(await teamConn.writes.size()).toBeGreaterThan(0);
    expect(await defaultConn.writes.size()).toBe(0);
    expect(await team.getCursor(teamConn.id, 'records')).not.toBeNull();
    expect(await store.getCursor(teamConn.id, 'records')).toBeNull();
  });

  test('when the default portal with the same record ids is synced, then it makes its own leads and queues its own writes', async () => {
    const defaultConn = runtime.connections.get('hubspot-default')!;
    const before = await runtime.connections.get(`hubspot-team-${team.workspaceId}`)!.writes.size();
    await runSync(runtime.deps, defaultConn, { full: true });
    expect(await store.countLeads()).toBe(CONTACTS);
    expect(await team.countLeads()).toBe(CONTACTS);
    const [one] = await store.listLeads({ limit: 1 });
    const recordId = one!.records[0]!.recordId;
    const teamLead = await team.findLeadIdBySourceRecord('hubspot', recordId);
    expect(teamLead).not.toBeNull();
    expect(teamLead).not.toBe(one!.id);
    expect(await defaultConn.writes.size()).toBeGreaterThan(0);
    expect(await runtime.connections.get(`hubspot-team-${team.workspaceId}`)!.writes.size()).toBe(before);
  });
});
