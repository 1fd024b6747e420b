import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Redis } from 'ioredis';
import nock from 'nock';
import { pino } from 'pino';
import { SalesforceSession } from '../../connectors/salesforce/salesforce-auth.js';
import { AuthError } from '../../src/errors/connector-errors.js';
import { loadConfig } from '../../src/config/load-config.js';
import { salesforceInstallOptions } from './installed-connection-kit.js';
import type { OAuthCredentials } from '../../src/oauth/oauth-credentials.js';
import { createRedis } from '../../src/queues/redis-connection.js';
import type { ConnectionRow, Store } from '../../src/store/store.types.js';
import { storeBackends } from '../support/store-backends.js';
import { formOf, onlyNockedVendors } from './vendor-nock.js';
import { recordConnectorFailure } from '../../src/pipeline/record-connector-failure.js';

/**
 * An OAuth-installed Salesforce org driven by the connector's jsforce session: the session comes
 * from the sealed credentials, a refresh uses the stored (possibly rotated) refresh token, and a
 * token Salesforce rotates is saved back to the store; a refused refresh asks for a reinstall.
 */

const LOGIN = 'https://login.salesforce.com';
const INSTANCE = 'https://acme.my.salesforce.com';
const logger = pino({ level: 'silent' });
const config = loadConfig({ SALESFORCE_CLIENT_ID: 'sf-consumer-key', SALESFORCE_CLIENT_SECRET: 'sf-consumer-secret' });
const QUERY = '/services/data/v62.0/query';

describe.each(storeBackends())('installed Salesforce session on %s', (_backend, open) => {
  onlyNockedVendors();
  let store: Store;
  let redis: Redis;
  const prefix = `qualify-test-${randomUUID().slice(0, 8)}`;
  let n = 0;

  beforeAll(async () => {
    store = await open();
    redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    await store.createWorkspace({ id: 'acme', name: 'Acme' });
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await store.close();
  });

  async function install(refreshToken: string): Promise<{ row: ConnectionRow; session: SalesforceSession }> {
    const org = `00D5g00000${String(++n).padStart(5, '0')}EAA`;
    const ws = store.forWorkspace('acme');
    const row = await ws.upsertConnection({ id: `salesforce-${org}`, system: 'salesforce', accountId: org, config: { auth: 'oauth' } });
    const creds: OAuthCredentials = { kind: 'oauth', system: 'salesforce', accessToken: `sf-access-${n}`, refreshToken, expiresAt: null, instanceUrl: INSTANCE, outboundSecret: 'ob', installedAt: new Date().toISOString() };
    await ws.saveCredentials(row.id, creds);
    const opts = await salesforceInstallOptions(row, store, { config, redis, prefix, logger });
    return { row, session: new SalesforceSession({ connectionId: row.id, ...opts, store: ws, logger }) };
  }

  test('when the installed session is first used, then the access token from the install is sent without a refresh', async () => {
    const { session } = await install('sf-refresh-a');
    let auth = '';
    nock(INSTANCE)
      .get(QUERY)
      .query(true)
      .reply(function reply() {
        auth = String(this.req.headers.authorization);
        return [200, { totalSize: 0, done: true, records: [] }];
      });
    await session.run('query', async (conn) => { await conn.query('SELECT Id FROM Lead'); });
    expect(auth).toBe(`Bearer sf-access-${n}`);
    expect(session.refreshes).toBe(0);
  });

  test('when Salesforce expires the session and rotates the refresh token, then the stored refresh token is used and the rotated one saved sealed', async () => {
    const { row, session } = await install('sf-refresh-1');
    nock(INSTANCE).get(QUERY).query(true).reply(401, [{ errorCode: 'INVALID_SESSION_ID', message: 'Session expired or invalid' }]);
    let form: Record<string, string> = {};
    nock(LOGIN)
      .post('/services/oauth2/token', (b) => {
        form = formOf(b);
        return true;
      })
      .reply(200, { access_token: 'sf-access-new', refresh_token: 'sf-refresh-2', instance_url: INSTANCE, id: `${LOGIN}/id/${row.accountId}/0055g000000XyZaAAK`, token_type: 'Bearer' });
    nock(INSTANCE).get(QUERY).query(true).matchHeader('authorization', 'Bearer sf-access-new').reply(200, { totalSize: 0, done: true, records: [] });
    await session.run('query', async (conn) => { await conn.query('SELECT Id FROM Lead'); });
    expect(form).toMatchObject({ grant_type: 'refresh_token', refresh_token: 'sf-refresh-1', client_id: 'sf-consumer-key' });
    const saved = await store.forWorkspace('acme').getCredentials<OAuthCredentials>(row.id);
    expect(saved).toMatchObject({ accessToken: 'sf-access-new', refreshToken: 'sf-refresh-2', instanceUrl: INSTANCE });

    // A process started later builds its session from the store and refreshes with the rotated token.
    const later = new SalesforceSession({ connectionId: row.id, ...(await salesforceInstallOptions(row, store, { config, redis, prefix, logger })), store: store.forWorkspace('acme'), logger });
    nock(INSTANCE).get(QUERY).query(true).reply(401, [{ errorCode: 'INVALID_SESSION_ID', message: 'Session expired or invalid' }]);
    nock(LOGIN)
      .post('/services/oauth2/token', (b) => {
        form = formOf(b);
        return true;
      })
      .reply(200, { access_token: 'sf-access-3', instance_url: INSTANCE, id: `${LOGIN}/id/${row.accountId}/0055g000000XyZaAAK` });
    nock(INSTANCE).get(QUERY).query(true).reply(200, { totalSize: 0, done: true, records: [] });
    await later.run('query', async (conn) => { await conn.query('SELECT Id FROM Lead'); });
    expect(form.refresh_token).toBe('sf-refresh-2');
    // No rotation this time: the stored refresh token stays.
    expect((await store.forWorkspace('acme').getCredentials<OAuthCredentials>(row.id))!.refreshToken).toBe('sf-refresh-2');
  });

  test('when Salesforce refuses the refresh token (invalid_grant), then the connection needs a reinstall and says how', async () => {
    const { row, session } = await install('sf-refresh-revoked');
    nock(INSTANCE).get(QUERY).query(true).reply(401, [{ errorCode: 'INVALID_SESSION_ID', message: 'Session expired or invalid' }]);
    nock(LOGIN).post('/services/oauth2/token').reply(400, { error: 'invalid_grant', error_description: 'expired access/refresh token' });
    const err = await session.run('query', async (conn) => { await conn.query('SELECT Id FROM Lead'); }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    // The session only reports; the worker's one writer records the connection's status.
    await recordConnectorFailure(store.forWorkspace('acme'), row.id, err);
    const after = await store.forWorkspace('acme').getConnection(row.id);
    expect(after?.status).toBe('needs_reauth');
    expect(after?.statusMessage).toContain('install it again (GET /oauth/salesforce/install?workspace=acme)');
  });
});
