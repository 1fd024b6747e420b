import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { testDatabaseUrl } from '../support/store-backends.js';
import { LIMIT, scoreHistoryLengths, startWorkerScenario, until, withPostgres, type WorkerChild, type WorkerScenario } from './worker-process.js';

/**
 * Two `qualify worker` processes on one Redis prefix and one PostgreSQL schema share one HubSpot
 * account allowed 10 calls per rolling 10 s. Both have work at once (a write-back backlog and a
 * backlog of contacts to re-read, each a job one of them takes),
 * so a limit kept per process would show as more than 10 calls in a window, or as 429s.
 */

const WRITES = 800; // 8 batch updates
const READS = 400; // 8 batch reads of 50 (with property history)

(withPostgres() ? describe : describe.skip)(`two qualify workers sharing one HubSpot limit (PostgreSQL at ${testDatabaseUrl()})`, () => {
  let s: WorkerScenario;
  const workers: WorkerChild[] = [];
  let startupCallsBefore = 0;

  beforeAll(async () => {
    s = await startWorkerScenario({ contacts: WRITES });
    const ids = [...s.pending.keys()].slice(0, READS);
    await s.e2e.conn.reads.put(ids.map((id) => ({ id, payload: { objectType: 'contact' } })));
    await s.e2e.runtime.deps.scheduleReadFlush(s.e2e.conn.id);
    startupCallsBefore = s.e2e.sim.stats.calls['GET /account-info/v3/details'] ?? 0;
    // A worker's very first call (the account lookup) is not yet counted in the portal's window
    // (see hubspot-worker-startup-limit.e2e.test.ts), so the backlogs are held back until both
    // workers are up (and they start once the backfill's calls have left the window); from then
    // on they compete for every call.
    await s.e2e.runtime.queues.io.pause();
    await new Promise((r) => setTimeout(r, LIMIT.intervalMs + 500));
    workers.push(s.spawnWorker(), s.spawnWorker());
    // Each logs its first-connect check, then starts its queue workers at once.
    await until(() => workers.every((w) => w.output().includes('qualify contact properties already exist')), 60_000, () => `both workers up:\n${logs()}`);
    await new Promise((r) => setTimeout(r, 1000));
    await s.e2e.runtime.queues.io.resume();
    await s.waitForWrites(120_000);
    await until(async () => (await s.e2e.conn.reads.size()) === 0, 60_000, 'the re-reads');
  }, 240_000);
  afterAll(async () => {
    await s?.close();
  });

  const logs = () => workers.map((w, i) => `worker ${i + 1}:\n${w.output().slice(-2500)}`).join('\n');

  test('when both workers run against one account, then both called HubSpot and the backlogs are done', async () => {
    // Each process looks up the account once at start.
    expect((s.e2e.sim.stats.calls['GET /account-info/v3/details'] ?? 0) - startupCallsBefore).toBe(2);
    expect(await s.e2e.conn.writes.size()).toBe(0);
    expect(await s.e2e.conn.reads.size()).toBe(0);
    expect(s.e2e.sim.stats.calls['POST /crm/v3/objects/contacts/batch/read'] ?? 0).toBeGreaterThanOrEqual(READS / 50);
  });

  test('when both workers call HubSpot, then there are never more than 10 calls in a window and no 429', () => {
    const stats = s.e2e.sim.stats;
    if (stats.maxCallsInWindow > LIMIT.max || stats.rateLimited.TEN_SECONDLY_ROLLING > 0) {
      throw new Error(`limit exceeded: ${JSON.stringify(stats)}\n${logs()}`);
    }
    expect(stats.rateLimited).toEqual({ TEN_SECONDLY_ROLLING: 0, DAILY: 0, SECONDLY: 0 });
    expect(stats.maxCallsInWindow).toBeLessThanOrEqual(LIMIT.max);
  });

  test('when the write-back is done, then every contact was written exactly once with its values', () => {
    const histories = scoreHistoryLengths(s.e2e, [...s.pending.keys()]);
    expect([...histories.values()].filter((n) => n !== 1)).toEqual([]);
    // Once each: a re-read racing the flush sends nothing again (see hubspot-stale-read.e2e.test.ts).
    expect(s.e2e.sim.stats.recordsWritten).toBe(WRITES);
    for (const [id, properties] of s.pending) {
      const contact = s.e2e.sim.getContact(id)!;
      for (const [name, value] of Object.entries(properties)) expect(`${id}.${name}=${contact[name]}`).toBe(`${id}.${name}=${value}`);
    }
  });
});
