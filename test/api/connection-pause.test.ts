import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { Workers } from '../../src/queues/workers.js';
import type { Store } from '../../src/store/store.types.js';
import { connectorFor, startOrg, type Org } from '../connectors/salesforce/salesforce-test-kit.js';
import { storeBackends } from '../support/store-backends.js';
import { as, makeWorkspace, startApiKit, type ApiKit, type TestWorkspace } from './api-test-kit.js';

/**
 * Pause and resume through the API reach the workers: a paused connection's jobs make no vendor
 * call (the worker refuses them), and after resume the same work goes out. Real workers, real
 * Redis, a real jsforce session against the in-repo Salesforce org simulator.
 */
describe.each(storeBackends())('connection pause and resume on %s', (_backend, open) => {
  let store: Store;
  let kit: ApiKit;
  let ws: TestWorkspace;
  let org: Org;
  let workers: Workers;
  const id = `salesforce-pause-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    store = await open();
    ws = await makeWorkspace(store, 'pause');
    org = await startOrg({ seed: { leads: 5, contacts: 0 } });
    kit = await startApiKit(store, { connections: [{ id, workspaceId: ws.id, system: 'salesforce', connector: connectorFor(org), pollIntervalMs: 3_600_000 }] });
    workers = kit.runtime.startWorkers({ concurrency: { ingest: 1, io: 1, sync: 1 } });
  });
  afterAll(async () => {
    await workers?.close();
    await kit.close();
    await org.close();
    await store.close();
  });

  async function runPoll(): Promise<string> {
    const job = await kit.runtime.queues.sync.add('poll', { connectionId: id, full: true });
    const deadline = Date.now() + 20_000;
    for (;;) {
      const state = await kit.runtime.queues.sync.getJobState(job.id!);
      if (state === 'completed' || state === 'failed') return state;
      if (Date.now() > deadline) throw new Error(`poll job still ${state}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  test('when a connection is paused through the API, then its poll makes no call to the org until it is resumed', async () => {
    await as(kit.app, ws.key).post(`/api/connections/${id}/pause`).expect(200);
    const before = org.sim.calls.length;
    expect(await runPoll()).toBe('failed');
    expect(org.sim.calls.length).toBe(before);
    expect(await ws.store.countLeads()).toBe(0);

    const resumed = await as(kit.app, ws.key).post(`/api/connections/${id}/resume`).expect(200);
    expect(resumed.body.connection.status).toBe('active');
    expect(await runPoll()).toBe('completed');
    expect(org.sim.calls.length).toBeGreaterThan(before);
    expect(await ws.store.countLeads()).toBe(5);
  });
});
