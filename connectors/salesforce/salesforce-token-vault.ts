import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Where a connection's current Salesforce session lives, so that every worker process uses the
 * same access token and only one of them refreshes it at a time. Access tokens are short-lived
 * session ids; a rotated refresh token (orgs with refresh-token rotation) is kept here too, so
 * the next refresh uses it instead of the one in the environment.
 */
export interface SharedToken {
  accessToken: string;
  instanceUrl: string;
  /** Org id from the token response's identity URL (…/id/<orgId>/<userId>). */
  orgId: string | null;
  refreshToken?: string;
  /** Fingerprint of the configured refresh token the rotated one descends from. */
  refreshTokenOf?: string;
  issuedAt: number;
}

export interface TokenVault {
  /**
   * The vault holds the connection's current refresh token (OAuth installs keep it, rotated or
   * not, in the store's credentials): use it whatever the configured one is. Otherwise a rotated
   * token counts only while it descends from the configured SALESFORCE_REFRESH_TOKEN.
   */
  readonly ownsRefreshToken?: boolean;
  get(connectionId: string): Promise<SharedToken | null>;
  put(connectionId: string, token: SharedToken): Promise<void>;
  /** Runs fn while holding the connection's refresh lock (across processes for Redis). */
  withRefreshLock<T>(connectionId: string, fn: () => Promise<T>): Promise<T>;
}

/** Single-process vault (CLI one-offs, tests of one worker). */
export class MemoryTokenVault implements TokenVault {
  private readonly tokens = new Map<string, SharedToken>();
  private readonly locks = new Map<string, Promise<unknown>>();

  async get(connectionId: string): Promise<SharedToken | null> {
    return this.tokens.get(connectionId) ?? null;
  }

  async put(connectionId: string, token: SharedToken): Promise<void> {
    this.tokens.set(connectionId, token);
  }

  async withRefreshLock<T>(connectionId: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(connectionId) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    this.locks.set(connectionId, run.catch(() => undefined));
    return run;
  }
}

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/** Vault shared by every worker on one Redis: `SET NX PX` lock with an owner token, released by compare-and-delete. */
export class RedisTokenVault implements TokenVault {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'qualify',
    private readonly opts: { lockTtlMs?: number; waitMs?: number; pollMs?: number; tokenTtlS?: number } = {},
  ) {}

  private key(connectionId: string, what: string): string {
    return `${this.prefix}:salesforce:${what}:${connectionId}`;
  }

  async get(connectionId: string): Promise<SharedToken | null> {
    const raw = await this.redis.get(this.key(connectionId, 'token'));
    return raw ? (JSON.parse(raw) as SharedToken) : null;
  }

  async put(connectionId: string, token: SharedToken): Promise<void> {
    await this.redis.set(this.key(connectionId, 'token'), JSON.stringify(token), 'EX', this.opts.tokenTtlS ?? 86_400);
  }

  async withRefreshLock<T>(connectionId: string, fn: () => Promise<T>): Promise<T> {
    const lockKey = this.key(connectionId, 'refresh-lock');
    const owner = randomUUID();
    const ttl = this.opts.lockTtlMs ?? 15_000;
    const deadline = Date.now() + (this.opts.waitMs ?? 30_000);
    // The TTL frees the lock if its holder dies mid-refresh; waiters then take it over.
    while ((await this.redis.set(lockKey, owner, 'PX', ttl, 'NX')) !== 'OK') {
      if (Date.now() > deadline) throw new Error(`timed out waiting for the Salesforce token refresh lock of ${connectionId}`);
      await new Promise((r) => setTimeout(r, this.opts.pollMs ?? 50));
    }
    try {
      return await fn();
    } finally {
      await this.redis.eval(RELEASE, 1, lockKey, owner);
    }
  }
}
