import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { HubSpotTokenProvider } from '../../connectors/hubspot/hubspot-client.js';
import { refreshHubSpotToken } from '../../connectors/hubspot/hubspot-oauth.js';
import type { SalesforceConfig } from '../../connectors/salesforce/salesforce-config.schema.js';
import type { TokenVault } from '../../connectors/salesforce/salesforce-token-vault.js';
import type { HubSpotSettings } from '../../connectors/hubspot/index.js';
import type { SalesforceSettings } from '../../connectors/salesforce/index.js';
import type { Config } from '../../src/config/load-config.js';
import type { ConnectionRow, Store } from '../../src/store/store.types.js';
import { CredentialsTokenVault } from '../../connectors/salesforce/salesforce-credentials-vault.js';
import { parseOAuthCredentials } from '../../src/oauth/oauth-credentials.js';
import { TokenKeeper } from '../../src/oauth/token-keeper.js';

/**
 * Test helper (it was production code that nothing but tests called; the registry's `fromInstall`
 * builds installed connections now). What a connector factory needs to drive a connection created by an OAuth install (its row says
 * `config.auth === 'oauth'`; tokens are in the store's sealed credentials):
 *
 *   createHubSpotConnector({ ...hubspotInstallOptions(row, store, deps), baseUrl, clientSecret, limiter, logger, … })
 *   createSalesforceConnector({ ...(await salesforceInstallOptions(row, store, deps)), … })
 */

export interface InstalledConnectionDeps {
  config: Config;
  redis: Redis;
  /** Redis key prefix (QUALIFY_QUEUE_PREFIX). */
  prefix: string;
  logger: Logger;
}

export function isOAuthInstalled(row: Pick<ConnectionRow, 'config'>): boolean {
  return row.config.auth === 'oauth';
}

/**
 * HubSpot: a token provider over a TokenKeeper (refresh 5 minutes ahead of expiry, one refresh at
 * a time across processes) and the account's rate-limit key (HubSpot counts an OAuth app's calls
 * per installing account, so every token of the portal shares one window).
 */
export function hubspotInstallOptions(
  row: ConnectionRow,
  store: Store,
  d: InstalledConnectionDeps,
): { accessToken: HubSpotTokenProvider; limiterKey: string; keeper: TokenKeeper } {
  const { clientId, clientSecret, baseUrl } = d.config.systems.hubspot as HubSpotSettings;
  const keeper = new TokenKeeper({
    connectionId: row.id,
    system: 'hubspot',
    store: store.forWorkspace(row.workspaceId),
    redis: d.redis,
    prefix: d.prefix,
    logger: d.logger,
    refresh: (refreshToken) => {
      if (!clientId || !clientSecret) throw new Error('HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET are needed to refresh OAuth tokens');
      // No redirect URI on a refresh; the SDK leaves out what is undefined.
      return refreshHubSpotToken({ clientId, clientSecret, baseUrl, redirectUri: '' }, refreshToken);
    },
  });
  return { accessToken: (opts) => keeper.accessToken(opts), limiterKey: `hubspot:${row.accountId ?? row.id}`, keeper };
}

/**
 * Salesforce: the connector's config with the install's refresh token, instance URL, org id and
 * Outbound Message secret, and a vault that keeps the session in the store's credentials, so a
 * rotated refresh token is saved for every process and every restart.
 */
export async function salesforceInstallOptions(row: ConnectionRow, store: Store, d: InstalledConnectionDeps): Promise<{ config: SalesforceConfig; vault: TokenVault }> {
  const ws = store.forWorkspace(row.workspaceId);
  const raw = await ws.getCredentials(row.id);
  if (!raw) throw new Error(`Connection ${row.id} has no stored credentials: install it again`);
  const creds = parseOAuthCredentials(raw, row.id);
  const sf = d.config.systems.salesforce as SalesforceSettings;
  if (!sf.clientId) throw new Error('SALESFORCE_CLIENT_ID is needed to refresh OAuth-installed Salesforce connections');
  return {
    config: {
      loginUrl: sf.loginUrl,
      clientId: sf.clientId,
      clientSecret: sf.clientSecret ?? undefined,
      refreshToken: creds.refreshToken,
      instanceUrl: creds.instanceUrl,
      apiVersion: sf.apiVersion,
      bulkThreshold: sf.bulkThreshold,
      dailyBudgetShare: sf.dailyShare,
      outboundSecret: creds.outboundSecret,
      orgId: row.accountId ?? undefined,
      bulkPollIntervalMs: 1000,
      bulkPollTimeoutMs: 10 * 60_000,
    },
    vault: new CredentialsTokenVault(ws, d.redis, d.prefix),
  };
}
