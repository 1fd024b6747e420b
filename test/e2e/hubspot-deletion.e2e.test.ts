import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { WebhookEvent } from '../../connectors/hubspot/simulator/hubspot-simulator.js';
import { emptyLead } from '../../src/canonical/lead.schema.js';
import { deleteRecords } from '../../src/pipeline/delete-records.js';
import type { WriteTarget } from '../../src/kit/connector.types.js';
import { flushWrites } from '../../src/pipeline/flush-writes.js';
import { processRecords } from '../../src/pipeline/process-records.js';
import { runSync } from '../../src/pipeline/run-sync.js';
import type { SqlStore } from '../../src/store/sql-store.js';
import type { Store } from '../../src/store/store.types.js';
import { parsePrometheusText } from '../metrics/prometheus-text.js';
import { startE2E, type E2E } from '../support/e2e-harness.js';
import { storeBackends } from '../support/store-backends.js';

/**
 * HubSpot contacts deleted (archived), GDPR-deleted or merged away, told by the sandbox's signed
 * webhooks through the real route and ingest worker: qualify removes what it holds of them.
 */
describe.each(storeBackends())('HubSpot deletions and merges on %s', (_backend, open) => {
  let store: Store;
  let e2e: E2E;
  let ids: string[];
  let nextEventId = 900_000_001;

  beforeAll(async () => {
    store = await open();
    e2e = await startE2E({ store, contacts: 16 });
    await runSync(e2e.runtime.deps, e2e.conn, { full: true });
    await e2e.settle();
    ids = e2e.sim.contactIds();
  }, 120_000);
  afterAll(async () => {
    await e2e?.close();
  });

  const rows = async (table: string, column: string, value: string) =>
    (await (store as SqlStore).driver.query<{ n: number }>(`select count(*)::int as n from ${table} where ${column} = $1`, [value]))[0]!.n;

  /** A deletion event as HubSpot signs and sends it, POSTed by the sandbox's dispatcher. */
  const sendDeletion = async (objectId: string, occurredAt: number, attemptNumber = 0) => {
    const event: WebhookEvent = {
      eventId: nextEventId++, subscriptionId: 1_001, portalId: e2e.sim.state.portalId, appId: e2e.sim.state.appId,
      occurredAt, subscriptionType: 'contact.deletion', attemptNumber, objectId: Number(objectId), changeSource: 'CRM_UI',
    };
    expect(await e2e.sim.webhooks!.post([event])).toBe(204);
  };

  test('when a contact.privacyDeletion arrives, then the lead, its events, scores, lifecycle, transitions and the record ledger are gone', async () => {
    const id = ids[0]!;
    const leadId = (await store.findLeadIdBySourceRecord('hubspot', id))!;
    // Everything the sync left for this person, so the test can see it go.
    expect(await rows('scores', 'lead_id', leadId)).toBeGreaterThan(0);
    expect(await rows('stage_transitions', 'lead_id', leadId)).toBeGreaterThan(0);
    expect(await rows('lead_lifecycle', 'lead_id', leadId)).toBe(1);
    expect(await rows('write_ledger', 'record_id', id)).toBe(1);

    e2e.sim.deleteContact(id, { privacy: true });
    await e2e.settle();

    expect(await store.getLead(leadId)).toBeNull();
    expect(await store.findLeadIdBySourceRecord('hubspot', id)).toBeNull();
    for (const table of ['lead_events', 'scores', 'lead_lifecycle', 'stage_transitions']) expect(await rows(table, 'lead_id', leadId)).toBe(0);
    for (const table of ['write_ledger', 'write_errors']) expect(await rows(table, 'record_id', id)).toBe(0);
    const counted = parsePrometheusText(await e2e.runtime.metrics.text()).samples.find(
      (m) => m.name === 'qualify_records_deleted_total' && m.labels.connection === e2e.conn.id && m.labels.reason === 'privacy',
    );
    expect(counted?.value).toBe(1);
  }, 60_000);

  test('when the person also has a Salesforce record, then only the HubSpot part goes and the lead is re-qualified', async () => {
    const id = ids[1]!;
    e2e.sim.touchContact(id, { jobtitle: 'VP of Sales' });
    e2e.sim.recordConversion(id, 'Request a demo');
    await e2e.settle();
    const leadId = (await store.findLeadIdBySourceRecord('hubspot', id))!;
    const email = (await store.getLead(leadId))!.email!;
    const salesforce = { ...emptyLead(), email, ids: { salesforce: '00Q000000000042' } };
    await store.upsertSourceRecord({ system: 'salesforce', recordId: '00Q000000000042', lead: salesforce, sourceUpdatedAt: null });
    const scoresBefore = (await store.scoreHistory(leadId)).length;

    e2e.sim.deleteContact(id, { privacy: true });
    await e2e.settle();

    const stored = (await store.getLead(leadId))!;
    expect(stored.records.map((r) => `${r.system}:${r.recordId}`)).toEqual(['salesforce:00Q000000000042']);
    expect(stored.lead.ids).toEqual({ salesforce: '00Q000000000042' });
    expect(stored.lead.person.jobTitle).toBeNull();
    expect(stored.lead.events.filter((e) => e.source === 'hubspot')).toEqual([]);
    expect(await rows('lead_events', 'lead_id', leadId)).toBe(0);
    // Re-qualified on what is left: a new score, no longer earning the HubSpot title and conversions.
    const history = await store.scoreHistory(leadId);
    expect(history).toHaveLength(scoresBefore + 1);
    expect(history.at(-1)!.score).toBeLessThan(history.at(-2)!.score);
    expect(await rows('write_ledger', 'record_id', id)).toBe(0);
  }, 60_000);

  test('when a deletion is redelivered after the contact was restored, then it has one effect and the restored contact stays', async () => {
    const id = ids[2]!;
    const deletion = e2e.sim.deleteContact(id)!;
    await e2e.settle();
    expect(await store.findLeadIdBySourceRecord('hubspot', id)).toBeNull();

    await new Promise((r) => setTimeout(r, 5)); // lastmodifieddate has millisecond resolution
    e2e.sim.restoreContact(id);
    await e2e.settle();
    const leadId = await store.findLeadIdBySourceRecord('hubspot', id);
    expect(leadId).not.toBeNull(); // contact.restore re-read and re-created it

    // HubSpot's retry of the same deletion (same event, next attempt) arriving after the restore.
    expect(await e2e.sim.webhooks!.post([{ ...deletion, attemptNumber: 1 }])).toBe(204);
    await e2e.settle();
    expect(await store.findLeadIdBySourceRecord('hubspot', id)).toBe(leadId);
    expect((await store.getLead(leadId!))!.score).not.toBeNull();
  }, 60_000);

  test('when a deletion older than the stored record arrives, then it is ignored', async () => {
    const id = ids[3]!;
    const leadId = (await store.findLeadIdBySourceRecord('hubspot', id))!;
    const storedAt = Date.parse((await store.getLead(leadId))!.records[0]!.sourceUpdatedAt!);
    await sendDeletion(id, storedAt - 60_000);
    await e2e.settle();
    expect(await store.findLeadIdBySourceRecord('hubspot', id)).toBe(leadId);
    expect(await rows('write_ledger', 'record_id', id)).toBe(1);

    await sendDeletion(id, Date.now()); // the same contact deleted now: it goes
    await e2e.settle();
    expect(await store.findLeadIdBySourceRecord('hubspot', id)).toBeNull();
  }, 60_000);

  test('when a contact.merge arrives, then the merged-away record is removed and the surviving contact is re-read', async () => {
    const [primary, merged] = [ids[4]!, ids[5]!];
    const primaryLead = (await store.findLeadIdBySourceRecord('hubspot', primary))!;
    const mergedLead = (await store.findLeadIdBySourceRecord('hubspot', merged))!;
    await new Promise((r) => setTimeout(r, 5));
    const mergedAt = e2e.sim.state.now();
    e2e.sim.mergeContacts(primary, merged);
    await e2e.settle();

    expect(await store.findLeadIdBySourceRecord('hubspot', merged)).toBeNull();
    expect(await store.getLead(mergedLead)).toBeNull();
    const survivor = (await store.getLead(primaryLead))!;
    // The version read after the merge (qualify's own write-back since then is an echo, not re-read).
    expect(Date.parse(survivor.records[0]!.sourceUpdatedAt!)).toBeGreaterThanOrEqual(mergedAt);
  }, 60_000);

  test('when a write-back was pending for a deleted contact, then it is not sent', async () => {
    const id = ids[6]!;
    const writesBefore = e2e.sim.stats.recordsWritten;
    // Queued, its flush not yet run, when the deletion comes in.
    await e2e.conn.writes.put([{ id, payload: { objectType: 'contacts', properties: { qualify_score: '99' }, current: {} } }]);
    e2e.sim.deleteContact(id);
    await e2e.settle();
    await e2e.runtime.deps.scheduleWriteFlush(e2e.conn.id);
    await e2e.settle();

    expect(await e2e.conn.writes.get(id)).toBeNull();
    expect(e2e.sim.stats.recordsWritten).toBe(writesBefore);
    expect((await store.listWriteErrors(e2e.conn.id)).filter((w) => w.recordId === id)).toEqual([]);
  }, 60_000);

  test('when the deletion lands while the write to that contact is in flight, then no ledger entry or write error of it comes back', async () => {
    const [id, kept] = [ids[7]!, ids[8]!];
    await e2e.conn.writes.put([id, kept].map((recordId) => ({ id: recordId, payload: { objectType: 'contacts', properties: { qualify_score: '98' }, current: {} } })));
    const connector = e2e.conn.connector;
    // The CRM answers the batch after the contact was deleted (HubSpot: 404 for it), and the
    // deletion webhook is handled between the call and its settlement.
    const racing = {
      ...e2e.conn,
      connector: {
        ...connector,
        writes: {
          ...connector.writes!,
          write: async (...args: Parameters<WriteTarget['write']>) => {
            e2e.sim.deleteContact(id);
            const outcomes = await connector.writes!.write(...args);
            await deleteRecords(e2e.runtime.deps, e2e.conn, [{ kind: 'deletion', objectType: 'contact', recordId: id, occurredAt: new Date().toISOString(), dedupeKey: `race:${id}` }]);
            return outcomes;
          },
        },
      },
    };
    expect(await flushWrites(e2e.runtime.deps, racing)).toMatchObject({ written: 1, failed: 0 });

    // Checked before the sandbox's own deletion webhook is handled (it would clean up after the fact).
    expect(await rows('write_ledger', 'record_id', id)).toBe(0);
    expect(await rows('write_errors', 'record_id', id)).toBe(0);
    expect(await store.getLastWritten(e2e.conn.id, kept)).toMatchObject({ qualify_score: '98' });
    expect(await e2e.conn.writes.size()).toBe(0);
    await e2e.settle();
  }, 60_000);

  test('when a read taken before a GDPR deletion is stored after it, then the contact does not come back', async () => {
    const id = ids[9]!;
    const ctx = await e2e.conn.context();
    // A batch read (or a lagging search page) in flight while the person is deleted in HubSpot.
    const [before] = await e2e.conn.connector.people!.fetch(ctx, [{ objectType: 'contact', recordId: id }]);
    e2e.sim.deleteContact(id, { privacy: true });
    await e2e.settle();
    expect(await store.findLeadIdBySourceRecord('hubspot', id)).toBeNull();

    const outcome = await processRecords(e2e.runtime.deps, e2e.conn, [before!]);
    expect(outcome).toMatchObject({ processed: 0, stale: 1 });
    expect(await store.findLeadIdBySourceRecord('hubspot', id)).toBeNull();
  }, 60_000);
});
