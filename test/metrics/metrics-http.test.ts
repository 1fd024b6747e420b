import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Server } from 'node:http';
import { pino } from 'pino';
import request from 'supertest';
import { signV3 } from '../../connectors/hubspot/index.js';
import type { Runtime } from '../../src/app/runtime.js';
import { JOB_STATES, Metrics } from '../../src/metrics/metrics.js';
import { createQueues, QueueName } from '../../src/queues/queues.js';
import { createRedis } from '../../src/queues/redis-connection.js';
import { createApp } from '../../src/server/app.js';
import { createMetricsApp } from '../../src/server/metrics.routes.js';
import type { Store } from '../../src/store/store.types.js';
import { storeBackends } from '../support/store-backends.js';
import { closeTestRuntime, offlineHubSpotConnection, startTestRuntime, testPrefix } from '../support/test-runtime.js';
import { parsePrometheusText, sampleValue, type Exposition } from './prometheus-text.js';

/**
 * /metrics, webhook refusal counts and the queue dashboard on a real runtime: real Redis queues,
 * the real HubSpot webhook receiver (v3 signatures), the real store. No CRM call is made here.
 */

const SECRET = 'metrics-test-client-secret';
const TOKEN = 'operator-token-metrics-123';
const PUBLIC_URL = 'http://qualify.test';
const HOOK = '/webhooks/hubspot';
const logger = pino({ level: 'silent' });
const [[backend, openStore]] = storeBackends();

function events(n: number): string {
  const now = Date.now();
  return JSON.stringify(
    Array.from({ length: n }, (_, i) => ({
      eventId: i + 1,
      subscriptionId: 7,
      portalId: 62515,
      occurredAt: now + i,
      subscriptionType: 'contact.propertyChange',
      attemptNumber: 0,
      objectId: 5000 + i,
      propertyName: 'jobtitle',
      propertyValue: 'VP Sales',
    })),
  );
}

/** Headers HubSpot would send for this body at this time. */
function signed(body: string, timestamp = Date.now()): Record<string, string> {
  const ts = String(timestamp);
  return { 'content-type': 'application/json', 'x-hubspot-request-timestamp': ts, 'x-hubspot-signature-v3': signV3(SECRET, 'POST', PUBLIC_URL + HOOK, body, ts) };
}

