import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { flushWrites } from '../../src/pipeline/flush-writes.js';
import type { PendingWrite } from '../../src/pipeline/pipeline.types.js';
import { processRecords } from '../../src/pipeline/process-records.js';
import { runSync } from '../../src/pipeline/run-sync.js';
import type { Store } from '../../src/store/store.types.js';
import { startE2E, type E2E } from '../support/e2e-harness.js';
import { storeBackends } from '../support/store-backends.js';

/**
 * Regression test (the bug was found by hubspot-two-workers.e2e.test.ts, where 800 contacts were
 * written 828–852 times): a contact read just before our write lands, and processed just after
 * the flush finished, is the same version the store holds, so the store applies it again. Its
 * lifecyclestage is the pre-write value; trusting it over the ledger sent lifecyclestage again
 * (the value HubSpot already had). The sequence is forced here, deterministically, one step at a
 * time (no workers).
 */

describe.each(storeBackends())('a stale re-read after our own write on %s', (_backend, open) => {
  let store: Store;
  let e2e: E2E;

  beforeAll(async () => {
    store = await open();
    e2e = await startE2E({ store, contacts: 20, webhook: false, workers: false });
    await runSync(e2e.runtime.deps, e2e.conn, { full: true });
  }, 60_000);
  afterAll(async () => {
    await e2e?.close();
  });

  test('when a contact read before our write lands is processed after the flush, then nothing is queued again', async () => {
    const pending = await e2e.conn.writes.peek(1000);
    const moving = pending.find((p) => 'lifecyclestage' in (p.payload as PendingWrite).properties);
    expect(moving).toBeDefined();
    const id = moving!.id;
    const ctx = await e2e.conn.context();
    const [readBefore] = await e2e.conn.connector.people!.fetch(ctx, [{ objectType: 'contact', recordId: id }]);

    const flushed = await flushWrites(e2e.runtime.deps, e2e.conn);
    expect(flushed.written).toBe(pending.length);
    expect(e2e.sim.getContact(id)!.lifecyclestage).toBe((moving!.payload as PendingWrite).properties.lifecyclestage);

    const outcome = await processRecords(e2e.runtime.deps, e2e.conn, [readBefore!]);
    expect({ writesQueued: outcome.writesQueued, pending: await e2e.conn.writes.getMany([id]) }).toEqual({ writesQueued: 0, pending: new Map() });
  });
});
