import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Worker } from 'bullmq';
import type { Runtime } from '../../src/app/runtime.js';
import type { PipelineDeps } from '../../src/pipeline/pipeline.types.js';
import { parseScoringModel } from '../../src/scoring/load-scoring-model.js';
import { rescoreJobStatus, startRescore, startRescoreWorker, type RescoreJobView } from '../../src/queues/rescore-jobs.js';
import type { Store } from '../../src/store/store.types.js';
import { personLead } from '../api/api-test-kit.js';
import { storeBackends } from '../support/store-backends.js';
import { closeTestRuntime, startTestRuntime, testPrefix } from '../support/test-runtime.js';

/**
 * A worker closing (SIGTERM drain) while it rescores a large workspace: the rescore stops between
 * pages and goes back to the queue under the same job id with its cursor, instead of holding the
 * shutdown until every lead is done; another worker finishes it from there. Real Redis, both
 * store backends.
 */

const LEADS = 20_000; // 40 pages of 500: seconds of work, so waiting for all of them would show

describe.each(storeBackends())('a rescore when its worker closes, on %s', (_backend, open) => {
  let store: Store;
  let ws: Store;
  let runtime: Runtime;
  let deps: PipelineDeps;
  let versionId: string;
  const workers: Worker[] = [];
  /** Every lead id a rescore scored, in order, across workers. */
  const rescored: string[] = [];

  /** The store as the rescore sees it, noting which leads it scores (requalifyLeads reads them with getLeads). */
  const counting = (s: Store): Store =>
    new Proxy(s, {
      get(target, prop) {
        if (prop === 'forWorkspace') return (id: string) => counting(target.forWorkspace(id));
        if (prop === 'getLeads') {
          return async (ids: string[]) => {
            rescored.push(...ids);
            return target.getLeads!(ids);
          };
        }
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });

  const status = async (jobId: string): Promise<RescoreJobView> => (await rescoreJobStatus(runtime.queues.rescore, ws.workspaceId, jobId))!;
  async function until(what: string, jobId: string, ok: (v: RescoreJobView) => boolean, timeoutMs: number): Promise<RescoreJobView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await status(jobId);
      if (ok(v)) return v;
      if (Date.now() > deadline) throw new Error(`${what}: job is ${JSON.stringify(v)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  beforeAll(async () => {
    store = await open();
    const id = `rescore-${randomUUID().slice(0, 8)}`;
    await store.createWorkspace({ id, name: 'Large workspace' });
    ws = store.forWorkspace(id);
    for (let start = 0; start < LEADS; start += 500) {
      await ws.upsertSourceRecords!(
        Array.from({ length: Math.min(500, LEADS - start) }, (_, i) => ({
          system: 'hubspot' as const,
          recordId: `c-${start + i}`,
          lead: personLead({ email: `lead${start + i}@acme-${i % 50}.test`, first: 'Ada', last: `L${start + i}`, title: i % 3 ? 'VP Sales' : 'Analyst', company: 'Acme' }),
          sourceUpdatedAt: new Date().toISOString(),
        })),
      );
    }
    // A newly published model: every lead must end scored with it.
    const yaml = readFileSync('mappings/scoring.yaml', 'utf8').replace(/^version: 1$/m, 'version: 7');
    versionId = parseScoringModel(yaml).versionId;
    await ws.publishModel((await ws.saveModelDraft({ yaml, versionId, name: 'default' })).id);
    runtime = await startTestRuntime({ store, queuePrefix: testPrefix('rescore-close'), coalesceMs: 50 });
    await runtime.refreshModels();
    deps = { ...runtime.deps, store: counting(runtime.deps.store) };
  }, 180_000);

  afterAll(async () => {
    for (const w of workers) await w.close();
    if (runtime) {
      await runtime.queues.rescore.obliterate({ force: true });
      await closeTestRuntime(runtime);
    }
    await store?.close();
  });

  test('when the worker closes mid-rescore, then close returns at the next page, the job waits under its id, and a new worker finishes it scoring every lead once', async () => {
    expect(deps.model(ws.workspaceId).versionId).toBe(versionId);
    const prefix = (runtime.queues.rescore.opts as { prefix: string }).prefix;
    const first = startRescoreWorker(runtime.redis, deps, { prefix });
    workers.push(first);
    const started = Date.now();
    const { id } = await startRescore(runtime.queues.rescore, ws.workspaceId);
    const atFirstPage = await until('a first page done', id, (v) => v.progress.done >= 500, 60_000);
    const firstPageMs = Date.now() - started;
    expect(atFirstPage.progress.total).toBe(LEADS);

    const closing = Date.now();
    await first.close();
    const closeMs = Date.now() - closing;

    const handedBack = await status(id);
    expect(['delayed', 'waiting']).toContain(handedBack.state);
    expect(handedBack.failedReason).toBeUndefined();
    expect(handedBack.progress.done).toBeLessThan(LEADS / 4);
    expect(handedBack.progress).toEqual({ done: rescored.length, total: LEADS });
    // Asked again meanwhile, the API answers with the same job.
    expect((await startRescore(runtime.queues.rescore, ws.workspaceId)).id).toBe(id);

    const resuming = Date.now();
    const second = startRescoreWorker(runtime.redis, deps, { prefix });
    workers.push(second);
    const done = await until('the rescore to complete', id, (v) => v.state === 'completed' || v.state === 'failed', 120_000);
    const restMs = Date.now() - resuming;

    expect(done).toMatchObject({ state: 'completed', progress: { done: LEADS, total: LEADS }, result: { rescored: LEADS, writesQueued: 0, model: versionId } });
    // Close waited for one page at most, not for the rest of the workspace.
    expect(closeMs).toBeLessThan(firstPageMs * 2 + 500);
    expect(closeMs * 3).toBeLessThan(restMs);
    // Every lead scored exactly once across both workers, and with the new model.
    expect(rescored).toHaveLength(LEADS);
    expect(new Set(rescored).size).toBe(LEADS);
    const leads = await ws.getLeads!(rescored);
    expect(leads).toHaveLength(LEADS);
    expect(leads.filter((l) => l.score?.modelVersion !== versionId)).toEqual([]);
  }, 240_000);
});
