import type { Server } from 'node:http';
import { UnrecoverableError } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { SourceSystem } from '../canonical/lead.schema.js';
import type { Connector } from '../kit/connector.types.js';
import { loadMapping } from '../mapping/load-mapping.js';
import { Metrics } from '../metrics/metrics.js';
import { DeletionMarks } from '../pipeline/deletion-marks.js';
import { PendingSet } from '../pipeline/pending-set.js';
import { setupConnection } from '../pipeline/setup-connection.js';
import type { Connections } from '../pipeline/connections.js';
import type { ConnectionRuntime, PendingRead, PendingWrite, PipelineDeps } from '../pipeline/pipeline.types.js';
import { createQueues, scheduleIo, safeJobId, type Queues } from '../queues/queues.js';
import { createRedis } from '../queues/redis-connection.js';
import { startWorkers, type Workers } from '../queues/workers.js';
import type { ScoringModel } from '../scoring/scoring-model.js';
import { createApp } from '../server/app.js';
import type { OAuthRoutesDeps } from '../server/oauth.routes.js';
import type { PublicRateLimitOptions } from '../server/rate-limit.middleware.js';
import express from 'express';
import { healthRoutes } from '../server/health.routes.js';
import { metricsRoutes } from '../server/metrics.routes.js';
import type { ConnectionRow, Store } from '../store/store.types.js';
import { resolveFromRoot } from '../infra/paths.js';
import { WorkspaceModels } from './workspace-models.js';

/** One connection the runtime drives: which system, its connector, its mapping file, how often to poll. */
export interface ConnectionSpec {
  id: string;
  /** The workspace that owns it; default 'default' (env-configured connections). */
  workspaceId?: string;
  system: SourceSystem;
  connector: Connector;
  mappingFile?: string;
  pollIntervalMs: number;
}

/**
 * Builds the connector of a connection stored at run time (an OAuth install: its row and
 * encrypted credentials are in the store); null when it cannot be built (no credentials, a system
 * without a factory). See src/app/connection-factory.ts.
 */
export type ConnectionFactory = (row: ConnectionRow, store: Store) => Promise<ConnectionSpec | null>;

export interface RuntimeOptions {
  redisUrl: string;
  queuePrefix: string;
  /** The store ('default' workspace view); each connection works through its own workspace's view. */
  store: Store;
  logger: Logger;
  modelFile: string;
  coalesceMs: number;
  publicUrl: string;
  adminToken?: string;
  /** Env-configured connections (and test fixtures); stored ones come through `connectionFactory`. */
  connections: ConnectionSpec[];
  /** Without it only the `connections` above are driven. */
  connectionFactory?: ConnectionFactory;
  /** How often the workspaces' active models are re-read (a publish takes effect within this). Default 2 s. */
  modelRefreshMs?: number;
  /** This runtime's Prometheus registry (bootstrap passes the one its connectors report to); default a new one. */
  metrics?: Metrics;
  /** OAuth install routes' settings (oauthSettingsFromConfig + the SecretBox); absent: no /oauth routes. The runtime adds store, Redis, logger and onInstalled → addConnection. */
  oauth?: Omit<OAuthRoutesDeps, 'store' | 'redis' | 'logger' | 'onInstalled'>;
  /** Per-client-IP limits on /webhooks and /oauth; absent: the defaults. */
  rateLimits?: Partial<PublicRateLimitOptions>;
}

export interface Runtime {
  deps: PipelineDeps;
  queues: Queues;
  redis: Redis;
  connections: Map<string, ConnectionRuntime>;
  metrics: Metrics;
  /** Runs every connection's idempotent first-connect setup (custom properties, account id). */
  setupConnections(): Promise<void>;
  startWorkers(opts?: { concurrency?: { ingest?: number; io?: number; sync?: number; rescore?: number } }): Workers;
  /** Registers each connection's incremental poll on a BullMQ job scheduler (one per connection, shared by all processes). */
  schedulePolls(): Promise<void>;
  /**
   * Drives a connection created at run time (OAuth callback): builds its connector from the row and
   * its stored credentials, runs its setup, schedules its poll and a first sync. Workers of other
   * processes load it when its first job reaches them. Undefined when it cannot be built.
   */
  addConnection(row: ConnectionRow): Promise<ConnectionRuntime | undefined>;
  /** Stops driving a connection (after a delete): its poll schedule is removed. */
  removeConnection(id: string): Promise<void>;
  /** Re-reads every workspace's active model now (a publish in this process). */
  refreshModels(): Promise<void>;
  listen(port: number): Promise<Server>;
  /** /metrics and /healthz alone (a `qualify worker` process). */
  listenMetrics(port: number): Promise<Server>;
  /** Drains: stops accepting, lets in-flight jobs finish (or return to the queue), closes connections. */
  close(): Promise<void>;
}

