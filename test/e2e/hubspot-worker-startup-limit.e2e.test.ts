import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { HubSpotConnector } from '../../connectors/hubspot/index.js';
import { testDatabaseUrl } from '../support/store-backends.js';
import { LIMIT, startWorkerScenario, until, withPostgres, type WorkerChild, type WorkerScenario } from './worker-process.js';

/**
 * A `qualify worker` starting while another process is using the account's whole window (a
 * deploy during a backfill, a scale-up under load).
 *
 * KNOWN BUG (connectors/hubspot/hubspot-client.ts, `limiterKey`/`fetchAccount`): until a process
 * knows the portal id, its calls are counted under a key made from the token, not the portal's
 * window every other process counts in. So a new worker's first call (GET /account-info) goes out
 * while the portal's window is full, and HubSpot answers 429.
 *
 * KNOWN BUG 2 (src/cli/commands/connection-failure.ts, `setupEachConnection`): that burst 429
 * during first-connect set-up is not waited out; it is rethrown and `qualify worker` exits 1.
 *
 * Both are `test.failing`: when a bug is fixed its test reports a failure; then make it a plain `test`.
 */

(withPostgres() ? describe : describe.skip)(`a qualify worker starting while the HubSpot window is full (PostgreSQL at ${testDatabaseUrl()})`, () => {
  let s: WorkerScenario;
  let worker: WorkerChild;
  let refusedBefore = 0;

  beforeAll(async () => {
    s = await startWorkerScenario({ contacts: 50 });
    await new Promise((r) => setTimeout(r, LIMIT.intervalMs + 500)); // the backfill's calls leave the window
    refusedBefore = s.e2e.sim.stats.rateLimited.TEN_SECONDLY_ROLLING;
    // This process takes the whole window (through the shared limiter, as a busy worker would)…
    const client = (s.e2e.conn.connector as HubSpotConnector).client;
    const ctx = await s.e2e.conn.context();
    for (let i = 0; i < LIMIT.max; i++) await client.call('probe', 'standard', (sdk) => sdk.crm.properties.coreApi.getAll('contacts'), ctx.signal);
    // …and a worker starts right then.
    worker = s.spawnWorker();
    await until(
      () => worker.output().includes('qualify contact properties already exist') || worker.child.exitCode !== null,
      60_000,
      () => `the worker to finish starting:\n${worker.output().slice(-3000)}`,
    );
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  test.failing('when the window is full at start-up, then the worker waits it out and starts (it does not crash)', () => {
    if (worker.child.exitCode !== null) throw new Error(`the worker exited with ${worker.child.exitCode}:\n${worker.output().slice(-3000)}`);
    expect(worker.output()).toMatch(/qualify contact properties already exist/);
  });

  test.failing('when the window is full at start-up, then the worker\'s first call waits for a slot and HubSpot refuses nothing', () => {
    expect(s.e2e.sim.stats.rateLimited.TEN_SECONDLY_ROLLING - refusedBefore).toBe(0);
    expect(s.e2e.sim.stats.maxCallsInWindow).toBeLessThanOrEqual(LIMIT.max);
  });
});
