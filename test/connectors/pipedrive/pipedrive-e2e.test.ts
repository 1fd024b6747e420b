import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { createPipedriveConnector } from '../../../connectors/pipedrive/index.js';
import { startPipedriveSandbox, type PipedriveSandbox } from '../../../connectors/pipedrive/sandbox/pipedrive-sandbox.js';
import { createRuntime, type Runtime } from '../../../src/app/runtime.js';
import type { ConnectionRuntime } from '../../../src/pipeline/pipeline.types.js';
import { runSync } from '../../../src/pipeline/run-sync.js';
import { createRedis } from '../../../src/queues/redis-connection.js';
import type { Workers } from '../../../src/queues/workers.js';
import { RedisRateLimiter } from '../../../src/kit/index.js';
import type { Store } from '../../../src/store/store.types.js';
import { freePort } from '../../support/e2e-harness.js';
import { storeBackends } from '../../support/store-backends.js';
import { settlePipeline } from '../../support/test-runtime.js';

const OWN_FIELDS = ['Qualify score', 'Qualify fit', 'Qualify engagement', 'Qualify grade', 'Qualify segment', 'Qualify reasons', 'Qualify model version', 'Lifecycle stage'];
const WEBHOOK = { user: 'qualify', password: 'a-long-webhook-password' };

