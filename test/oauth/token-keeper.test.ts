import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Redis } from 'ioredis';
import nock from 'nock';
import { pino } from 'pino';
import { HubSpotClient } from '../../connectors/hubspot/hubspot-client.js';
import { AuthError } from '../../src/errors/connector-errors.js';
import { hubspotInstallOptions } from './installed-connection-kit.js';
import type { OAuthCredentials } from '../../src/oauth/oauth-credentials.js';
import { TokenKeeper } from '../../src/oauth/token-keeper.js';
import { loadConfig } from '../../src/config/load-config.js';
import { RedisRateLimiter } from '../../src/rate-limit/redis-rate-limiter.js';
import { createRedis } from '../../src/queues/redis-connection.js';
import type { Store } from '../../src/store/store.types.js';
import { storeBackends } from '../support/store-backends.js';
import { formOf, onlyNockedVendors } from './vendor-nock.js';
import { recordConnectorFailure } from '../../src/pipeline/record-connector-failure.js';

/**
 * TokenKeeper on real Redis and both store backends, with HubSpot's token endpoint (through the
 * official SDK) answered by nock. Two keepers on two store connections play two processes.
 */

const API = 'https://api.hubapi.com';
const logger = pino({ level: 'silent' });
const config = loadConfig({ HUBSPOT_CLIENT_ID: 'client-id-1', HUBSPOT_CLIENT_SECRET: 'client-secret-1' });

