import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { SignedTokenError, SignedTokens } from '../security/signed-token.js';
import { OAUTH_SYSTEMS, type OAuthSystem } from './oauth-state.js';

/**
 * A browser cannot send `Authorization: Bearer …` when it follows a link, so an install started
 * from the dashboard goes in two steps: the page asks (with its API key) for an install link,
 * `POST /oauth/<system>/install-link`, then navigates to it. The link is signed, names the
 * workspace and the system, expires after 10 minutes and works once (a Redis SET NX on its
 * nonce): a link that leaks from a browser history or a log cannot start another install.
 */

const PURPOSE = 'install-link';
export const INSTALL_LINK_TTL_MS = 10 * 60_000;

const LinkPayloadSchema = z.object({ w: z.string().min(1).max(200), s: z.enum(OAUTH_SYSTEMS), n: z.string().regex(/^[A-Za-z0-9_-]{22}$/) });

export class InstallLinkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InstallLinkError';
  }
}

export class InstallLinks {
  private readonly tokens: SignedTokens;

  constructor(
    private readonly opts: { redis: Redis; prefix: string; key: Buffer; ttlMs?: number; now?: () => number },
  ) {
    this.tokens = new SignedTokens(opts.key, opts.now);
  }

  private get ttlMs(): number {
    return this.opts.ttlMs ?? INSTALL_LINK_TTL_MS;
  }

  /** The `link` query value for `/oauth/<system>/install`, and when it stops working. */
  create(workspaceId: string, system: OAuthSystem): { link: string; expiresAt: Date } {
    const link = this.tokens.sign(PURPOSE, { w: workspaceId, s: system, n: randomBytes(16).toString('base64url') }, this.ttlMs);
    return { link, expiresAt: new Date((this.opts.now ?? Date.now)() + this.ttlMs) };
  }

  /** The workspace the link was made for; throws InstallLinkError when altered, expired, for the other system, or used. */
  async redeem(link: string, system: OAuthSystem): Promise<string> {
    let payload: z.infer<typeof LinkPayloadSchema>;
    try {
      payload = this.tokens.verify(PURPOSE, link, LinkPayloadSchema);
    } catch (err) {
      if (!(err instanceof SignedTokenError)) throw err;
      throw new InstallLinkError(
        err.problem === 'expired' ? 'This install link expired (they work for 10 minutes): ask for a new one.' : 'This install link is not valid: ask for a new one.',
      );
    }
    if (payload.s !== system) throw new InstallLinkError(`This install link is for ${payload.s}, not ${system}.`);
    const first = await this.opts.redis.set(`${this.opts.prefix}:oauth:link:${payload.n}`, '1', 'PX', this.ttlMs, 'NX');
    if (first !== 'OK') throw new InstallLinkError('This install link was already used: ask for a new one.');
    return payload.w;
  }
}
