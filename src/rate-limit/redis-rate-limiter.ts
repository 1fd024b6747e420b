import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * One rate limiter per external account, shared by every worker process through Redis.
 *
 * Vendor limits are per account (a HubSpot portal, a Salesforce org), while SDK limiters are
 * per client instance: two workers each "within" the SDK's limit still get 429s together
 * (hubspot-api-nodejs#416). So every outbound call takes a slot here first.
 *
 * - Rolling window: a sorted set of grant times per key, trimmed and counted in one Lua
 *   script, so "at most `max` calls in any `windowMs`" holds across processes. The script
 *   reads Redis's clock (TIME), never the callers', so skewed hosts still agree.
 * - Pause: after a 429, `pauseUntil` makes every process wait for the vendor's window.
 * - Daily budget: a counter per reset period (the key carries the reset instant), which
 *   expires after the reset.
 */

export interface WindowLimit {
  /** Most calls in any rolling window. */
  max: number;
  windowMs: number;
}

export interface DailyResult {
  ok: boolean;
  /** Calls left today after this one (0 when refused). */
  remaining: number;
  resetAt: Date;
}

export interface RedisRateLimiterOptions {
  /** Key namespace; defaults to `${QUALIFY_QUEUE_PREFIX ?? 'qualify'}:rl` so tests never touch production keys. */
  prefix?: string;
  /** Upper bound for one sleep while waiting, so a pause lifted early is noticed. */
  maxSleepMs?: number;
}

// KEYS[1] window zset, KEYS[2] pause key. ARGV: max, windowMs, member, holdMs.
// Returns { waitMs, nowMs }: waitMs 0 means a slot was taken at nowMs (Redis time).
// A held slot is stamped holdMs in the future until released (see acquireHeld).
const ACQUIRE_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local max = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local pausedUntil = tonumber(redis.call('GET', KEYS[2]) or '0')
if pausedUntil > now then
  return { pausedUntil - now, now }
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count < max then
  local hold = tonumber(ARGV[4])
  redis.call('ZADD', KEYS[1], now + hold, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window + hold + 1000)
  return { 0, now }
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, count - max, 'WITHSCORES')
local wait = tonumber(oldest[#oldest]) + window - now + 1
if wait < 1 then wait = 1 end
return { wait, now }
`;

// KEYS[1] window zset. ARGV: member. Re-stamps a held slot with the time the call finished.
const RELEASE_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1])
end
return now
`;

// KEYS[1] pause key. ARGV: untilMs. Only ever extends a pause.
const PAUSE_LUA = `
local untilMs = tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if untilMs > current then
  redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[1])
  return untilMs
end
return current
`;

// KEYS[1] daily counter for this reset period. ARGV: limit, expireAtMs, exhaust(0|1).
// Returns calls left after this one, or -1 when the budget was already spent.
const DAILY_LUA = `
local limit = tonumber(ARGV[1])
if ARGV[3] == '1' then
  redis.call('SET', KEYS[1], limit, 'PXAT', ARGV[2])
  return 0
end
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used >= limit then return -1 end
used = redis.call('INCR', KEYS[1])
if used == 1 then redis.call('PEXPIREAT', KEYS[1], ARGV[2]) end
return limit - used
`;

type LimiterCommands = {
  qualifyRlAcquire(windowKey: string, pauseKey: string, max: number, windowMs: number, member: string, holdMs: number): Promise<[number, number]>;
  qualifyRlRelease(windowKey: string, member: string): Promise<number>;
  qualifyRlPause(pauseKey: string, untilMs: number): Promise<number>;
  qualifyRlDaily(key: string, limit: number, expireAtMs: number, exhaust: 0 | 1): Promise<number>;
};

export class RateLimitAbortedError extends Error {
  constructor(key: string) {
    super(`Waiting for a rate-limit slot on "${key}" was aborted`);
    this.name = 'RateLimitAbortedError';
  }
}

export class RedisRateLimiter {
  readonly prefix: string;
  private readonly redis: Redis & LimiterCommands;
  private readonly maxSleepMs: number;

  constructor(redis: Redis, opts: RedisRateLimiterOptions = {}) {
    this.prefix = opts.prefix ?? `${process.env.QUALIFY_QUEUE_PREFIX ?? 'qualify'}:rl`;
    this.maxSleepMs = opts.maxSleepMs ?? 1000;
    if (!('qualifyRlAcquire' in redis)) {
      redis.defineCommand('qualifyRlAcquire', { numberOfKeys: 2, lua: ACQUIRE_LUA });
      redis.defineCommand('qualifyRlRelease', { numberOfKeys: 1, lua: RELEASE_LUA });
      redis.defineCommand('qualifyRlPause', { numberOfKeys: 1, lua: PAUSE_LUA });
      redis.defineCommand('qualifyRlDaily', { numberOfKeys: 1, lua: DAILY_LUA });
    }
    this.redis = redis as Redis & LimiterCommands;
  }

  /** Notes that a kind of traffic is under way (for `ttlMs`), e.g. reads that writes should yield to. */
  async markActive(key: string, ttlMs: number): Promise<void> {
    await this.redis.set(`${this.prefix}:${key}:active`, '1', 'PX', ttlMs);
  }

  async isActive(key: string): Promise<boolean> {
    return (await this.redis.exists(`${this.prefix}:${key}:active`)) === 1;
  }

  private windowKey(key: string): string {
    return `${this.prefix}:${key}:window`;
  }

  private pauseKey(key: string): string {
    return `${this.prefix}:${key}:pause`;
  }

  /** Takes a slot if one is free. Returns 0 when granted, else how long to wait (ms). */
  async tryAcquire(key: string, limit: WindowLimit): Promise<number> {
    const [wait] = await this.attempt(key, limit, randomUUID(), 0);
    return wait;
  }

  /**
   * Waits until a slot is free and takes it. Resolves with the grant time (Redis clock, ms).
   * Rejects with RateLimitAbortedError when `signal` aborts first.
   */
  async acquire(key: string, limit: WindowLimit, opts: { signal?: AbortSignal } = {}): Promise<number> {
    return this.waitForSlot(key, limit, randomUUID(), 0, opts.signal);
  }

  /**
   * Like acquire, for a call whose arrival at the vendor is what counts: the slot counts as
   * "now + holdMs" while the call is in flight, and `release()` (call it when the response is
   * in, success or not) stamps it with the finish time. Vendors count arrivals; arrival lies
   * between our grant and the response, so stamping the response time can never undercount,
   * however long the request took to leave (event-loop stalls, lazy SDK set-up, slow DNS).
   */
  async acquireHeld(key: string, limit: WindowLimit, opts: { signal?: AbortSignal; holdMs?: number } = {}): Promise<{ at: number; release: () => Promise<void> }> {
    const member = randomUUID();
    const at = await this.waitForSlot(key, limit, member, opts.holdMs ?? 30_000, opts.signal);
    const windowKey = this.windowKey(key);
    return {
      at,
      release: async () => {
        await this.redis.qualifyRlRelease(windowKey, member);
      },
    };
  }

  private async waitForSlot(key: string, limit: WindowLimit, member: string, holdMs: number, signal?: AbortSignal): Promise<number> {
    assertLimit(limit);
    for (;;) {
      if (signal?.aborted) throw new RateLimitAbortedError(key);
      const [wait, now] = await this.attempt(key, limit, member, holdMs);
      if (wait === 0) return now;
      // A little jitter so processes woken together don't all collide on the same slot.
      await sleep(Math.min(wait, this.maxSleepMs) + Math.floor(Math.random() * 10), signal, key);
    }
  }

  /** Makes every process wait until `untilMs` (epoch ms) before taking a slot on `key`. */
  async pauseUntil(key: string, untilMs: number): Promise<void> {
    await this.redis.qualifyRlPause(this.pauseKey(key), Math.ceil(untilMs));
  }

  /** Epoch ms the key is paused until, or null. */
  async pausedUntil(key: string): Promise<number | null> {
    const v = await this.redis.get(this.pauseKey(key));
    const until = v === null ? 0 : Number(v);
    return until > Date.now() ? until : null;
  }

  /** Counts one call against the daily budget that resets at `resetAt`. */
  async consumeDaily(key: string, limit: number, resetAt: Date): Promise<DailyResult> {
    const left = await this.redis.qualifyRlDaily(this.dailyKey(key, resetAt), limit, resetAt.getTime() + 3_600_000, 0);
    return left < 0 ? { ok: false, remaining: 0, resetAt } : { ok: true, remaining: left, resetAt };
  }

  /** Calls counted so far against the daily budget that resets at `resetAt` (read only). */
  async dailyUsed(key: string, resetAt: Date): Promise<number> {
    return Number((await this.redis.get(this.dailyKey(key, resetAt))) ?? 0);
  }

  /** Marks the daily budget as spent until `resetAt` (the vendor said so with a 429). */
  async exhaustDaily(key: string, limit: number, resetAt: Date): Promise<void> {
    await this.redis.qualifyRlDaily(this.dailyKey(key, resetAt), limit, resetAt.getTime() + 3_600_000, 1);
  }

  private dailyKey(key: string, resetAt: Date): string {
    // The reset instant is part of the key: processes that agree on the reset share a counter,
    // and a new day starts from zero without anyone having to delete anything.
    return `${this.prefix}:${key}:daily:${resetAt.getTime()}`;
  }

  private async attempt(key: string, limit: WindowLimit, member: string, holdMs: number): Promise<[number, number]> {
    assertLimit(limit);
    const [wait, now] = await this.redis.qualifyRlAcquire(this.windowKey(key), this.pauseKey(key), limit.max, limit.windowMs, member, holdMs);
    return [Number(wait), Number(now)];
  }
}

function assertLimit(limit: WindowLimit): void {
  if (!Number.isInteger(limit.max) || limit.max < 1) throw new TypeError(`Expected \`max\` to be a positive integer, got ${limit.max}`);
  if (!Number.isFinite(limit.windowMs) || limit.windowMs < 1) throw new TypeError(`Expected \`windowMs\` to be a positive number, got ${limit.windowMs}`);
}

function sleep(ms: number, signal: AbortSignal | undefined, key: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new RateLimitAbortedError(key));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new RateLimitAbortedError(key));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
