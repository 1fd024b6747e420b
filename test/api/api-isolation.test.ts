import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { API_ROUTES } from '../../src/api/api-routes.js';
import { routeKey } from '../../src/api/api-route.js';
import type { Store } from '../../src/store/store.types.js';
import { storeBackends } from '../support/store-backends.js';
import { ADMIN_TOKEN, as, generousModelYaml, makeWorkspace, personLead, rescoreAndWait, startApiKit, storeLead, type ApiKit, type TestWorkspace } from './api-test-kit.js';

/**
 * One workspace can never see or touch another's data, on EVERY route. Workspace A holds leads,
 * a connection, API keys and model versions; workspace B calls each route of the registry with
 * its own key, aimed at A's ids and data, and each case checks that B saw nothing of A's and
 * that A's data is as it was. A route added to the registry without a case here fails the suite.
 */

interface World {
  kit: ApiKit;
  a: TestWorkspace;
  b: TestWorkspace;
  aLeadId: string;
  aEmail: string;
  aConnectionId: string;
  aKeyId: string;
  aPublishedId: string;
  aDraftId: string;
  /** A's finished rescore job. */
  aRescoreJobId: string;
  /** A's state, read through A's own view: what B must not change. */
  snapshot(): Promise<string>;
}

type Case = (w: World) => Promise<void>;

/** B's key, and B also names A in the operator's workspace header: a key must ignore it. */
const asB = (w: World) => as(w.kit.app, w.b.key, w.a.id);
const text = (body: unknown) => JSON.stringify(body);

