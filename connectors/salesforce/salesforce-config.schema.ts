import { z } from 'zod';

/**
 * Salesforce connection settings, read from the environment (zod: one readable error listing
 * every bad variable). jsforce defaults to API version 50.0, so the version is pinned here.
 */

const share = z.coerce.number().gt(0).lte(1);

export const SalesforceEnvSchema = z.object({
  SALESFORCE_LOGIN_URL: z.url().default('https://login.salesforce.com'),
  SALESFORCE_CLIENT_ID: z.string().min(1),
  SALESFORCE_CLIENT_SECRET: z.string().min(1).optional(),
  SALESFORCE_REFRESH_TOKEN: z.string().min(1),
  /** Optional: the token response names the instance, and jsforce follows it. */
  SALESFORCE_INSTANCE_URL: z.url().optional(),
  SALESFORCE_API_VERSION: z.string().regex(/^\d{2,3}\.0$/, 'like 62.0').default('62.0'),
  /** Writes of at least this many records go through Bulk API 2.0 instead of sObject Collections. */
  SALESFORCE_BULK_THRESHOLD: z.coerce.number().int().positive().default(2000),
  /** Share of the org's daily API limit qualify may take the org to (0.2 = 20 %). */
  SALESFORCE_DAILY_SHARE: share.default(0.2),
  /** Optional shared secret expected as `?secret=` on the Outbound Message endpoint URL. */
  SALESFORCE_WEBHOOK_SECRET: z.string().min(1).optional(),
  /** Optional expected org id (15 or 18 chars); otherwise learned from the token response. */
  SALESFORCE_ORG_ID: z.string().regex(/^00D[a-zA-Z0-9]{12}([a-zA-Z0-9]{3})?$/, 'an org id starting with 00D').optional(),
});

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

export function salesforceConfigFromEnv(env: NodeJS.ProcessEnv = process.env): SalesforceConfig {
  const parsed = SalesforceEnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Salesforce configuration is invalid (environment):\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    loginUrl: e.SALESFORCE_LOGIN_URL,
    clientId: e.SALESFORCE_CLIENT_ID,
    clientSecret: e.SALESFORCE_CLIENT_SECRET,
    refreshToken: e.SALESFORCE_REFRESH_TOKEN,
    instanceUrl: e.SALESFORCE_INSTANCE_URL?.replace(/\/$/, ''),
    apiVersion: e.SALESFORCE_API_VERSION,
    bulkThreshold: e.SALESFORCE_BULK_THRESHOLD,
    dailyBudgetShare: e.SALESFORCE_DAILY_SHARE,
    outboundSecret: e.SALESFORCE_WEBHOOK_SECRET,
    orgId: e.SALESFORCE_ORG_ID,
    bulkPollIntervalMs: 1000,
    bulkPollTimeoutMs: 10 * 60_000,
  };
}

/** Whether the environment configures Salesforce at all (the CLI skips the connector otherwise). */
export function salesforceConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return !!(env.SALESFORCE_CLIENT_ID && env.SALESFORCE_REFRESH_TOKEN);
}

/** The `salesforce` section of the application's validated config (src/config/load-config.ts). */
export interface AppSalesforceSettings {
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
}

export function salesforceConfigFromApp(c: AppSalesforceSettings): SalesforceConfig {
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
