import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import type { Store } from '../../src/store/store.types.js';
import { storeBackends } from '../support/store-backends.js';
import { ADMIN_TOKEN, as, makeWorkspace, personLead, startApiKit, storeLead, type ApiKit, type TestWorkspace } from './api-test-kit.js';

describe.each(storeBackends())('admin API authentication on %s', (_backend, open) => {
  let store: Store;
  let kit: ApiKit;
  let open_: ApiKit;
  let ws: TestWorkspace;
  let leadId: string;

  beforeAll(async () => {
    store = await open();
    kit = await startApiKit(store);
    open_ = await startApiKit(store, { adminToken: null });
    ws = await makeWorkspace(store, 'auth');
    leadId = await storeLead(ws.store, personLead({ email: `ana@auth-${ws.id}.com`, first: 'Ana', last: 'Lopez', title: 'CFO', company: 'Auth Co' }));
  });
  afterAll(async () => {
    await kit.close();
    await open_.close();
    await store.close();
  });

  test('when no bearer token, an unknown key or a wrong operator token is sent, then 401 with a reason and nothing else', async () => {
    const none = await request(kit.app).get('/api/leads').expect(401);
    expect(none.body).toEqual({ error: expect.stringMatching(/bearer/i) });
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    await as(kit.app, 'qk_not-a-real-key').get('/api/leads').expect(401);
    await as(kit.app, `${ADMIN_TOKEN}x`).get('/api/leads').expect(401);
    await request(kit.app).get('/api/leads').set('authorization', `Basic ${ADMIN_TOKEN}`).expect(401);
  });

  test('when a workspace key calls an operator-only route, then 403 and nothing is created', async () => {
    const res = await as(kit.app, ws.key).post('/api/workspaces').send({ name: 'nope' }).expect(403);
    expect(res.body.error).toMatch(/operator/);
    await as(kit.app, ws.key).get('/api/workspaces').expect(403);
  });

  test('when the operator names a workspace, then it acts on that workspace; without the header, on default', async () => {
    const onWs = await as(kit.app, ADMIN_TOKEN, ws.id).get('/api/leads').expect(200);
    expect(onWs.body.leads.map((l: { id: string }) => l.id)).toEqual([leadId]);
    const onDefault = await as(kit.app, ADMIN_TOKEN).get('/api/workspace').expect(200);
    expect(onDefault.body.workspace.id).toBe('default');
    const missing = await as(kit.app, ADMIN_TOKEN, 'no-such-workspace').get('/api/leads').expect(404);
    expect(missing.body.error).toMatch(/no such workspace/);
  });

  test('when no operator token is configured, then /api needs a workspace key and no token is the operator', async () => {
    await request(open_.app).get('/api/leads').expect(401);
    await as(open_.app, 'anything').get('/api/workspaces').expect(401);
    const mine = await as(open_.app, ws.key).get('/api/leads').expect(200);
    expect(mine.body.leads.map((l: { id: string }) => l.id)).toEqual([leadId]);
    await as(open_.app, ws.key).get('/api/workspaces').expect(403);
  });

  test('when the OpenAPI document is fetched, then no key is needed', async () => {
    await request(kit.app).get('/api/openapi.json').expect(200);
  });
});