const CASES: Record<string, Case> = {
  'GET /workspace': async (w) => {
    const res = await asB(w).get('/api/workspace').expect(200);
    // A workspace key ignores the operator's header: B stays B.
    expect(res.body.workspace.id).toBe(w.b.id);
  },
  'GET /workspaces': async (w) => {
    const res = await asB(w).get('/api/workspaces').expect(403);
    expect(text(res.body)).not.toContain(w.a.id);
  },
  'POST /workspaces': async (w) => {
    const id = `sneaky-${randomUUID().slice(0, 6)}`;
    await asB(w).post('/api/workspaces').send({ id, name: 'made by B' }).expect(403);
    expect(await w.kit.store.getWorkspace(id)).toBeNull();
  },
  'POST /workspaces/:id/api-keys': async (w) => {
    const res = await asB(w).post(`/api/workspaces/${w.a.id}/api-keys`).send({ name: 'stolen' }).expect(403);
    expect(res.body.key).toBeUndefined();
  },
  'GET /api-keys': async (w) => {
    const res = await asB(w).get('/api/api-keys').expect(200);
    expect(res.body.apiKeys.length).toBeGreaterThan(0);
    expect(res.body.apiKeys.every((k: { workspaceId: string }) => k.workspaceId === w.b.id)).toBe(true);
    expect(text(res.body)).not.toContain(w.aKeyId);
  },
  'DELETE /api-keys/:id': async (w) => {
    await asB(w).delete(`/api/api-keys/${w.aKeyId}`).expect(404);
    await as(w.kit.app, w.a.key).get('/api/workspace').expect(200);
  },
  'GET /connections': async (w) => {
    const res = await asB(w).get('/api/connections').expect(200);
    expect(text(res.body)).not.toContain(w.aConnectionId);
  },
  'GET /connections/:id': async (w) => {
    const res = await asB(w).get(`/api/connections/${w.aConnectionId}`).expect(404);
    expect(text(res.body)).not.toContain('4242');
  },
  'POST /connections/:id/pause': async (w) => {
    await asB(w).post(`/api/connections/${w.aConnectionId}/pause`).expect(404);
  },
  'POST /connections/:id/resume': async (w) => {
    // A's own pause must survive B's resume.
    await w.a.store.setConnectionStatus(w.aConnectionId, 'paused', 'paused by A', null);
    try {
      await asB(w).post(`/api/connections/${w.aConnectionId}/resume`).expect(404);
      expect((await w.a.store.getConnection(w.aConnectionId))?.status).toBe('paused');
    } finally {
      await w.a.store.setConnectionStatus(w.aConnectionId, 'active', null, null);
    }
  },
  'DELETE /connections/:id': async (w) => {
    await asB(w).delete(`/api/connections/${w.aConnectionId}`).expect(404);
  },
  'GET /models': async (w) => {
    const res = await asB(w).get('/api/models').expect(200);
    expect(text(res.body)).not.toContain(w.aPublishedId);
    expect(text(res.body)).not.toContain(w.aDraftId);
  },
  'GET /models/active': async (w) => {
    const res = await asB(w).get('/api/models/active').expect(200);
    // A published a model with other thresholds; B still scores with the file model.
    expect(res.body).toMatchObject({ source: 'file', model: null });
    expect(res.body.versionId).toMatch(/^default@1-/);
  },
  'GET /models/:id': async (w) => {
    await asB(w).get(`/api/models/${w.aPublishedId}`).expect(404);
    await asB(w).get(`/api/models/${w.aDraftId}`).expect(404);
  },
  'POST /models': async (w) => {
    const res = await asB(w).post('/api/models').send({ yaml: generousModelYaml(42) }).expect(201);
    expect((await w.b.store.listModels()).map((m) => m.id)).toContain(res.body.model.id);
    expect((await w.a.store.listModels()).map((m) => m.id)).not.toContain(res.body.model.id);
  },
  'POST /models/:id/simulate': async (w) => {
    await asB(w).post(`/api/models/${w.aDraftId}/simulate`).expect(404);
    // B's own simulation counts B's leads only.
    const mine = (await asB(w).post('/api/models').send({ yaml: generousModelYaml(43) }).expect(201)).body.model;
    const res = await asB(w).post(`/api/models/${mine.id}/simulate`).expect(200);
    expect(res.body.leads).toBe(1);
    expect(text(res.body)).not.toContain(w.aLeadId);
  },
  'POST /models/:id/publish': async (w) => {
    await asB(w).post(`/api/models/${w.aDraftId}/publish`).expect(404);
  },
  'POST /models/rollback': async (w) => {
    // B has nothing to roll back; A's active version must stay A's.
    await asB(w).post('/api/models/rollback').expect(409);
  },
  'GET /leads': async (w) => {
    const all = await asB(w).get('/api/leads').expect(200);
    expect(all.body.leads).toHaveLength(1);
    expect(text(all.body)).not.toContain(w.aLeadId);
    const byEmail = await asB(w).get(`/api/leads?email=${encodeURIComponent(w.aEmail)}`).expect(200);
    expect(byEmail.body.leads).toEqual([]);
  },
  'GET /leads/:id': async (w) => {
    const res = await asB(w).get(`/api/leads/${w.aLeadId}`).expect(404);
    expect(text(res.body)).not.toContain(w.aEmail);
  },
  'POST /rescore': async (w) => {
    const { jobId, job } = await rescoreAndWait(w.kit.app, w.b.key, w.a.id);
    expect(jobId).not.toBe(w.aRescoreJobId);
    expect(job).toMatchObject({ state: 'completed', progress: { done: 1, total: 1 }, result: { rescored: 1 } });
  },
  'GET /rescore/:jobId': async (w) => {
    const res = await asB(w).get(`/api/rescore/${w.aRescoreJobId}`).expect(404);
    expect(text(res.body)).not.toContain(w.aRescoreJobId);
    // …while A sees its own job.
    await as(w.kit.app, w.a.key).get(`/api/rescore/${w.aRescoreJobId}`).expect(200);
  },
  'GET /funnel': async (w) => {
    const res = await asB(w).get('/api/funnel').expect(200);
    const sum = (o: Record<string, number>) => Object.values(o).reduce((x, y) => x + y, 0);
    expect(sum(res.body.stages)).toBe(1);
    expect(sum(res.body.grades)).toBeLessThanOrEqual(1);
  },
};

