import { createHmac, timingSafeEqual } from 'node:crypto';
import type { z } from 'zod';

/**
 * A small, URL-safe, HMAC-SHA256-signed payload with an expiry: `<purpose>.<payload>.<mac>`
 * (payload and mac base64url). Used for OAuth `state` and for signed install links: the server
 * can hand something to a browser and later trust what comes back without keeping a session.
 * The purpose is part of what is signed, so a token minted for one use is refused by another.
 * Signing alone does not make a token single-use; callers that need that keep a nonce in Redis.
 */

export type SignedTokenProblem = 'malformed' | 'bad_signature' | 'expired';

export class SignedTokenError extends Error {
  constructor(
    readonly problem: SignedTokenProblem,
    message: string,
  ) {
    super(message);
    this.name = 'SignedTokenError';
  }
}

export class SignedTokens {
  readonly #key: Buffer;

  constructor(
    key: Buffer,
    private readonly now: () => number = Date.now,
  ) {
    if (key.length < 32) throw new Error('SignedTokens needs a key of at least 32 bytes');
    this.#key = Buffer.from(key);
  }

  /** Signs `payload` (JSON) for `purpose`, valid for `ttlMs` from now. */
  sign(purpose: string, payload: Record<string, unknown>, ttlMs: number): string {
    const body = Buffer.from(JSON.stringify({ ...payload, exp: this.now() + ttlMs }), 'utf8').toString('base64url');
    return `${purpose}.${body}.${this.mac(purpose, body)}`;
  }

  /**
   * Checks the signature first (nothing in an unsigned token is looked at), then the shape with
   * `schema`, then the expiry. Throws SignedTokenError saying which check failed.
   */
  verify<S extends z.ZodType<Record<string, unknown>>>(purpose: string, token: string, schema: S): z.infer<S> & { exp: number } {
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== purpose || !/^[A-Za-z0-9_-]+$/.test(parts[1]!) || !/^[A-Za-z0-9_-]+$/.test(parts[2]!)) {
      throw new SignedTokenError('malformed', `not a ${purpose} token`);
    }
    const [, body, mac] = parts as [string, string, string];
    const expected = Buffer.from(this.mac(purpose, body), 'base64url');
    const given = Buffer.from(mac, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new SignedTokenError('bad_signature', `the ${purpose} token's signature does not match (altered, or signed with another key)`);
    }
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      throw new SignedTokenError('malformed', `the ${purpose} token's payload is not JSON`);
    }
    const exp = (json as { exp?: unknown } | null)?.exp;
    const parsed = schema.safeParse(json);
    if (!parsed.success || typeof exp !== 'number') {
      throw new SignedTokenError('malformed', `the ${purpose} token's payload has an unexpected shape`);
    }
    if (this.now() > exp) {
      throw new SignedTokenError('expired', `the ${purpose} token expired at ${new Date(exp).toISOString()}`);
    }
    return { ...parsed.data, exp } as z.infer<S> & { exp: number };
  }

  private mac(purpose: string, body: string): string {
    return createHmac('sha256', this.#key).update(`${purpose}.${body}`).digest('base64url');
  }
}
