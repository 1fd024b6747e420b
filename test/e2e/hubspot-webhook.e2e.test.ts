import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { runSync } from '../../src/pipeline/run-sync.js';
import type { Store } from '../../src/store/store.types.js';
import { startE2E, type E2E } from '../support/e2e-harness.js';
import { storeBackends } from '../support/store-backends.js';

describe.each(storeBackends())('HubSpot end to end on %s', (_backend, open) => {
  let store: Store;
  let e2e: E2E;

  beforeAll(async () => {
    store = await open();
    e2e = await startE2E({ store, contacts: 25 });
    await runSync(e2e.runtime.deps, e2e.conn, { full: true });
    await e2e.settle();
  }, 120_000);
  afterAll(async () => {
    await e2e?.close();
  });

  test('when the first sync finishes, then every contact carries its score, grade, reasons and model version in HubSpot', async () => {
    for (const id of e2e.sim.contactIds()) {
      const leadId = await store.findLeadIdBySourceRecord('hubspot', id);
      const lead = (await store.getLead(leadId!))!;
      const contact = e2e.sim.getContact(id)!;
      expect(contact.qualify_score).toBe(String(Math.round(lead.score!.score)));
      expect(contact.qualify_grade).toBe(lead.score!.grade);
      expect(contact.qualify_segment).toBe(lead.score!.segment);
      expect(contact.qualify_model_version).toBe(lead.score!.modelVersion);
      expect(contact.qualify_reasons).toBe(lead.score!.reasons);
    }
  });

  test('when a contact asks for a demo in HubSpot, then the signed webhook leads to a new score and stage written back', async () => {
    const id = e2e.sim.contactIds()[3]!;
    const leadId = (await store.findLeadIdBySourceRecord('hubspot', id))!;
    const before = (await store.getLead(leadId))!;
    e2e.sim.recordConversion(id, 'Request a demo');
    await e2e.settle();
    const after = (await store.getLead(leadId))!;
    expect(after.lead.events.length).toBeGreaterThan(before.lead.events.length);
    expect(after.score!.engagement).toBeGreaterThan(before.score!.engagement);
    const contact = e2e.sim.getContact(id)!;
    expect(contact.qualify_score).toBe(String(Math.round(after.score!.score)));
    const transitions = await store.transitions(leadId);
    expect(transitions.at(-1)!.to).toBe(after.lifecycle!.stage);
  });

  test('when qualify\'s own writes echo back as webhooks, then they cause no further write', async () => {
    await e2e.settle();
    const writesBefore = e2e.sim.stats.writeCalls;
    const id = e2e.sim.contactIds()[5]!;
    e2e.sim.recordConversion(id, 'Whitepaper: Cloud Security Guide');
    await e2e.settle();
    const afterFirst = e2e.sim.stats.writeCalls;
    expect(afterFirst - writesBefore).toBeLessThanOrEqual(1);
    // The write above echoed back as webhooks; once those are handled nothing else is written.
    await e2e.settle();
    await new Promise((r) => setTimeout(r, 500));
    await e2e.settle();
    expect(e2e.sim.stats.writeCalls).toBe(afterFirst);
  });
});
