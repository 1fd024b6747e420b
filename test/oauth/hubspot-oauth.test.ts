import { describe, expect, test } from '@jest/globals';
import nock from 'nock';
import { exchangeHubSpotCode, HUBSPOT_OAUTH_SCOPES, hubspotAuthorizeUrl, hubspotTokenInfo, refreshHubSpotToken } from '../../connectors/hubspot/hubspot-oauth.js';
import { AuthError, TransientError } from '../../src/errors/connector-errors.js';
import { onlyNockedVendors } from './vendor-nock.js';

/** HubSpot's OAuth endpoints through the official SDK, against nock: the request shapes HubSpot documents. */

const API = 'https://api.hubapi.com';
const cfg = { clientId: 'client-id-1', clientSecret: 'client-secret-1', redirectUri: 'https://qualify.example.com/oauth/hubspot/callback' };

describe('HubSpot OAuth (official SDK against nock)', () => {
  onlyNockedVendors();

  test('when the authorise URL is built, then it carries the client id, redirect URI, the space-separated scopes and the state', () => {
    const text = hubspotAuthorizeUrl(cfg, 'state-123');
    expect(text).toContain('scope=crm.objects.contacts.read%20crm.objects.contacts.write%20');
    const url = new URL(text);
    expect(url.origin + url.pathname).toBe('https://app.hubspot.com/oauth/authorize');
    expect(url.searchParams.get('client_id')).toBe('client-id-1');
    expect(url.searchParams.get('redirect_uri')).toBe(cfg.redirectUri);
    expect(url.searchParams.get('scope')).toBe('crm.objects.contacts.read crm.objects.contacts.write crm.schemas.contacts.read crm.schemas.contacts.write oauth');
    expect(url.searchParams.get('state')).toBe('state-123');
    expect(HUBSPOT_OAUTH_SCOPES).toContain('oauth');
  });

  test('when a code is exchanged, then the SDK posts a form-encoded authorization_code grant and the expiry is computed from expires_in', async () => {
    let body = '';
    let contentType = '';
    const scope = nock(API)
      .post('/oauth/v1/token', (b) => {
        body = typeof b === 'string' ? b : new URLSearchParams(b as Record<string, string>).toString();
        return true;
      })
      .reply(function reply() {
        contentType = String(this.req.headers['content-type']);
        return [200, { access_token: 'at-1', refresh_token: 'rt-1', expires_in: 1800, token_type: 'bearer' }];
      });
    const tokens = await exchangeHubSpotCode(cfg, 'code-1', () => 1_000_000);
    expect(scope.isDone()).toBe(true);
    expect(contentType).toMatch(/application\/x-www-form-urlencoded/);
    expect(Object.fromEntries(new URLSearchParams(body))).toEqual({
      grant_type: 'authorization_code',
      code: 'code-1',
      redirect_uri: cfg.redirectUri,
      client_id: 'client-id-1',
      client_secret: 'client-secret-1',
    });
    expect(tokens).toEqual({ accessToken: 'at-1', refreshToken: 'rt-1', expiresAt: 1_000_000 + 1_800_000 });
  });

  test('when a token is refreshed, then the SDK posts a refresh_token grant without code or redirect URI', async () => {
    let form: Record<string, string> = {};
    nock(API)
      .post('/oauth/v1/token', (b) => {
        form = Object.fromEntries(new URLSearchParams(typeof b === 'string' ? b : (b as Record<string, string>)));
        return true;
      })
      .reply(200, { access_token: 'at-2', refresh_token: 'rt-1', expires_in: 1800, token_type: 'bearer' });
    const tokens = await refreshHubSpotToken(cfg, 'rt-1');
    expect(form).toEqual({ grant_type: 'refresh_token', client_id: 'client-id-1', client_secret: 'client-secret-1', refresh_token: 'rt-1' });
    expect(tokens.accessToken).toBe('at-2');
  });

  test('when the token metadata is read, then the portal id, domain, scopes and user come from GET /oauth/v1/access-tokens/:token', async () => {
    nock(API)
      .get('/oauth/v1/access-tokens/at-1')
      .reply(200, { token: 'at-1', user: 'ops@acme.test', hub_domain: 'acme.test', scopes: ['oauth', 'crm.objects.contacts.read'], hub_id: 62515, app_id: 456, expires_in: 1700, user_id: 9, token_type: 'access' });
    expect(await hubspotTokenInfo({}, 'at-1')).toEqual({ portalId: '62515', hubDomain: 'acme.test', scopes: ['oauth', 'crm.objects.contacts.read'], user: 'ops@acme.test', appId: '456' });
  });

  test('when HUBSPOT_BASE_URL points elsewhere, then the token calls go there', async () => {
    const scope = nock('http://127.0.0.1:9911').post('/oauth/v1/token').reply(200, { access_token: 'a', refresh_token: 'r', expires_in: 60 });
    await refreshHubSpotToken({ ...cfg, baseUrl: 'http://127.0.0.1:9911' }, 'r');
    expect(scope.isDone()).toBe(true);
  });

  test('when HubSpot refuses the refresh token (BAD_REFRESH_TOKEN), then an AuthError says so', async () => {
    nock(API).post('/oauth/v1/token').reply(400, { status: 'BAD_REFRESH_TOKEN', message: 'missing or invalid refresh token', correlationId: 'c-1' });
    const err = await refreshHubSpotToken(cfg, 'revoked').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as Error).message).toContain('BAD_REFRESH_TOKEN');
  });

  test('when HubSpot answers 502 or the response lacks the token, then a TransientError is thrown', async () => {
    nock(API).post('/oauth/v1/token').reply(502, 'bad gateway');
    await expect(refreshHubSpotToken(cfg, 'rt')).rejects.toBeInstanceOf(TransientError);
    nock(API).post('/oauth/v1/token').reply(200, { refresh_token: 'rt', expires_in: 1800 });
    await expect(refreshHubSpotToken(cfg, 'rt')).rejects.toThrow(/accessToken/);
  });
});
