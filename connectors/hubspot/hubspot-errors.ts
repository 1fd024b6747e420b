import {
  AuthError,
  type ConnectorError,
  PayloadError,
  RateLimitedError,
  TransientError,
} from '../../src/kit/index.js';
import { applyStatusTable, type StatusRule as KitStatusRule } from '../../src/kit/index.js';
import type { DailyReset } from './daily-reset.js';
import { HubSpotErrorBodySchema, type HubSpotErrorBody } from './provider.schema.js';

/**
 * What a failed HubSpot call means, as a table read top to bottom (first match wins), in the
 * style of Airbyte's declarative error handlers. Each row is one test in
 * test/connectors/hubspot/hubspot-errors.test.ts.
 *
 * Sources: https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines
 * (429 `policyName`), https://developers.hubspot.com/docs/api-reference/latest/error-handling
 */

/** The facts of one failure, pulled out of the SDK's error shapes. */
export interface HubSpotFailure {
  /** HTTP status; null for network failures (no response). */
  status: number | null;
  /** Network error code (ECONNRESET, ETIMEDOUT...) when there was no response. */
  networkCode: string | null;
  body: HubSpotErrorBody | null;
  /** Parsed Retry-After header, ms. */
  retryAfterMs: number | null;
  /** What we were doing ("batch update", "search"), for the message. */
  operation: string;
  cause: unknown;
}

export interface StatusContext {
  now: number;
  /** When today's daily budget resets (midnight in the portal's time zone). */
  dailyReset: () => DailyReset;
}

export type StatusRule = KitStatusRule<HubSpotFailure, StatusContext>;

const BURST_WINDOW_MS = 10_000;
const SEARCH_WINDOW_MS = 1_000;

const vendorMessage = (f: HubSpotFailure) => f.body?.message ?? (f.status === null ? f.networkCode ?? 'network error' : `HTTP ${f.status}`);
const opts = (f: HubSpotFailure) => ({ status: f.status, body: f.body ?? undefined, cause: f.cause });
const is429 = (f: HubSpotFailure) => f.status === 429;

