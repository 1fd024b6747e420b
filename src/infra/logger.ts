import { pino, type DestinationStream, type Logger } from 'pino';
import { CONNECTORS } from '../app/connector-registry.js';
import type { LogLevel } from '../config/env.schema.js';
import { secretValues, type Config } from '../config/load-config.js';

/**
 * JSON logs with nothing in them that a log reader may not see. Two layers:
 *  1. pino `redact` removes the values of keys that hold credentials (token, secret, authorization, …);
 *  2. every finished line passes a mask that hides email addresses (j***@acme.com: the domain stays
 *     useful for debugging), bearer tokens, and the literal values of the configured secrets, so a
 *     secret that ends up in a message text or an error is caught too.
 */

export type { Logger } from 'pino';

const SECRET_KEYS = [
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'clientSecret',
  'client_secret',
  'secret',
  'password',
  'apiKey',
  'api_key',
  'authorization',
  'Authorization',
  'cookie',
];
// Every system's webhook signature headers, as its definition names them, with the usual credentials.
const SECRET_HEADERS = ['authorization', 'cookie', ...CONNECTORS.flatMap((c) => c.secretHeaders ?? [])];

const REDACT_PATHS = [
  ...SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]),
  ...SECRET_HEADERS.flatMap((h) => [`headers["${h}"]`, `*.headers["${h}"]`, `*.*.headers["${h}"]`]),
];

export const REDACTED = '[redacted]';

const EMAIL = /([A-Za-z0-9_%+-])[A-Za-z0-9._%+-]*(@|%40)([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})/g;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/]+=*/gi;

/** Masks emails, bearer credentials and the given secret values in any text (a log line, an error message). */
export function maskSensitive(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join(REDACTED);
  return out.replace(BEARER, `$1 ${REDACTED}`).replace(EMAIL, '$1***$2$3');
}

/** A destination that masks each line before handing it on. */
function maskingDestination(target: DestinationStream, secrets: readonly string[]): DestinationStream {
  return { write: (line: string) => target.write(maskSensitive(line, secrets)) };
}

export interface LoggerOptions {
  /** Where the JSON lines go; stdout by default. */
  destination?: DestinationStream;
  /** Extra literal values to mask (added to the secrets of the config). */
  secrets?: string[];
  /** Fields on every line, e.g. { component: 'worker' }. */
  base?: Record<string, unknown>;
}

export function createLogger(configOrLevel: Config | LogLevel, opts: LoggerOptions = {}): Logger {
  const level = typeof configOrLevel === 'string' ? configOrLevel : configOrLevel.logLevel;
  const secrets = [...(typeof configOrLevel === 'string' ? [] : secretValues(configOrLevel)), ...(opts.secrets ?? [])]
    // Longest first, so a secret containing another is masked whole.
    .sort((a, b) => b.length - a.length);
  return pino(
    {
      level,
      base: { service: 'qualify', ...opts.base },
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    maskingDestination(opts.destination ?? pino.destination(1), secrets),
  );
}