describe.each(storeBackends())('workspace isolation on %s', (_backend, open) => {
  let store: Store;
  let world: World;

  beforeAll(async () => {
    store = await open();
    const kit = await startApiKit(store);
    // A is the default workspace, the root store's own view: a route that reached for the root
    // store instead of the caller's view would hand B A's data, and fail here.
    const a: TestWorkspace = { id: 'default', store, key: (await store.createApiKey('iso-a key')).key };
    const b = await makeWorkspace(store, 'iso-b');
    const aEmail = `alice.${randomUUID().slice(0, 6)}@acme-corp.com`;
    // The same person exists in both workspaces: a shared email must not bridge them.
    const aLeadId = await storeLead(a.store, personLead({ email: aEmail, first: 'Alice', last: 'Adams', title: 'VP Sales', company: 'Acme', events: [{ type: 'demo_request', daysAgo: 1 }] }));
    // A has two leads and B one, so a count of A's leads can never pass for B's.
    await storeLead(a.store, personLead({ email: `anna.${randomUUID().slice(0, 6)}@acme-corp.com`, first: 'Anna', last: 'Aalto', title: 'Analyst', company: 'Acme' }));
    await storeLead(b.store, personLead({ email: `bob.${randomUUID().slice(0, 6)}@beta-corp.com`, first: 'Bob', last: 'Brown', title: 'CTO', company: 'Beta' }));
    const aConnectionId = `hubspot-iso-a-${randomUUID().slice(0, 8)}`;
    await a.store.upsertConnection({ id: aConnectionId, system: 'hubspot', accountId: '4242' });
    await a.store.saveCursor(aConnectionId, 'contacts', { after: 'A-cursor' });
    const aKeyId = (await a.store.createApiKey('second key of A')).apiKey.id;
    const apiA = as(kit.app, a.key);
    const aRescore = await rescoreAndWait(kit.app, a.key);
    expect(aRescore.job.state).toBe('completed');
    expect((await rescoreAndWait(kit.app, b.key)).job.state).toBe('completed');
    const aPublishedId = (await apiA.post('/api/models').send({ yaml: generousModelYaml(5) }).expect(201)).body.model.id;
    await apiA.post(`/api/models/${aPublishedId}/publish`).expect(200);
    const aDraftId = (await apiA.post('/api/models').send({ yaml: generousModelYaml(6) }).expect(201)).body.model.id;

    const snapshot = async () => {
      const [lead, scores, transitions, conn, cursor, keys, models, active] = await Promise.all([
        a.store.getLead(aLeadId),
        a.store.scoreHistory(aLeadId),
        a.store.transitions(aLeadId),
        a.store.getConnection(aConnectionId),
        a.store.getCursor(aConnectionId, 'contacts'),
        a.store.listApiKeys(),
        a.store.listModels(),
        a.store.activeModel(),
      ]);
      const { updatedAt: _u, ...connection } = conn ?? ({} as Record<string, unknown>);
      return JSON.stringify({ lead, scores, transitions, connection, cursor, keys: keys.map(({ lastUsedAt: _l, ...k }) => k), models, active });
    };
    world = { kit, a, b, aLeadId, aEmail, aConnectionId, aKeyId, aPublishedId, aDraftId, aRescoreJobId: aRescore.jobId, snapshot };
  });
  afterAll(async () => {
    await world?.kit.close();
    await store.close();
  });

  test('when a route is in the registry, then it has an isolation case here (and every case names a real route)', () => {
    expect(Object.keys(CASES).sort()).toEqual(API_ROUTES.map(routeKey).sort());
  });

  test.each(API_ROUTES.map(routeKey))("when workspace B calls %s aimed at A's data, then B sees nothing of A's and A's data is unchanged", async (key) => {
    const run = CASES[key];
    if (!run) throw new Error(`no isolation case for ${key}: add one to CASES`);
    const before = await world.snapshot();
    await run(world);
    expect(await world.snapshot()).toBe(before);
  });

  test("when the operator acts on workspace B, then A's ids are unknown there too", async () => {
    const op = as(world.kit.app, ADMIN_TOKEN, world.b.id);
    await op.get(`/api/leads/${world.aLeadId}`).expect(404);
    await op.get(`/api/connections/${world.aConnectionId}`).expect(404);
    await op.post(`/api/models/${world.aDraftId}/publish`).expect(404);
    const leads = await op.get('/api/leads').expect(200);
    expect(text(leads.body)).not.toContain(world.aLeadId);
    // …and on A, they are A's.
    await as(world.kit.app, ADMIN_TOKEN, world.a.id).get(`/api/leads/${world.aLeadId}`).expect(200);
  });
});
