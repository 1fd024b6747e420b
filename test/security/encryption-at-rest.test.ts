import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import nock from 'nock';
import { pino } from 'pino';
import request from 'supertest';
import { loadConfig } from '../../src/config/load-config.js';
import { hubspotInstallOptions } from '../oauth/installed-connection-kit.js';
import { SecretBoxError } from '../../src/security/secret-box.js';
import type { SqlStore } from '../../src/store/sql-store.js';
import type { Store } from '../../src/store/store.types.js';
import { storeBackends } from '../support/store-backends.js';
import { ADMIN_TOKEN, HS_API, installFlow, SF_LOGIN, type InstallFlow } from '../oauth/oauth-test-kit.js';

/**
 * Secrets at rest: after real installs (HubSpot and Salesforce, through the routes) and a refresh
 * that rotates a token, a dump of every table of the database holds none of the tokens in clear,
 * on both store backends; Redis holds none either; and another key cannot open them.
 */

const ORG = '00D5g000004zzzzEAA';
const secrets = {
  hsAccess: `hs-access-${randomBytes(8).toString('hex')}`,
  hsRefresh: `hs-refresh-${randomBytes(8).toString('hex')}`,
  hsRotated: `hs-rotated-${randomBytes(8).toString('hex')}`,
  hsRefreshed: `hs-refreshed-${randomBytes(8).toString('hex')}`,
  sfAccess: `00D!sf-access-${randomBytes(8).toString('hex')}`,
  sfRefresh: `5Aep-sf-refresh-${randomBytes(8).toString('hex')}`,
};

async function dumpEveryTable(store: Store): Promise<{ tables: string[]; text: string }> {
  const { driver } = store as unknown as SqlStore;
  const tables = (
    await driver.query<{ table_name: string }>(`select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' order by 1`)
  ).map((r) => r.table_name);
  const parts: string[] = [];
  for (const t of tables) parts.push(`${t}: ${JSON.stringify(await driver.query(`select * from "${t}"`))}`);
  return { tables, text: parts.join('\n') };
}

describe.each(storeBackends())('encryption at rest on %s', (_backend, open) => {
  let store: Store;
  let flow: InstallFlow;

  beforeAll(async () => {
    store = await open();
    await store.createWorkspace({ id: 'acme', name: 'Acme' });
    flow = installFlow(store);
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');

    const hs = await request(flow.app).get('/oauth/hubspot/install?workspace=acme').set({ Authorization: `Bearer ${ADMIN_TOKEN}` });
    nock(HS_API).post('/oauth/v1/token').reply(200, { access_token: secrets.hsAccess, refresh_token: secrets.hsRefresh, expires_in: 60 });
    nock(HS_API).get(`/oauth/v1/access-tokens/${secrets.hsAccess}`).reply(200, { hub_id: 4242, hub_domain: 'acme.test', scopes: ['oauth'], app_id: 1, user: 'ops@acme.test', expires_in: 60, token: secrets.hsAccess });
    expect((await request(flow.app).get(`/oauth/hubspot/callback?code=c1&state=${encodeURIComponent(new URL(hs.headers.location!).searchParams.get('state')!)}`)).status).toBe(200);

    const sf = await request(flow.app).get('/oauth/salesforce/install?workspace=acme').set({ Authorization: `Bearer ${ADMIN_TOKEN}` });
    nock(SF_LOGIN)
      .post('/services/oauth2/token')
      .reply(200, { access_token: secrets.sfAccess, refresh_token: secrets.sfRefresh, instance_url: 'https://zz.my.salesforce.com', id: `${SF_LOGIN}/id/${ORG}/0055g000000XyZaAAK` });
    expect((await request(flow.app).get(`/oauth/salesforce/callback?code=c2&state=${encodeURIComponent(new URL(sf.headers.location!).searchParams.get('state')!)}`)).status).toBe(200);

    // The HubSpot token expires within the skew: a refresh that rotates the refresh token.
    nock(HS_API).post('/oauth/v1/token').reply(200, { access_token: secrets.hsRefreshed, refresh_token: secrets.hsRotated, expires_in: 1800 });
    const row = (await store.forWorkspace('acme').getConnection('hubspot-4242'))!;
    const config = loadConfig({ HUBSPOT_CLIENT_ID: 'hs-client', HUBSPOT_CLIENT_SECRET: 'hs-secret' });
    const { keeper } = hubspotInstallOptions(row, store, { config, redis: flow.redis, prefix: flow.prefix, logger: pino({ level: 'silent' }) });
    expect(await keeper.accessToken()).toBe(secrets.hsRefreshed);
  });
  afterEach(() => expect(nock.pendingMocks()).toEqual([]));
  afterAll(async () => {
    nock.cleanAll();
    nock.enableNetConnect();
    await flow.close();
    await store.close();
  });

  test('when every table is dumped, then the credentials are there only as sealed values and no token appears in clear', async () => {
    const { tables, text } = await dumpEveryTable(store);
    expect(tables).toEqual(expect.arrayContaining(['connections', 'connection_credentials']));
    // The dump is real: what is not secret is there in clear.
    expect(text).toContain('hubspot-4242');
    expect(text).toContain(ORG);
    for (const [name, value] of Object.entries(secrets)) expect([name, text.includes(value)]).toEqual([name, false]);
    const { driver } = store as unknown as SqlStore;
    const sealed = await driver.query<{ ciphertext: string }>(`select ciphertext from connection_credentials`);
    expect(sealed).toHaveLength(2);
    for (const { ciphertext } of sealed) expect(ciphertext).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    // They do open with the key: the current tokens are the refreshed and rotated ones.
    expect(await store.forWorkspace('acme').getCredentials('hubspot-4242')).toMatchObject({ accessToken: secrets.hsRefreshed, refreshToken: secrets.hsRotated });
  });

  test('when Redis is searched, then no token is stored there either', async () => {
    const keys = await flow.redis.keys(`${flow.prefix}:*`);
    const values = await Promise.all(keys.map(async (k) => ((await flow.redis.type(k)) === 'string' ? ((await flow.redis.get(k)) ?? '') : '')));
    const text = keys.join('\n') + values.join('\n');
    for (const [name, value] of Object.entries(secrets)) expect([name, text.includes(value)]).toEqual([name, false]);
  });

  test('when the store is opened with another key, then credentials do not open and the error says the key is wrong', async () => {
    const other = await open({ secretKey: randomBytes(32).toString('hex') });
    try {
      const err = await other.forWorkspace('acme').getCredentials('hubspot-4242').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SecretBoxError);
      expect((err as SecretBoxError).reason).toBe('wrong_key');
    } finally {
      await other.close();
    }
  });
});
