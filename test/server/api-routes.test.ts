import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import request from 'supertest';
import { emptyLead } from '../../src/canonical/lead.schema.js';
import type { PipelineDeps } from '../../src/pipeline/pipeline.types.js';
import { createQueues, type Queues } from '../../src/queues/queues.js';
import { createRedis } from '../../src/queues/redis-connection.js';
import { createApp } from '../../src/server/app.js';
import type { Store } from '../../src/store/store.types.js';
import { storeBackends } from '../support/store-backends.js';

const TOKEN = 'operator-token-123';

describe.each(storeBackends())('HTTP API on %s', (_backend, open) => {
  let store: Store;
  let queues: Queues;
  const redis = createRedis(process.env.REDIS_URL!);
  let sqlLeadId: string;
  /** /api always needs a caller: a key of the default workspace (where these leads are). */
  let key: string;

  beforeAll(async () => {
    store = await open();
    key = (await store.createApiKey('api-routes test')).key;
    queues = createQueues(redis, `qualify-test-${randomUUID().slice(0, 8)}`);
    const make = async (stage: 'sql' | 'lead', score: number) => {
      const l = emptyLead();
      l.email = `api.${randomUUID().slice(0, 8)}@acme-corp.com`;
      l.person.firstName = 'Dana';
      const recordId = randomUUID();
      const { leadId } = await store.upsertSourceRecord({ system: 'hubspot', recordId, lead: l, sourceUpdatedAt: '2026-01-01T00:00:00Z' });
      await store.saveQualifications!([
        {
          leadId,
          score: { modelVersion: 'default@1-abcd1234', fit: score, engagement: score, score, grade: 'A', band: 1, segment: 'A1', disqualifiedBy: null, contributions: [], reasons: '+ demo request', evaluatedAt: '2026-01-02T00:00:00Z' },
          lifecycle: { state: { stage, since: '2026-01-02T00:00:00Z', reason: 'sales_request_with_bant', setByPerson: false }, transition: { from: null, to: stage, reason: 'sales_request_with_bant', detail: 'asked for a demo', at: '2026-01-02T00:00:00Z', modelVersion: 'default@1-abcd1234' } },
        },
      ]);
      return leadId;
    };
    sqlLeadId = await make('sql', 91);
    await make('lead', 20);
  });
  afterAll(async () => {
    await queues.close();
    redis.disconnect();
    await store.close();
  });

  const app = (adminToken?: string) =>
    createApp({
      redis,
      store,
      queues,
      pipeline: { connections: { receiving: async () => undefined } } as unknown as PipelineDeps,
      logger: pino({ level: 'silent' }),
      publicUrl: () => 'http://127.0.0.1',
      adminToken,
    });

  test('when asked for SQLs, then only SQL leads come back with score, segment and reasons', async () => {
    const res = await request(app()).get('/api/leads?stage=sql').set('authorization', `Bearer ${key}`).expect(200);
    expect(res.body.leads.map((l: { id: string }) => l.id)).toContain(sqlLeadId);
    expect(res.body.leads.every((l: { stage: string }) => l.stage === 'sql')).toBe(true);
    const lead = res.body.leads.find((l: { id: string }) => l.id === sqlLeadId);
    expect(lead).toMatchObject({ score: 91, segment: 'A1', reasons: '+ demo request' });
  });

  test('when one lead is asked for, then its stage transitions with reasons come with it', async () => {
    const res = await request(app()).get(`/api/leads/${sqlLeadId}`).set('authorization', `Bearer ${key}`).expect(200);
    expect(res.body.transitions).toEqual([expect.objectContaining({ to: 'sql', reason: 'sales_request_with_bant', detail: 'asked for a demo' })]);
  });

  test('when the query names an unknown stage, then 400 names the field', async () => {
    const res = await request(app()).get('/api/leads?stage=hot').set('authorization', `Bearer ${key}`).expect(400);
    expect(res.body.issues[0].field).toBe('stage');
  });

  test('when no admin token is configured, then /api still needs a workspace key (it is never open)', async () => {
    await request(app()).get('/api/leads').expect(401);
  });

  test('when an admin token is configured, then /api needs it (or a key) and health checks do not', async () => {
    await request(app(TOKEN)).get('/api/leads').expect(401);
    await request(app(TOKEN)).get('/api/leads').set('authorization', `Bearer ${key}`).expect(200);
    await request(app(TOKEN)).get('/api/leads').set('authorization', `Bearer ${TOKEN}`).expect(200);
    await request(app(TOKEN)).get('/healthz').expect(200);
    const ready = await request(app(TOKEN)).get('/readyz').expect(200);
    expect(ready.body).toEqual({ status: 'ready', redis: 'ok', database: 'ok' });
  });

  test('when a webhook arrives for a system with no connection, then 404 says so', async () => {
    await request(app()).post('/webhooks/hubspot').send('[]').expect(404);
  });
});
