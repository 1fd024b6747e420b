import { describe, expect, it } from '@jest/globals';
import { PIPEDRIVE_STATUS_TABLE, classifyPipedriveFailure, type PipedriveFailure } from '../../../connectors/pipedrive/index.js';
import { AuthError, PayloadError, RateLimitedError, TransientError } from '../../../src/kit/index.js';

const now = Date.parse('2026-12-07T22:00:00Z');
const midnight = Date.parse('2026-12-08T00:00:00Z');
const f = (over: Partial<PipedriveFailure>): PipedriveFailure => ({ status: 500, networkCode: null, body: null, retryAfterMs: null, dailyRequestsLeft: null, method: 'GET', operation: 'list persons', ...over });
const classify = (over: Partial<PipedriveFailure>) => classifyPipedriveFailure(f(over), { now });
const rowOf = (over: Partial<PipedriveFailure>) => PIPEDRIVE_STATUS_TABLE.findIndex((r) => r.matches(f(over)));

describe('Pipedrive status table', () => {
  it('when a 429 carries a Retry-After of hours, then the daily budget is spent and the connection parks until midnight UTC', () => {
    const err = classify({ status: 429, retryAfterMs: 7_200_000 });
    expect(rowOf({ status: 429, retryAfterMs: 7_200_000 })).toBe(0);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as RateLimitedError).scope).toBe('daily');
    expect((err as RateLimitedError).retryAfterMs).toBe(midnight - now);
  });

  it('when a write is refused with 429 and x-daily-requests-left 0, then it parks until midnight UTC', () => {
    const over = { status: 429, method: 'PATCH', retryAfterMs: 1_000, dailyRequestsLeft: 0 };
    expect(rowOf(over)).toBe(1);
    const err = classify(over) as RateLimitedError;
    expect(err.scope).toBe('daily');
    expect(err.retryAfterMs).toBe(midnight - now);
  });

  it('when a 429 carries a short Retry-After, then it is the burst limit and every worker waits that long', () => {
    expect(rowOf({ status: 429, retryAfterMs: 1_000 })).toBe(2);
    const err = classify({ status: 429, retryAfterMs: 1_000 }) as RateLimitedError;
    expect(err).toBeInstanceOf(RateLimitedError);
    expect([err.scope, err.retryAfterMs]).toEqual(['burst', 1_000]);
    expect((classify({ status: 429 }) as RateLimitedError).retryAfterMs).toBe(2_000);
  });

  it('when Pipedrive answers 401, then it is an AuthError naming PIPEDRIVE_API_TOKEN', () => {
    expect(rowOf({ status: 401 })).toBe(3);
    const err = classify({ status: 401, body: { success: false, error: 'unauthorized access', errorCode: 401 } });
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toContain('PIPEDRIVE_API_TOKEN');
  });

  it('when Pipedrive answers 403, then it is an AuthError saying which rights are missing', () => {
    expect(rowOf({ status: 403 })).toBe(4);
    const err = classify({ status: 403 });
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toContain('admin');
  });

  it.each([400, 404, 409, 410, 422])('when Pipedrive answers %i, then it is a PayloadError with its message', (status) => {
    expect(rowOf({ status })).toBe(5);
    const err = classify({ status, body: { success: false, error: 'Person not found' } });
    expect(err).toBeInstanceOf(PayloadError);
    expect(err.message).toContain('Person not found');
  });

  it.each([500, 502, 503, 408])('when Pipedrive answers %i, then it is a TransientError (retried)', (status) => {
    expect(rowOf({ status })).toBe(6);
    expect(classify({ status })).toBeInstanceOf(TransientError);
  });

  it('when no answer comes, then it is a TransientError naming the network error', () => {
    expect(rowOf({ status: null, networkCode: 'ECONNRESET' })).toBe(7);
    const err = classify({ status: null, networkCode: 'ECONNRESET' });
    expect(err).toBeInstanceOf(TransientError);
    expect(err.message).toContain('ECONNRESET');
  });

  it('when Pipedrive answers an unlisted status, then it is a PayloadError', () => {
    expect(rowOf({ status: 418 })).toBe(8);
    expect(classify({ status: 418 })).toBeInstanceOf(PayloadError);
  });
});
