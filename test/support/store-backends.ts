import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll } from '@jest/globals';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { Logger } from 'pino';
import { createStore } from '../../src/store/sql-store.js';
import type { Store } from '../../src/store/store.types.js';

/**
 * Every store-backed test runs on both backends the product ships with:
 *
 *   describe.each(storeBackends())('pipeline on %s', (backend, open) => {
 *     let store: Store;
 *     beforeAll(async () => { store = await open(); });
 *     afterAll(() => store.close());
 *     …
 *   });
 *
 * Each call to storeBackends() gets its own fresh databases: an in-memory PGlite, and a new schema
 * on the test PostgreSQL (QUALIFY_TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test).
 * Every open() of one call connects to the same database, as separate processes would (so a test
 * can open two stores to play two workers); the data is shared between the tests of that call.
 * After the tests, stores left open are closed, the PGlite stopped and the schema dropped.
 *
 * PostgreSQL not answering fails the file when CI is set and is skipped with a warning otherwise.
 * QUALIFY_TEST_BACKENDS=pglite (or =postgres) runs one backend only.
 */

export type StoreBackendName = 'pglite' | 'postgres';
export type OpenStore = (opts?: { logger?: Logger; secretKey?: string }) => Promise<Store>;

/** Connection credentials are sealed with this key unless a test passes its own (64 hex digits, as QUALIFY_SECRET_KEY). */
export const TEST_SECRET_KEY = '6b'.repeat(32);

export const testDatabaseUrl = (): string => process.env.QUALIFY_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const answers = new Map<string, boolean>();

/** Drops a PostgreSQL schema a test created (and everything in it), if it is still there. */
export async function dropTestSchema(schema: string, url: string = testDatabaseUrl()): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${schema} cascade`);
  } finally {
    await client.end();
  }
}

/** A TCP probe in a child process, so storeBackends() can stay synchronous for describe.each. */
function probePostgres(url: string): boolean {
  const known = answers.get(url);
  if (known !== undefined) return known;
  const { hostname, port } = new URL(url);
  let ok = true; // unix socket: let the first query tell
  if (hostname) {
    const script = `const s = require('node:net').connect(${Number(port || 5432)}, ${JSON.stringify(hostname)});
      s.setTimeout(1500); s.on('connect', () => process.exit(0));
      s.on('error', () => process.exit(1)); s.on('timeout', () => process.exit(1));`;
    ok = spawnSync(process.execPath, ['-e', script], { timeout: 4000 }).status === 0;
  }
  answers.set(url, ok);
  return ok;
}

export function storeBackends(): Array<[StoreBackendName, OpenStore]> {
  const wanted = (process.env.QUALIFY_TEST_BACKENDS ?? 'pglite,postgres').split(',').map((s) => s.trim());
  const backends: Array<[StoreBackendName, OpenStore]> = [];

  if (wanted.includes('pglite')) {
    let instance: Promise<PGlite> | undefined;
    const { track, closeAll } = tracker();
    backends.push([
      'pglite',
      async (opts) => {
        instance ??= PGlite.create();
        return track(await createStore({ pglite: await instance, logger: opts?.logger, secretKey: opts?.secretKey ?? TEST_SECRET_KEY }));
      },
    ]);
    afterAll(async () => {
      await closeAll();
      if (instance) await (await instance).close();
    });
  }

  if (wanted.includes('postgres')) {
    const url = testDatabaseUrl();
    if (!probePostgres(url)) {
      const message = `PostgreSQL at ${url} does not answer (set QUALIFY_TEST_DATABASE_URL, or start it: .ci/run does)`;
      if (process.env.CI) throw new Error(`${message}; CI requires it`);
      console.warn(`${message}: skipping the PostgreSQL variant of these tests`);
    } else {
      const schema = `qualify_test_${process.pid}_${randomBytes(4).toString('hex')}`;
      let used = false;
      const { track, closeAll } = tracker();
      backends.push([
        'postgres',
        async (opts) => {
          used = true;
          return track(await createStore({ databaseUrl: url, schema, logger: opts?.logger, secretKey: opts?.secretKey ?? TEST_SECRET_KEY }));
        },
      ]);
      afterAll(async () => {
        await closeAll();
        if (!used) return;
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          await client.query(`drop schema if exists ${schema} cascade`);
          await dropAbandonedSchemas(client);
        } finally {
          await client.end();
        }
      });
    }
  }
  return backends;
}

/** Remembers each store so the ones a test forgot to close don't keep jest alive; close() stays idempotent. */
function tracker() {
  const opened = new Set<Store>();
  return {
    track(store: Store): Store {
      opened.add(store);
      const close = store.close.bind(store);
      store.close = async () => {
        if (!opened.delete(store)) return;
        await close();
      };
      return store;
    },
    async closeAll() {
      await Promise.all([...opened].map((s) => s.close()));
    },
  };
}

/**
 * Test runs that were killed never reached their afterAll: sweep their schemas once they are
 * clearly abandoned (migrated more than six hours ago), so the test database does not fill up.
 */
async function dropAbandonedSchemas(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ nspname: string }>(`select nspname from pg_namespace where nspname like 'qualify\\_test\\_%'`);
  for (const { nspname } of rows) {
    try {
      const { rows: [age] } = await client.query<{ old: boolean }>(
        `select coalesce(min(applied_at) < now() - interval '6 hours', false) as old from ${nspname}.schema_migrations`,
      );
      if (age?.old) await client.query(`drop schema if exists ${nspname} cascade`);
    } catch {
      // not ours to judge (no migrations table yet, or dropped meanwhile): leave it
    }
  }
}
