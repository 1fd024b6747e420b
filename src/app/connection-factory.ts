import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config/load-config.js';
import type { Metrics } from '../metrics/metrics.js';
import { parseOAuthCredentials } from '../oauth/oauth-credentials.js';
import { TokenKeeper } from '../oauth/token-keeper.js';
import type { RedisRateLimiter } from '../rate-limit/redis-rate-limiter.js';
import type { ConnectorDefinition } from '../kit/connector-definition.js';
import type { EnvVarSpecs } from '../kit/env-vars.js';
import { CONNECTORS } from './connector-registry.js';
import type { ConnectionFactory } from './runtime.js';

/**
 * Connections stored at run time (OAuth installs): the row's system names its definition in the
 * registry, whose `fromInstall` turns the row and its decrypted credentials into a connector with
 * the same limiter, metrics and settings as the env-configured connections. Tokens refresh through
 * a TokenKeeper, so a refresh in any process is saved once, encrypted, and seen by every other.
 */

/** What every stored connection shares: the process's Redis, limiter, metrics and the app's settings. */
export interface ConnectionFactoryDeps {
  config: Pick<Config, 'systems' | 'queuePrefix' | 'publicUrl'>;
  /** For token refresh locks (TokenKeeper, the Salesforce vault). */
  redis: Redis;
  limiter: RedisRateLimiter;
  logger: Logger;
  metrics: Metrics;
  /** Default: the registry. */
  definitions?: ReadonlyArray<ConnectorDefinition<EnvVarSpecs, unknown>>;
}

/** The runtime's ConnectionFactory: null for a connection without OAuth credentials (env-configured rows) or of a system that cannot be installed. */
export function createConnectionFactory(d: ConnectionFactoryDeps): ConnectionFactory {
  const definitions = d.definitions ?? CONNECTORS;
  return async (row, store) => {
    const def = definitions.find((c) => c.system === row.system);
    if (!def?.fromInstall) return null;
    const raw = await store.getCredentials(row.id);
    if (!raw) return null;
    const credentials = parseOAuthCredentials(raw, row.id);
    const logger = d.logger.child({ connector: row.system, connection: row.id });
    const deps = {
      connectionId: row.id,
      redis: d.redis,
      prefix: d.config.queuePrefix,
      limiter: d.limiter,
      logger,
      metrics: d.metrics.api(row.id),
      publicUrl: d.config.publicUrl,
      store,
      tokenKeeper: (refresh: ConstructorParameters<typeof TokenKeeper>[0]['refresh']) =>
        new TokenKeeper({ connectionId: row.id, system: row.system, label: def.label, store, redis: d.redis, prefix: d.config.queuePrefix, refresh, logger }),
    };
    const connector = def.fromInstall(row, credentials, d.config.systems[row.system], deps);
    if (!connector) return null;
    const pollIntervalMs = (d.config.systems[row.system] as { pollIntervalMs?: number } | undefined)?.pollIntervalMs ?? 300_000;
    return { id: row.id, workspaceId: row.workspaceId, system: row.system, connector, mappingFile: def.mappingFile, pollIntervalMs };
  };
}
