import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { AuthError, ConnectorError, PayloadError, RateLimitedError, TransientError, withRetry, type ApiCallMetrics, type Logger, type RedisRateLimiter } from '../../src/kit/index.js';
import { classifyPipedriveFailure, nextUtcMidnight, parseErrorBody, parseRetryAfter, type PipedriveFailure } from './pipedrive-errors.js';

/**
 * Every Pipedrive call goes through here: plain `fetch` (see README: why not the `pipedrive`
 * package), a slot from the shared Redis limiter (the burst window of the token, counted across
 * processes), the `x-ratelimit-*` headers read after each answer (another integration on the same
 * token shows up there), a cross-process "daily budget spent" mark, retries of transient failures
 * (kit policy) and the status table for every failure. Answers are parsed with zod by the caller's schema.
 */

export interface PipedriveLimits {
  /** Requests per rolling window per token (Pipedrive: 2 s; 40 for an API token on Growth, 160 for OAuth). */
  burst: { max: number; windowMs: number };
  /** Added to the window for clock and network jitter between us and Pipedrive. */
  marginMs: number;
}

export const DEFAULT_PIPEDRIVE_LIMITS: PipedriveLimits = { burst: { max: 40, windowMs: 2_000 }, marginMs: 150 };

/** An OAuth install's current token (src/oauth/token-keeper.ts); `stale`: one Pipedrive just refused. */
export type PipedriveTokenProvider = (opts?: { stale?: string }) => Promise<string>;

export type PipedriveAuth = { kind: 'api_token'; token: string } | { kind: 'oauth'; accessToken: PipedriveTokenProvider };

export interface PipedriveClientOptions {
  auth: PipedriveAuth;
  /** PIPEDRIVE_BASE_URL, or (OAuth) the install's `api_domain`, asked before each call. */
  baseUrl: string | (() => Promise<string>);
  limiter: RedisRateLimiter;
  /** Limiter key base; default a digest of the API token (never the token), or `pipedrive:oauth` for OAuth. */
  limiterKey?: string;
  limits?: Partial<PipedriveLimits>;
  logger: Logger;
  metrics?: ApiCallMetrics;
  retry?: { retries?: number; minTimeoutMs?: number; maxTimeoutMs?: number };
  now?: () => number;
  fetch?: typeof fetch;
}

export interface CallOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  signal?: AbortSignal;
}

export class PipedriveClient {
  readonly limits: PipedriveLimits;
  readonly keyBase: string;
  private readonly now: () => number;
  private readonly doFetch: typeof fetch;

  constructor(private readonly opts: PipedriveClientOptions) {
    this.limits = { ...DEFAULT_PIPEDRIVE_LIMITS, ...opts.limits, burst: { ...DEFAULT_PIPEDRIVE_LIMITS.burst, ...opts.limits?.burst } };
    this.now = opts.now ?? Date.now;
    this.doFetch = opts.fetch ?? fetch;
    this.keyBase =
      opts.limiterKey ?? (opts.auth.kind === 'api_token' ? `pipedrive:token-${createHash('sha256').update(opts.auth.token).digest('hex').slice(0, 12)}` : 'pipedrive:oauth');
  }

  private get burstKey(): string {
    return `${this.keyBase}:burst`;
  }
  private get dailyKey(): string {
    return `${this.keyBase}:daily`;
  }

  /** Calls since midnight UTC that were refused for the daily budget (0 or 1: a mark, not a count). */
  async dailySpent(): Promise<boolean> {
    return (await this.opts.limiter.dailyUsed(this.dailyKey, nextUtcMidnight(this.now()))) > 0;
  }

  /**
   * One call: `schema` parses the JSON answer. Throws RateLimitedError, AuthError, PayloadError
   * or TransientError (after the kit's retries).
   */
  async call<S extends z.ZodType>(operation: string, method: string, path: string, schema: S, o: CallOptions = {}): Promise<z.infer<S>> {
    const sentWith = await this.token();
    try {
      return await this.attempt(operation, method, path, schema, o, sentWith);
    } catch (err) {
      // An OAuth token refused before its expiry (revoked, clock skew): one fresh token, one more try.
      if (this.opts.auth.kind !== 'oauth' || !(err instanceof AuthError) || err.status !== 401) throw err;
      return this.attempt(operation, method, path, schema, o, await this.token(sentWith));
    }
  }

  private async token(stale?: string): Promise<string> {
    const a = this.opts.auth;
    return a.kind === 'api_token' ? a.token : a.accessToken(stale === undefined ? undefined : { stale });
  }

