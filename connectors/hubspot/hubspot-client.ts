import { createHash } from 'node:crypto';
import { Client } from '@hubspot/api-client';
import pRetry from 'p-retry';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { AuthError, ConnectorError, PayloadError, RateLimitedError, TransientError } from '../../src/kit/index.js';
import type { ApiCallMetrics } from '../../src/kit/index.js';
import type { RedisRateLimiter, WindowLimit } from '../../src/kit/index.js';
import { nextDailyReset, type DailyReset } from './daily-reset.js';
import { classifyHubSpotFailure, failureFromSdkError, parseErrorBody } from './hubspot-errors.js';
import { HubSpotAccountDetailsSchema, type HubSpotAccountDetails } from './provider.schema.js';

/**
 * Every HubSpot call goes through here: the official SDK builds the request, the shared Redis
 * limiter hands out the slot (burst window per portal, search's own 5 req/s bucket, daily
 * budget), p-retry retries transient failures, and the status table turns every failure into
 * one typed error. The SDK's own retries and limiter stay off (numberOfApiCallRetries: 0, no
 * limiterOptions): its limiter is per process and its retries ignore Retry-After.
 */

export interface HubSpotLimits {
  /** The per-account rolling window (default 100 calls / 10 s: Free and Starter private apps). */
  burst: WindowLimit;
  /** The search endpoints' own limit (5 requests / s per account). */
  search: WindowLimit;
  /** Calls per day for this account, or null to not count (default 250,000). */
  daily: number | null;
  /**
   * Added to every window, for clock and network jitter between us and HubSpot (slots are
   * already stamped with the response time, see RedisRateLimiter.acquireHeld). Default 100 ms.
   */
  marginMs: number;
  /** The same for the search bucket, whose window is only 1 s (a 429 there costs a 1 s pause). Default 25 ms. */
  searchMarginMs: number;
}

export const DEFAULT_HUBSPOT_LIMITS: HubSpotLimits = {
  burst: { max: 100, windowMs: 10_000 },
  search: { max: 5, windowMs: 1_000 },
  daily: 250_000,
  marginMs: 100,
  searchMarginMs: 25,
};

/**
 * Where an OAuth-installed connection's token comes from (src/oauth/token-keeper.ts): a token good
 * for a while yet; `stale` names one HubSpot just refused (401), to be replaced.
 */
export type HubSpotTokenProvider = (opts?: { stale?: string }) => Promise<string>;

export interface HubSpotClientOptions {
  /** A private app's token, or a provider of an OAuth install's current token (asked before each call). */
  accessToken: string | HubSpotTokenProvider;
  /**
   * Limiter key of the rate windows when the token changes over time (OAuth: `hubspot:<portalId>`,
   * since HubSpot counts an OAuth app's calls per installing account). Default: a digest of a fixed token.
   */
  limiterKey?: string;
  /** HUBSPOT_BASE_URL; default https://api.hubapi.com. */
  baseUrl?: string;
  limiter: RedisRateLimiter;
  limits?: Partial<HubSpotLimits>;
  logger: Logger;
  /** Retries of transient failures (default 3) and the first backoff (default 500 ms, doubling). */
  retry?: { retries?: number; minTimeoutMs?: number; maxTimeoutMs?: number };
  /** Clock, for tests. */
  now?: () => number;
  /** Counts every request sent and every rate-limit refusal (Prometheus), bound to the connection. */
  metrics?: ApiCallMetrics;
}

/**
 * 'standard' reads and set-up, 'write' batch updates (same ten-second window, but they yield to
 * reads: see take()), 'search' the search endpoints' own per-second limit.
 */
export type CallKind = 'standard' | 'write' | 'search';

/** While reads are under way, writes take at most this share of the ten-second window. */
const WRITE_SHARE_WHILE_READING = 0.1;
/** How long after the last read call reads count as under way. */
const READS_ACTIVE_MS = 3_000;

export interface HubSpotAccount {
  portalId: string;
  timeZone: string | null;
}

export class HubSpotClient {
  readonly sdk: Client;
  readonly limits: HubSpotLimits;
  private readonly limiter: RedisRateLimiter;
  private readonly logger: Logger;
  private readonly retry: { retries: number; minTimeout: number; maxTimeout: number };
  private readonly now: () => number;
  private readonly metrics: ApiCallMetrics | undefined;
  private readonly tokenKey: string;
  private readonly tokenProvider: HubSpotTokenProvider | null;
  private currentToken: string | null;
  private accountPromise: Promise<HubSpotAccount> | null = null;
  private account: HubSpotAccount | null = null;

