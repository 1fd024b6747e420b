import { AuthError, ConnectorError, PayloadError, RateLimitedError, TransientError } from '../../src/kit/index.js';

/**
 * Salesforce failures → the typed errors the worker acts on. Salesforce reports request-level
 * errors as `[{ message, errorCode }]` (REST) and per-record errors inside sObject Collections
 * results as `{ statusCode, message, fields }`; jsforce 3 turns the former into an error whose
 * `name`/`errorCode` is the Salesforce code (or `ERROR_HTTP_<status>` when the body had none) and
 * drops the HTTP status, so the table is keyed by errorCode with the documented status beside it.
 *
 * Each row is one decision, tested in test/connectors/salesforce/salesforce-errors.test.ts.
 */

export type RequestAction = 'auth' | 'park' | 'burst' | 'payload' | 'transient';

interface RequestRule {
  status: number;
  action: RequestAction;
  why: string;
}

/** Request-level errors (the whole call failed). */
export const REQUEST_ERROR_TABLE: Record<string, RequestRule> = {
  INVALID_SESSION_ID: { status: 401, action: 'auth', why: 'the session is still invalid after a refresh' },
  invalid_grant: { status: 400, action: 'auth', why: 'the refresh token was revoked or expired: re-authorise the connection' },
  invalid_client_id: { status: 400, action: 'auth', why: 'SALESFORCE_CLIENT_ID is not a known connected app' },
  invalid_client: { status: 400, action: 'auth', why: 'SALESFORCE_CLIENT_SECRET does not match the connected app' },
  inactive_user: { status: 400, action: 'auth', why: 'the integration user is inactive' },
  inactive_org: { status: 400, action: 'auth', why: 'the org is locked, closed or suspended' },
  API_DISABLED_FOR_ORG: { status: 403, action: 'auth', why: 'the org or user has no API access' },
  API_CURRENTLY_DISABLED: { status: 403, action: 'auth', why: 'API access is disabled for this user' },
  INSUFFICIENT_ACCESS: { status: 403, action: 'auth', why: 'the integration user lacks a permission' },
  REQUEST_LIMIT_EXCEEDED: { status: 403, action: 'park', why: "the org's daily API request limit is spent" },
  INVALID_FIELD: { status: 400, action: 'payload', why: 'a field in the query or write does not exist (check mappings/salesforce.yaml)' },
  INVALID_REPLICATION_DATE: { status: 400, action: 'payload', why: 'the deleted-records window starts too long ago (over 30 days) or ends before it starts' },
  MALFORMED_QUERY: { status: 400, action: 'payload', why: 'the SOQL query is malformed' },
  INVALID_TYPE: { status: 400, action: 'payload', why: 'the object type is not available to this user' },
  INVALID_QUERY_LOCATOR: { status: 400, action: 'transient', why: 'the query cursor expired; the sync resumes from its checkpoint' },
  EXCEEDED_ID_LIMIT: { status: 400, action: 'payload', why: 'more than 200 records in one sObject Collections call' },
  JSON_PARSER_ERROR: { status: 400, action: 'payload', why: 'Salesforce could not parse the request body' },
  NOT_FOUND: { status: 404, action: 'payload', why: 'the resource does not exist' },
  UNABLE_TO_LOCK_ROW: { status: 400, action: 'transient', why: 'a record was locked by another transaction' },
  SERVER_UNAVAILABLE: { status: 503, action: 'transient', why: 'Salesforce is temporarily unavailable' },
  QUERY_TIMEOUT: { status: 400, action: 'transient', why: 'the query timed out' },
  JobPollingTimeoutError: { status: 0, action: 'transient', why: 'the Bulk API 2.0 job did not finish in time' },
};

/** Per-record results of sObject Collections: is a failure worth retrying later? */
export const RECORD_ERROR_TRANSIENT = new Set(['UNABLE_TO_LOCK_ROW', 'SERVER_UNAVAILABLE', 'REQUEST_LIMIT_EXCEEDED', 'ALL_OR_NONE_OPERATION_ROLLED_BACK']);

export function isRecordErrorTransient(statusCode: string): boolean {
  return RECORD_ERROR_TRANSIENT.has(statusCode);
}

/** Start of the next UTC day: when a parked connection tries again (the limit is a rolling 24 h). */
export function msUntilNextUtcDay(now = new Date()): number {
  const next = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  return Math.max(60_000, next - now.getTime());
}

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'UND_ERR_SOCKET']);

function codeOf(err: unknown): string | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as { errorCode?: unknown; name?: unknown; code?: unknown };
  if (typeof e.errorCode === 'string') return e.errorCode;
  if (typeof e.code === 'string') return e.code;
  if (typeof e.name === 'string' && e.name !== 'Error') return e.name;
  return undefined;
}

/** Map anything a jsforce call threw to exactly one typed error. Typed errors pass through. */
export function toConnectorError(err: unknown, context: string): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const code = codeOf(err) ?? 'UNKNOWN';
  const message = err instanceof Error ? err.message : String(err);
  const body = (err as { data?: unknown })?.data;
  const httpStatus = /^ERROR_HTTP_(\d{3})$/.exec(code);
  const rule = REQUEST_ERROR_TABLE[code];
  const text = `Salesforce ${context} failed: ${code}: ${message}${rule ? ` (${rule.why})` : ''}`;

  if (rule) {
    const status = rule.status || null;
    switch (rule.action) {
      case 'auth':
        return new AuthError('salesforce', text, { status, body, cause: err });
      case 'park':
        // The same code also reports too many concurrent long-running requests: that one passes in seconds.
        if (/concurrent/i.test(message)) {
          return new RateLimitedError('salesforce', text, { retryAfterMs: 30_000, scope: 'burst', status, body, cause: err });
        }
        return new RateLimitedError('salesforce', `${text}; parked until the next day`, { retryAfterMs: msUntilNextUtcDay(), scope: 'daily', status, body, cause: err });
      case 'burst':
        return new RateLimitedError('salesforce', text, { retryAfterMs: 30_000, scope: 'burst', status, body, cause: err });
      case 'payload':
        return new PayloadError('salesforce', text, { status, body, cause: err });
      case 'transient':
        return new TransientError('salesforce', text, { status, body, cause: err });
    }
  }
  if (httpStatus) {
    const status = Number(httpStatus[1]);
    if (status === 429) return new RateLimitedError('salesforce', text, { retryAfterMs: 30_000, scope: 'burst', status, body, cause: err });
    if (status === 401 || status === 403) return new AuthError('salesforce', text, { status, body, cause: err });
    if (status >= 500 || status === 408) return new TransientError('salesforce', text, { status, body, cause: err });
    return new PayloadError('salesforce', text, { status, body, cause: err });
  }
  if (NETWORK_CODES.has(code) || (err as { type?: unknown })?.type === 'system' || code === 'FetchError' || code === 'AbortError') {
    return new TransientError('salesforce', text, { cause: err });
  }
  // Unknown: retry with backoff rather than drop; the worker's retry cap turns it into a recorded failure.
  return new TransientError('salesforce', text, { body, cause: err });
}
