import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createRuntime, type Runtime } from '../../../src/app/runtime.js';
import type { ConnectionRuntime } from '../../../src/pipeline/pipeline.types.js';
import { runSync } from '../../../src/pipeline/run-sync.js';
import type { Workers } from '../../../src/queues/workers.js';
import type { Store } from '../../../src/store/store.types.js';
import { createRedis } from '../../../src/queues/redis-connection.js';
import { RedisTokenVault } from '../../../connectors/salesforce/index.js';
import { buildOutboundMessage } from '../../../connectors/salesforce/simulator/outbound-message.js';
import { freePort } from '../../support/e2e-harness.js';
import { storeBackends } from '../../support/store-backends.js';
import { connectorFor, silentLogger, startOrg, type Org } from './salesforce-test-kit.js';

/** The product on real parts (Redis, store, runtime, workers, HTTP server) against the simulated org. */
describe.each(storeBackends())('Salesforce end to end on %s', (_backend, open) => {
  let store: Store;
  let org: Org;
  let runtime: Runtime;
  let workers: Workers;
  let conn: ConnectionRuntime;
  let publicUrl: string;
  const prefix = `qualify-test-sf-${randomUUID().slice(0, 8)}`;
  const vaultRedis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');

  const settle = async (timeoutMs = 30_000) => {
    const until = Date.now() + timeoutMs;
    let quiet = 0;
    while (Date.now() < until) {
      const counts = await Promise.all([runtime.queues.ingest, runtime.queues.io, runtime.queues.sync].map((q) => q.getJobCounts('waiting', 'active', 'delayed', 'prioritized')));
      const busy = counts.flatMap((c) => Object.values(c)).reduce((a, b) => a + b, 0) + (await conn.reads.size()) + (await conn.writes.size());
      quiet = busy === 0 ? quiet + 1 : 0;
      if (quiet >= 3) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the pipeline did not settle in time');
  };

  beforeAll(async () => {
    store = await open();
    org = await startOrg({ seed: { leads: 250, contacts: 30, seed: 5 } });
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    runtime = await createRuntime({
      redisUrl: process.env.REDIS_URL!,
      queuePrefix: prefix,
      store,
      logger: silentLogger,
      modelFile: 'mappings/scoring.yaml',
      coalesceMs: 20,
      publicUrl,
      connections: [{ id: 'salesforce-e2e', system: 'salesforce', connector: connectorFor(org, {}, { vault: new RedisTokenVault(vaultRedis, prefix) }), pollIntervalMs: 3_600_000 }],
    });
    await runtime.setupConnections();
    workers = runtime.startWorkers();
    await runtime.listen(port);
    conn = runtime.connections.get('salesforce-e2e')!;
  });

  afterAll(async () => {
    await workers.close();
    for (const q of [runtime.queues.ingest, runtime.queues.io, runtime.queues.sync]) await q.obliterate({ force: true }).catch(() => {});
    await runtime.close();
    await org.close();
    vaultRedis.disconnect();
    await store.close();
  });

  it('when the org is synced, then every Lead and Contact is scored and the scores land in Salesforce in collection calls of at most 200', async () => {
    expect((await store.getConnection('salesforce-e2e'))?.accountId).toBe(org.sim.orgId);
    const outcome = await runSync(runtime.deps, conn, { full: false });
    expect(outcome.processed).toBe(280);
    expect(outcome.unmappable).toBe(0);
    await settle();

    const leads = [...org.sim.db.Lead!.values()];
    expect(leads.every((l) => typeof l.Qualify_Score__c === 'number' && typeof l.Qualify_Grade__c === 'string')).toBe(true);
    expect([...org.sim.db.Contact!.values()].every((c) => typeof c.Qualify_Score__c === 'number')).toBe(true);
    const patches = org.sim.callsTo('PATCH', '/composite/sobjects');
    expect(patches.length).toBeGreaterThanOrEqual(2);
    expect(patches.every((c) => (c.records ?? 0) <= 200)).toBe(true);
    expect(await store.listWriteErrors('salesforce-e2e')).toEqual([]);

    // Nothing changed: a second sync writes nothing.
    const before = patches.length;
    await runSync(runtime.deps, conn, { full: false });
    await settle();
    expect(org.sim.callsTo('PATCH', '/composite/sobjects')).toHaveLength(before);
  });

  it('when an Outbound Message reports a Lead that became a CTO, then it is acked, the Lead is re-read and re-scored, and the new score is written back', async () => {
    const lead = [...org.sim.db.Lead!.values()].find((l) => l.Title === 'Student' && !l.IsConverted)!;
    const oldScore = lead.Qualify_Score__c as number;
    org.sim.touch('Lead', lead.Id, { Title: 'CTO', Email: `cto.${lead.Id.toLowerCase()}@northwind-analytics.com`, Website: 'https://www.northwind-analytics.com', NumberOfEmployees: 850 });
    const body = buildOutboundMessage({ organizationId: org.sim.orgId, instanceUrl: org.url, notifications: [{ id: '04l5g00000Gx7QzAAJ', type: 'Lead', fields: { Id: lead.Id, Title: 'CTO' } }] });

    const res = await fetch(`${publicUrl}/webhooks/salesforce`, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', SOAPAction: '""' }, body });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<Ack>true</Ack>');
    await settle();

    const rescored = org.sim.db.Lead!.get(lead.Id)!;
    expect(rescored.Qualify_Score__c).toBeGreaterThan(oldScore);
    const leadId = await store.findLeadIdBySourceRecord('salesforce', lead.Id);
    expect((await store.getLead(leadId!))?.lead.person.seniority).toBe('c_level');
  });

  it('when an Outbound Message comes from another org, then it is answered with a SOAP fault (HTTP 500) and nothing is queued', async () => {
    const body = buildOutboundMessage({ organizationId: '00D5g000000ZZZZEAA', notifications: [{ id: '04l5g00000Gx7R9AAJ', type: 'Lead', fields: { Id: [...org.sim.db.Lead!.keys()][0]! } }] });
    const res = await fetch(`${publicUrl}/webhooks/salesforce`, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8' }, body });
    expect(res.status).toBe(500);
    expect(await res.text()).toContain('<faultcode>soapenv:Client</faultcode>');
    expect(await runtime.queues.ingest.getJobCounts('waiting', 'active')).toEqual({ waiting: 0, active: 0 });
  });
});
