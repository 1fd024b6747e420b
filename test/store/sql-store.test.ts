import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { emptyLead, type EngagementEvent, type Lead, type SourceSystem } from '../../src/canonical/lead.schema.js';
import type { LifecycleState, ScoreResult, Transition } from '../../src/qualification/qualification.schema.js';
import type { SqlStore } from '../../src/store/sql-store.js';
import type { Store } from '../../src/store/store.types.js';
import { storeBackends } from '../support/store-backends.js';

/** A unique address per call, so tests sharing one database never see each other's leads. */
const newEmail = (name = 'lead') => `${name}.${randomUUID().slice(0, 8)}@acme-corp.com`;

function lead(system: SourceSystem, recordId: string, patch: Partial<Lead> & { jobTitle?: string } = {}): Lead {
  const { jobTitle, ...rest } = patch;
  const l = emptyLead();
  l.ids = { [system]: recordId };
  l.person.jobTitle = jobTitle ?? null;
  return { ...l, ...rest };
}

function event(source: SourceSystem, sourceId: string, at: string, extra: Partial<EngagementEvent> = {}): EngagementEvent {
  return { type: 'page_view', at, source, sourceId, ...extra };
}

function score(evaluatedAt: string, value: number, modelVersion = 'default@1-abcd1234'): ScoreResult {
  return {
    modelVersion,
    fit: value,
    engagement: value / 2,
    score: value,
    grade: value >= 75 ? 'A' : 'C',
    band: value >= 75 ? 1 : 3,
    segment: value >= 75 ? 'A1' : 'C3',
    disqualifiedBy: null,
    contributions: [{ ruleId: 'title.vp', label: 'VP-level title', axis: 'fit', points: 20 }],
    reasons: '+ VP-level title',
    evaluatedAt,
  };
}

/** A second set of databases, never opened until the concurrent-migration test races to create it. */
const freshDatabases = new Map(storeBackends());

describe('opening the store', () => {
  test('when PostgreSQL does not answer, then the error names where the store was expected, without the password', async () => {
    const { createStore } = await import('../../src/store/sql-store.js');
    const failure = createStore({ databaseUrl: 'postgres://qualify:s3cret-pass@127.0.0.1:1/qualify' });
    await expect(failure).rejects.toThrow(/^Opening the store \(PostgreSQL 127\.0\.0\.1:1\/qualify\) failed: .*ECONNREFUSED/);
    await expect(failure).rejects.not.toThrow(/s3cret-pass/);
  });
});

