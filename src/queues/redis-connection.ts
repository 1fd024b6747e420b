import { Redis } from 'ioredis';

/** BullMQ needs `maxRetriesPerRequest: null` on its connections (blocking commands). */
export function createRedis(url: string): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true });
  // Errors surface through the calls that fail; an unhandled 'error' event would crash the process.
  redis.on('error', () => {});
  return redis;
}
