import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { runSync, type SyncOutcome } from '../../src/pipeline/run-sync.js';
import type { Store } from '../../src/store/store.types.js';
import { startE2E, type E2E } from '../support/e2e-harness.js';
import { storeBackends } from '../support/store-backends.js';

/**
 * The long one: a full backfill of 2,000 contacts against an account allowed 10 calls per rolling
 * 10 s, with write-back running alongside. It finishes without one 429, never has more than 10
 * calls in any window, and writes every contact exactly once with what the store holds.
 *
 * Budget: ~5 setup calls + 20 batch updates of 100 + the history reads, at 10 per 10 s.
 * historyMode 'none' keeps the read calls to the search pages (their own 5/s limit), so each
 * backend takes about half a minute of limit.
 */

const CONTACTS = 2000;
const LIMIT = { max: 10, intervalMs: 10_000 };

describe.each(storeBackends())('HubSpot backfill of 2,000 contacts at 10 calls per 10 s on %s', (_backend, open) => {
  let store: Store;
  let e2e: E2E;
  let outcome: SyncOutcome;

  beforeAll(async () => {
    store = await open();
    e2e = await startE2E({
      store,
      contacts: CONTACTS,
      rateLimit: LIMIT,
      limits: { burst: { max: LIMIT.max, windowMs: LIMIT.intervalMs } },
      historyMode: 'none',
      coalesceMs: 200,
    });
    outcome = await runSync(e2e.runtime.deps, e2e.conn, { full: true });
    await e2e.settle(240_000);
  }, 300_000);
  afterAll(async () => {
    await e2e?.close();
  });

  test('when the full sync finishes, then every contact was read and stored once', () => {
    expect(outcome.records).toBe(CONTACTS);
    expect(outcome.processed).toBe(CONTACTS);
    expect(outcome.unmappable).toBe(0);
  });

  test('when the backfill and its write-back are done, then the account limit was never exceeded and no call was refused', () => {
    expect(e2e.sim.stats.rateLimited).toEqual({ TEN_SECONDLY_ROLLING: 0, DAILY: 0, SECONDLY: 0 });
    expect(e2e.sim.stats.maxCallsInWindow).toBeLessThanOrEqual(LIMIT.max);
    // At least the 20 batch updates went through the window: the limit was really in play.
    expect(e2e.sim.stats.writeCalls).toBeGreaterThanOrEqual(CONTACTS / 100);
  });

  test('when the write-back is done, then every contact was written exactly once with the score the store holds', async () => {
    expect(e2e.sim.stats.recordsWritten).toBe(CONTACTS);
    expect(await e2e.conn.writes.size()).toBe(0);
    const mismatches: string[] = [];
    for (const id of e2e.sim.contactIds()) {
      const leadId = await store.findLeadIdBySourceRecord('hubspot', id);
      const stored = leadId ? await store.getLead(leadId) : null;
      const contact = e2e.sim.getContact(id)!;
      if (!stored?.score) {
        mismatches.push(`${id}: not stored`);
        continue;
      }
      if (contact.qualify_score !== String(Math.round(stored.score.score)) || contact.qualify_model_version !== stored.score.modelVersion) {
        mismatches.push(`${id}: HubSpot has ${contact.qualify_score}, store has ${stored.score.score}`);
      }
    }
    expect(mismatches).toEqual([]);
  }, 120_000);
});
