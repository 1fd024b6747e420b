import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { CALLS_IN_FLIGHT } from '../../src/pipeline/flush-writes.js';
import { testDatabaseUrl } from '../support/store-backends.js';
import { LIMIT, scoreHistoryLengths, startWorkerScenario, until, withPostgres, type WorkerChild, type WorkerScenario } from './worker-process.js';

/**
 * `kill -9` of a `qualify worker` while its write-back flush is half-way: nothing it was doing
 * is lost, and a second worker finishes the job.
 *
 * What "once" can mean after a crash: the batch whose request was in flight at the kill may have
 * reached HubSpot without its answer reaching us, so the next worker sends it again. That repeat
 * is harmless (the same values; HubSpot records no change), and it is the only repeat allowed:
 * every contact's values change exactly once, at most one batch is sent twice, and every other
 * contact is sent once. PostgreSQL only: PGlite is one process's database. Takes 1.5–2 minutes
 * (BullMQ's stalled-job recovery), so it is one of the long files.
 */

const CONTACTS = 600; // 6 batch updates of 100 at 10 calls per 10 s

(withPostgres() ? describe : describe.skip)(`a qualify worker killed mid-flush (PostgreSQL at ${testDatabaseUrl()})`, () => {
  let s: WorkerScenario;
  let first: WorkerChild;
  let second: WorkerChild;
  let writeCallsAtKill = 0;

  beforeAll(async () => {
    // 400 ms per answer: a batch update is in flight long enough to be caught there.
    s = await startWorkerScenario({ contacts: CONTACTS, latencyMs: 400 });
    const batchUpdates = () => s.e2e.sim.stats.calls['POST /crm/v3/objects/contacts/batch/update'] ?? 0;
    // writeCalls also counts the set-up's property writes: count the batch updates from here on.
    const writesBefore = s.e2e.sim.stats.writeCalls;
    const applied = () => s.e2e.sim.stats.writeCalls - writesBefore;
    first = s.spawnWorker();
    // Kill while a batch update has arrived at HubSpot but not been answered, after at least two were done.
    await until(
      () => applied() >= 2 && batchUpdates() > applied(),
      60_000,
      () => `a batch update in flight; sandbox ${JSON.stringify(s.e2e.sim.stats)}; worker:\n${first.output().slice(-4000)}`,
    );
    first.child.kill('SIGKILL');
    await first.exited;
    writeCallsAtKill = applied();
    second = s.spawnWorker();
    // BullMQ hands the dead worker's job to the next one only once its lock (30 s) has expired and
    // two stalled-job checks (every 30 s) have seen it: up to about 90 s, most of this file's time.
    await s.waitForWrites(150_000);
  }, 240_000);
  afterAll(async () => {
    await s?.close();
  });

  const failure = () => `first worker:\n${first.output().slice(-3000)}\nsecond worker:\n${second.output().slice(-3000)}`;

  test('when the worker is killed mid-flush, then it had written only part of the pending write-backs', () => {
    expect(s.pending.size).toBe(CONTACTS);
    expect(writeCallsAtKill).toBeGreaterThanOrEqual(2);
    expect(writeCallsAtKill).toBeLessThan(CONTACTS / 100);
  });

  test('when a second worker has run, then every pending write-back reached HubSpot with its values', async () => {
    expect(await s.e2e.conn.writes.size()).toBe(0);
    const missing: string[] = [];
    for (const [id, properties] of s.pending) {
      const contact = s.e2e.sim.getContact(id)!;
      for (const [name, value] of Object.entries(properties)) {
        if (contact[name] !== value) missing.push(`${id}.${name}: want ${value}, HubSpot has ${contact[name]}`);
      }
    }
    if (missing.length) throw new Error(`${missing.length} values missing, e.g. ${missing.slice(0, 5).join('; ')}\n${failure()}`);
  });

  test('when the flush resumed, then every contact changed exactly once and at most the batches in flight were sent again', () => {
    const histories = scoreHistoryLengths(s.e2e, [...s.pending.keys()]);
    expect([...histories.values()].filter((n) => n !== 1)).toEqual([]);
    expect(s.e2e.sim.stats.recordsWritten).toBeGreaterThanOrEqual(CONTACTS);
    // A flush keeps up to CALLS_IN_FLIGHT batches of 100 in flight; those the kill caught are sent again (same values).
    expect(s.e2e.sim.stats.recordsWritten).toBeLessThanOrEqual(CONTACTS + CALLS_IN_FLIGHT * 100);
    expect(s.e2e.sim.stats.rateLimited.TEN_SECONDLY_ROLLING).toBe(0);
    expect(s.e2e.sim.stats.maxCallsInWindow).toBeLessThanOrEqual(LIMIT.max);
  });
});
