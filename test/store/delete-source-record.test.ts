import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { emptyLead, type EngagementEvent, type Lead, type SourceSystem } from '../../src/canonical/lead.schema.js';
import type { ScoreResult, Transition } from '../../src/qualification/qualification.schema.js';
import type { SqlStore } from '../../src/store/sql-store.js';
import type { Store } from '../../src/store/store.types.js';
import { storeBackends } from '../support/store-backends.js';

const newEmail = () => `gone.${randomUUID().slice(0, 8)}@acme-corp.com`;
const newId = () => String(Math.floor(Math.random() * 1e9));

function lead(system: SourceSystem, recordId: string, email: string, events: EngagementEvent[] = []): Lead {
  const l = emptyLead();
  l.ids = { [system]: recordId };
  return { ...l, email, events };
}

const pageView = (source: SourceSystem, sourceId: string): EngagementEvent => ({ type: 'page_view', at: '2026-07-01T10:00:00Z', source, sourceId });

const score: ScoreResult = {
  modelVersion: 'default@1-abcd1234', fit: 60, engagement: 30, score: 60, grade: 'B', band: 2, segment: 'B2',
  disqualifiedBy: null, contributions: [], reasons: '', evaluatedAt: '2026-07-02T10:00:00Z',
};
const toLead: Transition = { from: null, to: 'lead', reason: 'first_seen', detail: 'first read', at: '2026-07-02T10:00:00Z', modelVersion: 'default@1-abcd1234' };

