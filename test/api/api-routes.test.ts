import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { API_ROUTES } from '../../src/api/api-routes.js';
import { routeKey } from '../../src/api/api-route.js';
import type { Store } from '../../src/store/store.types.js';
import { storeBackends } from '../support/store-backends.js';
import { ADMIN_TOKEN, as, generousModelYaml, makeWorkspace, personLead, rescoreAndWait, startApiKit, storeLead, type ApiKit, type TestWorkspace } from './api-test-kit.js';
import { CONNECTORS } from '../../src/app/connector-registry.js';

/** Every answer must be what the OpenAPI document says it is: the route's own response schema parses it. */
function documented(key: string, body: unknown): void {
  const route = API_ROUTES.find((r) => routeKey(r) === key);
  if (!route) throw new Error(`no route ${key}`);
  const parsed = route.response.safeParse(body);
  if (!parsed.success) throw new Error(`${key} answered outside its documented schema: ${JSON.stringify(parsed.error.issues.slice(0, 3))}`);
}

describe.each(storeBackends())('admin API routes on %s', (_backend, open) => {
  let store: Store;
  let kit: ApiKit;
  let ws: TestWorkspace;
  const leadIds: Record<string, string> = {};
  const emails = {
    vp: `rosa.${randomUUID().slice(0, 6)}@finchley-capital.com`,
    intern: `mei.${randomUUID().slice(0, 6)}@brightlane.io`,
    ceo: `hiro.${randomUUID().slice(0, 6)}@sprout-saas.com`,
  };

  beforeAll(async () => {
    store = await open();
    kit = await startApiKit(store);
    ws = await makeWorkspace(store, 'routes');
    leadIds.vp = await storeLead(ws.store, personLead({ email: emails.vp, first: 'Rosa', last: 'Mensah', title: 'VP Marketing', company: 'Finchley Capital', events: [{ type: 'demo_request', daysAgo: 2 }, { type: 'content_download', daysAgo: 5 }] }));
    leadIds.intern = await storeLead(ws.store, personLead({ email: emails.intern, first: 'Mei', last: 'Hill', title: 'Intern', company: 'Brightlane' }));
    leadIds.ceo = await storeLead(ws.store, personLead({ email: emails.ceo, first: 'Hiro', last: 'Miller', title: 'Founder & CEO', company: 'Sprout SaaS', events: [{ type: 'webinar', daysAgo: 3 }] }));
  });
  afterAll(async () => {
    await kit.close();
    await store.close();
  });

  const api = () => as(kit.app, ws.key);

  test('when a workspace key asks for its workspace, then it gets that workspace', async () => {
    const res = await api().get('/api/workspace').expect(200);
    expect(res.body.workspace).toMatchObject({ id: ws.id, name: 'Workspace routes' });
    // This app serves no /oauth routes: nothing can be connected from it (the dashboard offers no button).
    expect(res.body.oauth).toEqual(Object.fromEntries(CONNECTORS.filter((c) => c.oauth).map((c) => [c.system, false])));
    documented('GET /workspace', res.body);
  });

  test('when the operator creates a workspace and issues it a key, then the key acts on that workspace and is listed by its prefix only', async () => {
    const id = `made-${randomUUID().slice(0, 8)}`;
    const operator = as(kit.app, ADMIN_TOKEN);
    const created = await operator.post('/api/workspaces').send({ id, name: 'Made by the operator' }).expect(201);
    documented('POST /workspaces', created.body);
    await operator.post('/api/workspaces').send({ id, name: 'again' }).expect(409);
    const list = await operator.get('/api/workspaces').expect(200);
    documented('GET /workspaces', list.body);
    expect(list.body.workspaces.map((w: { id: string }) => w.id)).toEqual(expect.arrayContaining(['default', id, ws.id]));

    const issued = await operator.post(`/api/workspaces/${id}/api-keys`).send({ name: 'ci' }).expect(201);
    documented('POST /workspaces/:id/api-keys', issued.body);
    expect(issued.body.key).toMatch(/^qk_/);
    const mine = await as(kit.app, issued.body.key).get('/api/workspace').expect(200);
    expect(mine.body.workspace.id).toBe(id);

    const keys = await as(kit.app, issued.body.key).get('/api/api-keys').expect(200);
    documented('GET /api-keys', keys.body);
    expect(keys.body.apiKeys).toEqual([expect.objectContaining({ id: issued.body.apiKey.id, name: 'ci', workspaceId: id, revokedAt: null })]);
    expect(JSON.stringify(keys.body)).not.toContain(issued.body.key);
  });

  test('when a key is revoked, then it stops working at once and other keys keep working', async () => {
    const { key, apiKey } = await ws.store.createApiKey('short-lived');
    await as(kit.app, key).get('/api/workspace').expect(200);
    const res = await api().delete(`/api/api-keys/${apiKey.id}`).expect(200);
    documented('DELETE /api-keys/:id', res.body);
    await as(kit.app, key).get('/api/workspace').expect(401);
    await api().get('/api/workspace').expect(200);
    await api().delete(`/api/api-keys/${apiKey.id}-nope`).expect(404);
  });

  test('when connections are listed, then each shows status, last sync, cursors, refused writes and its budget', async () => {
    const id = `hubspot-routes-${randomUUID().slice(0, 8)}`;
    await ws.store.upsertConnection({ id, system: 'hubspot', accountId: '4242' });
    await ws.store.saveCursor(id, 'contacts', { after: '2026-01-01T00:00:00Z' });
    await ws.store.recordWriteError({ connectionId: id, recordId: '77', status: 400, message: 'INVALID_OPTION', payload: {} });

    const list = await api().get('/api/connections').expect(200);
    documented('GET /connections', list.body);
    const conn = list.body.connections.find((c: { id: string }) => c.id === id);
    expect(conn).toMatchObject({ system: 'hubspot', accountId: '4242', status: 'active', cursors: { contacts: { after: '2026-01-01T00:00:00Z' } }, writeErrors: 1, budget: null });
    expect(conn.lastSyncAt).not.toBeNull();

    const one = await api().get(`/api/connections/${id}`).expect(200);
    documented('GET /connections/:id', one.body);
    expect(one.body.connection.id).toBe(id);
  });

  test('when a connection is paused, resumed and deleted, then its status follows and a deleted one is gone', async () => {
    const id = `hubspot-pause-${randomUUID().slice(0, 8)}`;
    await ws.store.upsertConnection({ id, system: 'hubspot' });
    const paused = await api().post(`/api/connections/${id}/pause`).expect(200);
    documented('POST /connections/:id/pause', paused.body);
    expect(paused.body.connection.status).toBe('paused');
    expect((await ws.store.getConnection(id))?.status).toBe('paused');

    const resumed = await api().post(`/api/connections/${id}/resume`).expect(200);
    documented('POST /connections/:id/resume', resumed.body);
    expect(resumed.body.connection).toMatchObject({ status: 'active', statusMessage: null });

    const deleted = await api().delete(`/api/connections/${id}`).expect(200);
    documented('DELETE /connections/:id', deleted.body);
    await api().get(`/api/connections/${id}`).expect(404);
    expect(await ws.store.getConnection(id)).toBeNull();
  });

  test('when the workspace is rescored, then a job is queued (202) that scores every lead with reasons and a stage, reporting progress and its result', async () => {
    const started = await api().post('/api/rescore').expect(202);
    documented('POST /rescore', started.body);
    expect(started.body.job).toEqual({ id: expect.any(String), state: expect.any(String) });
    const deadline = Date.now() + 30_000;
    let job: { state: string; [k: string]: unknown };
    do {
      const res = await api().get(`/api/rescore/${started.body.job.id}`).expect(200);
      documented('GET /rescore/:jobId', res.body);
      job = res.body;
      if (Date.now() > deadline) throw new Error(`rescore job still ${job.state}`);
    } while (job.state !== 'completed' && job.state !== 'failed');
    expect(job).toEqual({
      id: started.body.job.id,
      state: 'completed',
      progress: { done: 3, total: 3 },
      result: { rescored: 3, writesQueued: 0, model: expect.stringMatching(/^default@1-/) },
    });
    const vp = await ws.store.getLead(leadIds.vp!);
    expect(vp?.score?.reasons).toContain('demo request');
    expect(vp?.lifecycle?.stage).toBeDefined();
  });

  test('when a rescore is asked for while one waits for the same workspace, then that job comes back; another workspace gets its own; once done a new one starts', async () => {
    const other = await makeWorkspace(store, 'routes-other');
    const queue = kit.runtime.queues.rescore;
    // Paused, no worker takes the job: it is still waiting when the second request comes.
    await queue.pause();
    let first: string;
    try {
      first = (await api().post('/api/rescore').expect(202)).body.job.id;
      const second = await api().post('/api/rescore').expect(202);
      expect(second.body.job).toEqual({ id: first, state: 'waiting' });
      const theirs = (await as(kit.app, other.key).post('/api/rescore').expect(202)).body.job.id;
      expect(theirs).not.toBe(first);
      await as(kit.app, other.key).get(`/api/rescore/${first}`).expect(404);
    } finally {
      await queue.resume();
    }
    const deadline = Date.now() + 30_000;
    while ((await api().get(`/api/rescore/${first}`).expect(200)).body.state !== 'completed') {
      if (Date.now() > deadline) throw new Error('the rescore job did not complete');
      await new Promise((r) => setTimeout(r, 50));
    }
    const next = await rescoreAndWait(kit.app, ws.key);
    expect(next.jobId).not.toBe(first);
    expect(next.job.result?.rescored).toBe(3);
  });

  test('when a rescore job id is unknown, then 404', async () => {
    const res = await api().get('/api/rescore/no-such-job').expect(404);
    expect(res.body.error).toMatch(/rescore job/);
  });

  test('when leads are searched by email, stage and grade, then only matching leads of the workspace come back', async () => {
    await rescoreAndWait(kit.app, ws.key);
    const all = await api().get('/api/leads').expect(200);
    documented('GET /leads', all.body);
    expect(all.body.leads.map((l: { id: string }) => l.id).sort()).toEqual(Object.values(leadIds).sort());
    // Highest score first.
    const scores = all.body.leads.map((l: { score: number }) => l.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));

    const byEmail = await api().get(`/api/leads?email=${encodeURIComponent(emails.intern.toUpperCase())}`).expect(200);
    expect(byEmail.body.leads).toEqual([expect.objectContaining({ id: leadIds.intern, name: 'Mei Hill', title: 'Intern', company: 'Brightlane' })]);

    const intern = byEmail.body.leads[0];
    const byStage = await api().get(`/api/leads?stage=${intern.stage}`).expect(200);
    expect(byStage.body.leads.map((l: { id: string }) => l.id)).toContain(intern.id);
    expect(byStage.body.leads.every((l: { stage: string }) => l.stage === intern.stage)).toBe(true);
    expect(byStage.body.leads.map((l: { id: string }) => l.id)).toContain(leadIds.intern);
    const byGrade = await api().get(`/api/leads?grade=${intern.grade}&limit=1`).expect(200);
    expect(byGrade.body).toMatchObject({ limit: 1, offset: 0 });
    expect(byGrade.body.leads).toHaveLength(1);
    expect(byGrade.body.leads[0].grade).toBe(intern.grade);
  });

  test('when the query names an unknown stage or a limit out of range, then 400 names each field', async () => {
    const res = await api().get('/api/leads?stage=hot&limit=0').expect(400);
    expect(res.body.issues.map((i: { field: string }) => i.field).sort()).toEqual(['limit', 'stage']);
    expect(res.body.error).toMatch(/query/);
  });

  test('when one lead is asked for, then its canonical data, score, history and transitions with reasons come with it', async () => {
    await rescoreAndWait(kit.app, ws.key);
    const res = await api().get(`/api/leads/${leadIds.vp}`).expect(200);
    documented('GET /leads/:id', res.body);
    expect(res.body.lead.email).toBe(emails.vp);
    expect(res.body.score.reasons).toContain('demo request');
    expect(res.body.scoreHistory.length).toBeGreaterThanOrEqual(1);
    expect(res.body.transitions[0]).toMatchObject({ from: null, reason: expect.any(String), detail: expect.any(String) });
    await api().get('/api/leads/no-such-lead').expect(404);
  });

  test('when the funnel is asked for, then stages, grades, histogram, conversion by grade and flow count the workspace', async () => {
    await rescoreAndWait(kit.app, ws.key);
    const res = await api().get('/api/funnel?bucket=day').expect(200);
    documented('GET /funnel', res.body);
    const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
    expect(sum(res.body.stages)).toBe(3);
    expect(sum(res.body.grades)).toBe(3);
    expect(res.body.scoreHistogram.reduce((a: number, b: { count: number }) => a + b.count, 0)).toBe(3);
    expect(res.body.conversionByGrade.reduce((a: number, b: { leads: number }) => a + b.leads, 0)).toBe(3);
    // Each lead's first stage is a transition of today.
    expect(res.body.flow.reduce((a: number, b: { count: number }) => a + b.count, 0)).toBe(3);
    expect(res.body.bucket).toBe('day');
    await api().get('/api/funnel?bucket=year').expect(400);
  });

  test('when a model is uploaded as YAML or JSON, then it is a draft; a broken one is refused with its line', async () => {
    const yaml = generousModelYaml(7);
    const asYaml = await api().post('/api/models').set('content-type', 'application/yaml').send(yaml).expect(201);
    documented('POST /models', asYaml.body);
    expect(asYaml.body.model).toMatchObject({ status: 'draft', active: false, name: 'default', yaml });
    expect(asYaml.body.model.versionId).toMatch(/^default@7-/);

    const asJson = await api().post('/api/models').send({ yaml }).expect(201);
    expect(asJson.body.model.versionId).toBe(asYaml.body.model.versionId);

    const broken = yaml.replace('combined: { fit: 1, engagement: 1 }', 'combined: { fit: 1, engagement: lots }');
    const line = broken.split('\n').findIndex((l) => l.includes('engagement: lots')) + 1;
    const refused = await api().post('/api/models').set('content-type', 'application/yaml').send(broken).expect(400);
    expect(refused.body.issues).toEqual([expect.objectContaining({ field: expect.stringMatching(new RegExp(`^yaml:${line}:\\d+ combined\\.engagement$`)) })]);
    expect(refused.body.error).toContain(`model.yaml:${line}:`);

    const notYaml = await api().post('/api/models').set('content-type', 'application/yaml').send('name: [unclosed').expect(400);
    expect(notYaml.body.issues[0].message).toMatch(/YAML syntax/);
    await api().post('/api/models').send({}).expect(400);

    const list = await api().get('/api/models').expect(200);
    documented('GET /models', list.body);
    expect(list.body.models.map((m: { id: string }) => m.id)).toEqual(expect.arrayContaining([asYaml.body.model.id, asJson.body.model.id]));
    expect(list.body.models[0].yaml).toBeUndefined();
    const one = await api().get(`/api/models/${asYaml.body.model.id}`).expect(200);
    documented('GET /models/:id', one.body);
    expect(one.body.model.yaml).toBe(yaml);
  });

  test('when no version is published, then the active model is the file model', async () => {
    const fresh = await makeWorkspace(store, 'nomodel');
    const res = await as(kit.app, fresh.key).get('/api/models/active').expect(200);
    documented('GET /models/active', res.body);
    expect(res.body).toMatchObject({ source: 'file', model: null });
    expect(res.body.versionId).toMatch(/^default@1-/);
    await as(kit.app, fresh.key).post('/api/models/rollback').expect(409);
  });

  test('when a draft is simulated, published and rolled back, then each answer is documented', async () => {
    const draft = (await api().post('/api/models').send({ yaml: generousModelYaml(8) }).expect(201)).body.model;
    const sim = await api().post(`/api/models/${draft.id}/simulate`).expect(200);
    documented('POST /models/:id/simulate', sim.body);
    const published = await api().post(`/api/models/${draft.id}/publish`).expect(200);
    documented('POST /models/:id/publish', published.body);
    expect(published.body.model).toMatchObject({ id: draft.id, status: 'published', active: true });
    const second = (await api().post('/api/models').send({ yaml: generousModelYaml(9) }).expect(201)).body.model;
    await api().post(`/api/models/${second.id}/publish`).expect(200);
    const rolled = await api().post('/api/models/rollback').expect(200);
    documented('POST /models/rollback', rolled.body);
    expect(rolled.body.model).toMatchObject({ id: draft.id, active: true });
  });

  test('when a body is not valid JSON or too large, then 400 or 413 says so in the API\'s error shape', async () => {
    const bad = await api().post('/api/models').set('content-type', 'application/json').send('{"yaml": ').expect(400);
    expect(bad.body).toMatchObject({ error: expect.stringMatching(/not valid JSON/), issues: [{ field: 'body' }] });
    const huge = await api().post('/api/models').set('content-type', 'application/yaml').send('x'.repeat(1_100_000)).expect(413);
    expect(huge.body.error).toMatch(/too large/);
  });

  test('when a route does not exist, then 404 says so and points at the document', async () => {
    const res = await api().get('/api/nothing-here').expect(404);
    expect(res.body.error).toMatch(/openapi\.json/);
    await request(kit.app).get('/api/nothing-here').expect(401);
  });
});
