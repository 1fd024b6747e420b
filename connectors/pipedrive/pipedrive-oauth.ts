import { AuthError, TransientError, type InstallResult, type OAuthCredentials, type RefreshedTokens } from '../../src/kit/index.js';
import { TokenResponseSchema, UserMeSchema } from './provider.schema.js';

/**
 * Pipedrive's OAuth 2.0 authorisation-code flow (pipedrive.readme.io/docs/marketplace-oauth-authorization):
 * the browser goes to `<auth>/oauth/authorize?client_id&redirect_uri&state`; the code is exchanged at
 * `POST <auth>/oauth/token` (form body, client id and secret as HTTP Basic), and refreshed the same
 * way with grant_type=refresh_token. The answer's `api_domain` (https://<company>.pipedrive.com) is
 * where that install's API calls go; it is kept with the credentials (instanceUrl).
 */

export interface PipedriveOAuthSettings {
  clientId: string;
  clientSecret: string;
  /** PIPEDRIVE_AUTH_URL, default https://oauth.pipedrive.com. */
  authUrl: string;
}

export function pipedriveAuthorizeUrl(s: PipedriveOAuthSettings, a: { redirectUri: string; state: string }): string {
  const url = new URL('/oauth/authorize', s.authUrl);
  url.searchParams.set('client_id', s.clientId);
  url.searchParams.set('redirect_uri', a.redirectUri);
  url.searchParams.set('state', a.state);
  return url.toString();
}

async function tokenRequest(s: PipedriveOAuthSettings, form: Record<string, string>, what: string, now: () => number) {
  let res: Response;
  try {
    res = await fetch(new URL('/oauth/token', s.authUrl), {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${s.clientId}:${s.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams(form).toString(),
    });
  } catch (err) {
    throw new TransientError('pipedrive', `Pipedrive ${what} failed: ${(err as Error).message}`, { cause: err });
  }
  const body = await res.text();
  if (!res.ok) {
    // A refused code or refresh token (revoked, app uninstalled, wrong client) won't get better by retrying.
    const Err = res.status >= 400 && res.status < 500 && res.status !== 429 ? AuthError : TransientError;
    throw new Err('pipedrive', `Pipedrive refused the ${what} (HTTP ${res.status}: ${body.slice(0, 200)})`, { status: res.status });
  }
  const parsed = TokenResponseSchema.safeParse(JSON.parse(body));
  if (!parsed.success) throw new TransientError('pipedrive', `Pipedrive's ${what} answer is not usable: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
  const t = parsed.data;
  return { accessToken: t.access_token, refreshToken: t.refresh_token, expiresAt: now() + t.expires_in * 1000, apiDomain: t.api_domain.replace(/\/+$/, ''), scopes: t.scope?.split(/[ ,]+/).filter(Boolean) ?? [] };
}

export async function refreshPipedriveToken(s: PipedriveOAuthSettings, refreshToken: string, now: () => number = Date.now): Promise<RefreshedTokens> {
  const t = await tokenRequest(s, { grant_type: 'refresh_token', refresh_token: refreshToken }, 'token refresh', now);
  return { accessToken: t.accessToken, refreshToken: t.refreshToken, expiresAt: t.expiresAt, instanceUrl: t.apiDomain };
}

export async function installPipedrive(s: PipedriveOAuthSettings, a: { code: string; redirectUri: string; now: () => number }): Promise<InstallResult> {
  const t = await tokenRequest(s, { grant_type: 'authorization_code', code: a.code, redirect_uri: a.redirectUri }, 'authorisation code exchange', a.now);
  const res = await fetch(new URL('/api/v1/users/me', t.apiDomain), { headers: { authorization: `Bearer ${t.accessToken}`, accept: 'application/json' } });
  if (!res.ok) throw new AuthError('pipedrive', `Pipedrive refused the new token when asked who installed (HTTP ${res.status})`, { status: res.status });
  const me = UserMeSchema.parse(await res.json()).data;
  const credentials = {
    kind: 'oauth',
    system: 'pipedrive',
    accessToken: t.accessToken,
    refreshToken: t.refreshToken,
    expiresAt: t.expiresAt,
    instanceUrl: t.apiDomain,
    scopes: t.scopes,
    installedAt: new Date(a.now()).toISOString(),
  } satisfies OAuthCredentials;
  return {
    accountId: String(me.company_id),
    credentials,
    config: { auth: 'oauth', companyDomain: me.company_domain ?? null, installedBy: String(me.id) },
    lines: [`Connected Pipedrive company ${me.company_name ?? me.company_id} (${t.apiDomain}).`],
  };
}
