import { z } from 'zod';
import { HTTP, int, text, url, variableSchema, type EnvVarSpec } from '../kit/env-vars.js';

/**
 * qualify's own environment variables, in one table: its meaning, its default, what a valid value
 * looks like, and whether it is a secret (never echoed in errors or logs). Each connector declares
 * its own (`<SYSTEM>_*`) in its definition; src/config/load-config.ts validates both at once.
 * `.env.example` lists the same variables; a test keeps the two in step.
 */

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];



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
    doc: "Requests per window one client IP may send to /webhooks/* before 429 (0: no limit). Far above any system's bursts of deliveries (the busiest sends 10 concurrent requests of up to 100 events).",
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
    doc: 'Run against the built-in sandboxes: auto (on when no system is configured, neither by credentials nor by an OAuth app), true or false.',
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
  QUALIFY_DEMO_SYSTEMS: {
    doc: 'Which systems demo mode runs sandboxes of, comma-separated (those with a sandbox: see the table of systems in the README). Unset: the first registered system that has one.',
    expected: 'system names separated by commas',
    parse: (raw: string) => {
      const systems = raw.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
      return systems.length > 0 && systems.every((s) => /^[a-z0-9]+$/.test(s)) ? systems : undefined;
    },
  },
} satisfies Record<string, EnvVarSpec<unknown>>;

export type EnvVarName = keyof typeof ENV_VARS;
type Parsed<K extends EnvVarName> = (typeof ENV_VARS)[K] extends { parse: (raw: string) => infer T | undefined }
  ? (typeof ENV_VARS)[K] extends { default: string }
    ? Exclude<T, undefined>
    : Exclude<T, undefined> | null
  : never;
export type ParsedEnv = { [K in EnvVarName]: Parsed<K> };


export const EnvSchema = z.object(Object.fromEntries(Object.entries(ENV_VARS).map(([name, spec]) => [name, variableSchema(spec)]))).transform((env) => env as unknown as ParsedEnv);
