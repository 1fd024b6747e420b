import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { parseSecretKey, SecretBox } from '../../src/security/secret-box.js';
import { resealCredentials } from '../../src/store/credential-store.js';
import type { SqlExecutor } from '../../src/store/sql-driver.js';
import type { SqlStore } from '../../src/store/sql-store.js';
import type { Store } from '../../src/store/store.types.js';
import { storeBackends } from '../support/store-backends.js';

/**
 * resealCredentials against a token refresh that saves the same row while the reseal runs: the
 * refreshed tokens win, never the older ones the reseal opened.
 */

const OLD_KEY = 'a1'.repeat(32);
const NEW_KEY = 'b2'.repeat(32);

describe.each(storeBackends())('credential reseal on %s', (_backend, open) => {
  let before: Store;
  let after: Store;

  beforeAll(async () => {
    before = await open({ secretKey: OLD_KEY });
    after = await open({ secretKey: NEW_KEY });
    await before.upsertConnection({ id: 'hubspot-1', system: 'hubspot' });
    await before.saveCredentials('hubspot-1', { refreshToken: 'sealed-before-rotation' });
  });
  afterAll(async () => {
    await before.close();
    await after.close();
  });

  test('when a token refresh saves the row between the reseal reading and writing it, then the refreshed tokens are kept and counted current', async () => {
    const { driver } = after as unknown as SqlStore;
    let refreshed = false;
    // The refresh lands just before the reseal's update, as another process's would.
    const racing: SqlExecutor = {
      exec: (sql) => driver.exec(sql),
      query: async (sql, params) => {
        if (!refreshed && sql.trimStart().startsWith('update connection_credentials')) {
          refreshed = true;
          await after.saveCredentials('hubspot-1', { refreshToken: 'refreshed-meanwhile' });
        }
        return driver.query(sql, params);
      },
    };
    const box = new SecretBox(parseSecretKey(NEW_KEY), [parseSecretKey(OLD_KEY)]);
    const report = await resealCredentials(racing, box, 'default', { dryRun: false });

    expect(refreshed).toBe(true);
    expect(report).toEqual({ workspaceId: 'default', resealed: [], current: ['hubspot-1'], unreadable: [] });
    expect(await after.getCredentials('hubspot-1')).toEqual({ refreshToken: 'refreshed-meanwhile' });
  });
});
