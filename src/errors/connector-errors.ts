import type { SourceSystem } from '../canonical/lead.schema.js';

/**
 * Every connector failure ends as exactly one of these, and the worker (not the connector)
 * decides what happens: TransientError → retry with backoff; RateLimitedError → pause the
 * account's queue for retryAfterMs ('burst') or park it until the reset ('daily');
 * AuthError → stop the connection's jobs and ask for re-authorisation; PayloadError → record
 * the record as failed with the vendor's message (never retried, never silent).
 */
export class ConnectorError extends Error {
  readonly system: SourceSystem;
  readonly status: number | null;
  readonly body: unknown;
  constructor(system: SourceSystem, message: string, opts: { status?: number | null; body?: unknown; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = this.constructor.name;
    this.system = system;
    this.status = opts.status ?? null;
    this.body = opts.body;
  }
}

export class TransientError extends ConnectorError {}

export class AuthError extends ConnectorError {}

export class PayloadError extends ConnectorError {}

export class RateLimitedError extends ConnectorError {
  readonly retryAfterMs: number;
  readonly scope: 'burst' | 'daily';
  constructor(system: SourceSystem, message: string, opts: { retryAfterMs: number; scope: 'burst' | 'daily'; status?: number | null; body?: unknown; cause?: unknown }) {
    super(system, message, opts);
    this.retryAfterMs = opts.retryAfterMs;
    this.scope = opts.scope;
  }
}