  constructor(opts: HubSpotClientOptions) {
    const fixed = typeof opts.accessToken === 'string' ? opts.accessToken : null;
    this.tokenProvider = typeof opts.accessToken === 'function' ? opts.accessToken : null;
    this.currentToken = fixed;
    this.sdk = new Client({ ...(fixed && { accessToken: fixed }), basePath: opts.baseUrl ?? 'https://api.hubapi.com', numberOfApiCallRetries: 0 });
    this.limits = { ...DEFAULT_HUBSPOT_LIMITS, ...opts.limits };
    this.limiter = opts.limiter;
    this.logger = opts.logger;
    this.retry = {
      retries: opts.retry?.retries ?? 3,
      minTimeout: opts.retry?.minTimeoutMs ?? 500,
      maxTimeout: opts.retry?.maxTimeoutMs ?? 10_000,
    };
    this.now = opts.now ?? Date.now;
    this.metrics = opts.metrics;
    this.warmUp();
    // Until the portal id is known, calls are counted under a digest of the token (never the token).
    this.tokenKey = opts.limiterKey ?? `hubspot:token-${createHash('sha256').update(fixed ?? 'oauth').digest('hex').slice(0, 12)}`;
  }

  /**
   * The SDK builds its API objects lazily on first access (tens of ms, far more under jest).
   * Build them now: a first call delayed between taking its slot and leaving would land
   * closer to later calls than the limiter allowed.
   */
  private warmUp(): void {
    void this.sdk.crm.contacts.batchApi;
    void this.sdk.crm.properties.coreApi;
  }

  /** With a token provider: the current token into the SDK (re-initialised only when it changed). */
  private async useToken(stale?: string): Promise<void> {
    if (!this.tokenProvider) return;
    const token = await this.tokenProvider(stale === undefined ? undefined : { stale });
    if (token === this.currentToken) return;
    this.sdk.setAccessToken(token);
    this.currentToken = token;
    this.warmUp();
  }

  /**
   * Takes the portal recorded on the connection by an earlier setup, so the limiter keys are the
   * portal's from the first call and no account-details call is needed.
   */
  adoptAccount(connection: { accountId: string | null; config: Record<string, unknown> }): void {
    if (this.account || !connection.accountId) return;
    const tz = connection.config.timeZone;
    this.account = { portalId: connection.accountId, timeZone: typeof tz === 'string' ? tz : null };
  }

  /**
   * The portal behind the token (GET /account-info/v3/details), fetched once per client
   * (`refresh` asks HubSpot again, e.g. at setup). Until the portal is known, calls are counted
   * under a digest of the token.
   */
  async getAccount(signal?: AbortSignal, opts: { refresh?: boolean } = {}): Promise<HubSpotAccount> {
    if (opts.refresh) {
      this.accountPromise = null;
      const known = this.account;
      const fresh = await this.fetchAccount(signal);
      if (known && known.portalId !== fresh.portalId) {
        this.logger.warn({ recorded: known.portalId, token: fresh.portalId }, 'hubspot: the access token belongs to another portal than the one recorded on the connection; using the token\'s');
      }
      return fresh;
    }
    if (this.account) return this.account;
    this.accountPromise ??= this.fetchAccount(signal).catch((err) => {
      this.accountPromise = null;
      throw err;
    });
    return this.accountPromise;
  }

  /**
   * Limiter keys. HubSpot counts the ten-second window (and search's per-second limit) per app
   * token — a private app's token, or an OAuth install's — so those are keyed by the token, known
   * before the first call: every process counts its very first call (the account lookup) in the
   * same window. The daily budget belongs to the account, so it is keyed by the portal once known.
   */
  limiterKey(kind: CallKind | 'daily'): string {
    const base = kind === 'daily' && this.account ? `hubspot:${this.account.portalId}` : this.tokenKey;
    return `${base}:${kind === 'standard' || kind === 'write' ? 'burst' : kind}`;
  }

  dailyReset(): DailyReset {
    return nextDailyReset(new Date(this.now()), this.account?.timeZone);
  }

  /**
   * Runs one SDK call under the account's limits, with retries of transient failures.
   * Throws RateLimitedError, AuthError, PayloadError or TransientError (after the retries).
   */
  async call<T>(operation: string, kind: CallKind, fn: (sdk: Client) => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.getAccount(signal);
    return this.run(operation, kind, fn, signal);
  }

  /** Parses a response with a provider schema; a mismatch names the field and the operation. */
  parse<S extends z.ZodType>(schema: S, value: unknown, operation: string): z.infer<S> {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    const issue = result.error.issues[0]!;
    const path = issue.path.length ? issue.path.join('.') : '(root)';
    throw new PayloadError('hubspot', `HubSpot's ${operation} response did not match the expected shape at ${path}: ${issue.message}`, { body: value });
  }

  private async fetchAccount(signal?: AbortSignal): Promise<HubSpotAccount> {
    const details = await this.run<HubSpotAccountDetails>(
      'account details',
      'standard',
      async (sdk) => {
        // No typed API for account-info in SDK 13.5: apiRequest still uses the SDK's auth and base path.
        const res = await sdk.apiRequest({ method: 'GET', path: '/account-info/v3/details' });
        const text = await res.text();
        if (!res.ok) {
          throw Object.assign(new Error(`HTTP ${res.status}`), { code: res.status, body: parseErrorBody(text), headers: { 'retry-after': res.headers.get('retry-after') ?? undefined } });
        }
        return this.parse(HubSpotAccountDetailsSchema, JSON.parse(text), 'account details');
      },
      signal,
    );
    this.account = { portalId: String(details.portalId), timeZone: details.timeZone ?? null };
    return this.account;
  }

