import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createStore, type SqlStore } from '../../src/store/sql-store.js';
import type { Store } from '../../src/store/store.types.js';
import { dropTestSchema, testDatabaseUrl } from '../support/store-backends.js';

/**
 * Finishing a QUALIFY_SECRET_KEY rotation with the real CLI, on both store backends (PGlite in a
 * data directory, a PostgreSQL schema): `qualify secrets reseal` moves every stored credential to
 * the new key, after which the previous key can go; it never prints a secret.
 */

const OLD_KEY = 'a1'.repeat(32);
const NEW_KEY = 'b2'.repeat(32);
const LOST_KEY = 'c3'.repeat(32);
const secretOf = (connectionId: string) => `refresh-${connectionId}-${randomBytes(6).toString('hex')}`;

type Backend = { name: string; open: (secretKey: string) => Promise<Store>; env: Record<string, string>; cleanup: () => Promise<void> };

function backends(): Backend[] {
  const wanted = (process.env.QUALIFY_TEST_BACKENDS ?? 'pglite,postgres').split(',');
  const out: Backend[] = [];
  if (wanted.includes('pglite')) {
    const dataDir = mkdtempSync(join(tmpdir(), 'qualify-reseal-'));
    out.push({
      name: 'pglite',
      open: (secretKey) => createStore({ dataDir, secretKey }),
      env: { QUALIFY_DATA_DIR: dataDir },
      cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
    });
  }
  if (wanted.includes('postgres')) {
    const schema = `qualify_test_${process.pid}_${randomBytes(4).toString('hex')}`;
    const url = new URL(testDatabaseUrl());
    url.searchParams.set('options', `-c search_path=${schema}`);
    const dataDir = mkdtempSync(join(tmpdir(), 'qualify-reseal-pg-'));
    out.push({
      name: 'postgres',
      open: (secretKey) => createStore({ databaseUrl: testDatabaseUrl(), schema, secretKey }),
      env: { DATABASE_URL: url.toString(), QUALIFY_DATA_DIR: dataDir },
      cleanup: async () => {
        rmSync(dataDir, { recursive: true, force: true });
        await dropTestSchema(schema);
      },
    });
  }
  return out;
}

