import { afterAll, afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { IngestInbox } from '../../src/queues/ingest-inbox.js';
import { createQueues, type DeliveryJob, type Queues } from '../../src/queues/queues.js';
import { createRedis } from '../../src/queues/redis-connection.js';

/** The group commit that stands between a webhook's 2xx and Redis, on a real Redis. */
describe('IngestInbox', () => {
  const redis = createRedis(process.env.REDIS_URL!);
  let queues: Queues;

  beforeEach(() => {
    queues = createQueues(redis, `qualify-test-${randomUUID().slice(0, 8)}`);
  });
  afterEach(async () => {
    const jobs = await queues.ingest.getJobs(['waiting']);
    for (const j of jobs) if (j.data.bodiesKey) await redis.del(j.data.bodiesKey);
    await queues.ingest.obliterate({ force: true });
    await queues.close();
  });
  afterAll(() => redis.disconnect());

  const queued = async (): Promise<Array<{ data: DeliveryJob; bodies: string[] }>> => {
    const jobs = await queues.ingest.getJobs(['waiting']);
    return Promise.all(jobs.map(async (j) => ({ data: j.data, bodies: j.data.bodiesKey ? await redis.lrange(j.data.bodiesKey, 0, -1) : [] })));
  };

  test('when one body arrives alone, then its promise settles only once a job names a list holding it', async () => {
    const inbox = new IngestInbox(queues);
    await inbox.enqueueBody('conn-a', Buffer.from('[{"eventId":1}]'));
    const jobs = await queued();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.data).toMatchObject({ connectionId: 'conn-a', hints: [], bodyCount: 1 });
    expect(jobs[0]!.bodies).toEqual(['[{"eventId":1}]']);
  });

  test('when bodies for two connections arrive during one write, then each connection gets its own job with its bodies in arrival order', async () => {
    const inbox = new IngestInbox(queues);
    const sent = [
      inbox.enqueueBody('conn-a', Buffer.from('a1')), // written at once
      inbox.enqueueBody('conn-a', Buffer.from('a2')), // these four wait for the first write
      inbox.enqueueBody('conn-b', Buffer.from('b1')),
      inbox.enqueueBody('conn-a', Buffer.from('a3')),
      inbox.enqueueBody('conn-b', Buffer.from('b2')),
    ];
    await Promise.all(sent);
    const jobs = await queued();
    const bodiesOf = (conn: string) => jobs.filter((j) => j.data.connectionId === conn).flatMap((j) => j.bodies);
    expect(bodiesOf('conn-a').sort()).toEqual(['a1', 'a2', 'a3']);
    expect(bodiesOf('conn-b')).toEqual(['b1', 'b2']);
    // The second write grouped everything that waited: one job per connection, not one per body.
    const grouped = jobs.filter((j) => j.bodies.length > 1);
    expect(grouped.map((j) => j.bodies)).toEqual(expect.arrayContaining([['a2', 'a3'], ['b1', 'b2']]));
    for (const j of jobs) expect(j.data.bodyCount).toBe(j.bodies.length);
  });

  test('when hints and bodies of one connection wait together, then they go in separate jobs and nothing is lost', async () => {
    const inbox = new IngestInbox(queues);
    await Promise.all([
      inbox.enqueueBody('conn-a', Buffer.from('first')),
      inbox.enqueue('conn-a', [{ objectType: 'contact', recordId: '101', dedupeKey: 'k1', occurredAt: '2026-11-27T10:00:00.000Z' }]),
      inbox.enqueueBody('conn-a', Buffer.from('second')),
    ]);
    const jobs = await queued();
    expect(jobs.flatMap((j) => j.bodies).sort()).toEqual(['first', 'second']);
    expect(jobs.flatMap((j) => j.data.hints.map((h) => h.recordId))).toEqual(['101']);
    for (const j of jobs) expect(j.data.hints.length > 0 && j.bodies.length > 0).toBe(false);
  });

  test('when more bodies wait than a job may hold, then they are split across jobs of at most that many', async () => {
    const inbox = new IngestInbox(queues, 5000, 2);
    await Promise.all(['x0', 'x1', 'x2', 'x3', 'x4', 'x5'].map((b) => inbox.enqueueBody('conn-a', Buffer.from(b))));
    const jobs = await queued();
    expect(jobs.flatMap((j) => j.bodies).sort()).toEqual(['x0', 'x1', 'x2', 'x3', 'x4', 'x5']);
    for (const j of jobs) expect(j.bodies.length).toBeLessThanOrEqual(2);
  });

  test('when Redis cannot be reached, then every waiting delivery is refused rather than answered', async () => {
    // Nothing listens on port 1; with no offline queue every command fails at once.
    const nowhere = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    nowhere.on('error', () => undefined);
    const dead = createQueues(nowhere, `qualify-test-${randomUUID().slice(0, 8)}`);
    dead.ingest.on('error', () => undefined);
    const inbox = new IngestInbox(dead);
    const results = await Promise.allSettled([inbox.enqueueBody('conn-a', Buffer.from('a')), inbox.enqueueBody('conn-b', Buffer.from('b'))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await dead.close().catch(() => undefined);
    nowhere.disconnect();
  });
});
