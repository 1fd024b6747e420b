import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { processRecords } from '../../src/pipeline/process-records.js';
import { runSync } from '../../src/pipeline/run-sync.js';
import type { Store } from '../../src/store/store.types.js';
import { startE2E, type E2E } from '../support/e2e-harness.js';
import { storeBackends, type OpenStore, type StoreBackendName } from '../support/store-backends.js';

/**
 * HubSpot retries deliveries and promises no order. Here the sandbox sends every event twice and
 * scrambles the events inside each request, while the same contacts change round after round:
 * each contact must end with its newest data, and be written back once per round in which its
 * results really changed (a repeated or reordered event is no reason for another write).
 */

const OWNED = ['qualify_score', 'qualify_fit_score', 'qualify_engagement_score', 'qualify_grade', 'qualify_segment', 'qualify_reasons', 'qualify_model_version', 'lifecyclestage'];

type Reorder = 'reverse' | 'shuffle';
// Each storeBackends() call gives fresh databases, so each ordering gets its own.
const cases: Array<[StoreBackendName, Reorder, OpenStore]> = [
  ...storeBackends().map(([name, open]): [StoreBackendName, Reorder, OpenStore] => [name, 'reverse', open]),
  ...storeBackends().map(([name, open]): [StoreBackendName, Reorder, OpenStore] => [name, 'shuffle', open]),
];

// Each round changes every watched contact twice in quick succession (one delivery window);
// the changes only raise fit or engagement, so no round asks HubSpot to move a stage back.
const ROUNDS: Array<{ title: string; conversion: string }> = [
  { title: 'Marketing Manager', conversion: 'Request a demo' },
  { title: 'Director of Operations', conversion: 'Pricing page' },
  { title: 'VP of Sales', conversion: 'Contact sales' },
  { title: 'Chief Revenue Officer', conversion: 'Free trial signup' },
];

describe.each(cases)('HubSpot duplicate and out-of-order deliveries on %s (events %s)', (_backend, reorder, open) => {
  let store: Store;
  let e2e: E2E;
  let watched: string[];

  beforeAll(async () => {
    store = await open();
    e2e = await startE2E({ store, contacts: 20, webhook: { duplicateEvery: 1, reorder, delayMs: 100 } });
    await runSync(e2e.runtime.deps, e2e.conn, { full: true });
    await e2e.settle();
    watched = e2e.sim.contactIds().slice(2, 8);
  }, 120_000);
  afterAll(async () => {
    await e2e?.close();
  });

  const owned = (id: string): string => {
    const c = e2e.sim.getContact(id)!;
    return JSON.stringify(OWNED.map((p) => c[p] ?? null));
  };

  test('when every event arrives twice and scrambled over several rounds of changes, then each contact ends with its newest data and is written once per real change', async () => {
    const duplicatesBefore = e2e.sim.webhooks!.stats.duplicatesSent;
    let expectedWrites = 0;
    for (const round of ROUNDS) {
      const before = new Map(watched.map((id) => [id, owned(id)]));
      const recordsBefore = e2e.sim.stats.recordsWritten;
      for (const id of watched) {
        e2e.sim.touchContact(id, { jobtitle: round.title });
        e2e.sim.recordConversion(id, round.conversion);
      }
      await e2e.settle();
      const changed = watched.filter((id) => owned(id) !== before.get(id)).length;
      expect(e2e.sim.stats.recordsWritten - recordsBefore).toBe(changed);
      expectedWrites += changed;
    }
    // The rounds did change results (else the count above proves nothing) and events were doubled.
    expect(expectedWrites).toBeGreaterThanOrEqual(watched.length);
    expect(e2e.sim.webhooks!.stats.duplicatesSent - duplicatesBefore).toBeGreaterThan(0);

    const last = ROUNDS.at(-1)!;
    for (const id of watched) {
      const leadId = (await store.findLeadIdBySourceRecord('hubspot', id))!;
      const stored = (await store.getLead(leadId))!;
      expect(stored.lead.person.jobTitle).toBe(last.title);
      const contact = e2e.sim.getContact(id)!;
      expect(contact.recent_conversion_event_name).toBe(last.conversion);
      expect(contact.qualify_score).toBe(String(Math.round(stored.score!.score)));
      expect(contact.qualify_reasons).toBe(stored.score!.reasons);
    }
  }, 90_000);

  test('when an older version of a contact is processed after a newer one, then the stored lead keeps the newer value and nothing is written', async () => {
    const id = watched[0]!;
    const ctx = await e2e.conn.context();
    // A read taken now (say by a slow poll page) that reaches the pipeline only after the next change.
    const [older] = await e2e.conn.connector.people!.fetch(ctx, [{ objectType: 'contact', recordId: id }]);
    await new Promise((r) => setTimeout(r, 5)); // lastmodifieddate has millisecond resolution
    e2e.sim.touchContact(id, { jobtitle: 'Head of Procurement' });
    await e2e.settle();
    const leadId = (await store.findLeadIdBySourceRecord('hubspot', id))!;
    expect((await store.getLead(leadId))!.lead.person.jobTitle).toBe('Head of Procurement');

    const recordsBefore = e2e.sim.stats.recordsWritten;
    const outcome = await processRecords(e2e.runtime.deps, e2e.conn, [older!]);
    await e2e.settle();
    expect(outcome.stale).toBe(1);
    expect((await store.getLead(leadId))!.lead.person.jobTitle).toBe('Head of Procurement');
    expect(e2e.sim.getContact(id)!.jobtitle).toBe('Head of Procurement');
    expect(e2e.sim.stats.recordsWritten).toBe(recordsBefore);
  }, 60_000);
});
