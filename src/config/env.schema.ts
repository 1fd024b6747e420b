import { z } from 'zod';

/**
 * Every environment variable qualify reads, in one table: its meaning, its default, what a valid
 * value looks like, and whether it is a secret (never echoed in errors or logs). `.env.example`
 * lists the same variables; a test keeps the two in step.
 */

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface EnvVarSpec<T> {
  doc: string;
  /** Used when the variable is unset or empty. */
  default?: string;
  secret?: boolean;
  /** What a valid value looks like, for the error message ("expected …"). */
  expected: string;
  parse: (raw: string) => T | undefined;
}

const MAX = Number.MAX_SAFE_INTEGER;

function int(min: number, max = MAX): Pick<EnvVarSpec<number>, 'expected' | 'parse'> {
  return {
    expected: max === MAX ? `a whole number of at least ${min}` : `a whole number from ${min} to ${max}`,
    parse: (raw) => {
      if (!/^-?\d+$/.test(raw)) return undefined;
      const n = Number(raw);
      return n >= min && n <= max ? n : undefined;
    },
  };
}

function url(protocols: string[]): Pick<EnvVarSpec<string>, 'expected' | 'parse'> {
  return {
    expected: `a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
    parse: (raw) => {
      if (!z.url().safeParse(raw).success) return undefined;
      return protocols.includes(new URL(raw).protocol) ? raw.replace(/\/+$/, '') : undefined;
    },
  };
}

const text: Pick<EnvVarSpec<string>, 'expected' | 'parse'> = { expected: 'a non-empty text', parse: (raw) => raw };

const HTTP = ['http:', 'https:'];

export const ENV_VARS = {
  PORT: { doc: 'HTTP port of the server (webhooks, API, health checks); 0 picks a free one.', default: '3000', ...int(0, 65535) },
  LOG_LEVEL: {
    doc: 'Log level: fatal, error, warn, info, debug, trace or silent.',
    default: 'info',
    expected: `one of ${LOG_LEVELS.join(', ')}`,
    parse: (raw: string) => LOG_LEVELS.find((l) => l === raw.toLowerCase()),
  },
  REDIS_URL: { doc: 'Redis for the BullMQ queues and the shared rate limits.', default: 'redis://127.0.0.1:6379', ...url(['redis:', 'rediss:']) },
  QUALIFY_QUEUE_PREFIX: {
    doc: 'Key prefix of every queue in Redis (tests use their own, so they never touch a running instance).',
    default: 'qualify',
    expected: 'letters, digits, "-" or "_"',
    parse: (raw: string) => (/^[A-Za-z0-9_-]+$/.test(raw) ? raw : undefined),
  },
  DATABASE_URL: {
    doc: 'PostgreSQL store of record. Unset: an embedded PGlite database in QUALIFY_DATA_DIR.',
    ...url(['postgres:', 'postgresql:']),
  },
  QUALIFY_DATA_DIR: { doc: 'Data directory (the embedded database lives here when DATABASE_URL is unset).', default: './.qualify', ...text },
  QUALIFY_PUBLIC_URL: {
    doc: 'Externally visible base URL (webhook signatures are checked against it behind a proxy). Default http://localhost:PORT.',
    ...url(HTTP),
  },
  QUALIFY_MODEL_FILE: { doc: 'Scoring model file.', default: 'mappings/scoring.yaml', ...text },
  QUALIFY_WORKER_METRICS_PORT: { doc: 'Port where a separately run `qualify worker` serves /metrics, /healthz and /readyz (0 picks a free one).', default: '9464', ...int(0, 65535) },
  QUALIFY_ADMIN_TOKEN: { doc: 'Operator bearer token for /api and /metrics, and the key to /admin/queues. Unset: /api and /metrics are open (demo, local use) and /admin/queues is off.', secret: true, ...text },
  QUALIFY_SECRET_KEY: {
    doc: 'Key that encrypts stored secrets (OAuth tokens) with AES-256-GCM and signs OAuth state: 32 bytes as 64 hex digits or base64 (openssl rand -base64 32), or a passphrase of at least 16 characters (stretched with scrypt). Unset: a key generated once into QUALIFY_DATA_DIR/secret.key (demo, local use); production sets it, the same in every process.',
    secret: true,
    expected: '64 hex digits, base64 of 32 bytes, or a passphrase of at least 16 characters',
    parse: (raw: string) => (raw.length >= 16 ? raw : undefined),
  },
  QUALIFY_SECRET_KEY_PREVIOUS: {
    doc: 'While rotating QUALIFY_SECRET_KEY: the old key(s), comma-separated. Stored secrets sealed under them still open, and move to the new key when next saved or with `qualify secrets reseal`.',
    secret: true,
    expected: 'keys of the same form as QUALIFY_SECRET_KEY, comma-separated',
    parse: (raw: string) => {
      const keys = raw.split(',').map((k) => k.trim());
      return keys.every((k) => k.length >= 16) ? keys : undefined;
    },
  },
  QUALIFY_RATE_LIMIT_WINDOW_MS: { doc: 'Window of the per-client-IP rate limits on the public webhook and OAuth routes (ms), shared by every server process through Redis.', default: '10000', ...int(100) },
  QUALIFY_RATE_LIMIT_WEBHOOKS: {
    doc: "Requests per window one client IP may send to /webhooks/* before 429 (0: no limit). Far above HubSpot's bursts (10 concurrent requests of up to 100 events).",
    default: '20000',
    ...int(0),
  },
  QUALIFY_RATE_LIMIT_OAUTH: { doc: 'Requests per window one client IP may send to /oauth/* before 429 (0: no limit).', default: '30', ...int(0) },
  QUALIFY_TRUSTED_PROXIES: {
    doc: 'Reverse proxies in front of qualify; the client IP for rate limits is read that many hops from the right of X-Forwarded-For (0: the socket address). Loopback clients are never limited.',
    default: '0',
    ...int(0, 10),
  },
  WRITEBACK_COALESCE_MS: { doc: 'The most a write-back (or a webhook\'s re-read) waits to be batched when there is a backlog (ms); when quiet it goes at once, and under steady traffic at most one flush of each kind runs per this period.', default: '2000', ...int(0) },
  QUALIFY_DEMO: {
    doc: 'Run against the built-in HubSpot sandbox: auto (on when neither HUBSPOT_ACCESS_TOKEN nor HUBSPOT_CLIENT_ID is set), true or false.',
    default: 'auto',
    expected: 'auto, true or false',
    parse: (raw: string): 'auto' | boolean | undefined => {
      const v = raw.toLowerCase();
      if (v === 'auto') return 'auto';
      if (['true', '1', 'yes', 'on'].includes(v)) return true;
      if (['false', '0', 'no', 'off'].includes(v)) return false;
      return undefined;
    },
  },

  HUBSPOT_ACCESS_TOKEN: { doc: 'HubSpot private app access token. Unset: demo mode.', secret: true, ...text },
  HUBSPOT_CLIENT_ID: { doc: 'HubSpot app client id, for OAuth installs (GET /oauth/hubspot/install).', ...text },
  HUBSPOT_CLIENT_SECRET: { doc: "HubSpot app client secret, to verify webhook signatures (X-HubSpot-Signature-v3).", secret: true, ...text },
  HUBSPOT_AUTH_URL: { doc: "HubSpot's OAuth authorise page, where an install sends the browser.", default: 'https://app.hubspot.com/oauth/authorize', ...url(HTTP) },
  HUBSPOT_BASE_URL: { doc: 'HubSpot API base URL; every SDK call goes here.', default: 'https://api.hubapi.com', ...url(HTTP) },
  HUBSPOT_RATE_LIMIT_MAX: { doc: 'HubSpot calls allowed per window, shared by every worker.', default: '100', ...int(1) },
  HUBSPOT_RATE_LIMIT_WINDOW_MS: { doc: 'Length of that rolling window (ms).', default: '10000', ...int(1) },
  HUBSPOT_DAILY_LIMIT: { doc: 'HubSpot calls allowed per day for the account.', default: '250000', ...int(1) },
  HUBSPOT_SEARCH_PER_SECOND: { doc: 'CRM search requests per second (HubSpot allows 5).', default: '5', ...int(1) },
  HUBSPOT_POLL_INTERVAL_MS: { doc: 'Incremental poll interval, catching what webhooks missed (ms).', default: '300000', ...int(1000) },

  SALESFORCE_LOGIN_URL: { doc: 'Salesforce OAuth login URL (https://test.salesforce.com for sandboxes).', default: 'https://login.salesforce.com', ...url(HTTP) },
  SALESFORCE_CLIENT_ID: { doc: 'Connected app consumer key: with SALESFORCE_REFRESH_TOKEN it connects one org from the environment; alone (with the secret) it enables OAuth installs (GET /oauth/salesforce/install).', ...text },
  SALESFORCE_CLIENT_SECRET: { doc: 'Connected app consumer secret.', secret: true, ...text },
  SALESFORCE_REFRESH_TOKEN: { doc: 'OAuth 2.0 refresh token of the integration user.', secret: true, ...text },
  SALESFORCE_INSTANCE_URL: { doc: 'Org instance URL, e.g. https://acme.my.salesforce.com (else learned from the token response).', ...url(HTTP) },
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

export type EnvVarName = keyof typeof ENV_VARS;
type Parsed<K extends EnvVarName> = (typeof ENV_VARS)[K] extends { parse: (raw: string) => infer T | undefined }
  ? (typeof ENV_VARS)[K] extends { default: string }
    ? Exclude<T, undefined>
    : Exclude<T, undefined> | null
  : never;
export type ParsedEnv = { [K in EnvVarName]: Parsed<K> };

/** The zod schema of one variable: unset or blank means the default (or null when there is none). */
function variableSchema(spec: EnvVarSpec<unknown>) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const value = raw === undefined || raw.trim() === '' ? spec.default : raw.trim();
      if (value === undefined) return null;
      const parsed = spec.parse(value);
      if (parsed === undefined) {
        ctx.addIssue({ code: 'custom', message: `expected ${spec.expected}` });
        return z.NEVER;
      }
      return parsed;
    });
}

/** Checks that need two variables at once, reported like any other bad variable. */
function crossChecks(env: ParsedEnv, ctx: z.RefinementCtx): void {
  // A client id alone is an OAuth-install setup (orgs connect through /oauth/salesforce/install);
  // a secret or refresh token without the client id is a half-done setup.
  if ((env.SALESFORCE_CLIENT_SECRET !== null || env.SALESFORCE_REFRESH_TOKEN !== null) && env.SALESFORCE_CLIENT_ID === null) {
    ctx.addIssue({ code: 'custom', path: ['SALESFORCE_CLIENT_ID'], message: 'expected to be set: the other Salesforce credentials are' });
  }
}

export const EnvSchema = z
  .object(Object.fromEntries(Object.entries(ENV_VARS).map(([name, spec]) => [name, variableSchema(spec)])))
  .transform((env) => env as unknown as ParsedEnv)
  .superRefine(crossChecks);
