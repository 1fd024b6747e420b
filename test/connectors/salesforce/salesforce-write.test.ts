import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { WriteRequest } from '../../../src/kit/connector.types.js';
import type { Store } from '../../../src/store/store.types.js';
import { storeBackends } from '../../support/store-backends.js';
import { connectorFor, contextFor, startOrg, type Org } from './salesforce-test-kit.js';

const scores = (i: number): Record<string, string> => ({
  Qualify_Score__c: String(50 + (i % 50)),
  Qualify_Grade__c: 'B',
  Qualify_Reasons__c: 'Senior title; 3 meetings in 30 days',
  Qualify_Model_Version__c: 'fit-2026-11',
});

describe.each(storeBackends())('Salesforce writes on %s', (_backend, open) => {
  let store: Store;
  let org: Org;

  beforeAll(async () => {
    store = await open();
    org = await startOrg({ seed: { leads: 450, contacts: 20, seed: 11 } });
  });
  afterAll(async () => {
    await org.close();
    await store.close();
  });

  it('when 450 Leads are written with two refused by Salesforce, then the connector sends 3 collection calls of at most 200 and reports each record’s own outcome', async () => {
    const ctx = await contextFor(store, 'salesforce:batches');
    const connector = connectorFor(org);
    expect(connector.writes.maxBatch).toBe(200);
    const ids = [...org.sim.db.Lead!.keys()];
    org.sim.failOnWrite.set(ids[7]!, ['FIELD_CUSTOM_VALIDATION_EXCEPTION', 'Score cannot be set while the lead is in review']);
    org.sim.failOnWrite.set(ids[301]!, ['UNABLE_TO_LOCK_ROW', 'unable to obtain exclusive access to this record']);
    const batch: WriteRequest[] = ids.map((id, i) => ({ objectType: 'Lead', recordId: id, properties: { ...scores(i), Status: 'Working - Contacted' } }));

    const before = org.sim.callsTo('PATCH', '/composite/sobjects').length;
    const outcomes = await connector.writes.write(ctx, batch);
    const calls = org.sim.callsTo('PATCH', '/composite/sobjects').slice(before);
    expect(calls.map((c) => c.records)).toEqual([200, 200, 50]);

    expect(outcomes).toHaveLength(450);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(448);
    expect(outcomes[7]).toMatchObject({ recordId: ids[7], ok: false, permanent: true });
    expect(outcomes[7]!.ok === false && outcomes[7]!.message).toContain('Score cannot be set while the lead is in review');
    expect(outcomes[301]).toMatchObject({ recordId: ids[301], ok: false, permanent: false });
    const written = org.sim.db.Lead!.get(ids[0]!)!;
    expect(written).toMatchObject({ Qualify_Score__c: 50, Qualify_Grade__c: 'B', Status: 'Working - Contacted' });
    expect(org.sim.db.Lead!.get(ids[7]!)!.Qualify_Score__c).toBeUndefined();
    org.sim.failOnWrite.clear();
  });

  it('when a value is longer than the field or a number field gets text, then the text is cut to the field length and the bad number fails only its record', async () => {
    const ctx = await contextFor(store, 'salesforce:values');
    const [a, b] = [...org.sim.db.Lead!.keys()];
    const outcomes = await connectorFor(org).writes.write(ctx, [
      { objectType: 'Lead', recordId: a!, properties: { Qualify_Reasons__c: 'x'.repeat(1500), Qualify_Segment__c: '' } },
      { objectType: 'Lead', recordId: b!, properties: { Qualify_Score__c: 'eighty' } },
    ]);
    expect(outcomes[0]).toMatchObject({ ok: true });
    expect(String(org.sim.db.Lead!.get(a!)!.Qualify_Reasons__c)).toHaveLength(1000);
    expect(org.sim.db.Lead!.get(a!)!.Qualify_Segment__c).toBeNull();
    expect(outcomes[1]).toMatchObject({ ok: false, permanent: true });
  });

  it('when a Lead known to be converted is written, then the write goes to its Contact without the Lead Status, and is reported under the Lead id', async () => {
    const ctx = await contextFor(store, 'salesforce:converted-known');
    const connector = connectorFor(org);
    const leadId = [...org.sim.db.Lead!.keys()][20]!;
    const contact = org.sim.convertLead(leadId);
    await connector.people.fetch(ctx, [{ objectType: 'Lead', recordId: leadId }]); // learns the conversion

    const outcomes = await connector.writes.write(ctx, [{ objectType: 'Lead', recordId: leadId, properties: { ...scores(1), Status: 'Working - Contacted' } }]);
    expect(outcomes).toEqual([{ recordId: leadId, ok: true, written: { ...scores(1), Status: 'Working - Contacted' } }]);
    expect(org.sim.db.Contact!.get(contact.Id)).toMatchObject({ Qualify_Score__c: 51, Qualify_Grade__c: 'B' });
    expect(org.sim.db.Contact!.get(contact.Id)!.Status).toBeUndefined();
    expect(org.sim.db.Lead!.get(leadId)!.Status).toBe('Closed - Converted');
  });

  it('when a Lead was converted after qualify last read it, then Salesforce’s refusal is followed to the Contact and the write lands there', async () => {
    const ctx = await contextFor(store, 'salesforce:converted-late');
    const connector = connectorFor(org);
    const [plain, convertedLead] = [...org.sim.db.Lead!.keys()].slice(30, 32);
    const contact = org.sim.convertLead(convertedLead!);
    const outcomes = await connector.writes.write(ctx, [
      { objectType: 'Lead', recordId: plain!, properties: scores(2) },
      { objectType: 'Lead', recordId: convertedLead!, properties: { ...scores(3), Status: 'Working - Contacted' } },
    ]);
    expect(outcomes.map((o) => [o.recordId, o.ok])).toEqual([[plain, true], [convertedLead, true]]);
    expect(org.sim.db.Contact!.get(contact.Id)).toMatchObject({ Qualify_Score__c: 53 });
  });

  it('when a write is at least the bulk threshold, then it goes through one Bulk API 2.0 ingest job and per-record failures come back from failedResults', async () => {
    const ctx = await contextFor(store, 'salesforce:bulk');
    const connector = connectorFor(org, { bulkThreshold: 300 });
    const ids = [...org.sim.db.Lead!.values()].filter((l) => !l.IsConverted).map((l) => l.Id).slice(0, 320);
    org.sim.failOnWrite.set(ids[5]!, ['FIELD_CUSTOM_VALIDATION_EXCEPTION', 'blocked by a validation rule']);
    const before = org.sim.calls.length;
    const outcomes = await connector.writes.write(ctx, ids.map((id, i) => ({ objectType: 'Lead', recordId: id, properties: scores(i + 10) })));
    const calls = org.sim.calls.slice(before).map((c) => `${c.method} ${c.path.replace(/750\w+/, '{job}')}`);
    expect(calls).toEqual(expect.arrayContaining([
      'POST /services/data/v62.0/jobs/ingest',
      'PUT /services/data/v62.0/jobs/ingest/{job}/batches',
      'PATCH /services/data/v62.0/jobs/ingest/{job}',
      'GET /services/data/v62.0/jobs/ingest/{job}/successfulResults',
      'GET /services/data/v62.0/jobs/ingest/{job}/failedResults',
    ]));
    expect(calls.filter((c) => c.includes('composite/sobjects'))).toHaveLength(0);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(319);
    expect(outcomes[5]).toMatchObject({ recordId: ids[5], ok: false, permanent: true });
    expect(outcomes[5]!.ok === false && outcomes[5]!.message).toContain('blocked by a validation rule');
    expect(org.sim.db.Lead!.get(ids[0]!)!.Qualify_Score__c).toBe(60);
    org.sim.failOnWrite.clear();
  });
});
