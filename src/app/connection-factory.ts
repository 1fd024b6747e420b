import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createHubSpotConnector } from '../../connectors/hubspot/index.js';
import { refreshHubSpotToken } from '../../connectors/hubspot/hubspot-oauth.js';
import { createSalesforceConnector } from '../../connectors/salesforce/index.js';
import type { SalesforceConfig } from '../../connectors/salesforce/salesforce-config.schema.js';
import type { Config } from '../config/load-config.js';
import { historyProperties, readProperties } from '../mapping/apply-mapping.js';
import { loadMapping } from '../mapping/load-mapping.js';
import type { Metrics } from '../metrics/metrics.js';
import { CredentialsTokenVault } from '../oauth/credentials-token-vault.js';
import { parseOAuthCredentials, type OAuthCredentials } from '../oauth/oauth-credentials.js';
import { TokenKeeper } from '../oauth/token-keeper.js';
import type { RedisRateLimiter } from '../rate-limit/redis-rate-limiter.js';
import { resolveFromRoot } from '../infra/paths.js';
import type { ConnectionRow, Store } from '../store/store.types.js';
import type { ConnectionFactory, ConnectionSpec } from './runtime.js';

/**
 * Connectors for connections stored at run time (OAuth installs): one function per system turns
 * the row and its decrypted credentials into the ConnectionSpec the runtime drives, with the
 * same limiter, metrics and settings as the env-configured connections. Tokens come from the
 * credentials through O's TokenKeeper (HubSpot) and CredentialsTokenVault (Salesforce), so a
 * refresh in any process is saved once, encrypted, and seen by every other.
 */

export const HUBSPOT_MAPPING = 'mappings/hubspot.yaml';

/**
 * What every HubSpot connector of this server takes from the config and the mapping, whoever's
 * token it holds (the env's private app or an OAuth install): the app's rate limits, and the
 * properties the mapping reads, so a fetch asks for those and no more.
 */
export function hubspotLimitsAndProperties(hs: Config['hubspot']) {
  const mapping = loadMapping(resolveFromRoot(HUBSPOT_MAPPING));
  return {
    limits: {
      burst: { max: hs.rateLimitMax, windowMs: hs.rateLimitWindowMs },
      search: { max: hs.searchPerSecond, windowMs: 1000 },
      daily: hs.dailyLimit,
    },
    properties: readProperties(mapping),
    historyProperties: historyProperties(mapping),
  };
}

/** What every stored connection shares: the process's Redis, limiter, metrics and the app's settings. */
export interface ConnectionFactoryDeps {
  config: Pick<Config, 'hubspot' | 'salesforce' | 'queuePrefix' | 'publicUrl'>;
  /** For token refresh locks (TokenKeeper, CredentialsTokenVault). */
  redis: Redis;
  limiter: RedisRateLimiter;
  logger: Logger;
  metrics: Metrics;
}

type SystemFactory = (row: ConnectionRow, credentials: OAuthCredentials, store: Store, d: ConnectionFactoryDeps) => ConnectionSpec | null;

function hubspotConnection(row: ConnectionRow, _credentials: OAuthCredentials, store: Store, d: ConnectionFactoryDeps): ConnectionSpec | null {
  const hs = d.config.hubspot;
  const logger = d.logger.child({ connector: 'hubspot', connection: row.id });
  if (!hs.clientId || !hs.clientSecret) {
    logger.warn('HubSpot OAuth connection found but HUBSPOT_CLIENT_ID / HUBSPOT_CLIENT_SECRET are unset: its token cannot be refreshed; not driven');
    return null;
  }
  const oauth = {
    clientId: hs.clientId,
    clientSecret: hs.clientSecret,
    baseUrl: hs.baseUrl,
    redirectUri: `${d.config.publicUrl.replace(/\/$/, '')}/oauth/hubspot/callback`,
  };
  const keeper = new TokenKeeper({
    connectionId: row.id,
    system: 'hubspot',
    store,
    redis: d.redis,
    prefix: d.config.queuePrefix,
    refresh: (refreshToken) => refreshHubSpotToken(oauth, refreshToken),
    logger,
  });
  return {
    id: row.id,
    workspaceId: row.workspaceId,
    system: 'hubspot',
    mappingFile: HUBSPOT_MAPPING,
    pollIntervalMs: hs.pollIntervalMs,
    connector: createHubSpotConnector({
      accessToken: (o) => keeper.accessToken(o),
      // HubSpot counts an OAuth app's calls per installing portal.
      ...(row.accountId && { limiterKey: `hubspot:${row.accountId}` }),
      baseUrl: hs.baseUrl,
      // Webhooks of a public app are signed with the app's client secret.
      clientSecret: hs.clientSecret,
      limiter: d.limiter,
      logger,
      ...hubspotLimitsAndProperties(hs),
      metrics: d.metrics.api(row.id),
    }),
  };
}

function salesforceConnection(row: ConnectionRow, credentials: OAuthCredentials, store: Store, d: ConnectionFactoryDeps): ConnectionSpec | null {
  const sf = d.config.salesforce;
  if (!sf.clientId) {
    d.logger.warn({ connection: row.id }, 'Salesforce OAuth connection found but SALESFORCE_CLIENT_ID is unset: its session cannot be refreshed; not driven');
    return null;
  }
  const config: SalesforceConfig = {
    loginUrl: sf.loginUrl,
    clientId: sf.clientId,
    clientSecret: sf.clientSecret ?? undefined,
    // The vault holds the current (possibly rotated) refresh token; this one starts the session.
    refreshToken: credentials.refreshToken,
    instanceUrl: credentials.instanceUrl?.replace(/\/$/, ''),
    apiVersion: sf.apiVersion,
    bulkThreshold: sf.bulkThreshold,
    dailyBudgetShare: sf.dailyShare,
    outboundSecret: credentials.outboundSecret,
    orgId: row.accountId ?? undefined,
    bulkPollIntervalMs: 1000,
    bulkPollTimeoutMs: 10 * 60_000,
  };
  return {
    id: row.id,
    workspaceId: row.workspaceId,
    system: 'salesforce',
    pollIntervalMs: sf.pollIntervalMs,
    connector: createSalesforceConnector({
      config,
      vault: new CredentialsTokenVault(store, d.redis, d.config.queuePrefix),
      metrics: (id) => d.metrics.api(id),
    }),
  };
}

const FACTORIES: Partial<Record<ConnectionRow['system'], SystemFactory>> = {
  hubspot: hubspotConnection,
  salesforce: salesforceConnection,
};

/** The runtime's ConnectionFactory: null for a connection without OAuth credentials (env-configured rows) or of a system without a factory. */
export function createConnectionFactory(d: ConnectionFactoryDeps): ConnectionFactory {
  return async (row, store) => {
    const factory = FACTORIES[row.system];
    if (!factory) return null;
    const raw = await store.getCredentials(row.id);
    if (!raw) return null;
    return factory(row, parseOAuthCredentials(raw, row.id), store, d);
  };
}
