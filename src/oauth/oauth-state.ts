import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { SourceSystemSchema } from '../canonical/lead.schema.js';
import { SignedTokenError, SignedTokens } from '../security/signed-token.js';

/**
 * The OAuth `state` parameter of an install: HMAC-signed, expiring (10 minutes), bound to the
 * workspace and the system, and usable once.
 *
 * What travels through the browser is only `workspace + system + nonce + expiry` and a MAC. The
 * PKCE code verifier stays on the server, in Redis under the nonce, and the callback takes it with
 * GETDEL: the first callback with a given state gets it, every later one (a replay, a double
 * submit, an attacker who saw the URL) finds nothing and is refused. Redis also expires the record
 * with the state, so an abandoned install leaves nothing behind.
 */

/** Any system the registry knows; the routes check it has an OAuth capability before a state is issued. */
export const OAUTH_SYSTEMS = SourceSystemSchema.options;
export type OAuthSystem = (typeof OAUTH_SYSTEMS)[number];

export const OAUTH_STATE_TTL_MS = 10 * 60_000;
const PURPOSE = 'oauth-state';

export type OAuthStateProblem = 'missing' | 'malformed' | 'bad_signature' | 'expired' | 'wrong_system' | 'replayed';

/** A refused state; `message` is safe to show to the person installing. */
export class OAuthStateError extends Error {
  readonly status = 400;
  constructor(
    readonly problem: OAuthStateProblem,
    message: string,
  ) {
    super(message);
    this.name = 'OAuthStateError';
  }
}

export interface IssuedState {
  state: string;
  /** PKCE (RFC 7636): S256 challenge of the verifier kept in Redis. */
  codeChallenge: string;
}

export interface ConsumedState {
  workspaceId: string;
  system: OAuthSystem;
  /** The PKCE verifier for the token request. */
  codeVerifier: string;
}

const StatePayloadSchema = z.object({ w: z.string().min(1).max(200), s: z.enum(OAUTH_SYSTEMS), n: z.string().regex(/^[A-Za-z0-9_-]{22}$/) });
const RecordSchema = z.object({ workspaceId: z.string(), system: z.enum(OAUTH_SYSTEMS), codeVerifier: z.string().min(43).max(128) });

export interface OAuthStatesOptions {
  redis: Redis;
  /** Redis key prefix (QUALIFY_QUEUE_PREFIX): tests and deployments sharing a Redis stay apart. */
  prefix: string;
  /** HMAC key, derived from the secret key for this purpose only (SecretBox.deriveKey('oauth-state')). */
  key: Buffer;
  ttlMs?: number;
  now?: () => number;
}

export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

export class OAuthStates {
  private readonly tokens: SignedTokens;
  private readonly ttlMs: number;

  constructor(private readonly opts: OAuthStatesOptions) {
    this.tokens = new SignedTokens(opts.key, opts.now);
    this.ttlMs = opts.ttlMs ?? OAUTH_STATE_TTL_MS;
  }

  private recordKey(nonce: string): string {
    return `${this.opts.prefix}:oauth:state:${nonce}`;
  }

  /** A new state for an install of `system` into `workspaceId`, with its PKCE challenge. */
  async issue(workspaceId: string, system: OAuthSystem): Promise<IssuedState> {
    const nonce = randomBytes(16).toString('base64url');
    const codeVerifier = randomBytes(32).toString('base64url'); // 43 characters, RFC 7636's minimum length
    await this.opts.redis.set(this.recordKey(nonce), JSON.stringify({ workspaceId, system, codeVerifier }), 'PX', this.ttlMs);
    return { state: this.tokens.sign(PURPOSE, { w: workspaceId, s: system, n: nonce }, this.ttlMs), codeChallenge: pkceChallenge(codeVerifier) };
  }

  /**
   * Checks a state coming back on `system`'s callback and uses it up. Throws OAuthStateError:
   * missing, malformed, bad signature, expired, issued for the other system, or already used.
   */
  async consume(state: string | undefined, system: OAuthSystem): Promise<ConsumedState> {
    if (!state) throw new OAuthStateError('missing', 'The callback has no state parameter: start the install again from qualify.');
    let payload: z.infer<typeof StatePayloadSchema>;
    try {
      payload = this.tokens.verify(PURPOSE, state, StatePayloadSchema);
    } catch (err) {
      if (!(err instanceof SignedTokenError)) throw err;
      const message = {
        malformed: 'The state parameter is not one qualify issued: start the install again from qualify.',
        bad_signature: 'The state parameter was altered or was not issued by this qualify: start the install again from qualify.',
        expired: `The install took longer than ${Math.round(this.ttlMs / 60_000)} minutes and its state expired: start it again from qualify.`,
      }[err.problem];
      throw new OAuthStateError(err.problem, message);
    }
    if (payload.s !== system) {
      throw new OAuthStateError('wrong_system', `The state was issued for a ${payload.s} install, not ${system}: start the install again from qualify.`);
    }
    const raw = await this.opts.redis.getdel(this.recordKey(payload.n));
    const record = raw === null ? null : RecordSchema.safeParse(JSON.parse(raw));
    if (!record?.success || record.data.workspaceId !== payload.w || record.data.system !== payload.s) {
      throw new OAuthStateError('replayed', 'This authorisation was already used (each install completes once): start the install again from qualify.');
    }
    return { workspaceId: record.data.workspaceId, system: record.data.system, codeVerifier: record.data.codeVerifier };
  }
}
