import type { Redis } from 'ioredis';

/**
 * A durable "to do" list per connection in Redis: record id → latest payload, oldest first.
 * Used to coalesce work (record reads after webhooks, writes back to a CRM) into batches.
 *
 * Nothing is popped before it is done: a flusher peeks a batch, does the work, then removes each
 * item only if its payload is still the one it worked on (compare-and-delete). A worker killed
 * mid-batch leaves the items in place for the next flush; a newer payload queued during the work
 * survives its removal.
 */
const REMOVE_IF_SAME = `
local removed = 0
for i = 1, #ARGV, 2 do
  local id = ARGV[i]
  if redis.call('HGET', KEYS[2], id) == ARGV[i + 1] then
    redis.call('HDEL', KEYS[2], id)
    redis.call('ZREM', KEYS[1], id)
    removed = removed + 1
  end
end
return removed
`;

export interface PendingItem<T> {
  id: string;
  payload: T;
  raw: string;
}

export class PendingSet<T> {
  private readonly order: string;
  private readonly items: string;
  private readonly flushStarted: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    name: string,
  ) {
    this.order = `${prefix}:pending:${name}:order`;
    this.items = `${prefix}:pending:${name}:items`;
    this.flushStarted = `${prefix}:pending:${name}:flush-started`;
  }

  /** Adds or replaces items. Replacing keeps the original position (oldest-first fairness). */
  async put(entries: Array<{ id: string; payload: T }>, now = Date.now()): Promise<void> {
    if (entries.length === 0) return;
    const multi = this.redis.multi();
    for (const e of entries) {
      multi.zadd(this.order, 'NX', String(now), e.id);
      multi.hset(this.items, e.id, JSON.stringify(e.payload));
    }
    await multi.exec();
  }

  async peek(limit: number): Promise<Array<PendingItem<T>>> {
    const ids = await this.redis.zrange(this.order, '0', String(limit - 1));
    if (ids.length === 0) return [];
    const raws = await this.redis.hmget(this.items, ...ids);
    const out: Array<PendingItem<T>> = [];
    ids.forEach((id, i) => {
      const raw = raws[i];
      if (raw == null) {
        // Order entry without payload (removed concurrently): drop the dangling id.
        void this.redis.zrem(this.order, id);
        return;
      }
      out.push({ id, raw, payload: JSON.parse(raw) as T });
    });
    return out;
  }

  async get(id: string): Promise<T | null> {
    const raw = await this.redis.hget(this.items, id);
    return raw == null ? null : (JSON.parse(raw) as T);
  }

  async getMany(ids: string[]): Promise<Map<string, T>> {
    const out = new Map<string, T>();
    if (ids.length === 0) return out;
    const raws = await this.redis.hmget(this.items, ...ids);
    ids.forEach((id, i) => {
      const raw = raws[i];
      if (raw != null) out.set(id, JSON.parse(raw) as T);
    });
    return out;
  }

  /** Removes the items whose payload is unchanged since `peek`. Returns how many were removed. */
  async complete(items: Array<PendingItem<T>>): Promise<number> {
    if (items.length === 0) return 0;
    const args = items.flatMap((i) => [i.id, i.raw]);
    return (await this.redis.eval(REMOVE_IF_SAME, 2, this.order, this.items, ...args)) as number;
  }

  /** Drops items whatever their payload (work that must not happen any more, e.g. a write to a deleted record). */
  async remove(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.redis.multi().hdel(this.items, ...ids).zrem(this.order, ...ids).exec();
  }

  async size(): Promise<number> {
    return this.redis.zcard(this.order);
  }

  /** Notes that a flush of this set starts now, remembered for `windowMs` (see `flushWindowLeft`). */
  async markFlushStarted(windowMs: number): Promise<void> {
    if (windowMs > 0) await this.redis.set(this.flushStarted, String(Date.now()), 'PX', windowMs);
  }

  /** What is left of the `windowMs` after the last flush started (markFlushStarted); 0 when none started that recently. */
  async flushWindowLeft(): Promise<number> {
    return Math.max(0, await this.redis.pttl(this.flushStarted));
  }

  async clear(): Promise<void> {
    await this.redis.del(this.order, this.items, this.flushStarted);
  }
}
