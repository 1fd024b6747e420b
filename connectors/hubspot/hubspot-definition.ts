import { baseUrl, defineConnector, historyProperties, HTTP, int, loadMapping, readProperties, resolveFromRoot, text, url, type ParsedVars } from '../../src/kit/index.js';
import { exchangeHubSpotCode, hubspotAuthorizeUrl, hubspotTokenInfo, refreshHubSpotToken } from './hubspot-oauth.js';
import { HubSpotContactSchema } from './provider.schema.js';
import { startHubSpotDemoSandbox } from './simulator/hubspot-demo.sandbox.js';
import { createHubSpotConnector, HUBSPOT_MAPPING_FILE } from './hubspot-connector.js';

/** HubSpot as a plug-in: its variables, its env connection, its OAuth installs and its sandbox. */

const HUBSPOT_ENV = {
  HUBSPOT_ACCESS_TOKEN: { doc: 'HubSpot private app access token. Unset: demo mode.', secret: true, ...text },
  HUBSPOT_CLIENT_ID: { doc: 'HubSpot app client id, for OAuth installs (GET /oauth/hubspot/install).', ...text },
  HUBSPOT_CLIENT_SECRET: { doc: 'HubSpot app client secret, to verify webhook signatures (X-HubSpot-Signature-v3).', secret: true, ...text },
  HUBSPOT_AUTH_URL: { doc: "HubSpot's OAuth authorise page, where an install sends the browser.", default: 'https://app.hubspot.com/oauth/authorize', ...url(HTTP) },
  HUBSPOT_BASE_URL: baseUrl('https://api.hubapi.com', 'HubSpot API base URL; every SDK call goes here.'),
  HUBSPOT_RATE_LIMIT_MAX: { doc: 'HubSpot calls allowed per window, shared by every worker.', default: '100', ...int(1) },
  HUBSPOT_RATE_LIMIT_WINDOW_MS: { doc: 'Length of that rolling window (ms).', default: '10000', ...int(1) },
  HUBSPOT_DAILY_LIMIT: { doc: 'HubSpot calls allowed per day for the account.', default: '250000', ...int(1) },
  HUBSPOT_SEARCH_PER_SECOND: { doc: 'CRM search requests per second (HubSpot allows 5).', default: '5', ...int(1) },
  HUBSPOT_POLL_INTERVAL_MS: { doc: 'Incremental poll interval, catching what webhooks missed (ms).', default: '300000', ...int(1000) },
};

export interface HubSpotSettings {
  /** A token is set: the env connection exists. */
  configured: boolean;
  accessToken: string | null;
  /** OAuth app: installs through /oauth/hubspot/install need it and the client secret. */
  clientId: string | null;
  clientSecret: string | null;
  authUrl: string;
  baseUrl: string;
  rateLimitMax: number;
  rateLimitWindowMs: number;
  dailyLimit: number;
  searchPerSecond: number;
  pollIntervalMs: number;
}

function settingsOf(e: ParsedVars<typeof HUBSPOT_ENV>): HubSpotSettings {
  return {
    configured: e.HUBSPOT_ACCESS_TOKEN !== null,
    accessToken: e.HUBSPOT_ACCESS_TOKEN,
    clientId: e.HUBSPOT_CLIENT_ID,
    clientSecret: e.HUBSPOT_CLIENT_SECRET,
    authUrl: e.HUBSPOT_AUTH_URL,
    baseUrl: e.HUBSPOT_BASE_URL,
    rateLimitMax: e.HUBSPOT_RATE_LIMIT_MAX,
    rateLimitWindowMs: e.HUBSPOT_RATE_LIMIT_WINDOW_MS,
    dailyLimit: e.HUBSPOT_DAILY_LIMIT,
    searchPerSecond: e.HUBSPOT_SEARCH_PER_SECOND,
    pollIntervalMs: e.HUBSPOT_POLL_INTERVAL_MS,
  };
}

/**
 * What every HubSpot connector of this server takes from the settings and the mapping, whoever's
 * token it holds (the env's private app or an OAuth install): the app's rate limits, and the
 * properties the mapping reads, so a fetch asks for those and no more.
 */
