import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { createHubSpotConnector } from '../../connectors/hubspot/index.js';
import { createConnectionFactory } from '../../src/app/connection-factory.js';
import { createRuntime, type ConnectionFactory, type ConnectionSpec, type Runtime, type RuntimeOptions } from '../../src/app/runtime.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { Metrics } from '../../src/metrics/metrics.js';
import type { ConnectionRuntime } from '../../src/pipeline/pipeline.types.js';
import { RedisRateLimiter } from '../../src/rate-limit/redis-rate-limiter.js';

/**
 * A runtime as the service assembles one, on real Redis, for tests that drive connections through
 * it. A test names what it is about (its store, queue prefix, coalescing, connections, tokens…);
 * the rest is what every such test used: the repo's scoring model, a silent logger, no connection.
 */

/** A namespace of its own under the run's QUALIFY_QUEUE_PREFIX: no two tests share queues, jobs or rate-limit windows. */
export const testPrefix = (tag: string): string => `${process.env.QUALIFY_QUEUE_PREFIX ?? 'qualify-test'}-${tag}-${randomUUID().slice(0, 8)}`;

export type TestRuntimeOptions = Pick<RuntimeOptions, 'store' | 'queuePrefix' | 'coalesceMs'> & Partial<RuntimeOptions>;

export function startTestRuntime(opts: TestRuntimeOptions): Promise<Runtime> {
  return createRuntime({
    redisUrl: process.env.REDIS_URL!,
    logger: pino({ level: 'silent' }),
    modelFile: 'mappings/scoring.yaml',
    publicUrl: 'http://qualify.test',
    connections: [],
    ...opts,
  });
}

/**
 * Waits until the pipeline has nothing left to do for a connection: no job waiting, running or
 * delayed in the ingest, I/O and sync queues, and nothing pending to read or write, three checks
 * in a row. `beforeEach` runs before every check (e.g. a simulator delivering its webhooks).
 */
export async function settlePipeline(runtime: Runtime, conn: ConnectionRuntime, opts: { timeoutMs?: number; beforeEach?: () => Promise<unknown> } = {}): Promise<void> {
  const until = Date.now() + (opts.timeoutMs ?? 30_000);
  let quiet = 0;
  while (Date.now() < until) {
    await opts.beforeEach?.();
    const counts = await Promise.all([runtime.queues.ingest, runtime.queues.io, runtime.queues.sync].map((q) => q.getJobCounts('waiting', 'active', 'delayed', 'prioritized')));
    const busy = counts.flatMap((c) => Object.values(c)).reduce((a, b) => a + b, 0) + (await conn.reads.size()) + (await conn.writes.size());
    quiet = busy === 0 ? quiet + 1 : 0;
    if (quiet >= 3) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the pipeline did not settle in time');
}

/** Empties the runtime's queues first, so no job of this test is left in Redis for a later one, then closes it. */
export async function closeTestRuntime(runtime: Runtime): Promise<void> {
  for (const q of [runtime.queues.ingest, runtime.queues.io, runtime.queues.sync]) await q.obliterate({ force: true });
  await runtime.close();
}

/**
 * The connection factory bootstrap builds for a server with a HubSpot OAuth app whose API is at
 * `baseUrl` (a sandbox): connections installed at run time get their connectors from it, paced by
 * a Redis limiter under the test's prefix. Polls are hourly, so only the first sync runs.
 */
export function hubspotAppFactory(opts: {
  prefix: string;
  redis: Redis;
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  logger: Logger;
  metrics: Metrics;
}): ConnectionFactory {
  const config = loadConfig({
    REDIS_URL: process.env.REDIS_URL,
    QUALIFY_QUEUE_PREFIX: opts.prefix,
    HUBSPOT_CLIENT_ID: opts.clientId,
    HUBSPOT_CLIENT_SECRET: opts.clientSecret,
    HUBSPOT_BASE_URL: opts.baseUrl,
    HUBSPOT_POLL_INTERVAL_MS: '3600000',
    QUALIFY_DEMO: 'false',
  });
  return createConnectionFactory({
    config,
    redis: opts.redis,
    limiter: new RedisRateLimiter(opts.redis, { prefix: `${opts.prefix}:rl` }),
    logger: opts.logger,
    metrics: opts.metrics,
  });
}

/**
 * A HubSpot connection whose API is nowhere (the discard port): for tests of what reaches the app
 * (webhooks, metrics, limits), where any CRM call would be a bug and fails at once. Its webhooks
 * are signed with `clientSecret`; polls are hourly, so none runs during a test.
 */
export function offlineHubSpotConnection(opts: { id: string; accessToken: string; clientSecret: string; redis: Redis; prefix: string; logger: Logger }): ConnectionSpec {
  const connector = createHubSpotConnector({
    accessToken: opts.accessToken,
    baseUrl: 'http://127.0.0.1:9',
    clientSecret: opts.clientSecret,
    limiter: new RedisRateLimiter(opts.redis, { prefix: `${opts.prefix}:rl` }),
    logger: opts.logger,
  });
  return { id: opts.id, system: 'hubspot', connector, mappingFile: 'mappings/hubspot.yaml', pollIntervalMs: 3_600_000 };
}
