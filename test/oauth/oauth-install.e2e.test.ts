import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import nock from 'nock';
import { pino } from 'pino';
import request from 'supertest';
import { createHubSpotSimulator, type HubSpotSimulator } from '../../connectors/hubspot/simulator/hubspot-simulator.js';
import type { Runtime } from '../../src/app/runtime.js';
import { Metrics } from '../../src/metrics/metrics.js';
import type { OAuthCredentials } from '../../src/oauth/oauth-credentials.js';
import { createRedis } from '../../src/queues/redis-connection.js';
import type { Store } from '../../src/store/store.types.js';
import { storeBackends } from '../support/store-backends.js';
import { closeTestRuntime, hubspotAppFactory, startTestRuntime, testPrefix } from '../support/test-runtime.js';
import { until } from '../support/wait-until.js';
import { ADMIN_TOKEN, installFlow, type InstallFlow } from './oauth-test-kit.js';

/**
 * The whole install, end to end: the routes exchange the code, create the connection with sealed
 * tokens and hand it to the runtime (onInstalled → addConnection); the runtime's connector gets its
 * token from the TokenKeeper, which refreshes the install's nearly expired token first, and syncs
 * the HubSpot sandbox into the workspace. The sandbox only accepts the refreshed token, so the sync
 * proves the refresh reached the SDK. HubSpot's OAuth endpoints are nock'd on the sandbox's host;
 * every other request goes to the sandbox.
 */

const logger = pino({ level: process.env.E2E_LOG_LEVEL ?? 'silent' });
const CONTACTS = 8;

describe.each(storeBackends())('OAuth install to first sync on %s', (_backend, openStore) => {
  const prefix = testPrefix('oauth');
  const refreshed = `at-refreshed-${randomUUID()}`;
  const limiterRedis = createRedis(process.env.REDIS_URL!);
  let sim: HubSpotSimulator;
  let simUrl: string;
  let store: Store;
  let runtime: Runtime;
  let flow: InstallFlow;

  beforeAll(async () => {
    sim = createHubSpotSimulator({ accessToken: refreshed, contacts: CONTACTS, rateLimit: false, searchPerSecond: false });
    simUrl = (await sim.listen(0, '127.0.0.1')).replace(/\/$/, '');
    store = await openStore();
    await store.createWorkspace({ id: 'acme', name: 'Acme' });
    const metrics = new Metrics();
    runtime = await startTestRuntime({
      queuePrefix: prefix,
      store,
      logger,
      coalesceMs: 50,
      connectionFactory: hubspotAppFactory({ prefix, redis: limiterRedis, baseUrl: simUrl, clientId: 'hs-client', clientSecret: 'hs-secret', logger, metrics }),
      metrics,
    });
    runtime.startWorkers();
    flow = installFlow(store, { systems: { hubspot: { clientId: 'hs-client', clientSecret: 'hs-secret', baseUrl: simUrl } }, prefix, onInstalled: (row) => runtime.addConnection(row) });
  }, 60_000);

  afterAll(async () => {
    nock.cleanAll();
    await closeTestRuntime(runtime);
    await flow.close();
    await sim.close();
    limiterRedis.disconnect();
    await store.close();
  });

  test('when a portal is installed, then its nearly expired token is refreshed once and the portal syncs into the workspace', async () => {
    const portal = sim.state.portalId;
    const tokenRequests: string[] = [];
    // HubSpot's OAuth endpoints on the sandbox host; everything else reaches the sandbox.
    nock(simUrl, { allowUnmocked: true })
      .post('/oauth/v1/token')
      .times(2)
      .reply((_uri, body) => {
        const form = Object.fromEntries(new URLSearchParams(String(body)));
        tokenRequests.push(form.grant_type!);
        return form.grant_type === 'authorization_code'
          ? [200, { access_token: 'at-install', refresh_token: 'rt-install', expires_in: 120 }]
          : [200, { access_token: refreshed, refresh_token: 'rt-install', expires_in: 1800 }];
      })
      .get('/oauth/v1/access-tokens/at-install')
      .reply(200, { token: 'at-install', hub_id: portal, hub_domain: 'sandbox.test', scopes: ['oauth'], app_id: 1, user: 'ops@acme.test', expires_in: 120 });

    const start = await request(flow.app).get('/oauth/hubspot/install?workspace=acme').set({ Authorization: `Bearer ${ADMIN_TOKEN}` });
    expect(start.status).toBe(302);
    const state = new URL(start.headers.location!).searchParams.get('state')!;
    const done = await request(flow.app).get(`/oauth/hubspot/callback?code=code-1&state=${encodeURIComponent(state)}`);
    expect(done.status).toBe(200);
    const id = `hubspot-${portal}`;
    expect(done.body.connection).toMatchObject({ id, workspaceId: 'acme' });
    expect(runtime.connections.has(id)).toBe(true);

    const ws = store.forWorkspace('acme');
    await until('the portal to sync into the workspace', () => ws.countLeads(), (n) => n === CONTACTS);
    expect(await store.countLeads()).toBe(0);
    // Exactly one refresh: the install's token expired within the 5-minute skew.
    expect(tokenRequests).toEqual(['authorization_code', 'refresh_token']);
    expect(await ws.getCredentials<OAuthCredentials>(id)).toMatchObject({ accessToken: refreshed, refreshToken: 'rt-install' });
    expect((await ws.getConnection(id))?.status).toBe('active');
  }, 90_000);
});
