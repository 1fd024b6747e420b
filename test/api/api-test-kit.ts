import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import { pino } from 'pino';
import request from 'supertest';
import { emptyLead, type Lead } from '../../src/canonical/lead.schema.js';
import type { ConnectionSpec, Runtime } from '../../src/app/runtime.js';
import { createApp } from '../../src/server/app.js';
import type { Store } from '../../src/store/store.types.js';
import { defaultScoringModelPath } from '../../src/qualification/qualify-lead.js';
import { readFileSync } from 'node:fs';
import { startRescoreWorker } from '../../src/queues/rescore-jobs.js';
import { startTestRuntime, testPrefix } from '../support/test-runtime.js';

/**
 * The admin API on real parts: the given store, real Redis under a fresh prefix, the runtime's
 * pipeline deps (models per workspace, rescoring) and the app the service serves. No connection
 * is driven (nothing polls a CRM); tests put rows in the store through a workspace's view. Of the
 * workers only the rescore one runs (POST /api/rescore queues a job); a test that wants the
 * others starts them (kit.runtime.startWorkers).
 */
export interface ApiKit {
  app: Express;
  runtime: Runtime;
  store: Store;
  adminToken: string;
  close(): Promise<void>;
}

export const ADMIN_TOKEN = 'operator-token-for-tests';

export async function startApiKit(store: Store, opts: { adminToken?: string | null; connections?: ConnectionSpec[] } = {}): Promise<ApiKit> {
  const adminToken = opts.adminToken === null ? undefined : (opts.adminToken ?? ADMIN_TOKEN);
  const logger = pino({ level: 'silent' });
  const queuePrefix = testPrefix('api');
  const runtime = await startTestRuntime({
    queuePrefix,
    store,
    logger,
    coalesceMs: 50,
    publicUrl: 'http://127.0.0.1',
    adminToken,
    connections: opts.connections ?? [],
  });
  const app = createApp({
    redis: runtime.redis,
    // The runtime's own view, as runtime.listen hands it over: a pause through the API drops the runtime's cached row.
    store: runtime.deps.store,
    queues: runtime.queues,
    pipeline: runtime.deps,
    logger,
    publicUrl: () => 'http://127.0.0.1',
    adminToken,
    // As the service wires them: a publish is scored with at once, a deleted connection stops being polled.
    apiHooks: { modelsChanged: () => runtime.refreshModels(), connectionDeleted: (id) => runtime.removeConnection(id) },
  });
  const rescoreWorker = startRescoreWorker(runtime.redis, runtime.deps, { prefix: queuePrefix });
  return {
    app,
    runtime,
    store,
    adminToken: adminToken ?? '',
    async close() {
      await rescoreWorker.close();
      await runtime.queues.rescore.obliterate({ force: true }).catch(() => {});
      await runtime.close();
    },
  };
}

/** A workspace with its own API key, made the way an operator would (through the store). */
export interface TestWorkspace {
  id: string;
  key: string;
  store: Store;
}

export async function makeWorkspace(store: Store, label: string): Promise<TestWorkspace> {
  const id = `${label}-${randomUUID().slice(0, 8)}`;
  await store.createWorkspace({ id, name: `Workspace ${label}` });
  const ws = store.forWorkspace(id);
  const { key } = await ws.createApiKey(`${label} key`);
  return { id, key, store: ws };
}

const DAY = 86_400_000;

/** A person with a work address, a title and recent activity: the default model scores them. */
export function personLead(o: { email: string; first: string; last: string; title: string; company: string; events?: Array<{ type: Lead['events'][number]['type']; daysAgo: number }> }): Lead {
  const l = emptyLead();
  l.email = o.email;
  l.emailValid = true;
  l.person.firstName = o.first;
  l.person.lastName = o.last;
  l.person.jobTitle = o.title;
  l.company.name = o.company;
  l.company.domain = o.email.split('@')[1]!;
  l.events = (o.events ?? []).map((e, i) => ({ type: e.type, at: new Date(Date.now() - e.daysAgo * DAY).toISOString(), source: 'hubspot' as const, sourceId: `${o.email}-${i}` }));
  return l;
}

/** Stores a lead in the workspace as a HubSpot record would arrive; returns its lead id. */
export async function storeLead(ws: Store, lead: Lead): Promise<string> {
  const { leadId } = await ws.upsertSourceRecord({ system: 'hubspot', recordId: randomUUID(), lead, sourceUpdatedAt: new Date().toISOString() });
  return leadId;
}

/** The default model's text with other grade thresholds: nearly every lead with some fit becomes an A. */
export function generousModelYaml(version = 2): string {
  const text = readFileSync(defaultScoringModelPath(), 'utf8');
  const out = text.replace(/^version: 1$/m, `version: ${version}`).replace(/grade: \{ A: 60, B: 40, C: 15 \}/, 'grade: { A: 3, B: 2, C: 1 }');
  if (out === text || !out.includes('A: 3, B: 2, C: 1')) throw new Error('mappings/scoring.yaml changed: update generousModelYaml');
  return out;
}

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** A supertest agent bound to one caller. */
export function as(app: Express, key: string, workspace?: string) {
  const headers: Record<string, string> = { ...bearer(key), ...(workspace && { 'x-qualify-workspace': workspace }) };
  const set = <T extends { set(h: Record<string, string>): T }>(t: T) => t.set(headers);
  return {
    get: (url: string) => set(request(app).get(url)),
    post: (url: string) => set(request(app).post(url)),
    delete: (url: string) => set(request(app).delete(url)),
  };
}

export interface RescoreOutcome {
  /** The job's id, as POST /api/rescore answered it. */
  jobId: string;
  /** GET /api/rescore/:jobId once the job ended. */
  job: { id: string; state: string; progress: { done: number; total: number }; result?: { rescored: number; writesQueued: number; model: string }; failedReason?: string };
}

/** POST /api/rescore (202), then GET /api/rescore/:jobId until the job completed or failed. */
export async function rescoreAndWait(app: Express, key: string, workspace?: string, timeoutMs = 30_000): Promise<RescoreOutcome> {
  const api = as(app, key, workspace);
  const started = await api.post('/api/rescore').expect(202);
  const jobId = started.body.job.id as string;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await api.get(`/api/rescore/${jobId}`).expect(200);
    if (res.body.state === 'completed' || res.body.state === 'failed') return { jobId, job: res.body };
    if (Date.now() > deadline) throw new Error(`rescore job ${jobId} still ${res.body.state} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
