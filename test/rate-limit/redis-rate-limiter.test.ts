import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Redis } from 'ioredis';
import { RateLimitAbortedError, RedisRateLimiter } from '../../src/rate-limit/redis-rate-limiter.js';

/** Largest number of grants inside any window of `windowMs` (grant times are Redis-clock ms). */
function maxInAnyWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi]! - sorted[lo]! >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

describe('RedisRateLimiter (real Redis)', () => {
  // Two connections and two limiter instances stand for two worker processes.
  let redisA: Redis;
  let redisB: Redis;
  let a: RedisRateLimiter;
  let b: RedisRateLimiter;

  beforeAll(() => {
    redisA = new Redis(process.env.REDIS_URL!);
    redisB = new Redis(process.env.REDIS_URL!);
    a = new RedisRateLimiter(redisA);
    b = new RedisRateLimiter(redisB);
  });
  afterAll(async () => {
    await redisA.quit();
    await redisB.quit();
  });

  const key = () => `test:${randomUUID()}`;

  test('when one process marks reads as under way, then another sees it until the mark expires', async () => {
    const k = key();
    expect(await b.isActive(k)).toBe(false);
    await a.markActive(k, 150);
    expect(await b.isActive(k)).toBe(true);
    await new Promise((r) => setTimeout(r, 250));
    expect(await b.isActive(k)).toBe(false);
  });

  test('when no prefix is given, then keys live under QUALIFY_QUEUE_PREFIX, never production keys', () => {
    expect(process.env.QUALIFY_QUEUE_PREFIX).toBe('qualify-test');
    expect(a.prefix).toBe('qualify-test:rl');
  });

  test('when two instances share a key, then no rolling window ever holds more than the limit', async () => {
    const k = key();
    const limit = { max: 5, windowMs: 500 };
    const grants = await Promise.all([
      ...Array.from({ length: 10 }, () => a.acquire(k, limit)),
      ...Array.from({ length: 10 }, () => b.acquire(k, limit)),
    ]);
    expect(grants).toHaveLength(20);
    expect(maxInAnyWindow(grants, limit.windowMs)).toBeLessThanOrEqual(limit.max);
    // 20 grants at 5 per 500 ms: the last cannot come before 3 full windows have passed.
    expect(Math.max(...grants) - Math.min(...grants)).toBeGreaterThanOrEqual(3 * limit.windowMs);
  });

  test('when two worker processes share a key, then together they never exceed the limit in any window', async () => {
    const k = key();
    const limit = { max: 4, windowMs: 400 };
    const run = () =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'test/rate-limit/limiter-process.fixture.ts', a.prefix, k, '8', String(limit.max), String(limit.windowMs)], {
        env: process.env,
      }).then(({ stdout }) => JSON.parse(stdout) as number[]);
    const [one, two] = await Promise.all([run(), run()]);
    const all = [...one, ...two];
    expect(all).toHaveLength(16);
    expect(maxInAnyWindow(all, limit.windowMs)).toBeLessThanOrEqual(limit.max);
  });

  test('when the window is full, then tryAcquire refuses and says how long until the oldest grant expires', async () => {
    const k = key();
    const limit = { max: 2, windowMs: 2000 };
    expect(await a.tryAcquire(k, limit)).toBe(0);
    expect(await b.tryAcquire(k, limit)).toBe(0);
    const wait = await a.tryAcquire(k, limit);
    expect(wait).toBeGreaterThan(1500);
    expect(wait).toBeLessThanOrEqual(2001);
  });

  test('when one process pauses a key, then the other process waits for the pause too', async () => {
    const k = key();
    const limit = { max: 100, windowMs: 10_000 };
    await a.pauseUntil(k, Date.now() + 400);
    expect(await b.tryAcquire(k, limit)).toBeGreaterThan(300);
    const started = Date.now();
    await b.acquire(k, limit);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(await b.pausedUntil(k)).toBeNull();
  });

  test('when a shorter pause follows a longer one, then the longer pause stands', async () => {
    const k = key();
    const far = Date.now() + 5000;
    await a.pauseUntil(k, far);
    await b.pauseUntil(k, Date.now() + 100);
    expect(await a.pausedUntil(k)).toBe(far);
  });

  test('when the waiting caller aborts, then acquire rejects without taking a slot', async () => {
    const k = key();
    const limit = { max: 1, windowMs: 5000 };
    await a.acquire(k, limit);
    const ctrl = new AbortController();
    const pending = b.acquire(k, limit, { signal: ctrl.signal });
    setTimeout(() => ctrl.abort(), 50);
    await expect(pending).rejects.toBeInstanceOf(RateLimitAbortedError);
    expect(await redisA.zcard(`${a.prefix}:${k}:window`)).toBe(1);
  });

  test('when the daily budget is spent across processes, then the next call is refused until the reset', async () => {
    const k = key();
    const resetAt = new Date(Date.now() + 60_000);
    expect(await a.consumeDaily(k, 3, resetAt)).toEqual({ ok: true, remaining: 2, resetAt });
    expect((await b.consumeDaily(k, 3, resetAt)).remaining).toBe(1);
    expect((await a.consumeDaily(k, 3, resetAt)).remaining).toBe(0);
    expect(await b.consumeDaily(k, 3, resetAt)).toEqual({ ok: false, remaining: 0, resetAt });
    // The next period (a different reset instant) starts from a fresh budget.
    expect((await a.consumeDaily(k, 3, new Date(resetAt.getTime() + 86_400_000))).ok).toBe(true);
  });

  test('when the vendor reports the daily limit, then exhaustDaily refuses every later call that day', async () => {
    const k = key();
    const resetAt = new Date(Date.now() + 60_000);
    expect((await a.consumeDaily(k, 1000, resetAt)).ok).toBe(true);
    await b.exhaustDaily(k, 1000, resetAt);
    expect((await a.consumeDaily(k, 1000, resetAt)).ok).toBe(false);
  });

  test('when a held call is slow, then its slot counts from when it finished, not from when it started', async () => {
    const k = key();
    const limit = { max: 1, windowMs: 300 };
    const slot = await a.acquireHeld(k, limit);
    await new Promise((r) => setTimeout(r, 200));
    await slot.release();
    // Counted from the release: about a full window to wait, not the ~100 ms left since the grant.
    expect(await b.tryAcquire(k, limit)).toBeGreaterThan(250);
  });

  test('when a held slot is never released (the process died), then it keeps counting for the hold, then frees itself', async () => {
    const k = key();
    const limit = { max: 1, windowMs: 100 };
    await a.acquireHeld(k, limit, { holdMs: 300 });
    expect(await b.tryAcquire(k, limit)).toBeGreaterThan(300);
    await new Promise((r) => setTimeout(r, 450));
    expect(await b.tryAcquire(k, limit)).toBe(0);
  });

  test('when a limit is nonsense, then the error names the option', async () => {
    await expect(a.tryAcquire(key(), { max: 0, windowMs: 1000 })).rejects.toThrow('`max`');
    await expect(a.tryAcquire(key(), { max: 1, windowMs: 0 })).rejects.toThrow('`windowMs`');
  });
});
