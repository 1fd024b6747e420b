import { Client } from '@hubspot/api-client';
import { z } from 'zod';
import { AuthError, TransientError } from '../../src/kit/index.js';
import { failureFromSdkError } from './hubspot-errors.js';

/**
 * HubSpot's OAuth 2.0 authorisation-code flow for public apps, through the official SDK:
 * the authorise URL the browser is sent to, the code exchange and refresh
 * (`POST /oauth/v1/token`, form-encoded, `grant_type=authorization_code | refresh_token`), and the
 * token's metadata (`GET /oauth/v1/access-tokens/:token`: portal id, scopes) that names the portal
 * being connected. Every SDK call goes to HUBSPOT_BASE_URL, so the sandbox and nock see them.
 *
 * HubSpot access tokens live 30 minutes (`expires_in` says so); refresh tokens do not expire but
 * stop working when the app is uninstalled, answered with 400 BAD_REFRESH_TOKEN: that is an
 * AuthError (re-authorise), anything else an HTTP or network hiccup is a TransientError.
 */

/**
 * What qualify needs: read and write contacts (scores, grade, lifecycle stage), read and create
 * its custom contact properties; `oauth` is required of every HubSpot OAuth app.
 */
export const HUBSPOT_OAUTH_SCOPES = [
  'crm.objects.contacts.read',
  'crm.objects.contacts.write',
  'crm.schemas.contacts.read',
  'crm.schemas.contacts.write',
  'oauth',
] as const;

export const DEFAULT_HUBSPOT_AUTH_URL = 'https://app.hubspot.com/oauth/authorize';

export interface HubSpotOAuthConfig {
  clientId: string;
  clientSecret: string;
  /** HUBSPOT_AUTH_URL. */
  authUrl?: string;
  /** HUBSPOT_BASE_URL: the token endpoints live on the API host. */
  baseUrl?: string;
  /** `<QUALIFY_PUBLIC_URL>/oauth/hubspot/callback`, registered in the app's auth settings. */
  redirectUri: string;
  scopes?: readonly string[];
}

export interface HubSpotTokens {
  accessToken: string;
  refreshToken: string;
  /** Epoch ms when the access token stops working (from `expires_in`). */
  expiresAt: number;
}

export interface HubSpotTokenInfo {
  portalId: string;
  hubDomain: string | null;
  scopes: string[];
  /** The installing user's email (HubSpot calls it `user`). */
  user: string | null;
  appId: string | null;
}

const TokenResponseSchema = z.object({
  accessToken: z.string().min(1),
  refreshToken: z.string().min(1),
  expiresIn: z.number().int().positive(),
});

const TokenInfoSchema = z.object({
  hubId: z.number().int().positive(),
  hubDomain: z.string().optional(),
  scopes: z.array(z.string()).default([]),
  user: z.string().optional(),
  appId: z.number().int().optional(),
});

/** Body statuses with which HubSpot refuses a code or refresh token for good. */
const REFUSED_GRANT = new Set(['BAD_REFRESH_TOKEN', 'BAD_AUTH_CODE', 'BAD_GRANT_TYPE', 'BAD_CLIENT_ID', 'BAD_CLIENT_SECRET', 'BAD_REDIRECT_URI', 'invalid_grant']);

export function hubspotAuthorizeUrl(cfg: HubSpotOAuthConfig, state: string): string {
  const url = new URL(cfg.authUrl ?? DEFAULT_HUBSPOT_AUTH_URL);
  url.searchParams.set('client_id', cfg.clientId);
  url.searchParams.set('redirect_uri', cfg.redirectUri);
  url.searchParams.set('scope', (cfg.scopes ?? HUBSPOT_OAUTH_SCOPES).join(' '));
  url.searchParams.set('state', state);
  // Spaces as %20, the form HubSpot's documentation shows (URLSearchParams would write '+').
  return url.toString().replace(/\+/g, '%20');
}

