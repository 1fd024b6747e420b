import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { HubSpotConnector } from '../../connectors/hubspot/index.js';
import { testDatabaseUrl } from '../support/store-backends.js';
import { LIMIT, startWorkerScenario, until, withPostgres, type WorkerChild, type WorkerScenario } from './worker-process.js';

/**
 * A `qualify worker` starting while another process is using the account's whole window (a
 * deploy during a backfill, a scale-up under load).
 *
 * Regression tests for two bugs found here: the limiter counted a process's first call (the account
 * lookup) under another key than the window every other process counts in (now keyed by the app
 * token from the start), and a burst 429 during first-connect set-up made `qualify worker` exit 1
 * (now waited out and retried).
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

  test('when the window is full at start-up, then the worker waits it out and starts (it does not crash)', () => {
    if (worker.child.exitCode !== null) throw new Error(`the worker exited with ${worker.child.exitCode}:\n${worker.output().slice(-3000)}`);
    expect(worker.output()).toMatch(/qualify contact properties already exist/);
  });

  test('when the window is full at start-up, then the worker\'s first call waits for a slot and HubSpot refuses nothing', () => {
    expect(s.e2e.sim.stats.rateLimited.TEN_SECONDLY_ROLLING - refusedBefore).toBe(0);
    expect(s.e2e.sim.stats.maxCallsInWindow).toBeLessThanOrEqual(LIMIT.max);
  });
});
