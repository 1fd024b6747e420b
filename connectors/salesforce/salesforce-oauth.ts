import { OAuth2 } from 'jsforce';
import { z } from 'zod';
import { AuthError, TransientError, type ConnectorError } from '../../src/kit/index.js';
import { toConnectorError } from './salesforce-errors.js';

/**
 * Salesforce's OAuth 2.0 web-server flow with PKCE, through jsforce's OAuth2: the authorise URL
 * (`<login>/services/oauth2/authorize?response_type=code&…&code_challenge=…`), the code exchange
 * (`POST <login>/services/oauth2/token`, `grant_type=authorization_code` with the
 * `code_verifier`), and refresh (`grant_type=refresh_token`).
 *
 * The token response names the org's instance (`instance_url`) and, in the identity URL `id`
 * (`https://login.salesforce.com/id/<orgId>/<userId>`), the org: both are recorded on the
 * connection. Salesforce returns a refresh token only when the connected app grants the
 * `refresh_token` scope, and returns a new one on refresh only with refresh-token rotation on:
 * whatever it returns replaces the stored one.
 */

/** `api`: REST, Bulk and SOQL; `refresh_token`: a refresh token, so qualify keeps working unattended. */
export const SALESFORCE_OAUTH_SCOPES = ['api', 'refresh_token'] as const;

export interface SalesforceOAuthConfig {
  /** SALESFORCE_LOGIN_URL (https://test.salesforce.com for sandboxes). */
  loginUrl: string;
  clientId: string;
  clientSecret?: string | null;
  /** `<QUALIFY_PUBLIC_URL>/oauth/salesforce/callback`, the connected app's callback URL. */
  redirectUri: string;
  scopes?: readonly string[];
}

export interface SalesforceTokens {
  accessToken: string;
  /** Null on a refresh without rotation: keep the one you have. */
  refreshToken: string | null;
  instanceUrl: string;
  orgId: string;
  userId: string;
  /** Epoch ms (Salesforce's `issued_at`). Salesforce does not say when an access token expires. */
  issuedAt: number;
}

const ORG_ID = /^00D[a-zA-Z0-9]{12}(?:[a-zA-Z0-9]{3})?$/;

const TokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  instance_url: z.url(),
  id: z.url(),
  issued_at: z.string().regex(/^\d+$/).optional(),
});

function oauth2(cfg: SalesforceOAuthConfig): OAuth2 {
  return new OAuth2({ loginUrl: cfg.loginUrl, clientId: cfg.clientId, clientSecret: cfg.clientSecret ?? undefined, redirectUri: cfg.redirectUri });
}

/** Where the browser goes to approve the install; `codeChallenge` is the S256 PKCE challenge. */
export function salesforceAuthorizeUrl(cfg: SalesforceOAuthConfig, state: string, codeChallenge: string): string {
  return oauth2(cfg).getAuthorizationUrl({ scope: (cfg.scopes ?? SALESFORCE_OAUTH_SCOPES).join(' '), state, code_challenge: codeChallenge });
}

/** `<login>/id/<orgId>/<userId>` → its org and user ids. */
export function identityOf(idUrl: string): { orgId: string; userId: string } | null {
  const [orgId, userId] = new URL(idUrl).pathname.split('/').filter(Boolean).slice(-2);
  return orgId && userId && ORG_ID.test(orgId) ? { orgId, userId } : null;
}

function parseTokens(raw: unknown, what: string): SalesforceTokens {
  const parsed = TokenResponseSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new TransientError('salesforce', `Salesforce's ${what} response is not usable at ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const t = parsed.data;
  const who = identityOf(t.id);
  if (!who) throw new TransientError('salesforce', `Salesforce's ${what} response has an identity URL without an org id: ${t.id}`);
  return {
    accessToken: t.access_token,
    refreshToken: t.refresh_token ?? null,
    instanceUrl: t.instance_url.replace(/\/$/, ''),
    orgId: who.orgId,
    userId: who.userId,
    issuedAt: t.issued_at ? Number(t.issued_at) : Date.now(),
  };
}

function typed(err: unknown, what: string): ConnectorError {
  const e = toConnectorError(err, what);
  // The token endpoint answers a bad code, verifier or client with 400 invalid_grant / invalid_client…:
  // nothing a retry fixes. jsforce names the error after Salesforce's `error` field.
  const code = err instanceof Error ? err.name : '';
  if (!(e instanceof AuthError) && /^(invalid_grant|invalid_client|invalid_client_id|invalid_request|unsupported_grant_type|inactive_user|inactive_org)$/.test(code)) {
    return new AuthError('salesforce', e.message, { status: 400, cause: err });
  }
  return e;
}

/** Exchanges the callback's code (with the PKCE verifier kept server-side) for tokens. */
export async function exchangeSalesforceCode(cfg: SalesforceOAuthConfig, code: string, codeVerifier: string): Promise<SalesforceTokens & { refreshToken: string }> {
  let raw: unknown;
  try {
    raw = await oauth2(cfg).requestToken(code, { code_verifier: codeVerifier });
  } catch (err) {
    throw typed(err, 'authorisation code exchange');
  }
  const tokens = parseTokens(raw, 'authorisation code exchange');
  if (!tokens.refreshToken) {
    throw new AuthError(
      'salesforce',
      'Salesforce issued no refresh token: add the "Perform requests at any time (refresh_token, offline_access)" scope to the connected app, then install again',
    );
  }
  return { ...tokens, refreshToken: tokens.refreshToken };
}

/** A new access token; `refreshToken` in the result is set only when the org rotates refresh tokens. */
export async function refreshSalesforceToken(cfg: SalesforceOAuthConfig, refreshToken: string): Promise<SalesforceTokens> {
  let raw: unknown;
  try {
    raw = await oauth2(cfg).refreshToken(refreshToken);
  } catch (err) {
    throw typed(err, 'token refresh');
  }
  return parseTokens(raw, 'token refresh');
}
