import { createHash } from 'node:crypto';
import { Connection, OAuth2 } from 'jsforce';
import type { Logger } from 'pino';
import { z } from 'zod';
import { AuthError, ConnectorError, TransientError } from '../../src/kit/index.js';
import type { ApiCallMetrics } from '../../src/kit/index.js';
import type { Store } from '../../src/kit/index.js';
import { ApiBudget, meterConnection } from './salesforce-budget.js';
import type { SalesforceConfig } from './salesforce-config.schema.js';
import { toConnectorError } from './salesforce-errors.js';
import type { SharedToken, TokenVault } from './salesforce-token-vault.js';

/**
 * One jsforce Connection per connector instance, on the OAuth 2.0 refresh-token flow.
 *
 * jsforce retries a request once its SessionRefreshDelegate has refreshed the session after a
 * 401; the delegate is single-flight for one Connection only. Several worker processes (and
 * several connector instances in one process) share one Salesforce session, so the refresh
 * function given to jsforce goes through two more gates:
 *  - in-process: one shared promise per connection id;
 *  - across processes: the vault's lock; whoever gets it second finds a newer token in the vault
 *    than the one that failed, and takes it instead of refreshing again.
 * A refused refresh token (`invalid_grant` and friends) marks the connection `needs_reauth` with
 * a message saying what to do, and every later call fails fast with the same AuthError.
 */

/** In-flight refreshes per vault (one vault per process in production) and connection. */
/** The refresh-token grant's answer (only what qualify uses; Salesforce adds signature, scope, …). */
const TokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  instance_url: z.url().optional(),
  id: z.string().optional(),
  refresh_token: z.string().min(1).optional(),
});

const inFlight = new WeakMap<TokenVault, Map<string, Promise<SharedToken>>>();

export interface SalesforceSessionOptions {
  connectionId: string;
  config: SalesforceConfig;
  vault: TokenVault;
  /** The latest context's store (see attach): its workspace names the reinstall link in a refusal's message. */
  store: Store;
  logger: Logger;
  /** Counts this connection's API calls and rate-limit refusals (Prometheus). */
  metrics?: ApiCallMetrics;
}

/** Identifies the configured refresh token without storing it. */
function fingerprint(secret: string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 16);
}

function orgIdFromIdentityUrl(id: unknown): string | null {
  if (typeof id !== 'string') return null;
  const candidate = id.split('/').at(-2) ?? '';
  return /^00D[a-zA-Z0-9]{12}([a-zA-Z0-9]{3})?$/.test(candidate) ? candidate : null;
}

export class SalesforceSession {
  readonly conn: Connection;
  readonly budget: ApiBudget;
  /** Token endpoint calls made by this session (tests and logs). */
  refreshes = 0;
  private orgIdValue: string | null = null;
  private authFailure: AuthError | null = null;
  private lastRefreshError: ConnectorError | null = null;
  private recentRefreshes: number[] = [];
  private readonly oauth2: OAuth2;

  constructor(private opts: SalesforceSessionOptions) {
    const { config } = opts;
    this.oauth2 = new OAuth2({ loginUrl: config.loginUrl, clientId: config.clientId, clientSecret: config.clientSecret });
    this.conn = new Connection({
      instanceUrl: config.instanceUrl ?? config.loginUrl,
      version: config.apiVersion,
      refreshFn: (conn, callback) => {
        this.sharedRefresh(conn.accessToken ?? null).then(
          (token) => {
            conn.instanceUrl = token.instanceUrl;
            callback(null, token.accessToken);
          },
          (err: Error) => callback(err),
        );
      },
    });
    this.budget = new ApiBudget(config.dailyBudgetShare, opts.metrics);
    meterConnection(this.conn, this.budget);
  }

  /** Uses the store and logger of the operation at hand (the connector is built before the store). */
  attach(store: Store, logger: Logger): void {
    this.opts.store = store;
    this.opts.logger = logger;
  }

  get connectionId(): string {
    return this.opts.connectionId;
  }

  /** The org id learned from the token response (null until the first token). */
  get orgId(): string | null {
    return this.orgIdValue;
  }

  /** Runs one Salesforce operation: a session is ensured first, and whatever fails ends as a typed error. */
  async run<T>(context: string, fn: (conn: Connection) => Promise<T>): Promise<T> {
    if (this.authFailure) throw this.authFailure;
    try {
      await this.ensureToken();
      return await fn(this.conn);
    } catch (err) {
      if (this.authFailure) throw this.authFailure;
      // jsforce wraps a failed refresh as "Unable to refresh session due to: …": keep our typed error.
      if (this.lastRefreshError && err instanceof Error && err.message.startsWith('Unable to refresh session')) throw this.lastRefreshError;
      throw toConnectorError(err, context);
    }
  }

