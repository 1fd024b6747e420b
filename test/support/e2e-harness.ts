import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { pino, type Logger } from 'pino';
import { createHubSpotConnector } from '../../connectors/hubspot/index.js';
import { createHubSpotSimulator, type HubSpotSimulator, type HubSpotSimulatorOptions, type WebhookOptions } from '../../connectors/hubspot/simulator/hubspot-simulator.js';
import { createRuntime, type Runtime } from '../../src/app/runtime.js';
import { historyProperties, readProperties } from '../../src/mapping/apply-mapping.js';
import { loadMapping } from '../../src/mapping/load-mapping.js';
import type { ConnectionRuntime } from '../../src/pipeline/pipeline.types.js';
import type { Workers } from '../../src/queues/workers.js';
import { createRedis } from '../../src/queues/redis-connection.js';
import { RedisRateLimiter } from '../../src/rate-limit/redis-rate-limiter.js';
import { SecretBox } from '../../src/security/secret-box.js';
import type { OAuthRoutesDeps } from '../../src/server/oauth.routes.js';
import type { Store } from '../../src/store/store.types.js';
import { settlePipeline } from './test-runtime.js';

/**
 * The whole product on real parts for end-to-end tests: the HubSpot sandbox (the official SDK
 * talks to it over HTTP), real Redis under a fresh key prefix, the given store, the runtime with
 * its workers, and the HTTP server receiving the sandbox's signed webhooks.
 */
export interface E2E {
  sim: HubSpotSimulator;
  runtime: Runtime;
  store: Store;
  conn: ConnectionRuntime;
  workers: Workers;
  publicUrl: string;
  prefix: string;
  clientSecret: string;
  accessToken: string;
  /** Waits until nothing is pending: reads, writes, queued jobs and webhook deliveries. */
  settle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface E2EOptions {
  store: Store;
  contacts?: number;
  seed?: number;
  rateLimit?: HubSpotSimulatorOptions['rateLimit'];
  /** Webhook delivery from the sandbox; false: none. */
  webhook?: Partial<WebhookOptions> | false;
  coalesceMs?: number;
  limits?: { burst?: { max: number; windowMs: number } };
  logger?: Logger;
  /** Which search results get a second read with property history (the connector's historyMode). */
  historyMode?: 'when-set' | 'all' | 'none';
  /** Extra latency of every sandbox answer (ms), e.g. to catch a worker mid-request. */
  latencyMs?: number;
  /** Start the runtime's workers in this process (default true); false leaves jobs for other processes. */
  workers?: boolean;
  /** The connection's id (default hubspot-e2e); a `qualify worker` child process drives 'hubspot-default'. */
  connectionId?: string;
  /** OAuth installs served (/oauth/*) with these systems' settings (an app not set up answers 501); absent: no /oauth routes. */
  oauth?: Pick<OAuthRoutesDeps, 'systems'>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export async function startE2E(o: E2EOptions): Promise<E2E> {
  const logger = o.logger ?? pino({ level: process.env.E2E_LOG_LEVEL ?? 'silent' });
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const clientSecret = `secret-${randomUUID()}`;
  const accessToken = `token-${randomUUID()}`;
  const sim = createHubSpotSimulator({
    accessToken,
    contacts: o.contacts ?? 30,
    seed: o.seed ?? 7,
    rateLimit: o.rateLimit,
    latencyMs: o.latencyMs,
    webhook: o.webhook === false ? undefined : { targetUrl: `${publicUrl}/webhooks/hubspot`, clientSecret, delayMs: 20, ...o.webhook },
  });
  const simUrl = await sim.listen(0);
  const prefix = `qualify-test-${randomUUID().slice(0, 8)}`;
  const limiterRedis = createRedis(process.env.REDIS_URL!);
  const mapping = loadMapping('mappings/hubspot.yaml');
  const connector = createHubSpotConnector({
    accessToken,
    baseUrl: simUrl,
    clientSecret,
    limiter: new RedisRateLimiter(limiterRedis, { prefix: `${prefix}:rl` }),
    logger,
    limits: o.limits?.burst ? { burst: o.limits.burst } : undefined,
    properties: readProperties(mapping),
    historyProperties: historyProperties(mapping),
    historyMode: o.historyMode,
    retry: { retries: 2, minTimeoutMs: 50, maxTimeoutMs: 200 },
  });
  const connectionId = o.connectionId ?? 'hubspot-e2e';
  const runtime = await createRuntime({
    redisUrl: process.env.REDIS_URL!,
    queuePrefix: prefix,
    store: o.store,
    logger,
    modelFile: 'mappings/scoring.yaml',
    coalesceMs: o.coalesceMs ?? 50,
    publicUrl,
    connections: [{ id: connectionId, system: 'hubspot', connector, mappingFile: 'mappings/hubspot.yaml', pollIntervalMs: 3_600_000 }],
    ...(o.oauth && { oauth: { ...o.oauth, prefix, secretBox: new SecretBox(randomBytes(32)), publicUrl: () => publicUrl } }),
  });
  await runtime.setupConnections();
  const workers: Workers = o.workers === false ? { workers: [], close: async () => {} } : runtime.startWorkers();
  await runtime.listen(port);
  const conn = runtime.connections.get(connectionId)!;

  // The sandbox's webhooks are delivered before each check: they are the pipeline's input.
  const settle = (timeoutMs = 60_000) => settlePipeline(runtime, conn, { timeoutMs, beforeEach: () => sim.flushWebhooks() });

  return {
    sim,
    runtime,
    store: o.store,
    conn,
    workers,
    publicUrl,
    prefix,
    clientSecret,
    accessToken,
    settle,
    async close() {
      await workers.close();
      for (const q of [runtime.queues.ingest, runtime.queues.io, runtime.queues.sync]) {
        await q.obliterate({ force: true }).catch(() => {});
      }
      await runtime.close();
      await sim.close();
      limiterRedis.disconnect();
    },
  };
}
