import type { Redis } from 'ioredis';
import { parseOAuthCredentials, type Store } from '../../src/kit/index.js';
import { RedisTokenVault, type SharedToken, type TokenVault } from './salesforce-token-vault.js';

/**
 * The Salesforce session's token vault for an OAuth-installed org: the session (access token,
 * instance URL, current refresh token) lives in the connection's sealed credentials in the store,
 * so a refresh token Salesforce rotates is saved durably (a Redis-only copy would be lost with
 * Redis, and the old one no longer works). The refresh lock is the shared Redis one, so one
 * process refreshes and the others read what it saved.
 *
 * `store` must be a view of the connection's workspace (credentials are scoped).
 */
export class CredentialsTokenVault implements TokenVault {
  readonly ownsRefreshToken = true;
  private readonly lock: RedisTokenVault;

  constructor(
    private readonly store: Store,
    redis: Redis,
    prefix: string,
  ) {
    this.lock = new RedisTokenVault(redis, prefix);
  }

  async get(connectionId: string): Promise<SharedToken | null> {
    const raw = await this.store.getCredentials(connectionId);
    if (!raw) return null;
    const c = parseOAuthCredentials(raw, connectionId);
    const row = await this.store.getConnection(connectionId);
    return {
      accessToken: c.accessToken,
      instanceUrl: c.instanceUrl ?? '',
      orgId: row?.accountId ?? null,
      refreshToken: c.refreshToken,
      issuedAt: Date.parse(c.refreshedAt ?? c.installedAt),
    };
  }

  async put(connectionId: string, token: SharedToken): Promise<void> {
    const raw = await this.store.getCredentials(connectionId);
    if (!raw) throw new Error(`Connection ${connectionId} has no stored credentials to update: install it again`);
    const c = parseOAuthCredentials(raw, connectionId);
    await this.store.saveCredentials(connectionId, {
      ...c,
      accessToken: token.accessToken,
      // Salesforce sends a refresh token on refresh only when it rotated it.
      refreshToken: token.refreshToken ?? c.refreshToken,
      instanceUrl: token.instanceUrl || c.instanceUrl,
      refreshedAt: new Date(token.issuedAt).toISOString(),
    });
  }

  withRefreshLock<T>(connectionId: string, fn: () => Promise<T>): Promise<T> {
    return this.lock.withRefreshLock(connectionId, fn);
  }
}