export function hubspotLimitsAndProperties(hs: Pick<HubSpotSettings, 'rateLimitMax' | 'rateLimitWindowMs' | 'searchPerSecond' | 'dailyLimit'>) {
  const mapping = loadMapping(resolveFromRoot(HUBSPOT_MAPPING_FILE));
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

export const hubspot = defineConnector({
  system: 'hubspot',
  label: 'HubSpot',
  accountNoun: 'portal',
  mappingFile: HUBSPOT_MAPPING_FILE,
  env: HUBSPOT_ENV,
  settings: settingsOf,
  configured: (hs) => hs.configured,

  fromEnv(hs, d) {
    if (!hs.accessToken) return null;
    return {
      pollIntervalMs: hs.pollIntervalMs,
      connector: createHubSpotConnector({
        accessToken: hs.accessToken,
        baseUrl: hs.baseUrl,
        clientSecret: hs.clientSecret ?? undefined,
        limiter: d.limiter,
        logger: d.logger,
        ...hubspotLimitsAndProperties(hs),
        metrics: d.metrics,
      }),
    };
  },

  fromInstall(row, _credentials, hs, d) {
    if (!hs.clientId || !hs.clientSecret) {
      d.logger.warn('HubSpot OAuth connection found but HUBSPOT_CLIENT_ID / HUBSPOT_CLIENT_SECRET are unset: its token cannot be refreshed; not driven');
      return null;
    }
    const oauth = { clientId: hs.clientId, clientSecret: hs.clientSecret, baseUrl: hs.baseUrl, redirectUri: `${d.publicUrl.replace(/\/$/, '')}/oauth/hubspot/callback` };
    const keeper = d.tokenKeeper((refreshToken) => refreshHubSpotToken(oauth, refreshToken));
    return createHubSpotConnector({
      accessToken: (o) => keeper.accessToken(o),
      // HubSpot counts an OAuth app's calls per installing portal.
      ...(row.accountId && { limiterKey: `hubspot:${row.accountId}` }),
      baseUrl: hs.baseUrl,
      // Webhooks of a public app are signed with the app's client secret.
      clientSecret: hs.clientSecret,
      limiter: d.limiter,
      logger: d.logger,
      ...hubspotLimitsAndProperties(hs),
      metrics: d.metrics,
    });
  },

  oauth: {
    pkce: false,
    unconfigured: (hs) =>
      hs.clientId && hs.clientSecret ? null : "HubSpot installs are not configured: set HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET (your HubSpot app's auth settings)",
    authorizeUrl: (hs, a) => hubspotAuthorizeUrl({ clientId: hs.clientId!, clientSecret: hs.clientSecret!, authUrl: hs.authUrl, baseUrl: hs.baseUrl, redirectUri: a.redirectUri }, a.state),
    async install(hs, a) {
      const cfg = { clientId: hs.clientId!, clientSecret: hs.clientSecret!, authUrl: hs.authUrl, baseUrl: hs.baseUrl, redirectUri: a.redirectUri };
      const tokens = await exchangeHubSpotCode(cfg, a.code, a.now);
      const info = await hubspotTokenInfo(cfg, tokens.accessToken);
      return {
        accountId: info.portalId,
        credentials: { kind: 'oauth', system: 'hubspot', ...tokens, scopes: info.scopes, installedAt: new Date(a.now()).toISOString() },
        config: { auth: 'oauth', ...(info.hubDomain && { hubDomain: info.hubDomain }), ...(info.user && { installedBy: info.user }) },
        lines: [`HubSpot portal ${info.portalId}${info.hubDomain ? ` (${info.hubDomain})` : ''} is connected; its contacts sync shortly.`],
      };
    },
  },

  secretHeaders: ['x-hubspot-signature', 'x-hubspot-signature-v3'],
  record: { schema: HubSpotContactSchema, what: 'HubSpot CRM v3 contact' },
  sandbox: { start: startHubSpotDemoSandbox },
});
