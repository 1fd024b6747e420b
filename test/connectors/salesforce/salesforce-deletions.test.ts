import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { emptyLead } from '../../../src/canonical/lead.schema.js';
import { createRuntime, type Runtime } from '../../../src/app/runtime.js';
import type { ConnectionRuntime } from '../../../src/pipeline/pipeline.types.js';
import { runSync } from '../../../src/pipeline/run-sync.js';
import type { Workers } from '../../../src/queues/workers.js';
import type { SqlStore } from '../../../src/store/sql-store.js';
import type { Store } from '../../../src/store/store.types.js';
import type { SalesforceConnector } from '../../../connectors/salesforce/index.js';
import { storeBackends } from '../../support/store-backends.js';
import { settlePipeline } from '../../support/test-runtime.js';
import { pino } from 'pino';
import { connectorFor, contextFor, drain, silentLogger, startOrg, type Org } from './salesforce-test-kit.js';

/**
 * Leads and Contacts deleted in Salesforce, found by the incremental sync's "get deleted" calls
 * (real jsforce against the simulator, the real runtime and workers on Redis and the store).
 * The org and the connector share a clock the test moves on, so deletion windows are exact.
 */
describe.each(storeBackends())('Salesforce deletions on %s', (_backend, open) => {
  let store: Store;
  let org: Org;
  let runtime: Runtime;
  let workers: Workers;
  let conn: ConnectionRuntime;
  const prefix = `qualify-test-sfdel-${randomUUID().slice(0, 8)}`;
  let clock = Math.floor(Date.now() / 60_000) * 60_000;
  const now = () => new Date(clock);
  /** Moves the shared clock on by whole minutes; returns the new time. */
  const tick = (minutes: number) => new Date((clock += minutes * 60_000));
  const connId = 'salesforce-deletions';

  const startRuntime = async () =>
    createRuntime({
      redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      queuePrefix: prefix,
      store,
      logger: silentLogger,
      modelFile: 'mappings/scoring.yaml',
      coalesceMs: 20,
      publicUrl: 'http://127.0.0.1:1',
      connections: [{ id: connId, system: 'salesforce', connector: connectorFor(org, {}, { now }), pollIntervalMs: 3_600_000 }],
    });

  const settle = (timeoutMs?: number) => settlePipeline(runtime, conn, { timeoutMs });

  const rows = async (table: string, column: string, value: string) =>
    (await (store as SqlStore).driver.query<{ n: number }>(`select count(*)::int as n from ${table} where ${column} = $1`, [value]))[0]!.n;
  const deletedCalls = (object: string) => org.sim.callsTo('GET', `/sobjects/${object}/deleted`);
  const windowOf = (query: string | undefined) => {
    const q = new URLSearchParams(query ?? '');
    return { start: Date.parse(q.get('start')!), end: Date.parse(q.get('end')!) };
  };
  /** Leads no test has used yet (each test takes its own). */
  let used = 0;
  const nextLead = () => [...org.sim.db.Lead!.values()].filter((l) => !l.IsConverted && !l.IsDeleted)[used++]!;

  beforeAll(async () => {
    store = await open();
    org = await startOrg({ seed: { leads: 30, contacts: 10, seed: 11 }, now });
    runtime = await startRuntime();
    await runtime.setupConnections();
    workers = runtime.startWorkers();
    conn = runtime.connections.get(connId)!;
    await runSync(runtime.deps, conn, { full: false });
    await settle();
  }, 120_000);

  afterAll(async () => {
    await workers?.close();
    for (const q of [runtime.queues.ingest, runtime.queues.io, runtime.queues.sync]) await q.obliterate({ force: true }).catch(() => {});
    await runtime?.close();
    await org?.close();
    await store?.close();
  });

  it('when a Lead is deleted in Salesforce, then the next poll removes it from qualify (lead, events, scores) and nothing is written to it again', async () => {
    const lead = nextLead();
    const leadId = (await store.findLeadIdBySourceRecord('salesforce', lead.Id))!;
    expect(await rows('scores', 'lead_id', leadId)).toBeGreaterThan(0);
    expect(await rows('lead_events', 'lead_id', leadId)).toBeGreaterThan(0);

    org.sim.deleteRecord('Lead', lead.Id, tick(1));
    tick(1);
    const outcome = await runSync(runtime.deps, conn, { full: false });
    await settle();

    expect(outcome.deleted).toBe(1);
    expect(await store.getLead(leadId)).toBeNull();
    expect(await store.findLeadIdBySourceRecord('salesforce', lead.Id)).toBeNull();
    for (const table of ['lead_events', 'scores', 'lead_lifecycle', 'stage_transitions']) expect(await rows(table, 'lead_id', leadId)).toBe(0);
    for (const table of ['write_ledger', 'write_errors']) expect(await rows(table, 'record_id', lead.Id)).toBe(0);

    // A rescore of everything and another poll: the deleted Lead gets no write (it would fail ENTITY_IS_DELETED).
    tick(2);
    await runSync(runtime.deps, conn, { full: false });
    await settle();
    expect(await store.listWriteErrors(connId)).toEqual([]);
    expect(await store.findLeadIdBySourceRecord('salesforce', lead.Id)).toBeNull();
  }, 60_000);

  it('when the same person also has a HubSpot record, then only the Salesforce part goes and the lead is re-qualified', async () => {
    const lead = nextLead();
    const leadId = (await store.findLeadIdBySourceRecord('salesforce', lead.Id))!;
    const email = (await store.getLead(leadId))!.email!;
    await store.upsertSourceRecord({ system: 'hubspot', recordId: '90417', lead: { ...emptyLead(), email, ids: { hubspot: '90417' } }, sourceUpdatedAt: null });
    const scoresBefore = (await store.scoreHistory(leadId)).length;

    org.sim.deleteRecord('Lead', lead.Id, tick(1));
    tick(1);
    expect((await runSync(runtime.deps, conn, { full: false })).deleted).toBe(1);
    await settle();

    const stored = (await store.getLead(leadId))!;
    expect(stored.records.map((r) => `${r.system}:${r.recordId}`)).toEqual(['hubspot:90417']);
    expect(stored.lead.events.filter((e) => e.source === 'salesforce')).toEqual([]);
    expect((await store.scoreHistory(leadId)).length).toBe(scoresBefore + 1);
  }, 60_000);

  it('when qualify restarts, then its next poll asks for deletions from where the last one stopped and removes nothing twice', async () => {
    const lead = nextLead();
    org.sim.deleteRecord('Lead', lead.Id, tick(1));
    tick(1);
    expect((await runSync(runtime.deps, conn, { full: false })).deleted).toBe(1);
    await settle();
    const stoppedAt = windowOf(deletedCalls('Lead').at(-1)!.query).end;
    expect((await store.getCursor(connId, 'records')) as { deleted: Record<string, string> }).toMatchObject({ deleted: { Lead: new Date(stoppedAt).toISOString() } });

    // A new process: a new runtime and connector, nothing but the stored cursor carried over.
    const restarted = await startRuntime();
    try {
      tick(3);
      const before = deletedCalls('Lead').length;
      const outcome = await runSync(restarted.deps, restarted.connections.get(connId)!, { full: false });
      expect(outcome.deleted).toBe(0);
      const asked = deletedCalls('Lead').slice(before);
      expect(asked).toHaveLength(1);
      expect(windowOf(asked[0]!.query)).toEqual({ start: stoppedAt, end: clock });
      expect(deletedCalls('Contact').length).toBe(asked.length + before);
    } finally {
      for (const q of [restarted.queues.ingest, restarted.queues.io, restarted.queues.sync]) await q.obliterate({ force: true }).catch(() => {});
      await restarted.close();
    }
  }, 60_000);

  it('when a deleted Lead is restored from the recycle bin, then the next poll brings it back', async () => {
    const lead = nextLead();
    org.sim.deleteRecord('Lead', lead.Id, tick(1));
    tick(1);
    await runSync(runtime.deps, conn, { full: false });
    await settle();
    expect(await store.findLeadIdBySourceRecord('salesforce', lead.Id)).toBeNull();

    org.sim.undeleteRecord('Lead', lead.Id, tick(1));
    tick(1);
    const outcome = await runSync(runtime.deps, conn, { full: false });
    await settle();
    expect(outcome.deleted).toBe(0);
    const leadId = await store.findLeadIdBySourceRecord('salesforce', lead.Id);
    expect(leadId).not.toBeNull();
    expect((await store.getLead(leadId!))!.score).not.toBeNull();
  }, 60_000);

  it('when a converted Lead is deleted, then the Contact it became keeps its record and its lead', async () => {
    const lead = nextLead();
    const contact = org.sim.convertLead(lead.Id, tick(1));
    tick(1);
    await runSync(runtime.deps, conn, { full: false });
    await settle();
    const contactLead = (await store.findLeadIdBySourceRecord('salesforce', contact.Id))!;
    expect(contactLead).not.toBeNull();

    org.sim.deleteRecord('Lead', lead.Id, tick(1));
    tick(1);
    expect((await runSync(runtime.deps, conn, { full: false })).deleted).toBe(1);
    await settle();
    expect(await store.findLeadIdBySourceRecord('salesforce', lead.Id)).toBeNull();
    expect(await store.findLeadIdBySourceRecord('salesforce', contact.Id)).toBe(contactLead);
    expect((await store.getLead(contactLead))!.records.map((r) => r.recordId)).toContain(contact.Id);
  }, 60_000);

  it("when a sync asks for deletions, then those calls count against the org's API budget, and a spent daily limit parks the sync like any other call", async () => {
    const sf = conn.connector as SalesforceConnector;
    const [ours, theirs] = [sf.apiUsage(connId).calls, org.sim.calls.length];
    const asked = deletedCalls('Lead').length + deletedCalls('Contact').length;
    tick(2);
    await runSync(runtime.deps, conn, { full: false });
    expect(deletedCalls('Lead').length + deletedCalls('Contact').length - asked).toBe(2);
    expect(sf.apiUsage(connId).calls - ours).toBe(org.sim.calls.length - theirs);
    expect(sf.apiUsage(connId).usage?.used).toBe(org.sim.usedToday);

    tick(2);
    const used = org.sim.usedToday;
    org.sim.usedToday = org.sim.dailyLimit;
    try {
      const before = deletedCalls('Lead').length;
      await expect(runSync(runtime.deps, conn, { full: false })).rejects.toMatchObject({ scope: 'daily' });
      expect(deletedCalls('Lead')).toHaveLength(before); // refused before it was served
    } finally {
      org.sim.usedToday = used;
    }
  }, 60_000);

  it('when the saved deletion position is older than the 30 days Salesforce keeps, then the window starts 30 days back and the log says older deletions may be missed', async () => {
    const lines: Array<{ msg: string; object?: string }> = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const ctx = { ...(await contextFor(store, 'salesforce:old-deletions')), logger };
    const fortyDaysAgo = new Date(clock - 40 * 86_400_000).toISOString();
    const cursor = { version: 1, positions: {}, deleted: { Lead: fortyDaysAgo, Contact: fortyDaysAgo } };
    const before = deletedCalls('Lead').length;
    const pages = await drain(connectorFor(org, {}, { now }).people.poll(ctx, cursor, { full: false }), async () => {}, 1);
    expect(pages[0]).toEqual([]); // the deletions page comes first

    expect(windowOf(deletedCalls('Lead')[before]!.query)).toEqual({ start: clock - 30 * 86_400_000 + 60_000, end: clock });
    expect(lines.filter((l) => l.msg.includes('older deletions may be missed')).map((l) => l.object)).toEqual(['Lead', 'Contact']);
  });

  it('when the deletion window starts more than 30 days ago or ends before it starts, then the org answers 400 INVALID_REPLICATION_DATE', async () => {
    const token = org.sim.issueToken();
    const ask = (start: Date, end: Date) =>
      fetch(`${org.url}/services/data/v62.0/sobjects/Lead/deleted/?start=${encodeURIComponent(start.toISOString())}&end=${encodeURIComponent(end.toISOString())}`, { headers: { authorization: `Bearer ${token}` } });
    const tooOld = await ask(new Date(clock - 31 * 86_400_000), now());
    expect(tooOld.status).toBe(400);
    expect(await tooOld.json()).toEqual([{ errorCode: 'INVALID_REPLICATION_DATE', message: expect.stringContaining('30 days') }]);
    const backwards = await ask(now(), new Date(clock - 3_600_000));
    expect(backwards.status).toBe(400);
    expect((await backwards.json() as Array<{ errorCode: string }>)[0]!.errorCode).toBe('INVALID_REPLICATION_DATE');
    const fine = await ask(new Date(clock - 86_400_000), now());
    expect(await fine.json()).toMatchObject({ deletedRecords: expect.any(Array), latestDateCovered: expect.any(String), earliestDateAvailable: expect.any(String) });
  });
});
