import { baseUrl, defineConnector, int, loadMapping, resolveFromRoot, text, url, HTTP, type Connector, type ConnectorContext, type Mapping, type PeopleSource, type WriteTarget } from '../../src/kit/index.js';
import { PipedriveClient, type PipedriveClientOptions, type PipedriveLimits } from './pipedrive-client.js';
import { pipedriveSandbox } from './pipedrive-demo.js';
import { FieldCatalog } from './pipedrive-fields.js';
import { installPipedrive, pipedriveAuthorizeUrl, refreshPipedriveToken } from './pipedrive-oauth.js';
import { fetchPersons, OrganizationCache, pollPersons, type ReadDeps } from './pipedrive-read.js';
import { ensurePipedriveSetup, type WebhookSettings } from './pipedrive-setup.js';
import { PipedriveWebhookReceiver } from './pipedrive-webhook.js';
import { MAX_BATCH, writePersons } from './pipedrive-write.js';

/**
 * The Pipedrive connector: persons in (API v2 listing by update_time, reads by id, webhooks v2
 * with deletions and merges), qualify's scores and stage out (PATCH per person into custom fields
 * found by name). See README.md in this folder.
 */

export const PIPEDRIVE_MAPPING_FILE = 'mappings/pipedrive.yaml';

/** The client's options (auth, base URL, limiter, limits, retry, clock), and what the connector adds. */
export interface PipedriveConnectorOptions extends Omit<PipedriveClientOptions, 'fetch'> {
  /** Basic credentials of the webhook subscription, and where it points; without them, no receiver. */
  webhook?: WebhookSettings | null;
  mappingFile?: string;
  mapping?: Mapping;
}

export interface PipedriveConnector extends Connector {
  client: PipedriveClient;
  people: PeopleSource;
  writes: WriteTarget;
}

export function createPipedriveConnector(opts: PipedriveConnectorOptions): PipedriveConnector {
  const mappingFile = opts.mappingFile ?? PIPEDRIVE_MAPPING_FILE;
  let mapping = opts.mapping ?? null;
  const getMapping = () => (mapping ??= loadMapping(resolveFromRoot(mappingFile)));
  const { webhook: _webhook, mappingFile: _file, mapping: _mapping, ...clientOptions } = opts;
  const client = new PipedriveClient(clientOptions);
  const catalog = new FieldCatalog(client, opts.now);
  const read: ReadDeps = { client, catalog, orgs: new OrganizationCache(client, opts.now) };
  const webhook = opts.webhook ?? null;

  return {
    system: 'pipedrive',
    mappingFile,
    client,
    people: {
      ...(webhook && { webhook: new PipedriveWebhookReceiver({ user: webhook.user, password: webhook.password }) }),
      fetch: (ctx, refs) => fetchPersons(read, ctx, refs),
      poll: (ctx, cursor, pollOpts) => pollPersons(read, ctx, cursor, pollOpts),
    },
    writes: {
      maxBatch: MAX_BATCH,
      stageRule: 'the stage goes to qualify\'s own single-option field (mappings/pipedrive.yaml outbound.stage); a value a person set is kept',
      write: (ctx, batch) => writePersons(client, catalog, ctx, batch),
    },
    setup: (ctx: ConnectorContext) => ensurePipedriveSetup(client, catalog, getMapping(), ctx, webhook),
    budget: async () => {
      // Pipedrive reports no token budget in its headers; only a refusal is known (see README).
      if (!(await client.dailySpent())) return null;
      return { usedToday: 1, limit: 1, share: 1 };
    },
  };
}

// ---- the plug-in definition --------------------------------------------------------------

const env = {
  PIPEDRIVE_BASE_URL: baseUrl('https://api.pipedrive.com', 'Pipedrive API base URL for an API token (a sandbox or test double otherwise); OAuth installs use the api_domain of their token.'),
  PIPEDRIVE_API_TOKEN: { doc: 'API token of the Pipedrive user qualify acts as (Personal preferences → API); an admin, to create custom fields and webhooks.', secret: true, ...text },
  PIPEDRIVE_COMPANY_DOMAIN: { doc: 'The company\'s subdomain ({domain}.pipedrive.com), for messages and checks.', ...text },
  PIPEDRIVE_CLIENT_ID: { doc: 'OAuth client id of the Pipedrive app (Developer Hub), for installs.', ...text },
  PIPEDRIVE_CLIENT_SECRET: { doc: 'OAuth client secret of the Pipedrive app.', secret: true, ...text },
  PIPEDRIVE_AUTH_URL: { doc: 'Pipedrive OAuth server (authorize and token endpoints).', default: 'https://oauth.pipedrive.com', ...url(HTTP) },
  PIPEDRIVE_WEBHOOK_USER: { doc: 'HTTP Basic user Pipedrive sends with every webhook (set on the subscription qualify creates).', ...text },
  PIPEDRIVE_WEBHOOK_PASSWORD: { doc: 'HTTP Basic password of the webhooks; checked on every delivery.', secret: true, ...text },
  PIPEDRIVE_POLL_INTERVAL_MS: { doc: 'Incremental sync every this many ms.', default: '300000', ...int(1_000) },
  PIPEDRIVE_BURST_LIMIT: { doc: 'Requests per burst window per token (Pipedrive Growth plan: 40 for an API token, 160 for OAuth; see your plan).', default: '40', ...int(1) },
  PIPEDRIVE_BURST_WINDOW_MS: { doc: 'Pipedrive\'s rolling burst window.', default: '2000', ...int(100) },
};

export interface PipedriveSettings {
  baseUrl: string;
  apiToken: string | null;
  companyDomain: string | null;
  clientId: string | null;
  clientSecret: string | null;
  authUrl: string;
  webhookUser: string | null;
  webhookPassword: string | null;
  pollIntervalMs: number;
  limits: Partial<PipedriveLimits>;
}

