import { afterAll, afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import type { Connector } from '../../src/kit/connector.types.js';
import { CALLS_IN_FLIGHT } from '../../src/pipeline/flush-writes.js';
import { PendingSet } from '../../src/pipeline/pending-set.js';
import type { ConnectionRuntime, PendingRead, PendingWrite } from '../../src/pipeline/pipeline.types.js';
import { createQueues, READ_BATCH, scheduleFlush, type Queues } from '../../src/queues/queues.js';
import { createRedis } from '../../src/queues/redis-connection.js';
import { testPrefix } from '../support/test-runtime.js';

/**
 * The flush rule (scheduleFlush) on real Redis and BullMQ: at once when quiet, coalesced when
 * there is a backlog, a flush already queued, or one started within the coalescing window.
 */
const COALESCE_MS = 60_000;
const MAX_WRITE_BATCH = 5;

const redis = createRedis(process.env.REDIS_URL!);
afterAll(() => redis.quit());

describe('scheduleFlush (real Redis)', () => {
  let queues: Queues;
  let conn: ConnectionRuntime;

  beforeEach(() => {
    const prefix = testPrefix('flush-schedule');
    queues = createQueues(redis, prefix);
    // Only what the rule looks at: the pending sets and the connector's batch size.
    conn = {
      id: 'hubspot-flush',
      connector: { writes: { maxBatch: MAX_WRITE_BATCH } } as Connector,
      writes: new PendingSet<PendingWrite>(redis, prefix, 'write:hubspot-flush'),
      reads: new PendingSet<PendingRead>(redis, prefix, 'read:hubspot-flush'),
    } as ConnectionRuntime;
  });
  afterEach(async () => {
    await Promise.all([conn.writes.clear(), conn.reads.clear()]);
    await queues.io.obliterate({ force: true });
    await queues.close();
  });

  const writes = (n: number) =>
    conn.writes.put(Array.from({ length: n }, (_, i) => ({ id: `c${i}`, payload: { objectType: 'contact', properties: { qualify_score: '50' }, current: {} } })));
  const flushJobs = () => queues.io.getJobs(['waiting', 'delayed', 'active', 'prioritized']);

  test('when no more writes are pending than one flush round sends and no flush is queued or running, then the flush is scheduled without the coalesce delay', async () => {
    await writes(MAX_WRITE_BATCH * CALLS_IN_FLIGHT);
    expect(await scheduleFlush(queues, conn, 'write', COALESCE_MS)).toBe(0);
    const jobs = await flushJobs();
    expect(jobs).toHaveLength(1);
    expect(await jobs[0]!.getState()).toBe('waiting');
  });

  test('when a webhook\'s reads are short and no read flush is queued, then the read flush is scheduled at once', async () => {
    await conn.reads.put([{ id: 'c1', payload: { objectType: 'contact' } }]);
    expect(await scheduleFlush(queues, conn, 'read', COALESCE_MS)).toBe(0);
    expect(await (await flushJobs())[0]!.getState()).toBe('waiting');
  });

  test('when more writes are pending than one flush round sends (a backlog), then the flush is coalesced', async () => {
    await writes(MAX_WRITE_BATCH * CALLS_IN_FLIGHT + 1);
    expect(await scheduleFlush(queues, conn, 'write', COALESCE_MS)).toBe(COALESCE_MS);
    const jobs = await flushJobs();
    expect(jobs).toHaveLength(1);
    expect(await jobs[0]!.getState()).toBe('delayed');
    expect(jobs[0]!.delay).toBe(COALESCE_MS);
  });

  test('when a read backlog of one read pass or more is pending, then the read flush is coalesced', async () => {
    await conn.reads.put(Array.from({ length: READ_BATCH }, (_, i) => ({ id: `c${i}`, payload: { objectType: 'contact' } })));
    expect(await scheduleFlush(queues, conn, 'read', COALESCE_MS)).toBe(COALESCE_MS);
  });

  test('when a flush is already queued, then a further request is coalesced and adds no second flush', async () => {
    await writes(1);
    expect(await scheduleFlush(queues, conn, 'write', COALESCE_MS)).toBe(0);
    await writes(2);
    expect(await scheduleFlush(queues, conn, 'write', COALESCE_MS)).toBe(COALESCE_MS);
    expect(await flushJobs()).toHaveLength(1);
  });

  test('when a flush started within the coalescing window, then the next waits only for the rest of that window', async () => {
    await conn.writes.markFlushStarted(COALESCE_MS);
    await writes(1);
    const delay = await scheduleFlush(queues, conn, 'write', COALESCE_MS);
    expect(delay).toBeGreaterThan(COALESCE_MS - 5_000);
    expect(delay).toBeLessThanOrEqual(COALESCE_MS);
    expect(await (await flushJobs())[0]!.getState()).toBe('delayed');
  });

  test('when the last flush started longer ago than the window, then a short set is flushed at once again', async () => {
    await conn.writes.markFlushStarted(50);
    await new Promise((r) => setTimeout(r, 120));
    await writes(1);
    expect(await scheduleFlush(queues, conn, 'write', COALESCE_MS)).toBe(0);
  });
});