/** How long a webhook's account → connection lookup is remembered (a new install shows within this). */
const ACCOUNT_CACHE_MS = 5_000;

export async function createRuntime(opts: RuntimeOptions): Promise<Runtime> {
  const { logger } = opts;
  // Connection state is cached for a second (every webhook and job asks for it); a change made
  // through this process (a park, a re-activation at set-up, an install) must show at once, so the
  // store tells us when it writes a connection row and the cached copy goes.
  const cachedRows = new Map<string, { row: ConnectionRow; at: number }>();
  const store = opts.store;
  const stopListening = store.onConnectionChange((id) => cachedRows.delete(id));
  const views = new Map<string, Store>([[store.workspaceId, store]]);
  const viewOf = (workspaceId: string): Store => {
    let view = views.get(workspaceId);
    if (!view) views.set(workspaceId, (view = store.forWorkspace(workspaceId)));
    return view;
  };
  const redis = createRedis(opts.redisUrl);
  const queues = createQueues(redis, opts.queuePrefix);
  const metrics = opts.metrics ?? new Metrics();
  metrics.watchQueues(queues);
  const models = new WorkspaceModels(store, resolveFromRoot(opts.modelFile), logger, opts.modelRefreshMs ?? 2_000);
  await models.start();
  logger.info({ model: models.get(store.workspaceId).versionId }, 'scoring model loaded');

  const connections = new Map<string, ConnectionRuntime>();
  const specs = new Map<string, ConnectionSpec>();
  /** `${workspace}\0${system}` → the workspace's connection of that system (write-backs of its leads go there). */
  const byWorkspaceSystem = new Map<string, ConnectionRuntime>();
  const wsKey = (workspaceId: string, system: SourceSystem) => `${workspaceId}\u0000${system}`;
  const accountCache = new Map<string, { id: string | null; at: number }>();

  const register = (spec: ConnectionSpec): ConnectionRuntime => {
    const workspaceId = spec.workspaceId ?? store.workspaceId;
    const view = viewOf(workspaceId);
    const mapping = loadMapping(resolveFromRoot(spec.mappingFile ?? spec.connector.mappingFile));
    const rt: ConnectionRuntime = {
      id: spec.id,
      workspaceId,
      store: view,
      system: spec.system,
      connector: spec.connector,
      mapping,
      reads: new PendingSet<PendingRead>(redis, opts.queuePrefix, `read:${spec.id}`),
      writes: new PendingSet<PendingWrite>(redis, opts.queuePrefix, `write:${spec.id}`),
      deletions: new DeletionMarks(redis, opts.queuePrefix, spec.id),
      // Every webhook and job asks for the connection's state; a one-second cache keeps that off
      // the database's hot path while a pause or park still takes effect within a second.
      row: async () => {
        const cached = cachedRows.get(spec.id);
        if (cached && cached.at > Date.now() - 1000) return cached.row;
        const row = await view.getConnection(spec.id);
        if (!row) {
          // Deleted (through the API, in any process): stop driving it here too; its jobs end for good.
          if (connections.get(spec.id) === rt) forget(spec.id);
          throw new UnrecoverableError(`connection ${spec.id} is not in the store (workspace ${workspaceId}): deleted`);
        }
        cachedRows.set(spec.id, { row, at: Date.now() });
        return row;
      },
      context: async () => ({ connection: await rt.row(), store: view, logger: logger.child({ connection: spec.id, workspace: workspaceId }) }),
    };
    connections.set(spec.id, rt);
    specs.set(spec.id, spec);
    const key = wsKey(workspaceId, spec.system);
    if (!byWorkspaceSystem.has(key)) byWorkspaceSystem.set(key, rt);
    return rt;
  };

  /** Drops a connection from this process's maps (the next job or webhook for it looks in the store again). */
  const forget = (id: string) => {
    const rt = connections.get(id);
    connections.delete(id);
    specs.delete(id);
    cachedRows.delete(id);
    accountCache.clear();
    if (rt && byWorkspaceSystem.get(wsKey(rt.workspaceId, rt.system)) === rt) {
      byWorkspaceSystem.delete(wsKey(rt.workspaceId, rt.system));
      const next = [...connections.values()].find((c) => c.workspaceId === rt.workspaceId && c.system === rt.system);
      if (next) byWorkspaceSystem.set(wsKey(rt.workspaceId, rt.system), next);
    }
  };

  for (const spec of opts.connections) {
    await viewOf(spec.workspaceId ?? store.workspaceId).upsertConnection({ id: spec.id, system: spec.system });
    register(spec);
  }

  /** A stored connection this process has not built yet (created by an OAuth install, maybe in another process). */
  const loading = new Map<string, Promise<ConnectionRuntime | undefined>>();
  const load = (row: ConnectionRow): Promise<ConnectionRuntime | undefined> => {
    const known = connections.get(row.id);
    if (known) return Promise.resolve(known);
    if (!opts.connectionFactory) return Promise.resolve(undefined);
    let pending = loading.get(row.id);
    if (!pending) {
      pending = (async () => {
        try {
          const spec = await opts.connectionFactory!(row, viewOf(row.workspaceId));
          if (!spec) {
            logger.info({ connection: row.id, workspace: row.workspaceId, system: row.system }, 'stored connection not driven here (no credentials, or no factory for its system)');
            return undefined;
          }
          return connections.get(row.id) ?? register({ ...spec, id: row.id, workspaceId: row.workspaceId });
        } catch (err) {
          logger.error({ connection: row.id, err: (err as Error).message }, 'building a stored connection failed');
          return undefined;
        } finally {
          loading.delete(row.id);
        }
      })();
      loading.set(row.id, pending);
    }
    return pending;
  };

  // Connections stored by earlier OAuth installs, in every workspace.
  if (opts.connectionFactory) {
    for (const ws of await store.listWorkspaces()) {
      for (const row of await viewOf(ws.id).listConnections()) {
        if (!connections.has(row.id)) await load(row);
      }
    }
  }

  const byId = async (id: string): Promise<ConnectionRuntime | undefined> => {
    const known = connections.get(id);
    if (known) return known;
    const row = await store.locateConnection(id);
    return row ? load(row) : undefined;
  };

  /** A store lookup remembered a few seconds either way: a flood of deliveries costs no query each. */
  const cachedLookup = async (key: string, find: () => Promise<ConnectionRuntime | undefined>): Promise<ConnectionRuntime | undefined> => {
    const cached = accountCache.get(key);
    if (cached && cached.at > Date.now() - ACCOUNT_CACHE_MS) return cached.id === null ? undefined : byId(cached.id);
    const conn = await find();
    accountCache.set(key, { id: conn?.id ?? null, at: Date.now() });
    return conn;
  };

  const registry: Connections = {
    known: (id) => connections.get(id),
    byId,
    forSystem: (system, workspaceId = store.workspaceId) => byWorkspaceSystem.get(wsKey(workspaceId, system)),
    forAccount: (system, accountId) =>
      cachedLookup(`${system}\u0000${accountId}`, async () => {
        const row = await store.findConnectionByAccount(system, accountId);
        return row ? load(row) : undefined;
      }),
    async receiving(system) {
      const local =
        byWorkspaceSystem.get(wsKey(store.workspaceId, system)) ?? [...connections.values()].find((c) => c.system === system && c.connector.people?.webhook);
      if (local?.connector.people?.webhook) return local;
      // None here: an install another process handled (any workspace) is looked up in the store.
      if (!opts.connectionFactory) return local;
      return (
        (await cachedLookup(`webhook\u0000${system}`, async () => {
          for (const row of await store.findConnectionsBySystem(system)) {
            const conn = await load(row);
            if (conn?.connector.people?.webhook) return conn;
          }
          return undefined;
        })) ?? local
      );
    },
    add: (row) => runtime.addConnection(row).then(() => undefined),
  };

  const deps: PipelineDeps = {
    store,
    logger,
    model: (workspaceId) => models.get(workspaceId ?? store.workspaceId),
    connections: registry,
    // The runtime's own requests (pending work at start-up, the API's resume, a CLI sync's read)
    // coalesce: a backfill's first writes wait for its reads rather than racing them. The workers'
    // jobs use the adaptive rule (src/queues/workers.ts).
    scheduleWriteFlush: (id) => scheduleIo(queues, id, 'write', opts.coalesceMs),
    scheduleReadFlush: (id) => scheduleIo(queues, id, 'read', opts.coalesceMs),
    now: () => new Date(),
    metrics,
  };

  let workers: Workers | undefined;
  const servers: Server[] = [];

  const schedulePoll = async (id: string) => {
    const spec = specs.get(id)!;
    await queues.sync.upsertJobScheduler(safeJobId('poll', id), { every: spec.pollIntervalMs }, { name: 'poll', data: { connectionId: id, full: false } });
    // Writes left pending by a crash or an exhausted retry are picked up again on start.
    if ((await connections.get(id)!.writes.size()) > 0) await deps.scheduleWriteFlush(id);
    if ((await connections.get(id)!.reads.size()) > 0) await deps.scheduleReadFlush(id);
  };

  const listenOn = (app: { listen: (port: number, cb: () => void) => Server }, port: number) =>
    new Promise<Server>((resolve, reject) => {
      const server = app.listen(port, () => {
        servers.push(server);
        resolve(server);
      });
      server.once('error', reject);
    });

  const runtime: Runtime = {
    deps,
    queues,
    redis,
    connections,
    metrics,
    async setupConnections() {
      for (const rt of connections.values()) await setupConnection(rt.connector, await rt.context());
    },
    startWorkers(wopts = {}) {
      workers = startWorkers(redis, queues, deps, { prefix: opts.queuePrefix, coalesceMs: opts.coalesceMs, ...wopts });
      return workers;
    },
    async schedulePolls() {
      for (const id of connections.keys()) await schedulePoll(id);
    },
    async addConnection(row) {
      accountCache.clear();
      const existing = connections.get(row.id);
      cachedRows.delete(row.id);
      const rt = existing ?? (await load(row));
      if (!rt || existing) return rt;
      try {
        await setupConnection(rt.connector, await rt.context());
      } catch (err) {
        // The poll job meets the same failure and settles it (re-authorise, park); the install itself stands.
        logger.error({ connection: rt.id, err: (err as Error).message }, 'setup of a new connection failed');
      }
      await schedulePoll(rt.id);
      // The first read of a new connection: from no cursor, everything (then incremental polls).
      await queues.sync.add('initial-sync', { connectionId: rt.id, full: false }, { jobId: safeJobId('initial', rt.id) });
      logger.info({ connection: rt.id, workspace: rt.workspaceId, system: rt.system }, 'connection added');
      return rt;
    },
    async removeConnection(id) {
      await queues.sync.removeJobScheduler(safeJobId('poll', id));
      forget(id);
    },
    refreshModels: () => models.refresh(),
    listen(port) {
      const app = createApp({
        redis,
        store,
        queues,
        pipeline: deps,
        logger,
        publicUrl: () => opts.publicUrl,
        adminToken: opts.adminToken,
        metrics,
        rateLimits: opts.rateLimits,
        // Changes made through the admin API take effect in this process at once (others: within the model refresh / at their next job).
        apiHooks: { modelsChanged: () => models.refresh(), connectionDeleted: (id) => runtime.removeConnection(id) },
        // An install completed here is driven at once: connector built, setup, poll scheduled, first sync queued.
        ...(opts.oauth && { oauth: { ...opts.oauth, store, redis, logger, onInstalled: (row: ConnectionRow) => runtime.addConnection(row) } }),
      });
      return listenOn(app, port);
    },
    listenMetrics(port) {
      // A worker's own port: its job and API-call counts, and liveness/readiness for an orchestrator.
      const app = express();
      app.disable('x-powered-by');
      app.use(healthRoutes(redis, store));
      app.use(metricsRoutes(metrics, opts.adminToken));
      return listenOn(app, port);
    },
    async close() {
      stopListening();
      models.stop();
      await Promise.all(servers.map((server) => new Promise<void>((r) => server.close(() => r()))));
      if (workers) await workers.close();
      await queues.close();
      redis.disconnect();
    },
  };
  return runtime;
}