  private attempt<S extends z.ZodType>(operation: string, method: string, path: string, schema: S, o: CallOptions, token: string): Promise<z.infer<S>> {
    return withRetry(operation, () => this.once(operation, method, path, schema, o, token), { policy: this.opts.retry, logger: this.opts.logger, signal: o.signal });
  }

  private async once<S extends z.ZodType>(operation: string, method: string, path: string, schema: S, o: CallOptions, token: string): Promise<z.infer<S>> {
    if (await this.dailySpent()) {
      const reset = nextUtcMidnight(this.now());
      this.opts.metrics?.rateLimited('qualify_daily_budget');
      throw new RateLimitedError('pipedrive', `Pipedrive's daily budget for this company is spent; parked until ${reset.toISOString()} (midnight UTC).`, {
        retryAfterMs: Math.max(0, reset.getTime() - this.now()),
        scope: 'daily',
      });
    }
    const base = typeof this.opts.baseUrl === 'string' ? this.opts.baseUrl : await this.opts.baseUrl();
    const url = new URL(path, base.endsWith('/') ? base : `${base}/`);
    for (const [k, v] of Object.entries(o.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.opts.auth.kind === 'api_token') headers['x-api-token'] = token;
    else headers.authorization = `Bearer ${token}`;
    if (o.body !== undefined) headers['content-type'] = 'application/json';

    const slot = await this.opts.limiter.acquireHeld(this.burstKey, { max: this.limits.burst.max, windowMs: this.limits.burst.windowMs + this.limits.marginMs }, { signal: o.signal });
    this.opts.metrics?.called(method === 'GET' ? 'standard' : 'write');
    let res: Response;
    let text: string;
    try {
      res = await this.doFetch(url, { method, headers, body: o.body === undefined ? undefined : JSON.stringify(o.body), signal: o.signal });
      text = await res.text();
    } catch (err) {
      if (o.signal?.aborted) throw err;
      const e = err as { cause?: { code?: string }; code?: string; name?: string };
      throw classifyPipedriveFailure(
        { status: null, networkCode: e.cause?.code ?? e.code ?? e.name ?? 'network error', body: null, retryAfterMs: null, dailyRequestsLeft: null, method, operation, cause: err },
        { now: this.now() },
      );
    } finally {
      await slot.release().catch((err: unknown) => this.opts.logger.warn({ err: String(err) }, 'rate-limit slot release failed'));
    }
    await this.observeHeaders(res.headers);
    if (!res.ok) throw await this.failure(res, text, method, operation);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new TransientError('pipedrive', `Pipedrive's answer to ${operation} is not JSON (HTTP ${res.status})`, { status: res.status });
    }
    const parsed = schema.safeParse(json);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0]!;
    throw new PayloadError('pipedrive', `Pipedrive's ${operation} answer did not match the expected shape at ${issue.path.join('.') || '(root)'}: ${issue.message}`, { status: res.status, body: json });
  }

  /** x-ratelimit-remaining 0 → every process waits out x-ratelimit-reset (another client on the token filled the window). */
  private async observeHeaders(h: Headers): Promise<void> {
    const remaining = h.get('x-ratelimit-remaining');
    const reset = h.get('x-ratelimit-reset');
    if (remaining !== null && Number(remaining) === 0 && reset !== null && Number.isFinite(Number(reset))) {
      await this.opts.limiter.pauseUntil(this.burstKey, this.now() + Number(reset) * 1000);
    }
  }

  private async failure(res: Response, text: string, method: string, operation: string): Promise<ConnectorError> {
    const left = res.headers.get('x-daily-requests-left');
    const f: PipedriveFailure = {
      status: res.status,
      networkCode: null,
      body: parseErrorBody(text),
      retryAfterMs: parseRetryAfter(res.headers.get('retry-after'), this.now()),
      dailyRequestsLeft: left === null || !/^\d+$/.test(left) ? null : Number(left),
      method,
      operation,
    };
    const error = classifyPipedriveFailure(f, { now: this.now() });
    if (error instanceof RateLimitedError) {
      this.opts.metrics?.rateLimited(`http_429_${error.scope}`);
      // Tell every process: the window and the budget belong to the token and the company.
      if (error.scope === 'daily') await this.opts.limiter.exhaustDaily(this.dailyKey, 1, nextUtcMidnight(this.now()));
      else await this.opts.limiter.pauseUntil(this.burstKey, this.now() + error.retryAfterMs);
      this.opts.logger.warn({ operation, scope: error.scope, retryAfterMs: error.retryAfterMs }, error.message);
    }
    return error;
  }
}
