import { applyStatusTable, AuthError, type ConnectorError, PayloadError, RateLimitedError, type StatusRule, TransientError } from '../../src/kit/index.js';
import { ErrorBodySchema, type PipedriveErrorBody } from './provider.schema.js';

/**
 * What a failed Pipedrive call means, as a table read top to bottom (first match wins): vendor
 * status → typed error + a message for the user. One test per row in
 * test/connectors/pipedrive/pipedrive-errors.test.ts.
 *
 * Sources: pipedrive.readme.io/docs/core-api-concepts-rate-limiting (token budget per day, burst
 * per rolling 2 s window, 429), …/core-api-concepts-http-status-codes, …/core-api-concepts-responses.
 * The 429 body is not documented reliably: the rows branch on status and headers only.
 */

/** The facts of one failed call. */
export interface PipedriveFailure {
  /** HTTP status; null when no answer came (network error, timeout). */
  status: number | null;
  networkCode: string | null;
  body: PipedriveErrorBody | null;
  /** Retry-After, ms. */
  retryAfterMs: number | null;
  /** x-daily-requests-left (POST/PUT/PATCH fair-use allowance of an API token), when sent. */
  dailyRequestsLeft: number | null;
  method: string;
  /** What we were doing ("update person 7"), for the message. */
  operation: string;
  cause?: unknown;
}

export interface StatusContext {
  now: number;
}

/** Pipedrive's burst window is 2 s: a Retry-After longer than this is the daily budget's. */
const BURST_WINDOW_MS = 2_000;
const DAILY_RETRY_AFTER_MS = 60_000;

/** Next midnight UTC: Pipedrive resets the token budget at midnight in its server's time zone. */
export function nextUtcMidnight(now: number): Date {
  const d = new Date(now);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1));
}

const vendorMessage = (f: PipedriveFailure) => f.body?.error ?? (f.status === null ? (f.networkCode ?? 'network error') : `HTTP ${f.status}`);
const opts = (f: PipedriveFailure) => ({ status: f.status, body: f.body ?? undefined, cause: f.cause });
const isWrite = (f: PipedriveFailure) => ['POST', 'PUT', 'PATCH'].includes(f.method.toUpperCase());
const daily = (f: PipedriveFailure, ctx: StatusContext, why: string) => {
  const reset = nextUtcMidnight(ctx.now);
  return new RateLimitedError('pipedrive', `Pipedrive's ${why} is spent (during ${f.operation}); sync is parked until ${reset.toISOString()} (midnight UTC).`, {
    ...opts(f),
    retryAfterMs: Math.max(0, reset.getTime() - ctx.now),
    scope: 'daily',
  });
};

export const PIPEDRIVE_STATUS_TABLE: readonly StatusRule<PipedriveFailure, StatusContext>[] = [
  {
    when: '429 with a Retry-After beyond a minute → the daily token budget is spent: park until midnight UTC',
    matches: (f) => f.status === 429 && (f.retryAfterMs ?? 0) > DAILY_RETRY_AFTER_MS,
    toError: (f, ctx) => daily(f, ctx, 'daily API token budget for this company'),
  },
  {
    when: '429 on a write with x-daily-requests-left 0 → the daily write allowance is spent: park until midnight UTC',
    matches: (f) => f.status === 429 && isWrite(f) && f.dailyRequestsLeft === 0,
    toError: (f, ctx) => daily(f, ctx, 'daily allowance of write requests for this API token'),
  },
  {
    when: '429 otherwise → burst limit: every worker pauses for Retry-After (else the 2 s window)',
    matches: (f) => f.status === 429,
    toError: (f) => {
      const ms = f.retryAfterMs ?? BURST_WINDOW_MS;
      return new RateLimitedError('pipedrive', `Pipedrive's burst limit (requests per 2 s per token) was hit during ${f.operation}; pausing this token for ${ms} ms.`, { ...opts(f), retryAfterMs: ms, scope: 'burst' });
    },
  },
  {
    when: '401 → AuthError: the API token or OAuth access is invalid, expired or revoked',
    matches: (f) => f.status === 401,
    toError: (f) =>
      new AuthError('pipedrive', `Pipedrive refused the credentials (401: ${vendorMessage(f)}). Set a valid PIPEDRIVE_API_TOKEN (Personal preferences → API) or install the app again.`, opts(f)),
  },
  {
    when: '403 → AuthError: the user or app lacks a permission (admin rights for personFields and webhooks, or a scope)',
    matches: (f) => f.status === 403,
    toError: (f) =>
      new AuthError('pipedrive', `Pipedrive refused ${f.operation} (403: ${vendorMessage(f)}). The user behind the token needs admin rights (custom fields, webhooks) or the app the scopes contacts:full and admin.`, opts(f)),
  },
  {
    when: '400, 404, 409, 410, 422 → PayloadError with Pipedrive\'s message (the request or record is wrong; never retried)',
    matches: (f) => f.status !== null && [400, 404, 409, 410, 422].includes(f.status),
    toError: (f) => new PayloadError('pipedrive', `Pipedrive refused ${f.operation} (${f.status}: ${vendorMessage(f)})`, opts(f)),
  },
  {
    when: '5xx or 408 → TransientError (retried with backoff)',
    matches: (f) => f.status !== null && (f.status >= 500 || f.status === 408),
    toError: (f) => new TransientError('pipedrive', `Pipedrive answered ${f.status} during ${f.operation}: ${vendorMessage(f)}`, opts(f)),
  },
  {
    when: 'no answer (network error, timeout) → TransientError (retried with backoff)',
    matches: (f) => f.status === null,
    toError: (f) => new TransientError('pipedrive', `No answer from Pipedrive during ${f.operation}: ${vendorMessage(f)}`, opts(f)),
  },
  {
    when: 'any other status → PayloadError with Pipedrive\'s message',
    matches: () => true,
    toError: (f) => new PayloadError('pipedrive', `Pipedrive answered ${f.status} during ${f.operation}: ${vendorMessage(f)}`, opts(f)),
  },
];

export function classifyPipedriveFailure(f: PipedriveFailure, ctx: StatusContext): ConnectorError {
  return applyStatusTable(PIPEDRIVE_STATUS_TABLE, f, ctx)!; // the last row matches every failure
}

/** Retry-After is seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null | undefined, now: number): number | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

export function parseErrorBody(text: string): PipedriveErrorBody | null {
  try {
    const parsed = ErrorBodySchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return text ? { error: text.slice(0, 300) } : null;
  }
}
