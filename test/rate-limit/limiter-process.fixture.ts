// A separate worker process for redis-rate-limiter.test.ts: takes `n` slots on a shared key,
// the way a BullMQ worker would, and prints the grant times (Redis clock) as one JSON line.
import { Redis } from 'ioredis';
import { RedisRateLimiter } from '../../src/rate-limit/redis-rate-limiter.js';

const [prefix, key, n, max, windowMs] = process.argv.slice(2);
const redis = new Redis(process.env.REDIS_URL!);
const limiter = new RedisRateLimiter(redis, { prefix });
const limit = { max: Number(max), windowMs: Number(windowMs) };
const grants = await Promise.all(
  Array.from({ length: Number(n) }, async () => {
    const slot = await limiter.acquireHeld(key!, limit);
    await slot.release();
    return slot.at;
  }),
);
process.stdout.write(`${JSON.stringify(grants)}\n`);
await redis.quit();