describe.each(storeBackends())('TokenKeeper on %s', (_backend, open) => {
  onlyNockedVendors();
  let store: Store;
  let other: Store;
  let redis: Redis;
  const prefix = `qualify-test-${randomUUID().slice(0, 8)}`;
  let n = 0;

  beforeAll(async () => {
    store = await open();
    other = await open();
    redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    await store.createWorkspace({ id: 'acme', name: 'Acme' });
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await store.close();
    await other.close();
  });

  /** A fresh installed HubSpot connection in workspace acme whose token expires `inMs` from now. */
  async function installed(inMs: number, refreshToken = 'rt-1'): Promise<string> {
    const id = `hubspot-${7000 + ++n}`;
    const ws = store.forWorkspace('acme');
    await ws.upsertConnection({ id, system: 'hubspot', accountId: String(7000 + n), config: { auth: 'oauth' } });
    const creds: OAuthCredentials = { kind: 'oauth', system: 'hubspot', accessToken: `at-old-${n}`, refreshToken, expiresAt: Date.now() + inMs, installedAt: new Date().toISOString() };
    await ws.saveCredentials(id, creds);
    return id;
  }

  function keeper(id: string, s: Store = store): TokenKeeper {
    const row = { id, workspaceId: 'acme' } as Parameters<typeof hubspotInstallOptions>[0];
    return hubspotInstallOptions({ ...row, system: 'hubspot', accountId: id.slice(8), status: 'active', statusMessage: null, parkedUntil: null, config: { auth: 'oauth' }, createdAt: '', updatedAt: '' }, s, { config, redis, prefix, logger }).keeper;
  }

  test('when the token is good for longer than the skew, then it is used as stored and HubSpot is not asked', async () => {
    const id = await installed(30 * 60_000);
    const k = keeper(id);
    expect(await k.accessToken()).toBe(`at-old-${n}`);
    expect(k.refreshes).toBe(0);
  });

  test('when the token expires within five minutes, then it is refreshed ahead of time and the new one is saved sealed in the store', async () => {
    const id = await installed(4 * 60_000);
    let form: Record<string, string> = {};
    nock(API)
      .post('/oauth/v1/token', (b) => {
        form = formOf(b);
        return true;
      })
      .reply(200, { access_token: 'at-new', refresh_token: 'rt-1', expires_in: 1800 });
    const before = Date.now();
    expect(await keeper(id).accessToken()).toBe('at-new');
    expect(form).toMatchObject({ grant_type: 'refresh_token', refresh_token: 'rt-1', client_id: 'client-id-1' });
    const saved = await store.forWorkspace('acme').getCredentials<OAuthCredentials>(id);
    expect(saved).toMatchObject({ accessToken: 'at-new', refreshToken: 'rt-1' });
    expect(saved!.expiresAt).toBeGreaterThanOrEqual(before + 1_800_000);
    expect(saved!.refreshedAt).toBeDefined();
  });

  test('when HubSpot returns a different refresh token, then the rotated one is saved and used for the next refresh', async () => {
    const id = await installed(60_000, 'rt-first');
    nock(API).post('/oauth/v1/token').reply(200, { access_token: 'at-a', refresh_token: 'rt-rotated', expires_in: 1 });
    const k = keeper(id);
    expect(await k.accessToken()).toBe('at-a');
    expect((await store.forWorkspace('acme').getCredentials<OAuthCredentials>(id))!.refreshToken).toBe('rt-rotated');
    let form: Record<string, string> = {};
    nock(API)
      .post('/oauth/v1/token', (b) => {
        form = formOf(b);
        return true;
      })
      .reply(200, { access_token: 'at-b', refresh_token: 'rt-rotated', expires_in: 1800 });
    // expires_in 1 s is inside the skew: the next call refreshes again, with the rotated token.
    expect(await keeper(id, other).accessToken()).toBe('at-b');
    expect(form.refresh_token).toBe('rt-rotated');
  });

  test('when many callers in two processes need a refresh at once, then HubSpot is asked once and all get the same token', async () => {
    const id = await installed(1_000);
    let calls = 0;
    nock(API)
      .post('/oauth/v1/token')
      .times(10)
      .delay(150)
      .reply(() => {
        calls++;
        return [200, { access_token: `at-concurrent-${calls}`, refresh_token: 'rt-1', expires_in: 1800 }];
      });
    const a = keeper(id, store);
    const b = keeper(id, other);
    const tokens = await Promise.all([...Array.from({ length: 5 }, () => a.accessToken()), ...Array.from({ length: 5 }, () => b.accessToken())]);
    expect(calls).toBe(1);
    expect(new Set(tokens)).toEqual(new Set(['at-concurrent-1']));
    expect(a.refreshes + b.refreshes).toBe(1);
  });

  test('when HubSpot refuses the refresh token, then the connection needs re-authorisation with a message saying how, and the refused token is not tried again', async () => {
    const id = await installed(1_000, 'rt-revoked');
    const scope = nock(API).post('/oauth/v1/token').reply(400, { status: 'BAD_REFRESH_TOKEN', message: 'missing or invalid refresh token' });
    const k = keeper(id);
    const err = await k.accessToken().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect(scope.isDone()).toBe(true);
    // The keeper only reports; the worker's one writer records the connection's status.
    expect(await store.forWorkspace('acme').getConnection(id)).toMatchObject({ status: 'active' });
    await recordConnectorFailure(store.forWorkspace('acme'), id, err);
    const row = await store.forWorkspace('acme').getConnection(id);
    expect(row?.status).toBe('needs_reauth');
    expect(row?.statusMessage).toContain('BAD_REFRESH_TOKEN');
    expect(row?.statusMessage).toContain('/oauth/hubspot/install?workspace=acme');
    // No second request: nock has nothing left to answer, so a call would fail differently.
    await expect(k.accessToken()).rejects.toThrow(/needs re-authorisation/);
  });

  test('when the HubSpot client runs with the keeper as its token provider, then calls carry the refreshed token, and a 401 forces one refresh and a retry', async () => {
    const id = await installed(1_000);
    const opts = hubspotInstallOptions(
      { id, workspaceId: 'acme', system: 'hubspot', accountId: '62515', status: 'active', statusMessage: null, parkedUntil: null, config: { auth: 'oauth' }, createdAt: '', updatedAt: '' },
      store,
      { config, redis, prefix, logger },
    );
    const client = new HubSpotClient({ ...opts, limiter: new RedisRateLimiter(redis, { prefix: `${prefix}:rl` }), logger, retry: { retries: 0 } });
    client.adoptAccount({ accountId: '62515', config: {} });
    nock(API).post('/oauth/v1/token').reply(200, { access_token: 'at-fresh', refresh_token: 'rt-1', expires_in: 1800 });
    const seen: string[] = [];
    nock(API)
      .get('/crm/v3/properties/contacts/email')
      .times(3)
      .reply(function reply() {
        seen.push(String(this.req.headers.authorization));
        return seen.length === 2 ? [401, { status: 'error', message: 'The OAuth token used to make this call expired', category: 'EXPIRED_AUTHENTICATION' }] : [200, { name: 'email' }];
      });
    await client.call('read property', 'standard', (sdk) => sdk.crm.properties.coreApi.getByName('contacts', 'email'));
    expect(seen).toEqual(['Bearer at-fresh']);
    nock(API).post('/oauth/v1/token').reply(200, { access_token: 'at-after-401', refresh_token: 'rt-1', expires_in: 1800 });
    await client.call('read property', 'standard', (sdk) => sdk.crm.properties.coreApi.getByName('contacts', 'email'));
    expect(seen).toEqual(['Bearer at-fresh', 'Bearer at-fresh', 'Bearer at-after-401']);
    expect(client.limiterKey('standard')).toBe('hubspot:62515:burst');
  });
});
