import { Router } from 'express';
import type { Redis } from 'ioredis';
import type { Store } from '../store/store.types.js';

/** /healthz: the process is up. /readyz: it can do work (Redis and the database answer). */
export function healthRoutes(redis: Redis, store: Store): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const check = async (fn: () => Promise<unknown>) => {
      try {
        await Promise.race([fn(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000))]);
        return 'ok';
      } catch (err) {
        return `down: ${(err as Error).message}`;
      }
    };
    const [redisStatus, dbStatus] = await Promise.all([check(() => redis.ping()), check(() => store.ping())]);
    const ready = redisStatus === 'ok' && dbStatus === 'ok';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', redis: redisStatus, database: dbStatus });
  });
  return router;
}
