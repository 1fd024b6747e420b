import { ENV_VARS, EnvSchema, type EnvVarName, type LogLevel, type ParsedEnv } from './env.schema.js';

/** qualify's configuration, read once from the environment at start-up. */
export interface Config {
  port: number;
  logLevel: LogLevel;
  redisUrl: string;
  queuePrefix: string;
  /** Null: the embedded PGlite store in `dataDir`. */
  databaseUrl: string | null;
  dataDir: string;
  publicUrl: string;
  modelFile: string;
  /** Port of a separately run worker's /metrics and /healthz. */
  workerMetricsPort: number;
  /** Bearer token for /api; null: open. */
  adminToken: string | null;
  /** QUALIFY_SECRET_KEY as given (see `src/security/secret-box.ts`); null: the generated key file in `dataDir`. */
  secretKey: string | null;
  /** QUALIFY_SECRET_KEY_PREVIOUS: keys being rotated out (they still open stored secrets). */
  secretKeyPrevious: string[];
  /** Per-client-IP limits on the public routes; 0 = no limit. */
  rateLimits: { windowMs: number; webhooks: number; oauth: number; trustedProxies: number };
  writebackCoalesceMs: number;
  /** Run against the built-in HubSpot sandbox. */
  demo: boolean;
  hubspot: {
    /** A token is set (demo mode off unless forced). */
    configured: boolean;
    accessToken: string | null;
    /** OAuth app client id: installs through /oauth/hubspot/install need it and the client secret. */
    clientId: string | null;
    clientSecret: string | null;
    authUrl: string;
    baseUrl: string;
    rateLimitMax: number;
    rateLimitWindowMs: number;
    dailyLimit: number;
    searchPerSecond: number;
    pollIntervalMs: number;
  };
  salesforce: {
    /** Client id and refresh token are set. */
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
  };
}

export interface ConfigProblem {
  variable: string;
  /** The value as given; secrets are never repeated. */
  value: string;
  problem: string;
}

/** Every bad variable at once, so a deploy is fixed in one round. */
export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(
      `Invalid configuration (${problems.length} ${problems.length === 1 ? 'problem' : 'problems'}):\n` +
        problems.map((p) => `  ${p.variable}=${p.value}: ${p.problem}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

function shown(name: string, raw: string | undefined): string {
  if (raw === undefined || raw.trim() === '') return '(unset)';
  const spec = ENV_VARS[name as EnvVarName] as { secret?: boolean } | undefined;
  return spec?.secret ? `(hidden, ${raw.length} characters)` : JSON.stringify(raw);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const input = Object.fromEntries(Object.keys(ENV_VARS).map((name) => [name, env[name]]));
  const result = EnvSchema.safeParse(input);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? '(environment)');
        return { variable: name, value: shown(name, env[name]), problem: issue.message };
      }),
    );
  }
  return toConfig(result.data);
}

function toConfig(e: ParsedEnv): Config {
  return {
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    redisUrl: e.REDIS_URL,
    queuePrefix: e.QUALIFY_QUEUE_PREFIX,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.QUALIFY_DATA_DIR,
    publicUrl: e.QUALIFY_PUBLIC_URL ?? `http://localhost:${e.PORT}`,
    modelFile: e.QUALIFY_MODEL_FILE,
    workerMetricsPort: e.QUALIFY_WORKER_METRICS_PORT,
    adminToken: e.QUALIFY_ADMIN_TOKEN,
    secretKey: e.QUALIFY_SECRET_KEY,
    secretKeyPrevious: e.QUALIFY_SECRET_KEY_PREVIOUS ?? [],
    rateLimits: {
      windowMs: e.QUALIFY_RATE_LIMIT_WINDOW_MS,
      webhooks: e.QUALIFY_RATE_LIMIT_WEBHOOKS,
      oauth: e.QUALIFY_RATE_LIMIT_OAUTH,
      trustedProxies: e.QUALIFY_TRUSTED_PROXIES,
    },
    writebackCoalesceMs: e.WRITEBACK_COALESCE_MS,
    // An OAuth app (HUBSPOT_CLIENT_ID) means real portals are installed at run time: no sandbox then.
    demo: e.QUALIFY_DEMO === 'auto' ? e.HUBSPOT_ACCESS_TOKEN === null && e.HUBSPOT_CLIENT_ID === null : e.QUALIFY_DEMO,
    hubspot: {
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
    },
    salesforce: {
      configured: e.SALESFORCE_CLIENT_ID !== null && e.SALESFORCE_REFRESH_TOKEN !== null,
      loginUrl: e.SALESFORCE_LOGIN_URL,
      clientId: e.SALESFORCE_CLIENT_ID,
      clientSecret: e.SALESFORCE_CLIENT_SECRET,
      refreshToken: e.SALESFORCE_REFRESH_TOKEN,
      instanceUrl: e.SALESFORCE_INSTANCE_URL,
      apiVersion: e.SALESFORCE_API_VERSION,
      orgId: e.SALESFORCE_ORG_ID,
      webhookSecret: e.SALESFORCE_WEBHOOK_SECRET,
      dailyShare: e.SALESFORCE_DAILY_SHARE,
      bulkThreshold: e.SALESFORCE_BULK_THRESHOLD,
      pollIntervalMs: e.SALESFORCE_POLL_INTERVAL_MS,
    },
  };
}

/** The secret values in a config (tokens, client secrets), so the logger can mask them wherever they appear. */
export function secretValues(config: Config): string[] {
  return [
    config.adminToken,
    config.secretKey,
    ...config.secretKeyPrevious,
    config.hubspot.accessToken,
    config.hubspot.clientSecret,
    config.salesforce.clientSecret,
    config.salesforce.refreshToken,
    config.salesforce.webhookSecret,
  ].filter((v): v is string => typeof v === 'string' && v.length >= 6);
}