export const pipedrive = defineConnector({
  system: 'pipedrive',
  label: 'Pipedrive',
  accountNoun: 'company',
  mappingFile: PIPEDRIVE_MAPPING_FILE,
  env,
  settings: (v): PipedriveSettings => ({
    baseUrl: v.PIPEDRIVE_BASE_URL,
    apiToken: v.PIPEDRIVE_API_TOKEN,
    companyDomain: v.PIPEDRIVE_COMPANY_DOMAIN,
    clientId: v.PIPEDRIVE_CLIENT_ID,
    clientSecret: v.PIPEDRIVE_CLIENT_SECRET,
    authUrl: v.PIPEDRIVE_AUTH_URL,
    webhookUser: v.PIPEDRIVE_WEBHOOK_USER,
    webhookPassword: v.PIPEDRIVE_WEBHOOK_PASSWORD,
    pollIntervalMs: v.PIPEDRIVE_POLL_INTERVAL_MS,
    limits: { burst: { max: v.PIPEDRIVE_BURST_LIMIT, windowMs: v.PIPEDRIVE_BURST_WINDOW_MS } },
  }),
  configured: (s) => s.apiToken !== null,
  check: (v) => {
    const out: Array<[string, string]> = [];
    if ((v.PIPEDRIVE_WEBHOOK_USER === null) !== (v.PIPEDRIVE_WEBHOOK_PASSWORD === null)) {
      out.push([v.PIPEDRIVE_WEBHOOK_USER === null ? 'PIPEDRIVE_WEBHOOK_USER' : 'PIPEDRIVE_WEBHOOK_PASSWORD', 'set both webhook credentials or neither']);
    }
    if ((v.PIPEDRIVE_CLIENT_ID === null) !== (v.PIPEDRIVE_CLIENT_SECRET === null)) {
      out.push([v.PIPEDRIVE_CLIENT_ID === null ? 'PIPEDRIVE_CLIENT_ID' : 'PIPEDRIVE_CLIENT_SECRET', 'an OAuth app needs both its client id and secret']);
    }
    if (v.PIPEDRIVE_WEBHOOK_PASSWORD !== null && v.PIPEDRIVE_WEBHOOK_PASSWORD.length < 16) {
      out.push(['PIPEDRIVE_WEBHOOK_PASSWORD', 'use at least 16 characters: it is all that guards the webhook route']);
    }
    return out;
  },
  fromEnv(s, deps) {
    if (!s.apiToken) return null;
    const webhook = s.webhookUser && s.webhookPassword ? { publicUrl: deps.publicUrl, user: s.webhookUser, password: s.webhookPassword } : null;
    const connector = createPipedriveConnector({ auth: { kind: 'api_token', token: s.apiToken }, baseUrl: s.baseUrl, limiter: deps.limiter, limits: s.limits, logger: deps.logger, metrics: deps.metrics, webhook });
    return { connector, pollIntervalMs: s.pollIntervalMs };
  },
  fromInstall(row, credentials, s, deps) {
    if (!s.clientId || !s.clientSecret) {
      deps.logger.error({ connection: row.id }, 'pipedrive: an installed connection needs PIPEDRIVE_CLIENT_ID and PIPEDRIVE_CLIENT_SECRET to refresh its token');
      return null;
    }
    const oauth = { clientId: s.clientId, clientSecret: s.clientSecret, authUrl: s.authUrl };
    const keeper = deps.tokenKeeper((refreshToken) => refreshPipedriveToken(oauth, refreshToken));
    const webhook = s.webhookUser && s.webhookPassword ? { publicUrl: deps.publicUrl, user: s.webhookUser, password: s.webhookPassword } : null;
    return createPipedriveConnector({
      auth: { kind: 'oauth', accessToken: (o) => keeper.accessToken(o) },
      baseUrl: async () => (await keeper.credentials()).instanceUrl ?? credentials.instanceUrl ?? s.baseUrl,
      limiter: deps.limiter,
      limiterKey: `pipedrive:${row.accountId ?? row.id}`,
      limits: { burst: { max: Math.max(s.limits.burst?.max ?? 40, 160), windowMs: s.limits.burst?.windowMs ?? 2_000 } },
      logger: deps.logger,
      metrics: deps.metrics,
      webhook,
    });
  },
  oauth: {
    unconfigured: (s) => (s.clientId && s.clientSecret ? null : 'Set PIPEDRIVE_CLIENT_ID and PIPEDRIVE_CLIENT_SECRET (a Pipedrive app in the Developer Hub) to install Pipedrive.'),
    pkce: false,
    authorizeUrl: (s, a) => pipedriveAuthorizeUrl({ clientId: s.clientId ?? '', clientSecret: s.clientSecret ?? '', authUrl: s.authUrl }, a),
    install: (s, a) => installPipedrive({ clientId: s.clientId ?? '', clientSecret: s.clientSecret ?? '', authUrl: s.authUrl }, a),
  },
  sandbox: pipedriveSandbox,
});

export { PipedriveClient, DEFAULT_PIPEDRIVE_LIMITS, type PipedriveLimits } from './pipedrive-client.js';
export { PIPEDRIVE_STATUS_TABLE, classifyPipedriveFailure, type PipedriveFailure } from './pipedrive-errors.js';
export { PipedriveWebhookReceiver, hintsOf, basicAuthMatches } from './pipedrive-webhook.js';
export { PipedriveCursorSchema, toRawRecord, fieldsByKey, type PipedriveCursor } from './pipedrive-read.js';
export { webhookUrl, type PipedriveConnectionConfig } from './pipedrive-setup.js';
