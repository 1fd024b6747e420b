import type { Connection } from 'jsforce';
import { RateLimitedError } from '../../src/kit/index.js';
import type { ApiCallMetrics } from '../../src/kit/index.js';
import { msUntilNextUtcDay } from './salesforce-errors.js';

/**
 * The org's daily API allowance, as Salesforce reports it on every REST response:
 * `Sforce-Limit-Info: api-usage=18/5000` (calls used in the rolling 24 h / the org's limit).
 * The allowance is shared with every other integration in the org, so qualify stops itself at a
 * configurable share of the limit (default 20 %): once the org's usage reaches that share, the
 * next call is refused here, before it is sent, and the connection parks until the next day.
 */

export interface ApiUsage {
  used: number;
  limit: number;
}

export function parseLimitInfo(header: string | string[] | undefined): ApiUsage | null {
  const value = Array.isArray(header) ? header.join(';') : header;
  const m = value ? /api-usage=(\d+)\/(\d+)/.exec(value) : null;
  return m ? { used: Number(m[1]), limit: Number(m[2]) } : null;
}

export class ApiBudget {
  private latest: ApiUsage | null = null;
  /** HTTP calls this process sent to the org (for benchmarks and the sync summary). */
  calls = 0;

  constructor(
    private readonly share: number,
    /** Counts calls sent (rest / bulk) and rate-limit refusals for this connection (Prometheus). */
    readonly metrics?: ApiCallMetrics,
  ) {
    if (!(share > 0 && share <= 1)) throw new Error(`Salesforce daily budget share must be in (0, 1], got ${share}`);
  }

  get usage(): ApiUsage | null {
    return this.latest;
  }

  /** The usage ceiling qualify allows itself, in calls. */
  ceiling(limit: number): number {
    return Math.floor(limit * this.share);
  }

  observe(usage: ApiUsage | null): void {
    if (usage) this.latest = usage;
  }

  /** Throws RateLimitedError('daily') when one more call would take the org past qualify's share. */
  assertCanSpend(calls = 1): void {
    if (!this.latest) return; // nothing known yet: the first response tells
    const { used, limit } = this.latest;
    const ceiling = this.ceiling(limit);
    if (used + calls > ceiling) {
      this.metrics?.rateLimited('qualify_daily_budget');
      throw new RateLimitedError(
        'salesforce',
        `Salesforce daily API budget reached: the org has used ${used} of ${limit} calls and qualify may use the org only up to ` +
          `${Math.round(this.share * 100)} % (${ceiling}); parked until the next day (SALESFORCE_DAILY_SHARE raises the share)`,
        { retryAfterMs: msUntilNextUtcDay(), scope: 'daily', status: null, body: { used, limit, ceiling } },
      );
    }
  }
}

interface TransportLike {
  httpRequest: (req: { method: string; url: string }, options?: unknown) => Promise<{ statusCode: number; headers: Record<string, string | string[] | undefined>; body?: unknown }>;
}

/**
 * jsforce 3.10.16 reads Sforce-Limit-Info only for `conn.request` calls; Bulk API 2.0 requests go
 * through their own HTTP layer on the same transport. Wrapping the connection's transport sees
 * every call (REST and bulk): it refuses a call that would break the budget before it is sent and
 * records the usage every response reports. The token endpoint has its own transport and does
 * not count against the API limit, so it is left alone.
 */
export function meterConnection(conn: Connection, budget: ApiBudget): void {
  const transport = (conn as unknown as { _transport: TransportLike })._transport;
  const send = transport.httpRequest.bind(transport);
  transport.httpRequest = (req, options) => {
    budget.assertCanSpend();
    budget.calls++;
    budget.metrics?.called(/\/jobs\/(ingest|query)/.test(req.url) ? 'bulk' : 'rest');
    const pending = send(req, options);
    pending.then(
      (res) => {
        budget.observe(parseLimitInfo(res?.headers?.['sforce-limit-info']));
        if (res?.statusCode === 403 && String(res.body).includes('REQUEST_LIMIT_EXCEEDED')) budget.metrics?.rateLimited('REQUEST_LIMIT_EXCEEDED');
      },
      () => undefined,
    );
    return pending;
  };
}
