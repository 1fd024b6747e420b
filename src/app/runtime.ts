import type { Server } from 'node:http';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { SourceSystem } from '../canonical/lead.schema.js';
import type { Connector } from '../connectors/connector.types.js';
import { loadMapping } from '../mapping/load-mapping.js';
import { Metrics } from '../metrics/metrics.js';
import { PendingSet } from '../pipeline/pending-set.js';
import type { ConnectionRuntime, PendingRead, PendingWrite, PipelineDeps } from '../pipeline/pipeline.types.js';
import { loadScoringModel } from '../qualification/qualify-lead.js';
import { createQueues, scheduleIo, safeJobId, type Queues } from '../queues/queues.js';
import { createRedis } from '../queues/redis-connection.js';
import { startWorkers, type Workers } from '../queues/workers.js';
import type { ScoringModel } from '../scoring/scoring-model.js';
import { createApp } from '../server/app.js';
import type { ConnectionRow, Store } from '../store/store.types.js';
import { resolveFromRoot } from '../infra/paths.js';

/** One connection the runtime drives: which system, its connector, its mapping file, how often to poll. */
export interface ConnectionSpec {
  id: string;
  system: SourceSystem;
  connector: Connector;
  mappingFile?: string;
  pollIntervalMs: number;
}

export interface RuntimeOptions {
  redisUrl: string;
  queuePrefix: string;
  store: Store;
  logger: Logger;
  modelFile: string;
  coalesceMs: number;
  publicUrl: string;
  adminToken?: string;
  connections: ConnectionSpec[];
  /** This runtime's Prometheus registry (bootstrap passes the one its connectors report to); default a new one. */
  metrics?: Metrics;
}

export interface Runtime {
  deps: PipelineDeps;
  queues: Queues;
  redis: Redis;
  connections: Map<string, ConnectionRuntime>;
  metrics: Metrics;
  /** Runs every connection's idempotent first-connect setup (custom properties, account id). */
  setupConnections(): Promise<void>;
  startWorkers(opts?: { concurrency?: { ingest?: number; io?: number; sync?: number } }): Workers;
  /** Registers each connection's incremental poll on a BullMQ job scheduler (one per connection, shared by all processes). */
  schedulePolls(): Promise<void>;
  listen(port: number): Promise<Server>;
  /** Drains: stops accepting, lets in-flight jobs finish (or return to the queue), closes connections. */
  close(): Promise<void>;
}

export async function createRuntime(opts: RuntimeOptions): Promise<Runtime> {
  const { logger } = opts;
  // Connection state is cached for a second (every webhook and job asks for it); a change made
  // through this runtime (a park, a re-activation at set-up) must show at once, so those calls
  // drop the cached row.
  const cachedRows = new Map<string, { row: ConnectionRow; at: number }>();
  const store: Store = new Proxy(opts.store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      if (prop === 'setConnectionStatus' || prop === 'upsertConnection') {
        return async (...args: unknown[]) => {
          const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          cachedRows.delete(typeof args[0] === 'string' ? args[0] : (args[0] as { id: string }).id);
          return result;
        };
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
  const redis = createRedis(opts.redisUrl);
  const queues = createQueues(redis, opts.queuePrefix);
  const metrics = opts.metrics ?? new Metrics();
  metrics.watchQueues(queues);
  let model: ScoringModel = loadScoringModel(resolveFromRoot(opts.modelFile));
  logger.info({ model: model.versionId }, 'scoring model loaded');

  const connections = new Map<string, ConnectionRuntime>();
  const bySystem = new Map<SourceSystem, ConnectionRuntime>();
  for (const spec of opts.connections) {
    const mapping = loadMapping(resolveFromRoot(spec.mappingFile ?? spec.connector.mappingFile));
    await store.upsertConnection({ id: spec.id, system: spec.system });
    const rt: ConnectionRuntime = {
      id: spec.id,
      system: spec.system,
      connector: spec.connector,
      mapping,
      reads: new PendingSet<PendingRead>(redis, opts.queuePrefix, `read:${spec.id}`),
      writes: new PendingSet<PendingWrite>(redis, opts.queuePrefix, `write:${spec.id}`),
      // Every webhook and job asks for the connection's state; a one-second cache keeps that off
      // the database's hot path while a pause or park still takes effect within a second.
      row: async () => {
        const cached = cachedRows.get(spec.id);
        if (cached && cached.at > Date.now() - 1000) return cached.row;
        const row = await store.getConnection(spec.id);
        if (!row) throw new Error(`connection ${spec.id} is not in the store`);
        cachedRows.set(spec.id, { row, at: Date.now() });
        return row;
      },
      context: async () => ({ connection: await rt.row(), store, logger: logger.child({ connection: spec.id }) }),
    };
    connections.set(spec.id, rt);
    bySystem.set(spec.system, rt);
  }

  const deps: PipelineDeps = {
    store,
    logger,
    model: () => model,
    connection: (id) => connections.get(id),
    connectionForSystem: (system) => bySystem.get(system),
    scheduleWriteFlush: (id) => scheduleIo(queues, id, 'write', opts.coalesceMs),
    scheduleReadFlush: (id) => scheduleIo(queues, id, 'read', opts.coalesceMs),
    now: () => new Date(),
    metrics,
  };

  let workers: Workers | undefined;
  let server: Server | undefined;

  return {
    deps,
    queues,
    redis,
    connections,
    metrics,
    async setupConnections() {
      for (const rt of connections.values()) await rt.connector.ensureSetup(await rt.context());
    },
    startWorkers(wopts = {}) {
      workers = startWorkers(redis, queues, deps, { prefix: opts.queuePrefix, coalesceMs: opts.coalesceMs, ...wopts });
      return workers;
    },
    async schedulePolls() {
      for (const spec of opts.connections) {
        await queues.sync.upsertJobScheduler(
          safeJobId('poll', spec.id),
          { every: spec.pollIntervalMs },
          { name: 'poll', data: { connectionId: spec.id, full: false } },
        );
        // Writes left pending by a crash or an exhausted retry are picked up again on start.
        if ((await connections.get(spec.id)!.writes.size()) > 0) await deps.scheduleWriteFlush(spec.id);
        if ((await connections.get(spec.id)!.reads.size()) > 0) await deps.scheduleReadFlush(spec.id);
      }
    },
    listen(port) {
      const app = createApp({ redis, store, queues, pipeline: deps, logger, publicUrl: () => opts.publicUrl, adminToken: opts.adminToken, metrics });
      return new Promise((resolve) => {
        server = app.listen(port, () => resolve(server!));
      });
    },
    async close() {
      if (server) await new Promise<void>((r) => server!.close(() => r()));
      if (workers) await workers.close();
      await queues.close();
      redis.disconnect();
    },
  };
}

