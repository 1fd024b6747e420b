import { describe, expect, test } from '@jest/globals';
import nock from 'nock';
import { exchangeSalesforceCode, identityOf, refreshSalesforceToken, salesforceAuthorizeUrl } from '../../connectors/salesforce/salesforce-oauth.js';
import { AuthError, TransientError } from '../../src/errors/connector-errors.js';
import { formOf, onlyNockedVendors } from './vendor-nock.js';

/** Salesforce's web-server flow with PKCE through jsforce's OAuth2, against nock. */

const LOGIN = 'https://login.salesforce.com';
const ORG = '00D5g000004abcdEAA';
const USER = '0055g000000XyZaAAK';
const cfg = { loginUrl: LOGIN, clientId: 'consumer-key', clientSecret: 'consumer-secret', redirectUri: 'https://qualify.example.com/oauth/salesforce/callback' };
const tokenResponse = (extra: Record<string, unknown> = {}) => ({
  access_token: '00D5g!session',
  instance_url: 'https://acme.my.salesforce.com',
  id: `${LOGIN}/id/${ORG}/${USER}`,
  token_type: 'Bearer',
  issued_at: '1700000000000',
  signature: 'sig',
  scope: 'api refresh_token',
  ...extra,
});

describe('Salesforce OAuth (jsforce against nock)', () => {
  onlyNockedVendors();

  test('when the authorise URL is built, then it is the login host\'s /services/oauth2/authorize with response_type=code, scopes, state and the PKCE challenge', () => {
    const url = new URL(salesforceAuthorizeUrl(cfg, 'state-1', 'challenge-abc'));
    expect(url.origin + url.pathname).toBe(`${LOGIN}/services/oauth2/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'consumer-key',
      redirect_uri: cfg.redirectUri,
      scope: 'api refresh_token',
      state: 'state-1',
      code_challenge: 'challenge-abc',
    });
    expect(new URL(salesforceAuthorizeUrl({ ...cfg, loginUrl: 'https://test.salesforce.com' }, 's', 'c')).host).toBe('test.salesforce.com');
  });

  test('when a code is exchanged, then the token request carries the code and the verifier, and the org and instance are recorded', async () => {
    const verifier = 'v'.repeat(43);
    let form: Record<string, string> = {};
    nock(LOGIN)
      .post('/services/oauth2/token', (b) => {
        form = formOf(b);
        return true;
      })
      .reply(200, tokenResponse({ refresh_token: '5Aep-refresh' }));
    const tokens = await exchangeSalesforceCode(cfg, 'aPrx-code', verifier);
    expect(form).toEqual({
      grant_type: 'authorization_code',
      code: 'aPrx-code',
      code_verifier: verifier,
      client_id: 'consumer-key',
      client_secret: 'consumer-secret',
      redirect_uri: cfg.redirectUri,
    });
    expect(tokens).toEqual({
      accessToken: '00D5g!session',
      refreshToken: '5Aep-refresh',
      instanceUrl: 'https://acme.my.salesforce.com',
      orgId: ORG,
      userId: USER,
      issuedAt: 1_700_000_000_000,
    });
  });

  test('when the connected app does not grant refresh_token, then the exchange fails saying which scope to add', async () => {
    nock(LOGIN).post('/services/oauth2/token').reply(200, tokenResponse());
    const err = await exchangeSalesforceCode(cfg, 'code', 'v'.repeat(43)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as Error).message).toMatch(/refresh_token, offline_access/);
  });

  test('when Salesforce refuses the code or verifier (invalid_grant), then an AuthError carries its description', async () => {
    nock(LOGIN).post('/services/oauth2/token').reply(400, { error: 'invalid_grant', error_description: 'invalid code verifier' });
    const err = await exchangeSalesforceCode(cfg, 'code', 'v'.repeat(43)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as Error).message).toContain('invalid code verifier');
  });

  test('when a token is refreshed with rotation on, then the new refresh token comes back; without rotation it is null', async () => {
    let form: Record<string, string> = {};
    nock(LOGIN)
      .post('/services/oauth2/token', (b) => {
        form = formOf(b);
        return true;
      })
      .reply(200, tokenResponse({ refresh_token: 'rotated-2' }));
    expect((await refreshSalesforceToken(cfg, 'rt-1')).refreshToken).toBe('rotated-2');
    expect(form).toEqual({ grant_type: 'refresh_token', refresh_token: 'rt-1', client_id: 'consumer-key', client_secret: 'consumer-secret' });
    nock(LOGIN).post('/services/oauth2/token').reply(200, tokenResponse());
    expect((await refreshSalesforceToken(cfg, 'rt-1')).refreshToken).toBeNull();
  });

  test('when the token endpoint fails with 503 or answers without an identity URL, then a TransientError is thrown', async () => {
    nock(LOGIN).post('/services/oauth2/token').reply(503, 'unavailable');
    await expect(refreshSalesforceToken(cfg, 'rt')).rejects.toBeInstanceOf(TransientError);
    nock(LOGIN).post('/services/oauth2/token').reply(200, { access_token: 'a', instance_url: 'https://x.my.salesforce.com' });
    await expect(refreshSalesforceToken(cfg, 'rt')).rejects.toThrow(/id/);
  });

  test('when an identity URL is read, then its org and user ids come out, and a URL without an org id gives null', () => {
    expect(identityOf(`${LOGIN}/id/${ORG}/${USER}`)).toEqual({ orgId: ORG, userId: USER });
    expect(identityOf(`${LOGIN}/id/notanorg/${USER}`)).toBeNull();
  });
});
