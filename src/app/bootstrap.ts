import type { Logger } from 'pino';
import { ConfigError, loadConfig, secretValues, systemSettings, type Config } from '../config/load-config.js';
import { startDemo, type Demo } from '../demo/demo-mode.js';
import { createLogger } from '../infra/logger.js';
import { ensureRedis, type RedisHandle } from '../infra/redis-bootstrap.js';
import { Metrics } from '../metrics/metrics.js';
import { RedisRateLimiter } from '../rate-limit/redis-rate-limiter.js';
import { createRedis } from '../queues/redis-connection.js';
import { secretBoxFromConfig } from '../security/secret-box.js';
import { oauthSettingsFromConfig } from '../server/oauth.routes.js';
import { createStore } from '../store/sql-store.js';
import type { Store } from '../store/store.types.js';
import { createConnectionFactory } from './connection-factory.js';
import { CONNECTORS } from './connector-registry.js';
import { createRuntime, type ConnectionSpec, type Runtime } from './runtime.js';

export type Role = 'all' | 'server' | 'worker' | 'sync' | 'status';

export interface Booted {
  config: Config;
  logger: Logger;
  store: Store;
  runtime: Runtime;
  demo?: Demo;
  close(): Promise<void>;
}


/**
 * The composition root: configuration (validated, every problem listed at once), logger, Redis
 * (a private one when none answers locally), the store, the connections configured in the
 * environment (or the built-in HubSpot sandbox in demo mode), and the runtime that drives them.
 */
export async function bootstrap(opts: { role: Role; env?: NodeJS.ProcessEnv }): Promise<Booted> {
  let config: Config;
  try {
    config = loadConfig(opts.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const env = opts.env ?? process.env;
  // In demo mode the terminal is the product's window: keep per-lead info logs out of the summary
  // unless LOG_LEVEL asks for them.
  const logger = config.demo && !env.LOG_LEVEL && opts.role !== 'status' ? createLogger('warn', { secrets: secretValues(config) }) : createLogger(config);
  let redisHandle: RedisHandle;
  try {
    redisHandle = await ensureRedis(config.redisUrl);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  if (redisHandle.url !== config.redisUrl) logger.warn({ url: redisHandle.url }, `no Redis answered at ${config.redisUrl}; started a private redis-server`);

  // Connection credentials (OAuth tokens) are sealed with QUALIFY_SECRET_KEY (or the data dir's generated key).
  // `qualify status` reads no secret: it neither needs the key nor should it create one.
  const secretBox = opts.role === 'status' ? null : secretBoxFromConfig(config, logger);
  const store = await createStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger, secretKey: secretBox });
  const limiterRedis = createRedis(redisHandle.url);
  const limiter = new RedisRateLimiter(limiterRedis, { prefix: `${config.queuePrefix}:rl` });

  let demo: Demo | undefined;
  let systems = config.systems;
  if (config.demo && opts.role !== 'status') {
    demo = await startDemo({
      publicUrl: config.publicUrl,
      logger,
      store,
      systems: CONNECTORS.filter((c) => config.demoSystems.includes(c.system)),
      people: Number(env.QUALIFY_DEMO_CONTACTS ?? 300),
    });
    // The demo systems' connectors point at their sandboxes: their variables, overlaid on the environment.
    const overlaid = { ...env, ...demo.env };
    systems = Object.fromEntries(CONNECTORS.map((c) => [c.system, config.demoSystems.includes(c.system) ? systemSettings(c, overlaid) : config.systems[c.system]]));
  }

  // One registry for the process: the connectors report their API calls to it, the runtime serves it at /metrics.
  const metrics = new Metrics();
  // The connections the environment configures, one per system at most, in the default workspace.
  const connections: ConnectionSpec[] = [];
  for (const def of CONNECTORS) {
    const id = `${def.system}-default`;
    const built = def.fromEnv?.(systems[def.system], {
      connectionId: id,
      redis: limiterRedis,
      prefix: config.queuePrefix,
      limiter,
      logger: logger.child({ connector: def.system }),
      metrics: metrics.api(id),
      publicUrl: config.publicUrl,
    });
    if (built) connections.push({ id, system: def.system, mappingFile: def.mappingFile, ...built });
  }

  const runtime = await createRuntime({
    redisUrl: redisHandle.url,
    queuePrefix: config.queuePrefix,
    store,
    logger,
    modelFile: config.modelFile,
    coalesceMs: config.writebackCoalesceMs,
    publicUrl: demo?.publicUrl ?? config.publicUrl,
    adminToken: config.adminToken ?? undefined,
    connections,
    // Connections installed through OAuth (any workspace) are built from their stored credentials.
    connectionFactory: opts.role === 'status' ? undefined : createConnectionFactory({ config: { ...config, systems }, redis: limiterRedis, limiter, logger, metrics }),
    metrics,
    ...(secretBox && { oauth: { ...oauthSettingsFromConfig(config), ...(demo && { publicUrl: () => demo!.publicUrl }), secretBox } }),
    rateLimits: { prefix: config.queuePrefix, ...config.rateLimits },
  });
  if (demo) demo.attach(runtime);

  return {
    config,
    logger,
    store,
    runtime,
    demo,
    async close() {
      await demo?.stopActivity();
      await runtime.close();
      await demo?.close();
      await store.close();
      limiterRedis.disconnect();
      await redisHandle.stop?.();
    },
  };
}
