import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { pino } from 'pino';
import { createConnectionFactory } from '../../src/app/connection-factory.js';
import { loadConfig } from '../../src/config/load-config.js';
import { Metrics } from '../../src/metrics/metrics.js';
import { createRedis } from '../../src/queues/redis-connection.js';
import { RedisRateLimiter } from '../../src/rate-limit/redis-rate-limiter.js';
import type { Store } from '../../src/store/store.types.js';
import { storeBackends } from '../support/store-backends.js';
import { newWorkspace } from './workspace-fixtures.js';

/** Which stored connections the runtime can build a connector for, and with what. */
const [[, open]] = storeBackends().filter(([name]) => name === 'pglite');

describe('connection factory', () => {
  const redis = createRedis(process.env.REDIS_URL!);
  const logger = pino({ level: 'silent' });
  let root: Store;
  let ws: Store;
  const credentials = (system: 'hubspot' | 'salesforce') => ({
    kind: 'oauth',
    system,
    accessToken: 'at',
    refreshToken: 'rt',
    expiresAt: null,
    instanceUrl: system === 'salesforce' ? 'https://acme.my.salesforce.com' : undefined,
    installedAt: new Date().toISOString(),
  });
  const factoryWith = (env: Record<string, string>) =>
    createConnectionFactory({
      config: loadConfig({ QUALIFY_DEMO: 'false', ...env }),
      redis,
      limiter: new RedisRateLimiter(redis, { prefix: `cf-${randomUUID().slice(0, 8)}` }),
      logger,
      metrics: new Metrics(),
    });

  beforeAll(async () => {
    root = await open!();
    ws = await newWorkspace(root, 'factory');
  });
  afterAll(async () => {
    await root.close();
    redis.disconnect();
  });

  test('when a stored HubSpot connection has OAuth credentials and the app is configured, then it is built in its workspace with a webhook receiver', async () => {
    const row = await ws.upsertConnection({ id: `hubspot-${randomUUID().slice(0, 6)}`, system: 'hubspot', accountId: '123' });
    await ws.saveCredentials(row.id, credentials('hubspot'));
    const spec = await factoryWith({ HUBSPOT_CLIENT_ID: 'id', HUBSPOT_CLIENT_SECRET: 'secret', HUBSPOT_POLL_INTERVAL_MS: '120000' })(row, ws);
    expect(spec).toMatchObject({ id: row.id, workspaceId: ws.workspaceId, system: 'hubspot', pollIntervalMs: 120000, mappingFile: 'mappings/hubspot.yaml' });
    expect(spec!.connector.people!.webhook).toBeDefined();
  });

  test('when the HubSpot app is not configured, then the connection is not built (its token could not be refreshed)', async () => {
    const row = await ws.upsertConnection({ id: `hubspot-${randomUUID().slice(0, 6)}`, system: 'hubspot', accountId: '124' });
    await ws.saveCredentials(row.id, credentials('hubspot'));
    expect(await factoryWith({})(row, ws)).toBeNull();
  });

  test('when a stored Salesforce connection has OAuth credentials, then it is built with bulk writes', async () => {
    const row = await ws.upsertConnection({ id: `salesforce-${randomUUID().slice(0, 6)}`, system: 'salesforce', accountId: '00D5g000000ABCDEAA' });
    await ws.saveCredentials(row.id, credentials('salesforce'));
    const spec = await factoryWith({ SALESFORCE_CLIENT_ID: 'sf-client' })(row, ws);
    expect(spec).toMatchObject({ id: row.id, workspaceId: ws.workspaceId, system: 'salesforce' });
    expect(spec!.connector.writes!.bulk).toBeDefined();
  });

  test('when a connection has no stored credentials (an env-configured row) or its credentials are not OAuth ones, then it is not built, or it fails naming the field', async () => {
    const bare = await ws.upsertConnection({ id: `hubspot-${randomUUID().slice(0, 6)}`, system: 'hubspot' });
    const factory = factoryWith({ HUBSPOT_CLIENT_ID: 'id', HUBSPOT_CLIENT_SECRET: 'secret' });
    expect(await factory(bare, ws)).toBeNull();
    await ws.saveCredentials(bare.id, { token: 'x' });
    await expect(factory(bare, ws)).rejects.toThrow(/not OAuth credentials: kind/);
  });
});