/** The product on real parts (Redis, both stores, runtime, workers, HTTP route) against the Pipedrive sandbox. */
describe.each(storeBackends())('Pipedrive end to end on %s', (_backend, open) => {
  let store: Store;
  let pd: PipedriveSandbox;
  let runtime: Runtime;
  let workers: Workers;
  let conn: ConnectionRuntime;
  let publicUrl: string;
  const prefix = `qualify-test-pd-${randomUUID().slice(0, 8)}`;
  const redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const patches = () => pd.sim.stats.callsByEndpoint['PATCH /api/v2/persons/{id}'] ?? 0;
  const settle = () => settlePipeline(runtime, conn, { timeoutMs: 60_000, beforeEach: () => pd.sim.webhooksSettled() });
  const leadOf = async (id: number) => (await store.getLead((await store.findLeadIdBySourceRecord('pipedrive', String(id)))!))!;

  beforeAll(async () => {
    store = await open();
    pd = await startPipedriveSandbox({ persons: 120, seed: 7, rateLimit: { burstApiToken: 40 } });
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    const connector = createPipedriveConnector({
      auth: { kind: 'api_token', token: pd.env.PIPEDRIVE_API_TOKEN },
      baseUrl: pd.env.PIPEDRIVE_BASE_URL,
      limiter: new RedisRateLimiter(redis, { prefix: `${prefix}:rl` }),
      logger: pino({ level: 'silent' }),
      webhook: { publicUrl, ...WEBHOOK },
    });
    runtime = await createRuntime({
      redisUrl: process.env.REDIS_URL!, queuePrefix: prefix, store, logger: pino({ level: 'silent' }), modelFile: 'mappings/scoring.yaml',
      coalesceMs: 20, publicUrl, connections: [{ id: 'pipedrive-e2e', system: 'pipedrive', connector, pollIntervalMs: 3_600_000 }],
    });
    await runtime.setupConnections();
    workers = runtime.startWorkers();
    await runtime.listen(port);
    conn = runtime.connections.get('pipedrive-e2e')!;
  }, 60_000);

  afterAll(async () => {
    await workers?.close();
    for (const q of [runtime.queues.ingest, runtime.queues.io, runtime.queues.sync]) await q.obliterate({ force: true }).catch(() => {});
    await runtime?.close();
    await pd?.close();
    redis.disconnect();
    await store?.close();
  });

  it('when the connection is set up, then qualify\'s fields exist under discovered keys, the company and user are recorded and one webhook subscription points at the route', async () => {
    for (const name of OWN_FIELDS) expect(pd.sim.fieldKey(name)).toMatch(/^[0-9a-f]{40}$/);
    const row = (await store.getConnection('pipedrive-e2e'))!;
    expect(row.accountId).toBe(String(pd.sim.companyId));
    expect(row.config.userId).toBe('1001');
    expect(Object.keys(row.config.ownedFields as object)).toContain(pd.sim.fieldKey('Qualify score'));
    // Setup again: nothing new is created.
    await runtime.setupConnections();
    expect(pd.sim.subscriptions.filter((s) => s.subscription_url === `${publicUrl}/webhooks/pipedrive`)).toHaveLength(1);
    expect(pd.sim.store.catalog.custom().filter((f) => f.name === 'Qualify score')).toHaveLength(1);
  });

  it('when the account is backfilled, then every person is stored, scored and written back, without one 429 at the burst limit', async () => {
    const outcome = await runSync(runtime.deps, conn, { full: true });
    expect(outcome.processed).toBe(120);
    expect(outcome.unmappable).toBe(0);
    await settle();
    for (const id of pd.sim.personIds()) {
      const lead = await leadOf(id);
      const values = pd.sim.customValuesByName(id);
      expect(values['Qualify score']).toBe(Math.round(lead.score!.score));
      expect(values['Qualify grade']).toBe(lead.score!.grade);
      expect(values['Qualify model version']).toBe(lead.score!.modelVersion);
    }
    expect(pd.sim.stats.rateLimited).toEqual({ burst: 0, daily: 0 });
    expect(await store.listWriteErrors('pipedrive-e2e')).toEqual([]);
  }, 120_000);

  it('when nothing changed, then an incremental pass makes no PATCH call; after app users change two persons, it reads just those two', async () => {
    // Persons qualify itself wrote have a newer update_time: the next passes read them (and write nothing new).
    let passes = 0;
    for (let read = -1; read !== 0 && passes < 4; passes++) {
      const before = patches();
      read = (await runSync(runtime.deps, conn, { full: false })).processed;
      await settle();
      if (passes > 0) expect(patches()).toBe(before);
    }
    expect(passes).toBeLessThan(4);
    const before = patches();
    const quiet = await runSync(runtime.deps, conn, { full: false });
    await settle();
    expect(quiet.processed).toBe(0);
    expect(patches()).toBe(before);

    pd.sim.configureWebhooks({ retryDelaysMs: [30, 300, 1500] });
    const [a, b] = pd.sim.personIds().slice(10, 12) as [number, number];
    pd.sim.setCustomFields(a, { 'Job title': 'Chief Executive Officer' });
    pd.sim.setCustomFields(b, { 'Job title': 'Intern' });
    await pd.sim.webhooksSettled();
    const changed = await runSync(runtime.deps, conn, { full: false });
    expect(changed.processed).toBe(2);
  }, 60_000);

  it('when a person is edited in the app, then the Basic-auth webhook leads to a re-read, a new score and its write-back in Pipedrive', async () => {
    await settle();
    const id = pd.sim.personIds()[20]!;
    const before = await leadOf(id);
    pd.sim.setCustomFields(id, { 'Job title': before.lead.person.jobTitle === 'CTO' ? 'Student' : 'CTO' });
    await settle();
    const after = await leadOf(id);
    expect(after.lead.person.jobTitle).toBe(pd.sim.customValuesByName(id)['Job title']);
    expect(after.score!.fit).not.toBe(before.score!.fit);
    expect(pd.sim.customValuesByName(id)['Qualify score']).toBe(Math.round(after.score!.score));
    const delivered = pd.sim.webhookDeliveries().filter((d) => d.entityId === id);
    expect(delivered.every((d) => d.status === 204)).toBe(true);
  }, 60_000);

  it('when qualify\'s own write echoes back as a webhook, then it causes no second write', async () => {
    await settle();
    const id = pd.sim.personIds()[30]!;
    const before = patches();
    pd.sim.setCustomFields(id, { 'Job title': 'VP of Sales' });
    await settle();
    const afterFirst = patches();
    expect(afterFirst - before).toBe(1);
    // The PATCH fired an api-sourced change webhook of qualify's own user; once handled, nothing else is written.
    expect(pd.sim.webhookDeliveries().filter((d) => d.entityId === id).length).toBeGreaterThanOrEqual(2);
    await new Promise((r) => setTimeout(r, 300));
    await settle();
    expect(patches()).toBe(afterFirst);
  }, 60_000);

  it('when a delivery has the wrong password or none, then the route answers 401 and nothing is queued', async () => {
    const body = JSON.stringify({ meta: { action: 'change', entity: 'person', entity_id: '5', id: randomUUID(), company_id: String(pd.sim.companyId), timestamp: new Date().toISOString(), version: '2.0' }, data: {}, previous: {} });
    const wrong = `Basic ${Buffer.from(`${WEBHOOK.user}:nope`).toString('base64')}`;
    for (const headers of [{ authorization: wrong }, {}] as Array<Record<string, string>>) {
      const res = await fetch(`${publicUrl}/webhooks/pipedrive`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
      expect(res.status).toBe(401);
    }
  });

  it('when Pipedrive delivers duplicates and out of order, then each event counts once and the latest version wins', async () => {
    await settle();
    pd.sim.configureWebhooks({ duplicateEvery: 1, reorder: 'reverse', batchWindowMs: 50 });
    const id = pd.sim.personIds()[40]!;
    const before = patches();
    pd.sim.setCustomFields(id, { 'Job title': 'Data Analyst' });
    pd.sim.setCustomFields(id, { 'Job title': 'Chief Technology Officer' });
    await settle();
    pd.sim.configureWebhooks({ duplicateEvery: 0, reorder: 'none', batchWindowMs: 5 });
    expect(pd.sim.webhookDeliveries().filter((d) => d.entityId === id && d.duplicate).length).toBeGreaterThan(0);
    expect((await leadOf(id)).lead.person.jobTitle).toBe('Chief Technology Officer');
    expect(patches() - before).toBeLessThanOrEqual(2);
  }, 60_000);

  it('when a person is deleted, then it is removed from the store; when two are merged, the merged-away one goes and the survivor stays', async () => {
    await settle();
    const [gone, merged, survivor] = pd.sim.personIds().slice(50, 53) as [number, number, number];
    pd.sim.deletePerson(gone);
    pd.sim.mergePersons(merged, survivor);
    await settle();
    expect(await store.findLeadIdBySourceRecord('pipedrive', String(gone))).toBeNull();
    expect(await store.findLeadIdBySourceRecord('pipedrive', String(merged))).toBeNull();
    expect(await store.findLeadIdBySourceRecord('pipedrive', String(survivor))).not.toBeNull();
    expect(pd.sim.stats.rateLimited).toEqual({ burst: 0, daily: 0 });
  }, 60_000);
});
