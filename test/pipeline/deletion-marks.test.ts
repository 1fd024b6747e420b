import { afterAll, afterEach, describe, expect, test } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { DELETION_MARK_TTL_MS, DeletionMarks } from '../../src/pipeline/deletion-marks.js';
import { createRedis } from '../../src/queues/redis-connection.js';

const redis = createRedis(process.env.REDIS_URL!);
const prefix = `qualify-test-${randomUUID().slice(0, 8)}`;
afterEach(async () => {
  await redis.del(`${prefix}:deleted:hubspot-a`);
});
afterAll(() => redis.quit());

describe('DeletionMarks (real Redis)', () => {
  const marks = new DeletionMarks(redis, prefix, 'hubspot-a');
  // The marks' TTL runs from the clock they are given: every test gives one near its fixed dates,
  // so the result does not depend on the day the suite runs.
  const now = Date.parse('2026-11-27T10:05:00.000Z');

  test('when a record was deleted, then versions up to the deletion are deleted and a later version (restored) is not', async () => {
    await marks.mark([{ recordId: '151', deletedAt: '2026-11-27T10:00:00.000Z' }], now);
    const seen = await marks.deletedSince([
      { recordId: '151', updatedAt: '2026-11-27T09:59:59.000Z' },
      { recordId: '151', updatedAt: '2026-11-27T10:00:00.000Z' },
      { recordId: '152', updatedAt: '2026-11-27T09:00:00.000Z' },
    ]);
    expect([...seen]).toEqual(['151']);
    expect(await marks.deletedSince([{ recordId: '151', updatedAt: '2026-11-27T10:00:00.001Z' }])).toEqual(new Set());
  });

  test('when a deletion is marked again with an older time (a late retry), then the later time is kept', async () => {
    await marks.mark([{ recordId: '151', deletedAt: '2026-11-27T10:00:00.000Z' }], now);
    await marks.mark([{ recordId: '151', deletedAt: '2026-11-27T08:00:00.000Z' }], now);
    expect(await marks.deletedSince([{ recordId: '151', updatedAt: '2026-11-27T09:00:00.000Z' }])).toEqual(new Set(['151']));
  });

  test('when a mark is older than the TTL, then the next mark forgets it', async () => {
    await marks.mark([{ recordId: '151', deletedAt: new Date(now - DELETION_MARK_TTL_MS - 1000).toISOString() }], now);
    await marks.mark([{ recordId: '152', deletedAt: new Date(now).toISOString() }], now);
    expect(await redis.zrange(`${prefix}:deleted:hubspot-a`, '0', '-1')).toEqual(['152']);
  });
});
