import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { SecretBoxError } from '../../src/security/secret-box.js';
import type { SqlStore } from '../../src/store/sql-store.js';
import type { Store } from '../../src/store/store.types.js';
import { storeBackends } from '../support/store-backends.js';
import { newWorkspace } from './workspace-fixtures.js';

/**
 * Tokens are sealed (AES-256-GCM) before they reach the database: a dump of every table shows
 * none of them, a store with another key cannot read them, and a sealed value moved onto
 * another connection's row does not open.
 */
describe.each(storeBackends())('credentials at rest on %s', (_backend, open) => {
  let root: Store;
  let ws: Store;
  const accessToken = `at-${randomUUID()}`;
  const refreshToken = `rt-${randomUUID()}`;
  const connectionId = `hubspot-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    root = await open();
    ws = await newWorkspace(root, 'secrets');
    await ws.upsertConnection({ id: connectionId, system: 'hubspot', accountId: '31337' });
    await ws.saveCredentials(connectionId, { kind: 'oauth', accessToken, refreshToken, expiresAt: Date.now() + 1_800_000 });
  });
  afterAll(() => root.close());

  test('when every table is dumped, then no token appears in clear (nor base64-encoded)', async () => {
    const db = (root as SqlStore).driver;
    const tables = await db.query<{ table_name: string }>(
      `select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`,
    );
    expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(['connection_credentials', 'connections', 'api_keys']));
    let dump = '';
    for (const { table_name } of tables) dump += JSON.stringify(await db.query(`select * from ${table_name}`));
    expect(dump).toContain(connectionId);
    for (const secret of [accessToken, refreshToken]) {
      expect(dump).not.toContain(secret);
      expect(dump).not.toContain(Buffer.from(secret).toString('base64').slice(0, 20));
    }
  });

  test('when read back through the workspace, then the credentials are exactly what was saved', async () => {
    expect(await ws.getCredentials(connectionId)).toMatchObject({ kind: 'oauth', accessToken, refreshToken });
  });

  test('when an API key is created, then only its hash and prefix are stored', async () => {
    const { key } = await ws.createApiKey('dump-check');
    const rows = await (root as SqlStore).driver.query(`select * from api_keys`);
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(key);
    expect(dump).toContain(key.slice(0, 11));
  });

  test('when the store is opened with another key, then the credentials do not open (wrong key), and without a key it says how to fix it', async () => {
    const other = await open({ secretKey: '7c'.repeat(32) });
    try {
      await expect(other.forWorkspace(ws.workspaceId).getCredentials(connectionId)).rejects.toMatchObject({ reason: 'wrong_key' });
    } finally {
      await other.close();
    }
    const keyless = await open({ secretKey: '' });
    try {
      await expect(keyless.forWorkspace(ws.workspaceId).getCredentials(connectionId)).rejects.toThrow(/without a secret key/);
    } finally {
      await keyless.close();
    }
  });

  test("when a sealed value is copied onto another connection's row, then it does not open there", async () => {
    const victim = `hubspot-${randomUUID().slice(0, 8)}`;
    await ws.upsertConnection({ id: victim, system: 'hubspot' });
    await ws.saveCredentials(victim, { kind: 'oauth', accessToken: 'other' });
    const db = (root as SqlStore).driver;
    await db.query(`update connection_credentials set ciphertext = (select ciphertext from connection_credentials where connection_id = $1) where connection_id = $2`, [connectionId, victim]);
    await expect(ws.getCredentials(victim)).rejects.toBeInstanceOf(SecretBoxError);
  });
});