describe(`metrics over HTTP (${backend})`, () => {
  let store: Store;
  let runtime: Runtime;
  let server: Server;
  const limiterRedis = createRedis(process.env.REDIS_URL!);
  const prefix = testPrefix('metrics');

  const scrape = async (): Promise<Exposition> => {
    const res = await request(server).get('/metrics').set('authorization', `Bearer ${TOKEN}`).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return parsePrometheusText(res.text);
  };
  const refused = (e: Exposition, system: string, reason: string) => sampleValue(e, 'qualify_webhooks_refused_total', { system, reason }) ?? 0;

  beforeAll(async () => {
    store = await openStore();
    runtime = await startTestRuntime({
      queuePrefix: prefix,
      store,
      logger,
      coalesceMs: 60_000,
      publicUrl: PUBLIC_URL,
      adminToken: TOKEN,
      connections: [offlineHubSpotConnection({ id: 'hubspot-metrics', accessToken: 'pat-na1-metrics', clientSecret: SECRET, redis: limiterRedis, prefix, logger })],
    });
    server = await runtime.listen(0);
  });
  afterAll(async () => {
    await closeTestRuntime(runtime);
    limiterRedis.disconnect();
    await store.close();
  });

  test('when a signed webhook is refused, then the refused counter grows under its reason and an accepted one does not', async () => {
    const before = await scrape();
    const body = events(3);

    await request(server).post(HOOK).set(signed(body)).send(body).expect(204);
    await request(server).post(HOOK).set({ ...signed(body), 'x-hubspot-signature-v3': signed('[]')['x-hubspot-signature-v3'] }).send(body).expect(401);
    await request(server).post(HOOK).set(signed(body, Date.now() - 10 * 60_000)).send(body).expect(401);
    await request(server).post(HOOK).set(signed('{"not":"an array"')).send('{"not":"an array"').expect(400);
    const huge = `[${'"x",'.repeat(300_000)}"x"]`; // ~1.2 MB: over the 1 MB body limit
    await request(server).post(HOOK).set({ 'content-type': 'application/json' }).send(huge).expect(413);
    await request(server).post('/webhooks/salesforce').send('<soap/>').expect(404); // no Salesforce connection here
    await request(server).post('/webhooks/pipedrive-or-anything').send('{}').expect(404);

    const after = await scrape();
    const grew = (system: string, reason: string) => refused(after, system, reason) - refused(before, system, reason);
    expect(grew('hubspot', 'signature')).toBe(1);
    expect(grew('hubspot', 'stale')).toBe(1);
    expect(grew('hubspot', 'malformed')).toBe(1);
    expect(grew('hubspot', 'too_large')).toBe(1);
    expect(grew('salesforce', 'unknown_connection')).toBe(1);
    expect(after.samples.filter((x) => x.labels.system === 'other')).toEqual([]); // a path naming no system: a 404, no label
    const received = (e: Exposition, system: string) => sampleValue(e, 'qualify_webhooks_received_total', { system }) ?? 0;
    expect(received(after, 'hubspot') - received(before, 'hubspot')).toBe(5); // the accepted one and four refused
    expect(received(after, 'salesforce') - received(before, 'salesforce')).toBe(1);
  });

  test('when /metrics is scraped, then it parses as Prometheus text with process metrics and a job gauge for every queue and state', async () => {
    await runtime.queues.io.add('write', { connectionId: 'hubspot-metrics', kind: 'write' }, { delay: 3_600_000 });
    await runtime.queues.sync.add('poll', { connectionId: 'hubspot-metrics', full: false });
    await runtime.queues.sync.add('poll', { connectionId: 'hubspot-metrics', full: true });

    const e = await scrape();
    expect(e.types.get('qualify_jobs')).toBe('gauge');
    expect(e.types.get('qualify_webhooks_refused_total')).toBe('counter');
    expect(e.types.get('qualify_writeback_seconds')).toBe('histogram');
    expect(e.types.get('process_cpu_user_seconds_total')).toBe('counter');
    for (const queue of Object.values(QueueName)) {
      for (const state of JOB_STATES) expect(sampleValue(e, 'qualify_jobs', { queue, state })).toBeDefined();
    }
    expect(sampleValue(e, 'qualify_jobs', { queue: QueueName.io, state: 'delayed' })).toBe(1);
    expect(sampleValue(e, 'qualify_jobs', { queue: QueueName.sync, state: 'waiting' })).toBe(2);
    // The one delivery accepted by the previous test waits in the ingest queue (no worker runs here).
    expect(sampleValue(e, 'qualify_jobs', { queue: QueueName.ingest, state: 'waiting' })).toBe(1);
    expect(sampleValue(e, 'qualify_jobs_scrape_ok')).toBe(1);
  });

  test('when the first scrape reads the queues, then it reports them as read; when Redis does not answer, then the scrape still answers with qualify_jobs_scrape_ok 0 and no job counts', async () => {
    const fresh = new Metrics({ defaultMetrics: false });
    fresh.watchQueues(runtime.queues);
    const first = parsePrometheusText(await fresh.text());
    expect(sampleValue(first, 'qualify_jobs_scrape_ok')).toBe(1);
    expect(sampleValue(first, 'qualify_jobs', { queue: QueueName.sync, state: 'waiting' })).toBe(2);

    // Nothing listens on port 1: BullMQ's connection queues its commands and waits, as it would for a Redis that went away.
    const nowhere = createRedis('redis://127.0.0.1:1');
    const deadQueues = createQueues(nowhere, prefix);
    for (const q of [deadQueues.ingest, deadQueues.io, deadQueues.sync]) q.on('error', () => undefined); // expected: connection refused
    try {
      const cut = new Metrics({ defaultMetrics: false });
      cut.watchQueues(deadQueues);
      const e = parsePrometheusText(await cut.text());
      expect(sampleValue(e, 'qualify_jobs_scrape_ok')).toBe(0);
      expect(e.samples.filter((s) => s.name === 'qualify_jobs')).toEqual([]);
    } finally {
      nowhere.disconnect();
      await deadQueues.close().catch(() => undefined);
    }
  });

  test('when an operator token is configured, then /metrics needs it as a Bearer token', async () => {
    const res = await request(server).get('/metrics').expect(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    await request(server).get('/metrics').set('authorization', 'Bearer wrong').expect(401);
  });

  test('when /admin/queues is opened without the token, then 401 says how to pass it; with the Bearer token, then the dashboard lists the three queues', async () => {
    const denied = await request(server).get('/admin/queues').expect(401);
    expect(denied.body.error).toMatch(/QUALIFY_ADMIN_TOKEN/);
    await request(server).get('/admin/queues/api/queues').set('authorization', 'Bearer wrong').expect(401);

    const page = await request(server).get('/admin/queues').set('authorization', `Bearer ${TOKEN}`).expect(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const api = await request(server).get('/admin/queues/api/queues').set('authorization', `Bearer ${TOKEN}`).expect(200);
    expect(api.body.queues.map((q: { name: string }) => q.name).sort()).toEqual(Object.values(QueueName).sort());
  });

  test('when a browser opens /admin/queues?token=, then an HttpOnly cookie opens the dashboard and the token leaves the URL', async () => {
    const res = await request(server).get(`/admin/queues?token=${TOKEN}&page=1`).expect(303);
    expect(res.headers.location).toBe('/admin/queues?page=1');
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\/admin\/queues/);
    expect(cookie).not.toContain(TOKEN);
    const session = cookie.split(';')[0]!;

    await request(server).get('/admin/queues/api/queues').set('cookie', session).expect(200);
    await request(server).get('/admin/queues/api/queues').set('cookie', 'qualify_admin=forged').expect(401);
    await request(server).get('/admin/queues?token=wrong').expect(401);
    // The dashboard's cookie is not the operator token: it does not open /api.
    await request(server).get('/api/leads').set('cookie', session).expect(401);
  });

  test('when no operator token is configured, then /admin/queues is off with a 404 saying how to enable it, and /metrics is open', async () => {
    const open = createApp({
      redis: runtime.redis,
      store,
      queues: runtime.queues,
      pipeline: runtime.deps,
      logger,
      publicUrl: () => PUBLIC_URL,
      metrics: runtime.metrics,
    });
    const res = await request(open).get('/admin/queues').expect(404);
    expect(res.body.error).toMatch(/set QUALIFY_ADMIN_TOKEN/);
    await request(open).get('/admin/queues/api/queues').expect(404);
    const scraped = await request(open).get('/metrics').expect(200);
    expect(parsePrometheusText(scraped.text).types.get('qualify_jobs')).toBe('gauge');
  });

  test('when a worker serves only its metrics, then its /metrics answers with its own counts behind the same token and nothing else is served', async () => {
    const worker = new Metrics({ defaultMetrics: false });
    worker.writeBatch('hubspot-worker', 0.2, { written: 3, refused: 1 });
    const app = createMetricsApp(worker, TOKEN);
    await request(app).get('/metrics').expect(401);
    const res = await request(app).get('/metrics').set('authorization', `Bearer ${TOKEN}`).expect(200);
    const e = parsePrometheusText(res.text);
    expect(sampleValue(e, 'qualify_writes_total', { connection: 'hubspot-worker', outcome: 'written' })).toBe(3);
    expect(sampleValue(e, 'qualify_writes_total', { connection: 'hubspot-worker', outcome: 'refused' })).toBe(1);
    await request(app).get('/api/leads').set('authorization', `Bearer ${TOKEN}`).expect(404);
  });
});