describe.each(backends().map((b) => [b.name, b] as const))('qualify secrets on %s', (_name, backend) => {
  const secrets = new Map<string, { workspace: string; value: string }>();
  const outputs: string[] = [];

  /** The CLI as an operator runs it; every byte it prints is kept to check that no secret leaks. */
  const qualify = (keys: { key: string; previous?: string }, ...args: string[]) => {
    const r = spawnSync(process.execPath, ['bin/qualify.js', ...args], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: 'test',
        QUALIFY_DEMO: 'false',
        LOG_LEVEL: 'warn',
        QUALIFY_SECRET_KEY: keys.key,
        ...(keys.previous ? { QUALIFY_SECRET_KEY_PREVIOUS: keys.previous } : {}),
        ...backend.env,
      },
      encoding: 'utf8',
      timeout: 90_000,
    });
    outputs.push(r.stdout, r.stderr);
    return r;
  };
  const rotating = { key: NEW_KEY, previous: OLD_KEY };

  /** Opens the store in this process only between CLI runs: PGlite admits one process. */
  async function withStore<T>(secretKey: string, fn: (store: Store) => Promise<T>): Promise<T> {
    const store = await backend.open(secretKey);
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  }
  const ciphertexts = (store: Store) =>
    (store as unknown as SqlStore).driver.query<{ connection_id: string; ciphertext: string }>(`select connection_id, ciphertext from connection_credentials order by 1`);

  async function saveUnder(secretKey: string, workspace: string, connectionId: string): Promise<void> {
    await withStore(secretKey, async (store) => {
      const value = secretOf(connectionId);
      await store.forWorkspace(workspace).upsertConnection({ id: connectionId, system: 'hubspot' });
      await store.forWorkspace(workspace).saveCredentials(connectionId, { refreshToken: value });
      secrets.set(connectionId, { workspace, value });
    });
  }

  beforeAll(async () => {
    await withStore(OLD_KEY, (store) => store.createWorkspace({ id: 'acme', name: 'Acme' }));
    // Sealed before the rotation, in two workspaces.
    await saveUnder(OLD_KEY, 'default', 'hubspot-1');
    await saveUnder(OLD_KEY, 'acme', 'hubspot-2');
    await saveUnder(OLD_KEY, 'acme', 'hubspot-3');
  }, 120_000);
  afterAll(() => backend.cleanup());

  test('when the key was rotated, then status counts every value under the previous key and a dry run writes nothing', async () => {
    const before = await withStore(NEW_KEY, ciphertexts);
    const status = qualify(rotating, 'secrets', 'status');
    expect(status.status).toBe(0);
    expect(status.stdout.trim()).toBe('under the current key 0, under a previous key 3, unreadable 0');

    const dry = qualify(rotating, 'secrets', 'reseal', '--dry-run');
    expect(dry.status).toBe(0);
    expect(dry.stdout.trim()).toBe('would reseal 3, already current 0, unreadable 0 (dry run: nothing written)');
    expect(await withStore(NEW_KEY, ciphertexts)).toEqual(before);
  }, 240_000);

  test('when a workspace is resealed, then only its values move to the new key', async () => {
    const acme = qualify(rotating, 'secrets', 'reseal', '--workspace', 'acme');
    expect(acme.status).toBe(0);
    expect(acme.stdout.trim()).toBe('resealed 2, already current 0, unreadable 0');
    expect(qualify(rotating, 'secrets', 'status').stdout.trim()).toBe('under the current key 2, under a previous key 1, unreadable 0');
    const unknown = qualify(rotating, 'secrets', 'reseal', '--workspace', 'nope');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr.trim()).toBe('qualify: no workspace "nope" (qualify workspace list)');
  }, 240_000);

  test('when every workspace is resealed, then the credentials open without the previous key, and a second run reseals nothing', async () => {
    const first = qualify(rotating, 'secrets', 'reseal');
    expect(first.status).toBe(0);
    expect(first.stdout.trim()).toBe('resealed 1, already current 2, unreadable 0');

    // QUALIFY_SECRET_KEY_PREVIOUS dropped: everything still opens, with the values saved before the rotation.
    await withStore(NEW_KEY, async (store) => {
      for (const [connectionId, { workspace, value }] of secrets) {
        expect(await store.forWorkspace(workspace).getCredentials(connectionId)).toEqual({ refreshToken: value });
      }
    });
    const without = qualify({ key: NEW_KEY }, 'secrets', 'status');
    expect(without.status).toBe(0);
    expect(without.stdout.trim()).toBe('under the current key 3, under a previous key 0, unreadable 0');

    const before = await withStore(NEW_KEY, ciphertexts);
    const second = qualify({ key: NEW_KEY }, 'secrets', 'reseal');
    expect(second.status).toBe(0);
    expect(second.stdout.trim()).toBe('resealed 0, already current 3, unreadable 0');
    expect(await withStore(NEW_KEY, ciphertexts)).toEqual(before);
  }, 240_000);

  test('when a value is sealed under a key no longer configured, then it is reported unreadable with exit 1 and left untouched', async () => {
    await saveUnder(LOST_KEY, 'acme', 'hubspot-9');
    await saveUnder(OLD_KEY, 'default', 'hubspot-4');
    const before = (await withStore(NEW_KEY, ciphertexts)).find((r) => r.connection_id === 'hubspot-9');

    const r = qualify(rotating, 'secrets', 'reseal', '--json');
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout) as { resealed: number; alreadyCurrent: number; unreadable: Array<{ connectionId: string; workspaceId: string; reason: string }> };
    expect(report).toMatchObject({ resealed: 1, alreadyCurrent: 3, unreadable: [{ connectionId: 'hubspot-9', workspaceId: 'acme', reason: 'wrong_key' }] });

    const text = qualify(rotating, 'secrets', 'reseal');
    expect(text.status).toBe(1);
    expect(text.stdout).toMatch(/^resealed 0, already current 4, unreadable 1\n  unreadable: connection hubspot-9 \(workspace acme\): sealed under another key/);
    expect(text.stderr).toMatch(/keep QUALIFY_SECRET_KEY_PREVIOUS/);
    expect((await withStore(NEW_KEY, ciphertexts)).find((r) => r.connection_id === 'hubspot-9')).toEqual(before);
    await withStore(LOST_KEY, async (store) => expect(await store.forWorkspace('acme').getCredentials('hubspot-9')).toEqual({ refreshToken: secrets.get('hubspot-9')!.value }));
  }, 240_000);

  test('when the commands ran, then no secret value appeared in their output', () => {
    expect(outputs.length).toBeGreaterThan(10);
    const all = outputs.join('\n');
    for (const { value } of secrets.values()) expect(all).not.toContain(value);
    for (const key of [OLD_KEY, NEW_KEY, LOST_KEY]) expect(all).not.toContain(key);
  });
});
