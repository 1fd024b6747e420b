import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { JobType } from 'bullmq';
import { signV3 } from '../../connectors/hubspot/index.js';
import type { Store } from '../../src/store/store.types.js';
import { startE2E, type E2E } from '../support/e2e-harness.js';
import { storeBackends } from '../support/store-backends.js';

/**
 * The webhook front door over real HTTP: what HubSpot would never send (or an attacker would)
 * is refused before anything reaches Redis, and a genuine delivery is answered only once its job
 * is stored. The sandbox's own webhooks are off, so every ingest job here comes from these requests.
 */

const ALL_STATES: JobType[] = ['waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized', 'waiting-children'];

describe.each(storeBackends())('HubSpot webhook refusals on %s', (_backend, open) => {
  let store: Store;
  let e2e: E2E;
  let url: string;

  beforeAll(async () => {
    store = await open();
    e2e = await startE2E({ store, contacts: 5, webhook: false });
    url = `${e2e.publicUrl}/webhooks/hubspot`;
  }, 60_000);
  afterAll(async () => {
    await e2e?.close();
  });

  const ingestJobs = async (): Promise<number> => {
    const counts = await e2e.runtime.queues.ingest.getJobCounts(...ALL_STATES);
    return Object.values(counts).reduce((a, b) => a + b, 0);
  };

  let nextEventId = 900_000_001;
  const event = (objectId: string, value: string): Record<string, unknown> => ({
    eventId: nextEventId++,
    subscriptionId: 2_001,
    portalId: e2e.sim.state.portalId,
    appId: 1160452,
    occurredAt: Date.now(),
    subscriptionType: 'contact.propertyChange',
    attemptNumber: 0,
    objectId: Number(objectId),
    propertyName: 'jobtitle',
    propertyValue: value,
    changeSource: 'CRM_UI',
  });

  /** POSTs like HubSpot does; `sign` decides what the signature covers and with which secret. */
  const deliver = async (
    body: string,
    sign: { secret?: string; body?: string; timestamp?: number; omit?: boolean } = {},
  ): Promise<{ status: number; json: { error?: string } | null }> => {
    const timestamp = sign.timestamp ?? Date.now();
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-hubspot-request-timestamp': String(timestamp) };
    if (!sign.omit) headers['x-hubspot-signature-v3'] = signV3(sign.secret ?? e2e.clientSecret, 'POST', url, sign.body ?? body, String(timestamp));
    const res = await fetch(url, { method: 'POST', headers, body });
    const text = await res.text();
    let json: { error?: string } | null = null;
    try {
      json = text ? (JSON.parse(text) as { error?: string }) : null;
    } catch {
      json = null;
    }
    return { status: res.status, json };
  };

  const contactId = () => e2e.sim.contactIds()[0]!;

  test('when the body was altered after signing, then the delivery is refused with 401 and nothing is queued', async () => {
    const before = await ingestJobs();
    const signed = JSON.stringify([event(contactId(), 'CTO')]);
    const tampered = signed.replace('CTO', 'CEO');
    const res = await deliver(tampered, { body: signed });
    expect(res.status).toBe(401);
    expect(res.json?.error).toMatch(/does not match/);
    expect(await ingestJobs()).toBe(before);
  });

  test('when the delivery is signed with another secret, then it is refused with 401 and nothing is queued', async () => {
    const before = await ingestJobs();
    const res = await deliver(JSON.stringify([event(contactId(), 'CTO')]), { secret: 'not-the-client-secret' });
    expect(res.status).toBe(401);
    expect(await ingestJobs()).toBe(before);
  });

  test('when the signature header is missing, then the delivery is refused with 401 naming the header and nothing is queued', async () => {
    const before = await ingestJobs();
    const res = await deliver(JSON.stringify([event(contactId(), 'CTO')]), { omit: true });
    expect(res.status).toBe(401);
    expect(res.json?.error).toMatch(/X-HubSpot-Signature-v3/);
    expect(await ingestJobs()).toBe(before);
  });

  test('when an old delivery is replayed (timestamp more than 5 minutes old), then it is refused with 401 and nothing is queued', async () => {
    const before = await ingestJobs();
    const sixMinutesAgo = Date.now() - 6 * 60_000;
    const res = await deliver(JSON.stringify([{ ...event(contactId(), 'CTO'), occurredAt: sixMinutesAgo }]), { timestamp: sixMinutesAgo });
    expect(res.status).toBe(401);
    expect(res.json?.error).toMatch(/stale/);
    expect(await ingestJobs()).toBe(before);
  });

  test('when a correctly signed body lacks a required field, then it is refused with 400 naming the field and nothing is queued', async () => {
    const before = await ingestJobs();
    const { occurredAt: _dropped, ...withoutTime } = event(contactId(), 'CTO');
    const res = await deliver(JSON.stringify([withoutTime]));
    expect(res.status).toBe(400);
    expect(res.json?.error).toMatch(/body\[0\]\.occurredAt/);
    expect(await ingestJobs()).toBe(before);
  });

  test('when a correctly signed body is not JSON, then it is refused with 400 and nothing is queued', async () => {
    const before = await ingestJobs();
    const res = await deliver('[{"eventId": 1,');
    expect(res.status).toBe(400);
    expect(res.json?.error).toMatch(/JSON/);
    expect(await ingestJobs()).toBe(before);
  });

  test('when the body is larger than 1 MB, then it is refused with 413 and nothing is queued', async () => {
    const before = await ingestJobs();
    const padding = 'x'.repeat(1024 * 1024);
    const res = await deliver(JSON.stringify([{ ...event(contactId(), 'CTO'), padding }]));
    expect(res.status).toBe(413);
    expect(await ingestJobs()).toBe(before);
  });

  test('when a genuine delivery is answered 2xx, then its job is already in Redis', async () => {
    const before = await ingestJobs();
    const id = contactId();
    const res = await deliver(JSON.stringify([event(id, 'VP Marketing')]));
    expect(res.status).toBeGreaterThanOrEqual(200);
    expect(res.status).toBeLessThan(300);
    // No waiting: the answer itself must mean "stored".
    const jobs = await e2e.runtime.queues.ingest.getJobs(ALL_STATES);
    expect(await ingestJobs()).toBe(before + 1);
    // The route stores the body as it came, in a Redis list the job names (the worker parses it): the event is in that body.
    const redis = e2e.runtime.queues.ingest.opts.connection as Redis;
    const bodies = (await Promise.all(jobs.map((j) => (j.data.bodiesKey ? redis.lrange(j.data.bodiesKey, 0, -1) : [])))).flat();
    const queued = bodies
      .flatMap((b) => JSON.parse(b) as Array<{ objectId: number; propertyValue: string }>)
      .filter((e) => String(e.objectId) === id && e.propertyValue === 'VP Marketing');
    expect(queued).toHaveLength(1);
  });
});