  private async run<T>(operation: string, kind: CallKind, fn: (sdk: Client) => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.useToken();
    const sent = this.currentToken;
    try {
      return await this.attempt(operation, kind, fn, signal);
    } catch (err) {
      // An OAuth token refused before its expiry (revoked, clock skew): one fresh token, one more try.
      if (!this.tokenProvider || !(err instanceof AuthError) || err.status !== 401 || sent === null) throw err;
      await this.useToken(sent);
      return this.attempt(operation, kind, fn, signal);
    }
  }

  private async attempt<T>(operation: string, kind: CallKind, fn: (sdk: Client) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return pRetry(
      async () => {
        const slot = await this.take(kind, signal);
        this.metrics?.called(kind);
        try {
          return await fn(this.sdk);
        } catch (err) {
          if (err instanceof ConnectorError) throw err;
          throw await this.toConnectorError(err, operation, kind);
        } finally {
          // If Redis can't be told, the slot stays held until its hold expires: safe, just slower.
          await slot.release().catch((err: unknown) => this.logger.warn({ err: String(err) }, 'rate-limit slot release failed'));
        }
      },
      {
        retries: this.retry.retries,
        minTimeout: this.retry.minTimeout,
        maxTimeout: this.retry.maxTimeout,
        factor: 2,
        randomize: true,
        signal,
        shouldRetry: ({ error }) => error instanceof TransientError,
        onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
          if (error instanceof TransientError && retriesLeft > 0) {
            this.logger.warn({ operation, attemptNumber, retriesLeft, status: error.status, err: error.message }, 'hubspot call failed, retrying');
          }
        },
      },
    );
  }

  /**
   * Waits for a slot in the account's window (or search bucket), then counts the daily budget.
   * The slot is held until `release()` (after the response), so it counts from the response
   * time: HubSpot counts arrivals, which happen somewhere between our grant and the response.
   */
  private async take(kind: CallKind, signal?: AbortSignal): Promise<{ release: () => Promise<void> }> {
    const limit = kind === 'search' ? this.limits.search : this.limits.burst;
    const margin = kind === 'search' ? this.limits.searchMarginMs : this.limits.marginMs;
    // Reads and writes share the window. A backfill's reads must not queue behind a write
    // backlog (the read is what the sync waits for; writes can trail), so while reads are under
    // way writes only get a share of the window; alone, they get all of it.
    const readsKey = `${this.limiterKey('standard')}:reads`;
    const window = { max: limit.max, windowMs: limit.windowMs + margin };
    if (kind === 'standard') await this.limiter.markActive(readsKey, READS_ACTIVE_MS);
    if (kind === 'write') {
      // While reads run, writes also need a slot in their own share of the window (counted
      // among writes only). Re-checked as they wait, so the share ends when the reads do.
      const share = { max: Math.max(1, Math.floor(limit.max * WRITE_SHARE_WHILE_READING)), windowMs: window.windowMs };
      const ownKey = `${this.limiterKey('write')}:writes`;
      while (await this.limiter.isActive(readsKey)) {
        const wait = await this.limiter.tryAcquire(ownKey, share);
        if (wait === 0) break;
        signal?.throwIfAborted();
        await new Promise((r) => setTimeout(r, Math.min(wait, 500)));
      }
    }
    const slot = await this.limiter.acquireHeld(this.limiterKey(kind), window, { signal });
    if (this.limits.daily === null) return slot;
    const reset = this.dailyReset();
    const daily = await this.limiter.consumeDaily(this.limiterKey('daily'), this.limits.daily, reset.resetAt);
    if (!daily.ok) {
      await slot.release();
      this.metrics?.rateLimited('qualify_daily_budget');
      throw new RateLimitedError(
        'hubspot',
        `The daily budget of ${this.limits.daily} HubSpot calls for this account is spent; parked until ${reset.resetAt.toISOString()} (midnight ${reset.timeZone}).`,
        { retryAfterMs: Math.max(0, reset.resetAt.getTime() - this.now()), scope: 'daily' },
      );
    }
    return slot;
  }

  private async toConnectorError(err: unknown, operation: string, kind: CallKind): Promise<ConnectorError> {
    const failure = failureFromSdkError(err, operation, this.now());
    const error = classifyHubSpotFailure(failure, { now: this.now(), dailyReset: () => this.dailyReset() });
    if (error instanceof RateLimitedError) {
      this.metrics?.rateLimited(failure.body?.policyName ?? `http_${failure.status}`);
      // Tell every process, not just this one: the limit is the account's.
      if (error.scope === 'daily') {
        await this.limiter.exhaustDaily(this.limiterKey('daily'), this.limits.daily ?? 1, this.dailyReset().resetAt);
      } else {
        await this.limiter.pauseUntil(this.limiterKey(kind), this.now() + error.retryAfterMs);
      }
      this.logger.warn({ operation, scope: error.scope, retryAfterMs: error.retryAfterMs, policy: failure.body?.policyName }, error.message);
    }
    return error;
  }
}