function sdk(cfg: Pick<HubSpotOAuthConfig, 'baseUrl'>): Client {
  // The SDK's own retries stay off: a code can be exchanged once, and the caller decides on refreshes.
  return new Client({ basePath: cfg.baseUrl ?? 'https://api.hubapi.com', numberOfApiCallRetries: 0 });
}

function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new TransientError('hubspot', `HubSpot's ${what} response did not match the expected shape at ${issue.path.join('.') || '(root)'}: ${issue.message}`);
}

function toOAuthError(err: unknown, what: string): Error {
  const failure = failureFromSdkError(err, what, Date.now());
  if (failure.status === null) return new TransientError('hubspot', `HubSpot ${what} failed: ${failure.networkCode}`, { cause: err });
  const body = (failure.body ?? {}) as { status?: unknown; error?: unknown; message?: unknown };
  const code = [body.status, body.error].find((v): v is string => typeof v === 'string') ?? `HTTP ${failure.status}`;
  const message = typeof body.message === 'string' ? body.message : `HTTP ${failure.status}`;
  // A refused grant (revoked/unknown refresh token, used code, wrong client) will not get better by
  // retrying: the connection needs re-authorisation. 429 and 5xx are passing troubles.
  if (REFUSED_GRANT.has(code) || (failure.status >= 400 && failure.status < 500 && failure.status !== 429)) {
    return new AuthError('hubspot', `HubSpot refused the ${what} (${code}: ${message})`, { status: failure.status, body: failure.body, cause: err });
  }
  return new TransientError('hubspot', `HubSpot ${what} failed (${code}: ${message})`, { status: failure.status, body: failure.body, cause: err });
}

async function tokenRequest(cfg: HubSpotOAuthConfig, grant: { code: string } | { refreshToken: string }, now: () => number): Promise<HubSpotTokens> {
  const what = 'code' in grant ? 'authorisation code exchange' : 'token refresh';
  let res: unknown;
  try {
    res =
      'code' in grant
        ? await sdk(cfg).oauth.tokensApi.create('authorization_code', grant.code, cfg.redirectUri, cfg.clientId, cfg.clientSecret)
        : await sdk(cfg).oauth.tokensApi.create('refresh_token', undefined, undefined, cfg.clientId, cfg.clientSecret, grant.refreshToken);
  } catch (err) {
    throw toOAuthError(err, what);
  }
  const t = parseOrThrow(TokenResponseSchema, res, what);
  return { accessToken: t.accessToken, refreshToken: t.refreshToken, expiresAt: now() + t.expiresIn * 1000 };
}

/** Exchanges the code from the callback for tokens. */
export function exchangeHubSpotCode(cfg: HubSpotOAuthConfig, code: string, now: () => number = Date.now): Promise<HubSpotTokens> {
  return tokenRequest(cfg, { code }, now);
}

/** A new access token from the refresh token (HubSpot returns the refresh token again; keep what it returns). */
export function refreshHubSpotToken(cfg: HubSpotOAuthConfig, refreshToken: string, now: () => number = Date.now): Promise<HubSpotTokens> {
  return tokenRequest(cfg, { refreshToken }, now);
}

/** The portal (hub id), scopes and installing user behind an access token. */
export async function hubspotTokenInfo(cfg: Pick<HubSpotOAuthConfig, 'baseUrl'>, accessToken: string): Promise<HubSpotTokenInfo> {
  let res: unknown;
  try {
    res = await sdk(cfg).oauth.accessTokensApi.get(accessToken);
  } catch (err) {
    throw toOAuthError(err, 'access token lookup');
  }
  const info = parseOrThrow(TokenInfoSchema, res, 'access token lookup');
  return { portalId: String(info.hubId), hubDomain: info.hubDomain ?? null, scopes: info.scopes, user: info.user ?? null, appId: info.appId === undefined ? null : String(info.appId) };
}
