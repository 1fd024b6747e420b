import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { SourceSystem } from '../canonical/lead.schema.js';
import { AuthError, TransientError } from '../errors/connector-errors.js';
import type { Store } from '../store/store.types.js';
import { parseOAuthCredentials, type OAuthCredentials } from './oauth-credentials.js';

/**
 * A valid access token for an OAuth-installed connection, whichever process asks.
 *
 * - The token comes from the connection's credentials in the store (sealed at rest) and is kept
 *   in memory until `skewMs` (5 min) before it expires; then it is refreshed ahead of time, so no
 *   call goes out with a token about to die.
 * - One refresh at a time across every process: a Redis lock per connection (SET NX PX with an
 *   owner token). Whoever waits re-reads the store once the lock is free and takes the token the
 *   winner saved; in one process the callers share one promise.
 * - Whatever refresh token the vendor returns is saved (Salesforce can rotate it; a lost rotated
 *   token would strand the connection).
 * - A refused refresh (invalid_grant, BAD_REFRESH_TOKEN: the app was uninstalled or access
 *   revoked) throws an AuthError whose message says how to reinstall (the worker then marks the
 *   connection `needs_reauth` with it); that same refresh token is not tried again by this process.
 */

export interface RefreshedTokens {
  accessToken: string;
  /** Null or absent: the vendor did not rotate it, keep the current one. */
  refreshToken?: string | null;
  expiresAt: number | null;
  instanceUrl?: string;
}

export type RefreshFn = (refreshToken: string, current: OAuthCredentials) => Promise<RefreshedTokens>;

export interface TokenKeeperOptions {
  connectionId: string;
  system: SourceSystem;
  /** The connection's workspace view of the store (saveCredentials is scoped). */
  store: Store;
  redis: Redis;
  /** Redis key prefix (QUALIFY_QUEUE_PREFIX). */
  prefix: string;
  refresh: RefreshFn;
  logger: Logger;
  /** The vendor as people write it ("HubSpot"), for messages; default the system name. */
  label?: string;
  /** Refresh this long before expiry (default 5 minutes). */
  skewMs?: number;
  /** The lock frees itself after this long if its holder died mid-refresh (default 30 s). */
  lockTtlMs?: number;
  /** How long a caller waits for another process's refresh before giving up (default 45 s). */
  waitMs?: number;
  pollMs?: number;
  now?: () => number;
}

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export class TokenKeeper {
  /** Refreshes this process made (tests and logs). */
  refreshes = 0;
  private cached: OAuthCredentials | null = null;
  private inFlight: Promise<string> | null = null;
  private refused: { refreshToken: string; error: AuthError } | null = null;
  private readonly skewMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: TokenKeeperOptions) {
    this.skewMs = opts.skewMs ?? 5 * 60_000;
    this.now = opts.now ?? Date.now;
  }

  /**
   * A token that is good for at least `skewMs`. `stale`: the vendor just refused this token
   * (a 401): refresh even if its expiry says it is still good, unless someone already has.
   */
  accessToken(opts: { stale?: string } = {}): Promise<string> {
    if (this.cached && this.fresh(this.cached, opts.stale)) return Promise.resolve(this.cached.accessToken);
    this.inFlight ??= this.obtain(opts.stale).finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  /** The stored credentials as last read or refreshed (instance URL, refresh token…). */
  async credentials(): Promise<OAuthCredentials> {
    return this.cached ?? (await this.read());
  }

  private fresh(c: OAuthCredentials, stale?: string): boolean {
    if (stale !== undefined && c.accessToken === stale) return false;
    return c.expiresAt === null || c.expiresAt - this.skewMs > this.now();
  }

  private async read(): Promise<OAuthCredentials> {
    const raw = await this.opts.store.getCredentials(this.opts.connectionId);
    if (!raw) throw new AuthError(this.opts.system, `Connection ${this.opts.connectionId} has no stored credentials: install it again`);
    return (this.cached = parseOAuthCredentials(raw, this.opts.connectionId));
  }

  private async obtain(stale?: string): Promise<string> {
    const stored = await this.read();
    if (this.fresh(stored, stale)) return stored.accessToken;
    return this.underLock(async () => {
      // Someone else may have refreshed while we waited for the lock: take theirs.
      const current = await this.read();
      if (this.fresh(current, stale)) return current.accessToken;
      return this.refreshNow(current);
    });
  }

  private async refreshNow(current: OAuthCredentials): Promise<string> {
    const { connectionId, system, logger } = this.opts;
    if (this.refused?.refreshToken === current.refreshToken) throw this.refused.error;
    this.refreshes++;
    logger.info({ connection: connectionId, system }, 'refreshing the OAuth access token');
    let tokens: RefreshedTokens;
    try {
      tokens = await this.opts.refresh(current.refreshToken, current);
    } catch (err) {
      if (err instanceof AuthError) await this.needsReauth(current, err);
      throw err;
    }
    const next: OAuthCredentials = {
      ...current,
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken || current.refreshToken,
      expiresAt: tokens.expiresAt,
      ...(tokens.instanceUrl && { instanceUrl: tokens.instanceUrl }),
      refreshedAt: new Date(this.now()).toISOString(),
    };
    await this.opts.store.saveCredentials(connectionId, next);
    if (next.refreshToken !== current.refreshToken) logger.info({ connection: connectionId }, 'the vendor rotated the refresh token; the new one is saved');
    this.cached = next;
    return next.accessToken;
  }

  private async needsReauth(current: OAuthCredentials, err: AuthError): Promise<never> {
    const { connectionId, system, store, logger } = this.opts;
    const vendor = this.opts.label ?? system;
    const message =
      `${vendor} refused the refresh token (${err.message}). The connection needs re-authorisation: ` +
      `install it again (GET /oauth/${system}/install?workspace=${store.workspaceId}); its jobs are paused until then.`;
    const failure = new AuthError(system, message, { status: err.status, body: err.body, cause: err });
    this.refused = { refreshToken: current.refreshToken, error: failure };
    // The worker records the connection as needing re-authorisation (recordConnectorFailure): the keeper only says why.
    logger.error({ connection: connectionId, system }, message);
    throw failure;
  }

  private async underLock<T>(fn: () => Promise<T>): Promise<T> {
    const { redis, prefix, connectionId } = this.opts;
    const key = `${prefix}:oauth:refresh-lock:${connectionId}`;
    const owner = randomUUID();
    const ttl = this.opts.lockTtlMs ?? 30_000;
    const deadline = this.now() + (this.opts.waitMs ?? 45_000);
    while ((await redis.set(key, owner, 'PX', ttl, 'NX')) !== 'OK') {
      if (this.now() > deadline) throw new TransientError(this.opts.system, `timed out waiting for the token refresh of ${connectionId} in another process`);
      await new Promise((r) => setTimeout(r, this.opts.pollMs ?? 50));
    }
    try {
      return await fn();
    } finally {
      await redis.eval(RELEASE, 1, key, owner).catch(() => undefined);
    }
  }
}
