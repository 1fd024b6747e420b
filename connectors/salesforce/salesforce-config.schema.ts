import { HTTP, int, parseEnvVars, text, url, type EnvVarSpec, type ParsedVars } from '../../src/kit/index.js';

/**
 * Salesforce's environment variables, declared once: the app's config validates them with every
 * other variable, and `salesforceConfigFromEnv` (benchmarks, scripts) reads them through the same
 * declaration. jsforce defaults to API version 50.0, so the version is pinned here.
 */
export const SALESFORCE_ENV = {
  SALESFORCE_LOGIN_URL: { doc: 'Salesforce OAuth login URL (https://test.salesforce.com for sandboxes).', default: 'https://login.salesforce.com', ...url(HTTP) },
  SALESFORCE_CLIENT_ID: {
    doc: 'Connected app consumer key: with SALESFORCE_REFRESH_TOKEN it connects one org from the environment; alone (with the secret) it enables OAuth installs (GET /oauth/salesforce/install).',
    ...text,
  },
  SALESFORCE_CLIENT_SECRET: { doc: 'Connected app consumer secret.', secret: true, ...text },
  SALESFORCE_REFRESH_TOKEN: { doc: 'OAuth 2.0 refresh token of the integration user.', secret: true, ...text },
  SALESFORCE_BASE_URL: { doc: "The org's instance URL, the API base, e.g. https://acme.my.salesforce.com (else learned from the token response).", ...url(HTTP) },
  SALESFORCE_API_VERSION: {
    doc: 'Salesforce REST API version (pinned: jsforce defaults to an old one).',
    default: '62.0',
    expected: 'a version like 62.0',
    parse: (raw: string) => (/^\d{2,3}\.0$/.test(raw) ? raw : undefined),
  },
  SALESFORCE_ORG_ID: {
    doc: 'Organization id; Outbound Messages from another org are refused.',
    expected: 'a 15- or 18-character id starting with 00D',
    parse: (raw: string) => (/^00D[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$/.test(raw) ? raw : undefined),
  },
  SALESFORCE_WEBHOOK_SECRET: { doc: 'Shared secret expected in the Outbound Message URL (?secret=…).', secret: true, ...text },
  SALESFORCE_DAILY_SHARE: {
    doc: "Largest share of the org's daily API limit qualify may spend (0–1].",
    default: '0.2',
    expected: 'a number greater than 0 and at most 1',
    parse: (raw: string) => {
      const n = Number(raw);
      return /^\d*\.?\d+$/.test(raw) && n > 0 && n <= 1 ? n : undefined;
    },
  },
  SALESFORCE_BULK_THRESHOLD: { doc: 'Backfills above this many records use Bulk API 2.0.', default: '2000', ...int(1) },
  SALESFORCE_POLL_INTERVAL_MS: { doc: 'Incremental poll interval (ms).', default: '300000', ...int(1000) },
} satisfies Record<string, EnvVarSpec<unknown>>;

/** The validated settings (the app config's view of Salesforce). */
export interface SalesforceSettings {
  /** Client id and refresh token are set: the env connection exists. */
  configured: boolean;
  loginUrl: string;
  clientId: string | null;
  clientSecret: string | null;
  refreshToken: string | null;
  instanceUrl: string | null;
  apiVersion: string;
  orgId: string | null;
  webhookSecret: string | null;
  dailyShare: number;
  bulkThreshold: number;
  pollIntervalMs: number;
}

export function salesforceSettings(e: ParsedVars<typeof SALESFORCE_ENV>): SalesforceSettings {
  return {
    configured: e.SALESFORCE_CLIENT_ID !== null && e.SALESFORCE_REFRESH_TOKEN !== null,
    loginUrl: e.SALESFORCE_LOGIN_URL,
    clientId: e.SALESFORCE_CLIENT_ID,
    clientSecret: e.SALESFORCE_CLIENT_SECRET,
    refreshToken: e.SALESFORCE_REFRESH_TOKEN,
    instanceUrl: e.SALESFORCE_BASE_URL,
    apiVersion: e.SALESFORCE_API_VERSION,
    orgId: e.SALESFORCE_ORG_ID,
    webhookSecret: e.SALESFORCE_WEBHOOK_SECRET,
    dailyShare: e.SALESFORCE_DAILY_SHARE,
    bulkThreshold: e.SALESFORCE_BULK_THRESHOLD,
    pollIntervalMs: e.SALESFORCE_POLL_INTERVAL_MS,
  };
}

/** A client id alone is an OAuth-install setup; a secret or refresh token without the client id is a half-done one. */
export function checkSalesforceEnv(e: ParsedVars<typeof SALESFORCE_ENV>): Array<[string, string]> {
  return (e.SALESFORCE_CLIENT_SECRET !== null || e.SALESFORCE_REFRESH_TOKEN !== null) && e.SALESFORCE_CLIENT_ID === null
    ? [['SALESFORCE_CLIENT_ID', 'expected to be set: the other Salesforce credentials are']]
    : [];
}

export interface SalesforceConfig {
  loginUrl: string;
  clientId: string;
  clientSecret?: string;
  refreshToken: string;
  /** Until the first token response names it: the login URL. */
  instanceUrl?: string;
  apiVersion: string;
  bulkThreshold: number;
  dailyBudgetShare: number;
  outboundSecret?: string;
  orgId?: string;
  /** Bulk API 2.0 job polling (ms). */
  bulkPollIntervalMs: number;
  bulkPollTimeoutMs: number;
}

/** The env connection's settings straight from an environment (benchmarks, scripts): the same declaration, every problem at once. */
export function salesforceConfigFromEnv(env: NodeJS.ProcessEnv = process.env): SalesforceConfig {
  const parsed = parseEnvVars(SALESFORCE_ENV, env);
  const problems = parsed.ok ? [] : parsed.problems.map((p) => ({ variable: p.variable, problem: p.problem }));
  for (const name of ['SALESFORCE_CLIENT_ID', 'SALESFORCE_REFRESH_TOKEN'] as const) {
    if (!env[name]?.trim()) problems.push({ variable: name, problem: 'expected to be set' });
  }
  if (!parsed.ok || problems.length) {
    const order = Object.keys(SALESFORCE_ENV);
    problems.sort((a, b) => order.indexOf(a.variable) - order.indexOf(b.variable));
    throw new Error(`Salesforce configuration is invalid (environment):\n${problems.map((p) => `  ${p.variable}: ${p.problem}`).join('\n')}`);
  }
  return salesforceConfigFromApp(salesforceSettings(parsed.vars));
}

/** Whether the environment configures Salesforce at all (the CLI skips the connector otherwise). */
export function salesforceConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return !!(env.SALESFORCE_CLIENT_ID && env.SALESFORCE_REFRESH_TOKEN);
}

export function salesforceConfigFromApp(c: Omit<SalesforceSettings, 'configured' | 'pollIntervalMs'>): SalesforceConfig {
  if (!c.clientId || !c.refreshToken) throw new Error('Salesforce is not configured: SALESFORCE_CLIENT_ID and SALESFORCE_REFRESH_TOKEN are required');
  return {
    loginUrl: c.loginUrl,
    clientId: c.clientId,
    clientSecret: c.clientSecret ?? undefined,
    refreshToken: c.refreshToken,
    instanceUrl: c.instanceUrl?.replace(/\/$/, '') ?? undefined,
    apiVersion: c.apiVersion,
    bulkThreshold: c.bulkThreshold,
    dailyBudgetShare: c.dailyShare,
    outboundSecret: c.webhookSecret ?? undefined,
    orgId: c.orgId ?? undefined,
    bulkPollIntervalMs: 1000,
    bulkPollTimeoutMs: 10 * 60_000,
  };
}
