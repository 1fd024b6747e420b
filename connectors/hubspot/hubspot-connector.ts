import type { Logger } from 'pino';
import type { Connector, PeopleSource, WriteTarget } from '../../src/kit/index.js';
import type { ApiCallMetrics } from '../../src/kit/index.js';
import type { RedisRateLimiter } from '../../src/kit/index.js';
import { HubSpotClient, type HubSpotClientOptions, type HubSpotLimits } from './hubspot-client.js';
import { batchRead, pollContacts, toRawRecord, type ReadOptions } from './hubspot-poll.js';
import { ensureHubSpotSetup } from './hubspot-setup.js';
import { HubSpotWebhookReceiver } from './hubspot-webhook.js';
import { MAX_BATCH_UPDATE, writeContacts } from './hubspot-write.js';

/**
 * The HubSpot connector: contacts in (webhooks, search polling, batch reads with property
 * history), qualify's properties and lifecycle stage out (batch update). See README.md.
 */

export interface HubSpotConnectorOptions {
  /** HUBSPOT_ACCESS_TOKEN (private app), or an OAuth install's token provider (src/oauth/token-keeper.ts). */
  accessToken: HubSpotClientOptions['accessToken'];
  /** With a token provider: the rate-limit key of the account (`hubspot:<portalId>`). */
  limiterKey?: string;
  /** HUBSPOT_BASE_URL; default https://api.hubapi.com (the simulator in demo mode and tests). */
  baseUrl?: string;
  /** HUBSPOT_CLIENT_SECRET; without it there is no webhook receiver. */
  clientSecret?: string;
  limiter: RedisRateLimiter;
  limits?: Partial<HubSpotLimits>;
  logger: Logger;
  /** Properties the mapping reads; until src/mapping lands, pass them here (readProperties(mapping)). */
  properties?: string[];
  /** Properties whose history the mapping reads (historyProperties(mapping)). */
  historyProperties?: string[];
  historyMode?: ReadOptions['historyMode'];
  indexLagMs?: number;
  retry?: { retries?: number; minTimeoutMs?: number; maxTimeoutMs?: number };
  now?: () => number;
  /** Counts the client's API calls and rate-limit refusals for this connection. */
  metrics?: ApiCallMetrics;
}

/** Read when no mapping says otherwise: identity, firmographics, stage, engagement. */
export const DEFAULT_CONTACT_PROPERTIES = [
  'email', 'firstname', 'lastname', 'jobtitle', 'company', 'website', 'phone', 'country', 'industry',
  'numemployees', 'annualrevenue', 'lifecyclestage', 'hs_lead_status', 'hs_analytics_source',
  'num_conversion_events', 'recent_conversion_event_name', 'recent_conversion_date',
  'hs_email_open', 'hs_email_click', 'hs_email_last_open_date', 'hs_email_last_click_date',
  'hs_analytics_num_page_views', 'hs_analytics_num_visits', 'hs_analytics_last_visit_timestamp',
  'qualify_score', 'qualify_grade', 'qualify_model_version',
];
export const DEFAULT_HISTORY_PROPERTIES = ['recent_conversion_event_name'];

export interface HubSpotConnector extends Connector {
  client: HubSpotClient;
  people: PeopleSource;
  writes: WriteTarget;
}

export const HUBSPOT_MAPPING_FILE = 'mappings/hubspot.yaml';

export function createHubSpotConnector(opts: HubSpotConnectorOptions): HubSpotConnector {
  const client = new HubSpotClient({
    accessToken: opts.accessToken,
    limiterKey: opts.limiterKey,
    baseUrl: opts.baseUrl,
    limiter: opts.limiter,
    limits: opts.limits,
    logger: opts.logger,
    retry: opts.retry,
    now: opts.now,
    metrics: opts.metrics,
  });
  const read: ReadOptions = {
    properties: opts.properties ?? DEFAULT_CONTACT_PROPERTIES,
    historyProperties: opts.historyProperties ?? DEFAULT_HISTORY_PROPERTIES,
    historyMode: opts.historyMode,
    indexLagMs: opts.indexLagMs,
    now: opts.now,
  };

  return {
    system: 'hubspot',
    mappingFile: HUBSPOT_MAPPING_FILE,
    client,
    people: {
      ...(opts.clientSecret && { webhook: new HubSpotWebhookReceiver({ clientSecret: opts.clientSecret, now: opts.now }) }),
      fetch: async (ctx, refs) => {
        client.adoptAccount(ctx.connection);
        const ids = [...new Set(refs.filter((r) => r.objectType === 'contact').map((r) => r.recordId))];
        const history = read.historyMode !== 'none' && read.historyProperties.length > 0;
        return (await batchRead(client, ctx, ids, read, history)).map(toRawRecord);
      },
      poll: (ctx, cursor, { full }) => {
        client.adoptAccount(ctx.connection);
        return pollContacts(client, ctx, cursor, { ...read, full });
      },
    },
    writes: {
      maxBatch: MAX_BATCH_UPDATE,
      stageRule: 'lifecyclestage moves forward only: a move back is written as a clear, then the new value',
      write: (ctx, batch) => {
        client.adoptAccount(ctx.connection);
        return writeContacts(client, ctx, batch);
      },
    },
    setup: (ctx) => ensureHubSpotSetup(client, ctx),
    // The daily counter the limiter keeps for the portal (shared by every process), not a vendor call.
    budget: async (ctx) => {
      client.adoptAccount(ctx.connection);
      const usedToday = await opts.limiter.dailyUsed(client.limiterKey('daily'), client.dailyReset().resetAt);
      const limit = client.limits.daily;
      return { usedToday, limit, share: limit ? usedToday / limit : null };
    },
  };
}

export { HubSpotClient, DEFAULT_HUBSPOT_LIMITS, type HubSpotLimits } from './hubspot-client.js';
export { HUBSPOT_STATUS_TABLE } from './hubspot-errors.js';
export { HubSpotWebhookReceiver, signV3, dedupeKeyOf } from './hubspot-webhook.js';
export { HubSpotCursorSchema, type HubSpotCursor } from './hubspot-poll.js';
export { QUALIFY_PROPERTIES } from './hubspot-setup.js';
export { LIFECYCLE_ORDER } from './hubspot-write.js';
