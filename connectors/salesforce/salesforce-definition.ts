import { randomBytes } from 'node:crypto';
import { defineConnector } from '../../src/kit/index.js';
import { checkSalesforceEnv, SALESFORCE_ENV, salesforceConfigFromApp, salesforceSettings, type SalesforceConfig } from './salesforce-config.schema.js';
import { CredentialsTokenVault } from './salesforce-credentials-vault.js';
import { exchangeSalesforceCode, salesforceAuthorizeUrl } from './salesforce-oauth.js';
import { RedisTokenVault } from './salesforce-token-vault.js';
import { startSalesforceDemoSandbox } from './simulator/salesforce-demo.sandbox.js';
import { createSalesforceConnector, SALESFORCE_MAPPING_FILE } from './salesforce-connector.js';

/** Salesforce as a plug-in: its variables, its env org, its OAuth installs (with PKCE). */
export const salesforce = defineConnector({
  system: 'salesforce',
  label: 'Salesforce',
  accountNoun: 'org',
  mappingFile: SALESFORCE_MAPPING_FILE,
  env: SALESFORCE_ENV,
  settings: salesforceSettings,
  configured: (sf) => sf.configured,
  check: checkSalesforceEnv,

  fromEnv(sf, d) {
    if (!sf.configured) return null;
    return {
      pollIntervalMs: sf.pollIntervalMs,
      connector: createSalesforceConnector({
        config: salesforceConfigFromApp(sf),
        // One session per org for every worker process: a refresh happens once, the new token is shared.
        vault: new RedisTokenVault(d.redis, d.prefix),
        metrics: () => d.metrics,
      }),
    };
  },

  fromInstall(row, credentials, sf, d) {
    if (!sf.clientId) {
      d.logger.warn('Salesforce OAuth connection found but SALESFORCE_CLIENT_ID is unset: its session cannot be refreshed; not driven');
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
    return createSalesforceConnector({ config, vault: new CredentialsTokenVault(d.store, d.redis, d.prefix), metrics: () => d.metrics });
  },

  oauth: {
    pkce: true,
    unconfigured: (sf) =>
      sf.clientId ? null : "Salesforce installs are not configured: set SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET (your connected app's consumer key and secret)",
    authorizeUrl: (sf, a) => salesforceAuthorizeUrl({ loginUrl: sf.loginUrl, clientId: sf.clientId!, clientSecret: sf.clientSecret, redirectUri: a.redirectUri }, a.state, a.codeChallenge),
    async install(sf, a) {
      const tokens = await exchangeSalesforceCode({ loginUrl: sf.loginUrl, clientId: sf.clientId!, clientSecret: sf.clientSecret, redirectUri: a.redirectUri }, a.code, a.codeVerifier);
      // The org's Outbound Messages prove themselves with this secret in the endpoint URL.
      const outboundSecret = randomBytes(24).toString('base64url');
      const endpoint = `${a.publicUrl.replace(/\/+$/, '')}/webhooks/salesforce?secret=${outboundSecret}`;
      return {
        accountId: tokens.orgId,
        credentials: {
          kind: 'oauth',
          system: 'salesforce',
          accessToken: tokens.accessToken,
          refreshToken: tokens.refreshToken,
          expiresAt: null,
          instanceUrl: tokens.instanceUrl,
          outboundSecret,
          installedAt: new Date(a.now()).toISOString(),
        },
        config: { auth: 'oauth', instanceUrl: tokens.instanceUrl, installedBy: tokens.userId },
        lines: [
          `Salesforce org ${tokens.orgId} (${tokens.instanceUrl}) is connected; its Leads and Contacts sync shortly.`,
          `For changes within seconds, point the org's Outbound Messages at ${endpoint} (keep this URL secret).`,
        ],
        extra: { outboundMessageUrl: endpoint },
      };
    },
  },
  sandbox: { start: startSalesforceDemoSandbox },
});
