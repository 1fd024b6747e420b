import { afterAll, beforeEach, describe, expect, test } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { PendingSet } from '../../src/pipeline/pending-set.js';
import { createRedis } from '../../src/queues/redis-connection.js';

const redis = createRedis(process.env.REDIS_URL!);
afterAll(() => redis.quit());

describe('PendingSet (real Redis)', () => {
  let set: PendingSet<{ v: number }>;
  beforeEach(() => {
    set = new PendingSet(redis, `qualify-test-${randomUUID()}`, 'writes');
  });

  test('when items are put twice, then the newest payload is kept in its first position', async () => {
    await set.put([{ id: 'a', payload: { v: 1 } }], 1);
    await set.put([{ id: 'b', payload: { v: 1 } }], 2);
    await set.put([{ id: 'a', payload: { v: 2 } }], 3);
    const items = await set.peek(10);
    expect(items.map((i) => [i.id, i.payload.v])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
  });

  test('when a batch is peeked and nothing completes it (a worker died), then the items are still there', async () => {
    await set.put([{ id: 'a', payload: { v: 1 } }]);
    await set.peek(10);
    expect(await set.size()).toBe(1);
  });

  test('when items are removed (their record was deleted), then they are gone whatever their payload and the rest stays in order', async () => {
    await set.put([{ id: 'a', payload: { v: 1 } }, { id: 'b', payload: { v: 1 } }, { id: 'c', payload: { v: 1 } }]);
    await set.remove(['b', 'unknown']);
    expect((await set.peek(10)).map((i) => i.id)).toEqual(['a', 'c']);
    expect(await set.get('b')).toBeNull();
    await set.clear();
  });

  test('when an item changes while its batch is in flight, then completing the batch keeps the newer payload', async () => {
    await set.put([{ id: 'a', payload: { v: 1 } }, { id: 'b', payload: { v: 1 } }]);
    const batch = await set.peek(10);
    await set.put([{ id: 'a', payload: { v: 2 } }]);
    expect(await set.complete(batch)).toBe(1);
    expect(await set.get('a')).toEqual({ v: 2 });
    expect(await set.get('b')).toBeNull();
    expect(await set.size()).toBe(1);
  });
});
