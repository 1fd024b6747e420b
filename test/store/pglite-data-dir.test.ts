import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { emptyLead } from '../../src/canonical/lead.schema.js';
import { createStore } from '../../src/store/sql-store.js';

/** The zero-setup default: PGlite on disk in QUALIFY_DATA_DIR. */
// Creating a PGlite database on disk (initdb in WASM) takes seconds alone and far longer on a busy
// machine; each open here may do it, so these get more than the suite's default.
const ON_DISK_TIMEOUT_MS = 180_000;

describe('embedded store in a data directory', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'qualify-data-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  test('when the store is closed and opened again, then the leads are still there', async () => {
    const first = await createStore({ dataDir });
    const { leadId } = await first.upsertSourceRecord({
      system: 'hubspot',
      recordId: '101',
      lead: { ...emptyLead(), email: 'kept@acme-corp.com', ids: { hubspot: '101' } },
      sourceUpdatedAt: '2026-01-01T00:00:00Z',
    });
    await first.close();

    const second = await createStore({ dataDir });
    expect((await second.getLead(leadId))?.email).toBe('kept@acme-corp.com');
    await second.close();
  }, ON_DISK_TIMEOUT_MS);

  test('when a second store opens the directory while the first is open, then it is refused with what to do instead', async () => {
    const first = await createStore({ dataDir });
    await expect(createStore({ dataDir })).rejects.toThrow(/in use by process \d+.*set DATABASE_URL/);
    await first.close();
  }, ON_DISK_TIMEOUT_MS);

  test('when the lock names this process but it holds none (a container restarted as the same pid), then the store opens', async () => {
    writeFileSync(join(dataDir, 'pglite.lock'), String(process.pid));
    const store = await createStore({ dataDir });
    await expect(store.ping()).resolves.toBeUndefined();
    await store.close();
  }, ON_DISK_TIMEOUT_MS);

  test('when the lock was left by a process that died, then the store opens', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(join(dataDir, 'pglite.lock'), dead);
    const store = await createStore({ dataDir });
    await expect(store.ping()).resolves.toBeUndefined();
    await store.close();
  }, ON_DISK_TIMEOUT_MS);
});