  private async ensureToken(): Promise<void> {
    if (this.conn.accessToken) return;
    const token = await this.sharedRefresh(null);
    this.conn.accessToken = token.accessToken;
    this.conn.instanceUrl = token.instanceUrl;
  }

  /** Single-flight in this process; the vault's lock makes it single-flight across processes. */
  private sharedRefresh(staleToken: string | null): Promise<SharedToken> {
    const key = this.opts.connectionId;
    let flights = inFlight.get(this.opts.vault);
    if (!flights) inFlight.set(this.opts.vault, (flights = new Map()));
    let pending = flights.get(key);
    if (!pending) {
      const mine = flights;
      pending = this.refreshUnderLock(staleToken).finally(() => mine.delete(key));
      flights.set(key, pending);
    }
    return pending.then((token) => {
      this.orgIdValue = token.orgId ?? this.orgIdValue;
      return token;
    });
  }

  private async refreshUnderLock(staleToken: string | null): Promise<SharedToken> {
    const { vault, connectionId } = this.opts;
    return vault.withRefreshLock(connectionId, async () => {
      const shared = await vault.get(connectionId);
      // Another worker refreshed while we waited (or before we started): use its token.
      if (shared && shared.accessToken !== staleToken) return shared;
      // A rotated refresh token counts only while it descends from the configured one: after a
      // re-authorisation (new SALESFORCE_REFRESH_TOKEN) the old, revoked chain is dropped.
      const lineage = fingerprint(this.opts.config.refreshToken);
      const current = vault.ownsRefreshToken || shared?.refreshTokenOf === lineage ? shared?.refreshToken : undefined;
      const token = await this.callTokenEndpoint(current);
      await vault.put(connectionId, token);
      return token;
    });
  }

  private async callTokenEndpoint(rotatedRefreshToken: string | undefined): Promise<SharedToken> {
    const { config, connectionId, store, logger } = this.opts;
    // A session that is refused again right after each refresh would loop forever (jsforce#39).
    const now = Date.now();
    this.recentRefreshes = this.recentRefreshes.filter((t) => now - t < 60_000);
    if (this.recentRefreshes.length >= 3) {
      const err = new AuthError('salesforce', 'Salesforce keeps refusing freshly refreshed sessions (3 refreshes within a minute): check the connected app and the integration user');
      this.lastRefreshError = err;
      throw err;
    }
    this.recentRefreshes.push(now);
    this.refreshes++;
    logger.info({ connection: connectionId }, 'refreshing the Salesforce session');
    try {
      const parsed = TokenResponseSchema.safeParse(await this.oauth2.refreshToken(rotatedRefreshToken ?? config.refreshToken));
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new TransientError('salesforce', `Salesforce token response is not usable: ${issue?.path.join('.') || '(body)'}: ${issue?.message}`);
      }
      const res = parsed.data;
      return {
        accessToken: res.access_token,
        instanceUrl: (res.instance_url ?? config.instanceUrl ?? config.loginUrl).replace(/\/$/, ''),
        orgId: orgIdFromIdentityUrl(res.id),
        refreshToken: res.refresh_token ?? rotatedRefreshToken,
        refreshTokenOf: fingerprint(config.refreshToken),
        issuedAt: Date.now(),
      };
    } catch (err) {
      const typed = toConnectorError(err, 'token refresh');
      this.lastRefreshError = typed;
      if (typed instanceof AuthError) {
        const code = err instanceof Error ? err.name : 'error';
        const detail = err instanceof Error ? err.message : String(err);
        const how = this.opts.vault.ownsRefreshToken
          ? `install it again (GET /oauth/salesforce/install?workspace=${store.workspaceId})`
          : 'issue a new refresh token for the connected app, set SALESFORCE_REFRESH_TOKEN and restart';
        const message = `Salesforce refused the refresh token (${code}: ${detail}). The connection needs re-authorisation: ${how}; its jobs are paused until then.`;
        const failure = new AuthError('salesforce', message, { status: typed.status, body: typed.body, cause: err });
        this.authFailure = failure;
        this.lastRefreshError = failure;
        // The worker records the connection as needing re-authorisation with this message.
        logger.error({ connection: connectionId, code }, message);
        throw failure;
      }
      throw typed;
    }
  }
}
