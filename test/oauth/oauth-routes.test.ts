import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import nock from 'nock';
import request from 'supertest';
import type { OAuthCredentials } from '../../src/oauth/oauth-credentials.js';
import type { Store } from '../../src/store/store.types.js';
import { storeBackends } from '../support/store-backends.js';
import { ADMIN_TOKEN, HS_API, installFlow, PUBLIC_URL, SF_LOGIN, type InstallFlow } from './oauth-test-kit.js';
import { formOf, onlyNockedVendors } from './vendor-nock.js';

/**
 * The install flows end to end through the HTTP routes: real Redis (state, PKCE verifier, links),
 * both store backends, the vendors' token endpoints through the official SDK / jsforce answered by nock.
 */

const PORTAL = 62515;
const ORG = '00D5g000004abcdEAA';
const operator = { Authorization: `Bearer ${ADMIN_TOKEN}` };

function nockHubSpotInstall(opts: { portal?: number; access?: string } = {}) {
  const access = opts.access ?? 'hs-access-1';
  const token = nock(HS_API).post('/oauth/v1/token').reply(200, { access_token: access, refresh_token: 'hs-refresh-1', expires_in: 1800, token_type: 'bearer' });
  const info = nock(HS_API)
    .get(`/oauth/v1/access-tokens/${access}`)
    .reply(200, { token: access, user: 'ops@acme.test', hub_domain: 'acme.test', scopes: ['oauth'], hub_id: opts.portal ?? PORTAL, app_id: 1, expires_in: 1790, user_id: 5, token_type: 'access' });
  return { token, info };
}

function stateOf(location: string): string {
  return new URL(location).searchParams.get('state')!;
}

