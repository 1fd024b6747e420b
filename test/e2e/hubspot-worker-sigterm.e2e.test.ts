import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { testDatabaseUrl } from '../support/store-backends.js';
import { LIMIT, scoreHistoryLengths, startWorkerScenario, until, withPostgres, type WorkerChild, type WorkerScenario } from './worker-process.js';

/**
 * SIGTERM (a deploy, a scale-down) reaches a `qualify worker` in the middle of a write-back flush.
 * It drains: the job in flight finishes or goes back to the queue, the process exits 0, and a
 * second worker completes whatever is left without waiting for a stalled-job timeout. No crash
 * happened, so no batch is sent twice. PostgreSQL only: PGlite is one process's database.
 */

const CONTACTS = 1000; // 10 batch updates of 100 at 10 calls per 10 s

(withPostgres() ? describe : describe.skip)(`a qualify worker stopped with SIGTERM mid-flush (PostgreSQL at ${testDatabaseUrl()})`, () => {
  let s: WorkerScenario;
  let first: WorkerChild;
  let second: WorkerChild;
  let exit: { code: number | null; signal: NodeJS.Signals | null };
  let drainMs = 0;
  let writtenAtSignal = 0;

  beforeAll(async () => {
    s = await startWorkerScenario({ contacts: CONTACTS, latencyMs: 300 });
    const batchUpdates = () => s.e2e.sim.stats.calls['POST /crm/v3/objects/contacts/batch/update'] ?? 0;
    const writesBefore = s.e2e.sim.stats.writeCalls;
    const applied = () => s.e2e.sim.stats.writeCalls - writesBefore;
    first = s.spawnWorker();
    await until(() => applied() >= 1 && batchUpdates() > applied(), 60_000, () => `a batch update in flight; worker:\n${first.output().slice(-3000)}`);
    writtenAtSignal = applied();
    const t0 = Date.now();
    first.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    exit = await Promise.race([
      first.exited,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no exit 60 s after SIGTERM:\n${first.output().slice(-3000)}`)), 60_000);
      }),
    ]).finally(() => clearTimeout(timer));
    drainMs = Date.now() - t0;
    second = s.spawnWorker();
    // Well under BullMQ's stalled-job recovery (30 s lock + checks): a job left running would fail this.
    await s.waitForWrites(25_000);
  }, 180_000);
  afterAll(async () => {
    await s?.close();
  });

  const logs = () => `first worker:\n${first?.output().slice(-3000)}\nsecond worker:\n${second?.output().slice(-3000)}`;

  test('when SIGTERM arrives during a flush, then the worker says it drains and exits 0', () => {
    expect(writtenAtSignal).toBeLessThan(CONTACTS / 100);
    if (exit.code !== 0) throw new Error(`exit ${JSON.stringify(exit)}\n${logs()}`);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(first.output()).toMatch(/draining/);
    // Reported for the record: how long the drain took (the flush in flight is finished first).
    expect(drainMs).toBeGreaterThan(0);
  });

  test('when the second worker is done, then every pending write-back reached HubSpot exactly once', async () => {
    expect(await s.e2e.conn.writes.size()).toBe(0);
    for (const [id, properties] of s.pending) {
      const contact = s.e2e.sim.getContact(id)!;
      for (const [name, value] of Object.entries(properties)) expect(`${id}.${name}=${contact[name]}`).toBe(`${id}.${name}=${value}`);
    }
    const histories = scoreHistoryLengths(s.e2e, [...s.pending.keys()]);
    expect([...histories.values()].filter((n) => n !== 1)).toEqual([]);
    expect(s.e2e.sim.stats.recordsWritten).toBe(CONTACTS);
    expect(s.e2e.sim.stats.rateLimited.TEN_SECONDLY_ROLLING).toBe(0);
    expect(s.e2e.sim.stats.maxCallsInWindow).toBeLessThanOrEqual(LIMIT.max);
  });
});