export const HUBSPOT_STATUS_TABLE: readonly StatusRule[] = [
  {
    when: '429 with policyName TEN_SECONDLY_ROLLING → burst pause for the 10 s window (or Retry-After)',
    matches: (f) => is429(f) && f.body?.policyName === 'TEN_SECONDLY_ROLLING',
    toError: (f) => {
      const ms = f.retryAfterMs ?? BURST_WINDOW_MS;
      return new RateLimitedError('hubspot', `HubSpot's ten-second rate limit was hit during ${f.operation}; every worker pauses this account for ${ms} ms.`, { ...opts(f), retryAfterMs: ms, scope: 'burst' });
    },
  },
  {
    when: '429 with policyName DAILY → park until the daily reset (midnight in the portal time zone, else UTC)',
    matches: (f) => is429(f) && f.body?.policyName === 'DAILY',
    toError: (f, ctx) => {
      const reset = ctx.dailyReset();
      const zone = reset.assumed ? 'UTC (the portal time zone is unknown)' : reset.timeZone;
      return new RateLimitedError(
        'hubspot',
        `HubSpot's daily API limit for this account is spent (during ${f.operation}); sync is parked until ${reset.resetAt.toISOString()}, midnight in ${zone}.`,
        { ...opts(f), retryAfterMs: Math.max(0, reset.resetAt.getTime() - ctx.now), scope: 'daily' },
      );
    },
  },
  {
    when: '429 "You have reached your secondly limit." (search, 5 req/s) → burst pause 1 s (or Retry-After)',
    matches: (f) => is429(f) && /secondly limit/i.test(f.body?.message ?? ''),
    toError: (f) => {
      const ms = f.retryAfterMs ?? SEARCH_WINDOW_MS;
      return new RateLimitedError('hubspot', `HubSpot's search limit (5 requests per second) was hit during ${f.operation}; pausing search for ${ms} ms.`, { ...opts(f), retryAfterMs: ms, scope: 'burst' });
    },
  },
  {
    when: '429 with any other or no policy → burst pause 10 s (or Retry-After)',
    matches: is429,
    toError: (f) => {
      const ms = f.retryAfterMs ?? BURST_WINDOW_MS;
      return new RateLimitedError('hubspot', `HubSpot answered 429 (${vendorMessage(f)}) during ${f.operation}; pausing this account for ${ms} ms.`, { ...opts(f), retryAfterMs: ms, scope: 'burst' });
    },
  },
  {
    when: '401 → AuthError: the token is invalid, expired or revoked',
    matches: (f) => f.status === 401,
    toError: (f) =>
      new AuthError('hubspot', `HubSpot rejected the access token (401: ${vendorMessage(f)}). Create or rotate the private app token and set HUBSPOT_ACCESS_TOKEN.`, opts(f)),
  },
  {
    when: '403 → AuthError: the token lacks a scope',
    matches: (f) => f.status === 403,
    toError: (f) =>
      new AuthError(
        'hubspot',
        `HubSpot refused ${f.operation} (403: ${vendorMessage(f)}). The private app needs the scopes crm.objects.contacts.read, crm.objects.contacts.write and crm.schemas.contacts.write.`,
        opts(f),
      ),
  },
  {
    when: '400, 404, 409, 422 → PayloadError with HubSpot\'s message (the record or request is wrong; never retried)',
    matches: (f) => f.status !== null && [400, 404, 409, 422].includes(f.status),
    toError: (f) => new PayloadError('hubspot', vendorMessage(f), opts(f)),
  },
  {
    when: '5xx → TransientError (retried with backoff)',
    matches: (f) => f.status !== null && f.status >= 500,
    toError: (f) => new TransientError('hubspot', `HubSpot answered ${f.status} during ${f.operation}: ${vendorMessage(f)}`, opts(f)),
  },
  {
    when: 'no response (network error, timeout) → TransientError (retried with backoff)',
    matches: (f) => f.status === null,
    toError: (f) => new TransientError('hubspot', `No answer from HubSpot during ${f.operation}: ${vendorMessage(f)}`, opts(f)),
  },
  {
    when: 'any other status → PayloadError with HubSpot\'s message',
    matches: () => true,
    toError: (f) => new PayloadError('hubspot', `HubSpot answered ${f.status} during ${f.operation}: ${vendorMessage(f)}`, opts(f)),
  },
];

export function classifyHubSpotFailure(f: HubSpotFailure, ctx: StatusContext): ConnectorError {
  return applyStatusTable(HUBSPOT_STATUS_TABLE, f, ctx)!; // the last row matches every failure
}

/** Retry-After is seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | undefined | null, now: number): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * Reads the SDK's error shapes: an HTTP failure has a numeric `code`, a `body` (raw JSON,
 * or a string) and lower-cased `headers`; a network failure (node-fetch FetchError) has a
 * string `code` such as 'ECONNRESET' and no response.
 */
export function failureFromSdkError(err: unknown, operation: string, now: number): HubSpotFailure {
  const e = (err ?? {}) as { code?: unknown; body?: unknown; headers?: Record<string, string>; message?: string; errno?: unknown };
  if (typeof e.code === 'number' && e.code >= 100) {
    return {
      status: e.code,
      networkCode: null,
      body: parseErrorBody(e.body),
      retryAfterMs: parseRetryAfter(e.headers?.['retry-after'], now),
      operation,
      cause: err,
    };
  }
  const networkCode = typeof e.code === 'string' ? e.code : typeof e.errno === 'string' ? e.errno : (e.message ?? 'unknown error');
  return { status: null, networkCode, body: null, retryAfterMs: null, operation, cause: err };
}

export function parseErrorBody(body: unknown): HubSpotErrorBody | null {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return { message: body };
    }
  }
  const parsed = HubSpotErrorBodySchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}