describe.each(storeBackends())('deleting a source record on %s', (_backend, open) => {
  let store: Store;
  beforeAll(async () => {
    store = await open();
  });
  afterAll(() => store.close());

  const rowsOf = async (table: string, where: string, params: string[]) =>
    (await (store as SqlStore).driver.query<{ n: number }>(`select count(*)::int as n from ${table} where ${where}`, params))[0]!.n;

  /** A HubSpot contact stored, scored, staged and written to, as the pipeline leaves it. */
  async function qualifiedContact(email = newEmail()) {
    const recordId = newId();
    const { leadId } = await store.upsertSourceRecord({
      system: 'hubspot', recordId, lead: lead('hubspot', recordId, email, [pageView('hubspot', `${recordId}:pv`)]), sourceUpdatedAt: '2026-07-01T10:00:00Z',
    });
    await store.recordScore(leadId, score);
    await store.saveLifecycle(leadId, { stage: 'lead', since: toLead.at, reason: 'first_seen', setByPerson: false }, toLead);
    await store.saveLastWritten('hubspot:default', [{ recordId, properties: { qualify_score: '60' } }]);
    await store.recordWriteError({ connectionId: 'hubspot:default', recordId, status: 400, message: 'refused', payload: {} });
    return { recordId, leadId, email };
  }

  test('when the only record of a lead is deleted, then the lead goes with its events, scores, lifecycle, transitions and the record ledger', async () => {
    const { recordId, leadId } = await qualifiedContact();
    const done = await store.deleteSourceRecord({ system: 'hubspot', recordId, connectionId: 'hubspot:default', occurredAt: '2026-07-03T10:00:00Z' });
    expect(done).toEqual({ outcome: 'deleted', leadId, leadDeleted: true });
    expect(await store.getLead(leadId)).toBeNull();
    expect(await store.findLeadIdBySourceRecord('hubspot', recordId)).toBeNull();
    for (const table of ['lead_events', 'scores', 'lead_lifecycle', 'stage_transitions']) expect(await rowsOf(table, 'lead_id = $1', [leadId])).toBe(0);
    for (const table of ['write_ledger', 'write_errors']) expect(await rowsOf(table, 'record_id = $1', [recordId])).toBe(0);
  });

  test('when the person also has a Salesforce record, then only the HubSpot record and its events go and the lead is merged again', async () => {
    const { recordId, leadId, email } = await qualifiedContact();
    await store.upsertSourceRecord({ system: 'salesforce', recordId: `00Q${recordId}`, lead: lead('salesforce', `00Q${recordId}`, email, [pageView('salesforce', `00Q${recordId}:task`)]), sourceUpdatedAt: null });
    const done = await store.deleteSourceRecord({ system: 'hubspot', recordId, connectionId: 'hubspot:default', occurredAt: '2026-07-03T10:00:00Z' });
    expect(done).toEqual({ outcome: 'deleted', leadId, leadDeleted: false });
    const stored = (await store.getLead(leadId))!;
    expect(stored.records.map((r) => r.system)).toEqual(['salesforce']);
    expect(stored.lead.ids).toEqual({ salesforce: `00Q${recordId}` });
    expect(stored.lead.events.map((e) => e.source)).toEqual(['salesforce']);
    expect(await store.scoreHistory(leadId)).toHaveLength(1);
    expect(await rowsOf('write_ledger', 'record_id = $1', [recordId])).toBe(0);
  });

  test('when a deletion is delivered again, then the second one finds nothing and changes nothing', async () => {
    const { recordId, leadId } = await qualifiedContact();
    const input = { system: 'hubspot' as const, recordId, connectionId: 'hubspot:default', occurredAt: '2026-07-03T10:00:00Z' };
    expect((await store.deleteSourceRecord(input)).outcome).toBe('deleted');
    expect(await store.deleteSourceRecord(input)).toEqual({ outcome: 'unknown', leadId: null, leadDeleted: false });
    expect(await store.getLead(leadId)).toBeNull();
  });

  test('when the deletion is older than the stored record (re-created since), then it is ignored and nothing is removed', async () => {
    const { recordId, leadId } = await qualifiedContact();
    const done = await store.deleteSourceRecord({ system: 'hubspot', recordId, connectionId: 'hubspot:default', occurredAt: '2026-06-30T10:00:00Z' });
    expect(done).toEqual({ outcome: 'newer', leadId, leadDeleted: false });
    expect((await store.getLead(leadId))!.records).toHaveLength(1);
    expect(await store.getLastWritten('hubspot:default', recordId)).toEqual({ qualify_score: '60' });
  });

  test('when another workspace deletes the same record id, then this workspace keeps its record', async () => {
    const { recordId, leadId } = await qualifiedContact();
    await store.createWorkspace({ id: `ws-${randomUUID().slice(0, 8)}`, name: 'Other' }).then((w) =>
      store.forWorkspace(w.id).deleteSourceRecord({ system: 'hubspot', recordId, connectionId: 'hubspot:default', occurredAt: '2026-07-03T10:00:00Z' }),
    );
    expect((await store.getLead(leadId))!.records).toHaveLength(1);
    expect(await store.getLastWritten('hubspot:default', recordId)).toEqual({ qualify_score: '60' });
  });

  test('when one of two HubSpot records of a person is deleted, then only the events that record brought go', async () => {
    const email = newEmail();
    const [a, b] = [newId(), newId()];
    await store.upsertSourceRecord({ system: 'hubspot', recordId: a, lead: lead('hubspot', a, email, [pageView('hubspot', `${a}:pv`)]), sourceUpdatedAt: '2026-07-01T10:00:00Z' });
    const { leadId } = await store.upsertSourceRecord({ system: 'hubspot', recordId: b, lead: lead('hubspot', b, email, [pageView('hubspot', `${b}:pv`)]), sourceUpdatedAt: '2026-07-01T10:00:00Z' });
    expect((await store.getLead(leadId))!.lead.events).toHaveLength(2);
    expect((await store.deleteSourceRecord({ system: 'hubspot', recordId: a, connectionId: 'hubspot:default', occurredAt: '2026-07-03T10:00:00Z' })).leadDeleted).toBe(false);
    const stored = (await store.getLead(leadId))!;
    expect(stored.records.map((r) => r.recordId)).toEqual([b]);
    expect(stored.lead.events.map((e) => e.sourceId)).toEqual([`${b}:pv`]);
  });
});
