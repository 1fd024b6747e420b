import pRetry from 'p-retry';
import type { Logger } from 'pino';
import { TransientError } from '../errors/connector-errors.js';

/**
 * The kit's retry policy for one vendor call: only a TransientError (a 5xx, a reset connection) is
 * tried again, with exponential backoff and jitter; every other outcome (rate limit, auth, a bad
 * payload) goes straight to the worker, which decides. A connector maps its failures to the typed
 * errors first (its status table), then calls through this.
 */
export interface RetryPolicy {
  retries: number;
  minTimeoutMs: number;
  maxTimeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 3, minTimeoutMs: 500, maxTimeoutMs: 8_000 };

export function withRetry<T>(
  operation: string,
  fn: () => Promise<T>,
  opts: { policy?: Partial<RetryPolicy>; logger?: Logger; signal?: AbortSignal } = {},
): Promise<T> {
  const policy = { ...DEFAULT_RETRY_POLICY, ...opts.policy };
  return pRetry(fn, {
    retries: policy.retries,
    minTimeout: policy.minTimeoutMs,
    maxTimeout: policy.maxTimeoutMs,
    factor: 2,
    randomize: true,
    signal: opts.signal,
    shouldRetry: ({ error }) => error instanceof TransientError,
    onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
      if (error instanceof TransientError && retriesLeft > 0) {
        opts.logger?.warn({ operation, attemptNumber, retriesLeft, status: error.status, err: error.message }, 'vendor call failed, retrying');
      }
    },
  });
}
