// Runs once before the suite (outside jest's module system, so tsx loads the TypeScript).
// Tests never touch a running instance's queues: they use their own BullMQ prefix
// (QUALIFY_QUEUE_PREFIX) and a fresh queue/key namespace per test.
import { tsImport } from 'tsx/esm/api';

export default async function globalSetup() {
  const { ensureRedis } = await tsImport('../../src/infra/redis-bootstrap.ts', import.meta.url);
  const handle = await ensureRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  process.env.REDIS_URL = handle.url;
  process.env.QUALIFY_QUEUE_PREFIX = process.env.QUALIFY_QUEUE_PREFIX ?? 'qualify-test';
  process.env.LOG_LEVEL = process.env.LOG_LEVEL ?? 'silent';
  globalThis.__qualifyRedis = handle;
}