describe.each(storeBackends())('store on %s', (backend, open) => {
  let store: Store;
  beforeAll(async () => {
    store = await open();
  });
  afterAll(() => store.close());

  const upsert = (system: SourceSystem, recordId: string, l: Lead, sourceUpdatedAt: string | null = null) =>
    store.upsertSourceRecord({ system, recordId, lead: l, sourceUpdatedAt });

  describe('migrations', () => {
    test('when the store is opened again, then no migration runs twice', async () => {
      const again = await open();
      await again.migrate();
      const rows = await (again as SqlStore).driver.query<{ version: number; n: number }>(
        'select version, count(*)::int as n from schema_migrations group by version',
      );
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((r) => Number(r.n) === 1)).toBe(true);
      await again.close();
    });

    test('when several processes open a fresh database at the same moment, then every migration is applied once and all succeed', async () => {
      const openFresh = freshDatabases.get(backend)!;
      const stores = await Promise.all([openFresh(), openFresh(), openFresh()]);
      const [row] = await (stores[0] as SqlStore).driver.query<{ n: number; d: number }>(
        'select count(*)::int as n, count(distinct version)::int as d from schema_migrations',
      );
      expect(Number(row.n)).toBeGreaterThan(0);
      expect(Number(row.n)).toBe(Number(row.d));
      expect(await stores[1].countLeads()).toBe(0);
      await Promise.all(stores.map((s) => s.close()));
    });

    test('when an applied migration file was edited, then opening refuses with its name', async () => {
      const { runMigrations, loadMigrations } = await import('../../src/store/migrate.js');
      const edited = loadMigrations().map((m, i) => (i === 0 ? { ...m, checksum: 'edited' } : m));
      await expect(runMigrations((store as SqlStore).driver, { migrations: edited })).rejects.toThrow(/0001_initial\.sql was changed/);
    });
  });

  describe('source records and merging', () => {
    test('when HubSpot and Salesforce hold the same email, then they merge into one lead with both ids', async () => {
      const email = newEmail('jane');
      const hs = await upsert('hubspot', `hs-${email}`, lead('hubspot', `hs-${email}`, { email, jobTitle: 'VP Sales' }), '2026-01-01T10:00:00Z');
      const sf = await upsert(
        'salesforce',
        `sf-${email}`,
        lead('salesforce', `sf-${email}`, { email: email.toUpperCase(), company: { ...emptyLead().company, name: 'Acme' } }),
        '2026-01-02T10:00:00Z',
      );
      expect(sf.leadId).toBe(hs.leadId);
      expect(sf.lead.ids).toEqual({ hubspot: `hs-${email}`, salesforce: `sf-${email}` });
      expect(sf.lead.person.jobTitle).toBe('VP Sales');
      expect(sf.lead.company.name).toBe('Acme');

      const stored = await store.getLead(hs.leadId);
      expect(stored?.email).toBe(email);
      expect(stored?.records.map((r) => r.system).sort()).toEqual(['hubspot', 'salesforce']);
      expect(stored?.records.find((r) => r.system === 'hubspot')?.sourceUpdatedAt).toBe('2026-01-01T10:00:00Z');
      expect(await store.findLeadIdBySourceRecord('salesforce', `sf-${email}`)).toBe(hs.leadId);
    });

    test('when a record has no email, then it becomes its own lead and is found again by its record id', async () => {
      const recordId = `no-email-${randomUUID()}`;
      const first = await upsert('hubspot', recordId, lead('hubspot', recordId, { jobTitle: 'Engineer' }));
      const second = await upsert('hubspot', recordId, lead('hubspot', recordId, { jobTitle: 'Lead Engineer' }));
      expect(second.leadId).toBe(first.leadId);
      expect(second.lead.person.jobTitle).toBe('Lead Engineer');
    });

    test('when an older version of a record arrives after a newer one, then it is not applied', async () => {
      const email = newEmail('order');
      const recordId = `hs-${email}`;
      await upsert('hubspot', recordId, lead('hubspot', recordId, { email, jobTitle: 'VP Marketing' }), '2026-03-02T12:00:00Z');
      const late = await upsert('hubspot', recordId, lead('hubspot', recordId, { email, jobTitle: 'Intern' }), '2026-03-01T12:00:00Z');
      expect(late.applied).toBe(false);
      expect(late.lead.person.jobTitle).toBe('VP Marketing');
      expect((await store.getLead(late.leadId))?.lead.person.jobTitle).toBe('VP Marketing');

      const newer = await upsert('hubspot', recordId, lead('hubspot', recordId, { email, jobTitle: 'CMO' }), '2026-03-03T12:00:00+02:00');
      expect(newer.applied).toBe(true);
      expect(newer.lead.person.jobTitle).toBe('CMO');
    });

    test('when the same record is delivered twice with the same timestamp, then the second is applied idempotently', async () => {
      const email = newEmail('dup');
      const l = lead('hubspot', `hs-${email}`, { email, jobTitle: 'Director' });
      const a = await upsert('hubspot', `hs-${email}`, l, '2026-03-01T12:00:00Z');
      const b = await upsert('hubspot', `hs-${email}`, l, '2026-03-01T12:00:00Z');
      expect(b).toEqual({ ...a, applied: true });
    });

    test('when the same event is read twice and from a later partial history, then it counts once and earlier events stay', async () => {
      const email = newEmail('events');
      const recordId = `hs-${email}`;
      const demo = event('hubspot', `${recordId}:demo`, '2026-02-01T09:00:00Z', { type: 'demo_request' });
      const views = event('hubspot', `${recordId}:views`, '2026-02-02T09:00:00Z', { count: 3 });
      await upsert('hubspot', recordId, lead('hubspot', recordId, { email, events: [demo, views, demo] }), '2026-02-03T00:00:00Z');
      // The next read only shows recent history, with the page-view counter grown.
      const second = await upsert(
        'hubspot',
        recordId,
        lead('hubspot', recordId, { email, events: [{ ...views, count: 5 }] }),
        '2026-02-04T00:00:00Z',
      );
      expect(second.lead.events).toEqual([demo, { ...views, count: 5 }]);
      const [{ n }] = await (store as SqlStore).driver.query<{ n: number }>(
        'select count(*)::int as n from lead_events where lead_id = $1',
        [second.leadId],
      );
      expect(Number(n)).toBe(2);
    });

    test('when a new person arrives with an event another lead already owns, then the event stays with its owner and re-merging changes nothing', async () => {
      const owner = newEmail('owner');
      const shared = event('hubspot', `shared-${randomUUID()}`, '2026-02-10T09:00:00Z', { type: 'form_submission' });
      const own = event('hubspot', `own-${randomUUID()}`, '2026-02-09T09:00:00Z');
      const first = await upsert('hubspot', `hs-${owner}`, lead('hubspot', `hs-${owner}`, { email: owner, events: [shared] }));
      const email = newEmail('newcomer');
      const created = await upsert('hubspot', `hs-${email}`, lead('hubspot', `hs-${email}`, { email, events: [shared, own] }));
      expect(created.leadId).not.toBe(first.leadId);
      expect(created.lead.events).toEqual([own]);
      expect((await store.getLead(created.leadId))?.lead).toEqual(created.lead);
      // The same record again goes through the general merge (stored records and events): same document.
      const again = await upsert('hubspot', `hs-${email}`, lead('hubspot', `hs-${email}`, { email, events: [shared, own] }));
      expect(again.lead).toEqual(created.lead);
      expect((await store.getLead(first.leadId))?.lead.events).toEqual([shared]);
    });

    test('when several workers upsert records of the same new email at once, then exactly one lead exists', async () => {
      const email = newEmail('race');
      const workers = await Promise.all([open(), open()]);
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => {
          const system: SourceSystem = i % 2 ? 'salesforce' : 'hubspot';
          return workers[i % 2].upsertSourceRecord({
            system,
            recordId: `${email}-${i}`,
            lead: lead(system, `${email}-${i}`, { email }),
            sourceUpdatedAt: `2026-04-01T00:00:${String(i).padStart(2, '0')}Z`,
          });
        }),
      );
      expect(new Set(results.map((r) => r.leadId)).size).toBe(1);
      const found = await store.listLeads({ email, limit: 10 });
      expect(found).toHaveLength(1);
      expect(found[0].records).toHaveLength(12);
      await Promise.all(workers.map((w) => w.close()));
    });

    test('when a stored lead document is corrupt, then reading it fails naming the table and id', async () => {
      const { leadId } = await upsert('hubspot', `corrupt-${randomUUID()}`, lead('hubspot', 'x', { email: newEmail('corrupt') }));
      await (store as SqlStore).driver.query(`update leads set lead = jsonb_set(lead, '{email}', '5') where id = $1`, [leadId]);
      await expect(store.getLead(leadId)).rejects.toThrow(new RegExp(`Corrupt row in leads \\(${leadId}\\): email`));
    });

    test('when the input lead is invalid, then the upsert is refused naming the record and field', async () => {
      const bad = { ...lead('hubspot', 'bad'), emailValid: 'yes' } as unknown as Lead;
      await expect(upsert('hubspot', 'bad-1', bad)).rejects.toThrow(/hubspot record bad-1.*emailValid/);
    });
  });

  describe('batches', () => {
    const batch = (inputs: Parameters<SqlStore['upsertSourceRecords']>[0]) => (store as SqlStore).upsertSourceRecords(inputs);

    test('when one batch holds two systems of one new person and a later copy of a record, then one lead results and the later copy wins', async () => {
      const email = newEmail('batch');
      const results = await batch([
        { system: 'hubspot', recordId: `hs-${email}`, lead: lead('hubspot', `hs-${email}`, { email, jobTitle: 'Manager' }), sourceUpdatedAt: '2026-05-01T00:00:00Z' },
        { system: 'salesforce', recordId: `sf-${email}`, lead: lead('salesforce', `sf-${email}`, { email }), sourceUpdatedAt: '2026-05-01T00:00:00Z' },
        { system: 'hubspot', recordId: `hs-${email}`, lead: lead('hubspot', `hs-${email}`, { email, jobTitle: 'Director' }), sourceUpdatedAt: '2026-05-02T00:00:00Z' },
      ]);
      expect(results.map((r) => r.applied)).toEqual([true, true, true]);
      expect(new Set(results.map((r) => r.leadId)).size).toBe(1);
      const stored = await store.getLead(results[0].leadId);
      expect(stored?.lead.person.jobTitle).toBe('Director');
      expect(stored?.records).toHaveLength(2);
    });

    test('when a batch holds an older copy after a newer one, then the older is reported as not applied', async () => {
      const email = newEmail('batch-order');
      const id = `hs-${email}`;
      const results = await batch([
        { system: 'hubspot', recordId: id, lead: lead('hubspot', id, { email, jobTitle: 'VP' }), sourceUpdatedAt: '2026-05-03T00:00:00Z' },
        { system: 'hubspot', recordId: id, lead: lead('hubspot', id, { email, jobTitle: 'Intern' }), sourceUpdatedAt: '2026-05-02T00:00:00Z' },
      ]);
      expect(results.map((r) => r.applied)).toEqual([true, false]);
      expect(results[1].lead.person.jobTitle).toBe('VP');
      const [again] = await batch([{ system: 'hubspot', recordId: id, lead: lead('hubspot', id, { email, jobTitle: 'Intern' }), sourceUpdatedAt: '2026-05-01T00:00:00Z' }]);
      expect(again).toMatchObject({ applied: false, leadId: results[0].leadId });
      expect(again.lead.person.jobTitle).toBe('VP');
    });

    test('when two workers write overlapping batches of the same people in opposite orders, then each person is one lead with both records', async () => {
      const emails = Array.from({ length: 60 }, () => newEmail('overlap'));
      const workers = await Promise.all([open(), open()]);
      const batchOf = (system: SourceSystem, list: string[]) =>
        list.map((email) => ({ system, recordId: `${system}-${email}`, lead: lead(system, `${system}-${email}`, { email, events: [event(system, `${system}-${email}:visit`, '2026-05-05T00:00:00Z')] }), sourceUpdatedAt: null }));
      const [a, b] = await Promise.all([
        (workers[0] as SqlStore).upsertSourceRecords(batchOf('hubspot', emails)),
        (workers[1] as SqlStore).upsertSourceRecords(batchOf('salesforce', [...emails].reverse())),
      ]);
      expect(new Set(a.map((r) => r.leadId))).toEqual(new Set(b.map((r) => r.leadId)));
      const leads = await (store as SqlStore).getLeads(a.map((r) => r.leadId));
      expect(leads.map((l) => l.records.length)).toEqual(emails.map(() => 2));
      expect(leads.map((l) => l.lead.events.length)).toEqual(emails.map(() => 2));
      await Promise.all(workers.map((w) => w.close()));
    });

    test('when a batch is larger than one chunk, then every record is stored once and results keep the input order', async () => {
      const emails = Array.from({ length: 230 }, () => newEmail('chunk'));
      // Record i and record i+230 share a person: for i < 200 the two land in different chunks.
      const inputs = Array.from({ length: 430 }, (_, i) => {
        const recordId = `chunk-${emails[i % 230]}-${i}`;
        return { system: 'csv' as const, recordId, lead: lead('csv', recordId, { email: emails[i % 230] }), sourceUpdatedAt: null };
      });
      const results = await batch(inputs);
      expect(results).toHaveLength(430);
      expect(results.map((r) => r.lead.email)).toEqual(inputs.map((input) => input.lead.email));
      expect(new Set(results.map((r) => r.leadId)).size).toBe(230);
      expect(results[230].leadId).toBe(results[0].leadId);
      const leads = await (store as SqlStore).getLeads([results[429].leadId, 'unknown-id', results[0].leadId]);
      expect(leads.map((l) => l.id)).toEqual([results[429].leadId, results[0].leadId]);
      expect(leads[1].records).toHaveLength(2);
    });
  });

  describe('listing and iterating leads', () => {
    test('when ids are iterated in pages, then every lead comes exactly once in pages of at most the page size', async () => {
      const created = new Set<string>();
      for (let i = 0; i < 23; i++) created.add((await upsert('csv', `iter-${randomUUID()}`, lead('csv', `iter-${i}`, { email: newEmail('iter') }))).leadId);
      const seen: string[] = [];
      let pages = 0;
      for await (const page of store.iterateLeadIds(7)) {
        expect(page.length).toBeGreaterThan(0);
        expect(page.length).toBeLessThanOrEqual(7);
        seen.push(...page);
        pages++;
      }
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.length).toBe(await store.countLeads());
      for (const id of created) expect(seen).toContain(id);
      expect(pages).toBe(Math.ceil(seen.length / 7));
    });

    test('when leads are listed by stage and by score, then the filter and order hold', async () => {
      const ids: string[] = [];
      for (const [i, value] of [40, 90, 65].entries()) {
        const { leadId } = await upsert('hubspot', `list-${randomUUID()}`, lead('hubspot', `list-${i}`, { email: newEmail('list') }));
        await store.recordScore(leadId, score('2026-05-01T00:00:00Z', value));
        await store.saveLifecycle(leadId, { stage: 'opportunity', since: '2026-05-01T00:00:00Z', reason: 'set_by_person', setByPerson: true }, null);
        ids.push(leadId);
      }
      const listed = await store.listLeads({ stage: 'opportunity', limit: 10, orderBy: 'score' });
      expect(listed.map((l) => l.id)).toEqual([ids[1], ids[2], ids[0]]);
      expect(listed.map((l) => l.score?.score)).toEqual([90, 65, 40]);
      expect(listed[0].lifecycle?.stage).toBe('opportunity');
      expect(await store.listLeads({ stage: 'opportunity', limit: 1, offset: 1, orderBy: 'score' })).toEqual([listed[1]]);
    });
  });

  describe('scores, lifecycle and the audit trail', () => {
    test('when scores are recorded, then the history keeps all of them and the lead shows the newest evaluation', async () => {
      const { leadId } = await upsert('hubspot', `score-${randomUUID()}`, lead('hubspot', 's', { email: newEmail('score') }));
      const first = score('2026-06-01T10:00:00Z', 50);
      const latest = score('2026-06-03T10:00:00+02:00', 80, 'default@2-ffff0000');
      const lateOld = score('2026-06-02T10:00:00Z', 60);
      await store.recordScore(leadId, first);
      await store.recordScore(leadId, latest);
      await store.recordScore(leadId, lateOld); // arrives last, evaluated earlier
      expect(await store.scoreHistory(leadId)).toEqual([first, lateOld, latest]);
      expect((await store.getLead(leadId))?.score).toEqual(latest);
    });

    test('when the stage changes twice, then the lifecycle is current and the transitions explain each step', async () => {
      const { leadId } = await upsert('hubspot', `stage-${randomUUID()}`, lead('hubspot', 't', { email: newEmail('stage') }));
      const toLead: Transition = { from: null, to: 'lead', reason: 'first_seen', detail: 'first read from HubSpot', at: '2026-07-06T09:00:00Z', modelVersion: 'default@1-abcd1234' };
      const toSql: Transition = { from: 'lead', to: 'sql', reason: 'sales_request_with_bant', detail: 'requested a demo; budget and authority known', at: '2026-07-07T09:00:00.123Z', modelVersion: 'default@1-abcd1234' };
      await store.saveLifecycle(leadId, { stage: 'lead', since: toLead.at, reason: 'first_seen', setByPerson: false }, toLead);
      const sqlState: LifecycleState = { stage: 'sql', since: toSql.at, reason: 'sales_request_with_bant', setByPerson: false };
      await store.saveLifecycle(leadId, sqlState, toSql);
      await store.saveLifecycle(leadId, sqlState, null); // re-evaluated, no change: no new transition
      expect(await store.transitions(leadId)).toEqual([toLead, toSql]);
      expect((await store.getLead(leadId))?.lifecycle).toEqual(sqlState);
    });

    test('when two workers record the same stage move for a lead, then the audit trail holds it once', async () => {
      const { leadId } = await upsert('hubspot', `twice-${randomUUID()}`, lead('hubspot', 't', { email: newEmail('twice') }));
      const move = (at: string): [LifecycleState, Transition] => [
        { stage: 'mql', since: at, reason: 'engagement_threshold', setByPerson: false },
        { from: null, to: 'mql', reason: 'engagement_threshold', detail: 'engagement 62 ≥ 60', at, modelVersion: 'default@1-abcd1234' },
      ];
      const workers = await Promise.all([open(), open()]);
      await Promise.all([workers[0].saveLifecycle(leadId, ...move('2026-07-08T10:00:00.000Z')), workers[1].saveLifecycle(leadId, ...move('2026-07-08T10:00:00.500Z'))]);
      const trail = await store.transitions(leadId);
      expect(trail).toHaveLength(1);
      expect((await store.getLead(leadId))?.lifecycle?.since).toBe(trail[0].at);
      await Promise.all(workers.map((w) => w.close()));
    });

    test('when the lifecycle of an unknown lead is saved, then it is refused', async () => {
      await expect(store.saveLifecycle('no-such-lead', { stage: 'lead', since: '2026-07-08T10:00:00Z', reason: 'first_seen', setByPerson: false }, null)).rejects.toThrow(/Unknown lead "no-such-lead"/);
    });

    test('when leads move between stages, then the funnel counts each lead once in its current stage and lists every stage', async () => {
      const before = await store.funnel();
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await upsert('hubspot', `funnel-${randomUUID()}`, lead('hubspot', 'f', { email: newEmail('funnel') }))).leadId);
      const state = (stage: LifecycleState['stage']): LifecycleState => ({ stage, since: '2026-08-01T00:00:00Z', reason: 'engagement_threshold', setByPerson: false });
      for (const id of ids) await store.saveLifecycle(id, state('mql'), null);
      await store.saveLifecycle(ids[0], state('sql'), null);
      const after = await store.funnel();
      expect(Object.keys(after).sort()).toEqual(['customer', 'disqualified', 'lead', 'mql', 'opportunity', 'recycled', 'sql', 'subscriber']);
      expect(after.mql - before.mql).toBe(2);
      expect(after.sql - before.sql).toBe(1);
      expect(after.customer - before.customer).toBe(0);
    });
  });

  describe('connections, cursors and the write ledger', () => {
    test('when a connection is upserted again without an account id, then the stored one is kept', async () => {
      const id = `hubspot:${randomUUID()}`;
      const created = await store.upsertConnection({ id, system: 'hubspot', accountId: '12345', config: { portal: 'eu1' } });
      expect(created).toMatchObject({ id, system: 'hubspot', accountId: '12345', status: 'active', config: { portal: 'eu1' }, parkedUntil: null });
      await store.upsertConnection({ id, system: 'hubspot' });
      expect(await store.getConnection(id)).toMatchObject({ accountId: '12345', config: { portal: 'eu1' } });
      expect((await store.listConnections()).map((c) => c.id)).toContain(id);
    });

    test('when a connection is parked, then its status, message and park time are stored and clear again', async () => {
      const id = `salesforce:${randomUUID()}`;
      await store.upsertConnection({ id, system: 'salesforce' });
      const until = new Date('2026-09-02T00:00:00Z');
      await store.setConnectionStatus(id, 'parked', 'daily API budget spent', until);
      expect(await store.getConnection(id)).toMatchObject({ status: 'parked', statusMessage: 'daily API budget spent', parkedUntil: until.toISOString() });
      await store.setConnectionStatus(id, 'active', null);
      expect(await store.getConnection(id)).toMatchObject({ status: 'active', statusMessage: null, parkedUntil: null });
      await expect(store.setConnectionStatus('nope', 'paused', null)).rejects.toThrow(/Unknown connection "nope"/);
    });

    test('when a cursor is saved twice, then the latest is read back per stream', async () => {
      const id = `hubspot:${randomUUID()}`;
      expect(await store.getCursor(id, 'contacts')).toBeNull();
      await store.saveCursor(id, 'contacts', { after: '2026-01-01T00:00:00Z', id: '10' });
      await store.saveCursor(id, 'contacts', { after: '2026-01-02T00:00:00Z', id: '7' });
      await store.saveCursor(id, 'events', ['a', 1]);
      expect(await store.getCursor(id, 'contacts')).toEqual({ after: '2026-01-02T00:00:00Z', id: '7' });
      expect(await store.getCursor(id, 'events')).toEqual(['a', 1]);
    });

    test('when writes are recorded in the ledger, then the last written values per record come back', async () => {
      const conn = `hubspot:${randomUUID()}`;
      expect(await store.getLastWritten(conn, '1')).toBeNull();
      await store.saveLastWritten(conn, [
        { recordId: '1', properties: { qualify_score: '40' } },
        { recordId: '2', properties: { qualify_score: '70', qualify_grade: 'B' } },
        { recordId: '1', properties: { qualify_score: '45' } },
      ]);
      await store.saveLastWritten(conn, [{ recordId: '2', properties: { qualify_score: '75', qualify_grade: 'B' } }]);
      const many = await store.getLastWrittenMany(conn, ['1', '2', '3']);
      expect(Object.fromEntries(many)).toEqual({ '1': { qualify_score: '45' }, '2': { qualify_score: '75', qualify_grade: 'B' } });
      expect(await store.getLastWritten(`other-${conn}`, '1')).toBeNull();
    });

    test('when permanent write errors are recorded, then they are listed newest first per connection', async () => {
      const conn = `hubspot:${randomUUID()}`;
      await store.recordWriteError({ connectionId: conn, recordId: '9', status: 400, message: 'Property values were not valid', payload: { qualify_grade: 'Z' } });
      await store.recordWriteError({ connectionId: conn, recordId: '10', status: null, message: 'socket hang up', payload: {} });
      const errors = await store.listWriteErrors(conn);
      expect(errors.map((e) => [e.recordId, e.status, e.message])).toEqual([
        ['10', null, 'socket hang up'],
        ['9', 400, 'Property values were not valid'],
      ]);
      expect(errors[1].payload).toEqual({ qualify_grade: 'Z' });
      expect(await store.listWriteErrors(conn, 1)).toHaveLength(1);
    });
  });

  test(`when pinged, then the ${backend} database answers`, async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });
});