describe.each(storeBackends())('OAuth install routes on %s', (_backend, open) => {
  onlyNockedVendors();
  let store: Store;
  let flow: InstallFlow;
  let acmeKey: string;
  let globexKey: string;

  beforeAll(async () => {
    store = await open();
    await store.createWorkspace({ id: 'acme', name: 'Acme' });
    await store.createWorkspace({ id: 'globex', name: 'Globex' });
    acmeKey = (await store.forWorkspace('acme').createApiKey('ops')).key;
    globexKey = (await store.forWorkspace('globex').createApiKey('ops')).key;
    flow = installFlow(store);
  });
  afterAll(async () => {
    await flow.close();
    await store.close();
  });

  async function startHubSpot(headers: Record<string, string> = operator, query = '?workspace=acme'): Promise<string> {
    const res = await request(flow.app).get(`/oauth/hubspot/install${query}`).set(headers);
    expect(res.status).toBe(302);
    return stateOf(res.headers.location!);
  }

  describe('HubSpot', () => {
    test('when an operator starts an install, then the browser is sent to HubSpot with the scopes, the callback URL and a signed state', async () => {
      const res = await request(flow.app).get('/oauth/hubspot/install?workspace=acme').set(operator);
      expect(res.status).toBe(302);
      const url = new URL(res.headers.location!);
      expect(url.origin + url.pathname).toBe('https://app.hubspot.com/oauth/authorize');
      expect(url.searchParams.get('client_id')).toBe('hs-client');
      expect(url.searchParams.get('redirect_uri')).toBe(`${PUBLIC_URL}/oauth/hubspot/callback`);
      expect(url.searchParams.get('scope')!.split(' ')).toEqual(expect.arrayContaining(['crm.objects.contacts.read', 'crm.objects.contacts.write', 'crm.schemas.contacts.write', 'oauth']));
      expect(url.searchParams.get('state')).toMatch(/^oauth-state\./);
      expect(res.headers['cache-control']).toBe('no-store');
    });

    test('when HubSpot calls back with a code, then the code is exchanged, the portal recorded, the connection created in the workspace with sealed tokens, and onInstalled called', async () => {
      const state = await startHubSpot();
      const { token, info } = nockHubSpotInstall();
      const res = await request(flow.app).get(`/oauth/hubspot/callback?code=code-1&state=${encodeURIComponent(state)}`).set('Accept', 'application/json');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ connection: { id: `hubspot-${PORTAL}`, workspaceId: 'acme', system: 'hubspot', accountId: String(PORTAL), status: 'active' } });
      expect(token.isDone() && info.isDone()).toBe(true);
      const acme = store.forWorkspace('acme');
      const row = await acme.getConnection(`hubspot-${PORTAL}`);
      expect(row).toMatchObject({ workspaceId: 'acme', accountId: String(PORTAL), config: { auth: 'oauth', hubDomain: 'acme.test' } });
      expect(await acme.getCredentials<OAuthCredentials>(`hubspot-${PORTAL}`)).toMatchObject({ kind: 'oauth', system: 'hubspot', accessToken: 'hs-access-1', refreshToken: 'hs-refresh-1' });
      expect(flow.installed.map((r) => r.id)).toContain(`hubspot-${PORTAL}`);
      // Another workspace does not see it.
      expect(await store.forWorkspace('globex').getConnection(`hubspot-${PORTAL}`)).toBeNull();
    });

    test('when the same callback URL is replayed, then it is refused and HubSpot is not called again', async () => {
      const state = await startHubSpot();
      nockHubSpotInstall({ portal: 70001, access: 'hs-access-replay' });
      const url = `/oauth/hubspot/callback?code=code-2&state=${encodeURIComponent(state)}`;
      expect((await request(flow.app).get(url)).status).toBe(200);
      const again = await request(flow.app).get(url);
      expect(again.status).toBe(400);
      expect(again.body.error).toMatch(/already used/);
      expect(nock.pendingMocks()).toEqual([]);
    });

    test('when the person declines at HubSpot (access_denied), then a clear answer says nothing was connected, nothing is created, and the state is used up', async () => {
      const before = (await store.forWorkspace('acme').listConnections()).length;
      const state = await startHubSpot();
      const res = await request(flow.app).get(`/oauth/hubspot/callback?error=access_denied&error_description=User+denied&state=${encodeURIComponent(state)}`);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/HubSpot did not authorise qualify \(access_denied: User denied\).*declined.*Nothing was connected/);
      expect((await store.forWorkspace('acme').listConnections()).length).toBe(before);
      const late = await request(flow.app).get(`/oauth/hubspot/callback?code=late&state=${encodeURIComponent(state)}`);
      expect(late.status).toBe(400);
    });

    test('when the state was altered to another workspace, then the callback is refused before any call to HubSpot', async () => {
      const state = await startHubSpot(operator, '?workspace=globex');
      const [purpose, body, mac] = state.split('.') as [string, string, string];
      const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), w: 'acme' })).toString('base64url');
      const res = await request(flow.app).get(`/oauth/hubspot/callback?code=c&state=${encodeURIComponent(`${purpose}.${forged}.${mac}`)}`);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/altered/);
      const missing = await request(flow.app).get('/oauth/hubspot/callback?code=c');
      expect(missing.status).toBe(400);
      expect(missing.body.error).toMatch(/no state/);
    });

    test('when the callback comes more than ten minutes after the install started, then the state is refused as expired', async () => {
      const state = await startHubSpot();
      flow.clock.now += 10 * 60_000 + 1_000;
      try {
        const res = await request(flow.app).get(`/oauth/hubspot/callback?code=c&state=${encodeURIComponent(state)}`);
        expect(res.status).toBe(400);
        expect(res.body.error).toMatch(/expired/);
      } finally {
        flow.clock.now = Date.now();
      }
    });

    test('when a browser asks, then the answer is an HTML page with the message escaped', async () => {
      const res = await request(flow.app).get('/oauth/hubspot/callback?error=%3Cscript%3E&state=x').set('Accept', 'text/html,application/xhtml+xml');
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.text).toContain('&lt;script&gt;');
      expect(res.text).not.toContain('<script>');
      expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    });

    test('when HubSpot refuses the code, then the answer says so and nothing is created', async () => {
      const before = (await store.forWorkspace('acme').listConnections()).length;
      const state = await startHubSpot();
      nock(HS_API).post('/oauth/v1/token').reply(400, { status: 'BAD_AUTH_CODE', message: 'missing or unknown auth code' });
      const res = await request(flow.app).get(`/oauth/hubspot/callback?code=used&state=${encodeURIComponent(state)}`);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/BAD_AUTH_CODE.*Nothing was connected/);
      expect((await store.forWorkspace('acme').listConnections()).length).toBe(before);
    });

    test('when the portal is already connected in another workspace, then the install is refused with 409 and nothing changes', async () => {
      const state = await startHubSpot(operator, '?workspace=globex');
      nockHubSpotInstall({ access: 'hs-access-globex' });
      const res = await request(flow.app).get(`/oauth/hubspot/callback?code=c&state=${encodeURIComponent(state)}`);
      expect(res.status).toBe(409);
      expect(res.body.error).toMatch(/already connected in another workspace/);
      expect(await store.forWorkspace('globex').listConnections()).toEqual([]);
      expect((await store.forWorkspace('acme').getCredentials<OAuthCredentials>(`hubspot-${PORTAL}`))!.accessToken).toBe('hs-access-1');
    });

    test('when the connection id is taken by another workspace, then the install is refused with 409', async () => {
      await store.createWorkspace({ id: 'initech', name: 'Initech' });
      await store.forWorkspace('initech').upsertConnection({ id: 'hubspot-80808', system: 'hubspot' });
      const state = await startHubSpot();
      nockHubSpotInstall({ portal: 80808, access: 'hs-access-taken' });
      const res = await request(flow.app).get(`/oauth/hubspot/callback?code=c&state=${encodeURIComponent(state)}`);
      expect(res.status).toBe(409);
      expect(await store.forWorkspace('acme').getConnection('hubspot-80808')).toBeNull();
    });

    test('when a connection that needs re-authorisation is installed again, then its tokens are replaced and it is active again', async () => {
      const acme = store.forWorkspace('acme');
      await acme.upsertConnection({ id: `hubspot-${PORTAL}`, system: 'hubspot', config: { auth: 'oauth', timeZone: 'Europe/Paris' } });
      await acme.setConnectionStatus(`hubspot-${PORTAL}`, 'needs_reauth', 'HubSpot refused the refresh token');
      const state = await startHubSpot();
      nockHubSpotInstall({ access: 'hs-access-reinstalled' });
      const res = await request(flow.app).get(`/oauth/hubspot/callback?code=c&state=${encodeURIComponent(state)}`);
      expect(res.status).toBe(200);
      expect(res.body.connection.status).toBe('active');
      // What setup learned stays; what the install knows is refreshed.
      expect(await acme.getConnection(`hubspot-${PORTAL}`)).toMatchObject({ status: 'active', statusMessage: null, config: { auth: 'oauth', timeZone: 'Europe/Paris', hubDomain: 'acme.test' } });
      expect((await acme.getCredentials<OAuthCredentials>(`hubspot-${PORTAL}`))!.accessToken).toBe('hs-access-reinstalled');
    });
  });

  describe('who may start an install', () => {
    test('when no credentials are sent, then 401 says what is needed', async () => {
      const res = await request(flow.app).get('/oauth/hubspot/install?workspace=acme');
      expect(res.status).toBe(401);
      expect(res.body.error).toMatch(/Authorization: Bearer/);
    });

    test('when a workspace API key starts an install, then the state is bound to its workspace, and naming another workspace reads as unknown', async () => {
      const state = await startHubSpot({ Authorization: `Bearer ${acmeKey}` }, '');
      expect(JSON.parse(Buffer.from(state.split('.')[1]!, 'base64url').toString()).w).toBe('acme');
      const other = await request(flow.app).get('/oauth/hubspot/install?workspace=acme').set({ Authorization: `Bearer ${globexKey}` });
      expect(other.status).toBe(404);
      const bad = await request(flow.app).get('/oauth/hubspot/install').set({ Authorization: 'Bearer qk_not-a-key' });
      expect(bad.status).toBe(401);
      const unknown = await request(flow.app).get('/oauth/hubspot/install?workspace=nope').set(operator);
      expect(unknown.status).toBe(404);
    });

    test('when a browser uses an install link, then it starts the install once for the link\'s workspace and the second use is refused', async () => {
      const made = await request(flow.app).post('/oauth/salesforce/install-link').set({ Authorization: `Bearer ${globexKey}` });
      expect(made.status).toBe(201);
      expect(made.body.url).toMatch(new RegExp(`^${PUBLIC_URL}/oauth/salesforce/install\\?link=`));
      const path = made.body.url.slice(PUBLIC_URL.length);
      const first = await request(flow.app).get(path);
      expect(first.status).toBe(302);
      expect(JSON.parse(Buffer.from(stateOf(first.headers.location!).split('.')[1]!, 'base64url').toString())).toMatchObject({ w: 'globex', s: 'salesforce' });
      const second = await request(flow.app).get(path);
      expect(second.status).toBe(400);
      expect(second.body.error).toMatch(/already used/);
      expect((await request(flow.app).post('/oauth/salesforce/install-link')).status).toBe(401);
    });

    test('when a system is not configured or unknown, then the answer says what to set or that it does not exist', async () => {
      const bare = installFlow(store, { systems: { hubspot: { clientId: 'hs-client', clientSecret: 'hs-secret' }, salesforce: { clientId: null } } });
      try {
        const res = await request(bare.app).get('/oauth/salesforce/install?workspace=acme').set(operator);
        expect(res.status).toBe(501);
        expect(res.body.error).toMatch(/SALESFORCE_CLIENT_ID/);
        // A registered system whose OAuth app is not set up says which variables to set; an unknown one does not exist.
        const pipedrive = await request(bare.app).get('/oauth/pipedrive/install?workspace=acme').set(operator);
        expect(pipedrive.status).toBe(501);
        expect(pipedrive.body.error).toMatch(/PIPEDRIVE_CLIENT_ID/);
        expect((await request(bare.app).get('/oauth/nosuchcrm/install').set(operator)).status).toBe(404);
      } finally {
        await bare.close();
      }
    });
  });

  describe('Salesforce', () => {
    test('when an org is installed, then PKCE ties the authorise request to the token request and the org, instance and rotated-capable refresh token are recorded', async () => {
      const start = await request(flow.app).get('/oauth/salesforce/install?workspace=acme').set(operator);
      expect(start.status).toBe(302);
      const url = new URL(start.headers.location!);
      expect(url.origin + url.pathname).toBe(`${SF_LOGIN}/services/oauth2/authorize`);
      expect(url.searchParams.get('response_type')).toBe('code');
      expect(url.searchParams.get('redirect_uri')).toBe(`${PUBLIC_URL}/oauth/salesforce/callback`);
      const challenge = url.searchParams.get('code_challenge')!;
      expect(challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
      // The verifier is not in the URL.
      expect(start.headers.location).not.toContain('code_verifier');

      let form: Record<string, string> = {};
      nock(SF_LOGIN)
        .post('/services/oauth2/token', (b) => {
          form = formOf(b);
          return true;
        })
        .reply(200, { access_token: '00D!sf-access', refresh_token: 'sf-refresh-1', instance_url: 'https://acme.my.salesforce.com', id: `${SF_LOGIN}/id/${ORG}/0055g000000XyZaAAK`, issued_at: String(Date.now()), token_type: 'Bearer' });
      const res = await request(flow.app).get(`/oauth/salesforce/callback?code=aPrx1&state=${encodeURIComponent(url.searchParams.get('state')!)}`);
      expect(res.status).toBe(200);
      expect(form).toMatchObject({ grant_type: 'authorization_code', code: 'aPrx1', redirect_uri: `${PUBLIC_URL}/oauth/salesforce/callback` });
      expect(createHash('sha256').update(form.code_verifier!).digest('base64url')).toBe(challenge);
      expect(res.body.connection).toEqual({ id: `salesforce-${ORG}`, workspaceId: 'acme', system: 'salesforce', accountId: ORG, status: 'active' });
      const creds = await store.forWorkspace('acme').getCredentials<OAuthCredentials>(`salesforce-${ORG}`);
      expect(creds).toMatchObject({ kind: 'oauth', system: 'salesforce', accessToken: '00D!sf-access', refreshToken: 'sf-refresh-1', instanceUrl: 'https://acme.my.salesforce.com', expiresAt: null });
      expect(res.body.outboundMessageUrl).toBe(`${PUBLIC_URL}/webhooks/salesforce?secret=${creds!.outboundSecret}`);
      expect(flow.installed.map((r) => r.id)).toContain(`salesforce-${ORG}`);
    });

    test('when the Salesforce user denies access, then nothing is created and the answer says so', async () => {
      const start = await request(flow.app).get('/oauth/salesforce/install?workspace=globex').set(operator);
      const state = stateOf(start.headers.location!);
      const res = await request(flow.app).get(`/oauth/salesforce/callback?error=access_denied&error_description=end-user+denied+authorization&state=${encodeURIComponent(state)}`);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/Salesforce did not authorise qualify \(access_denied: end-user denied authorization\)/);
      expect(await store.forWorkspace('globex').listConnections()).toEqual([]);
    });

    test('when a HubSpot state is brought to the Salesforce callback, then it is refused', async () => {
      const state = await startHubSpot();
      const res = await request(flow.app).get(`/oauth/salesforce/callback?code=c&state=${encodeURIComponent(state)}`);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/hubspot install, not salesforce/);
    });

    test('when Salesforce refuses the code (invalid_grant), then nothing is created', async () => {
      const start = await request(flow.app).get('/oauth/salesforce/install?workspace=globex').set(operator);
      nock(SF_LOGIN).post('/services/oauth2/token').reply(400, { error: 'invalid_grant', error_description: 'authentication failure' });
      const res = await request(flow.app).get(`/oauth/salesforce/callback?code=bad&state=${encodeURIComponent(stateOf(start.headers.location!))}`);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/invalid_grant/);
      expect(await store.forWorkspace('globex').listConnections()).toEqual([]);
    });
  });
});
