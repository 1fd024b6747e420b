import { mkdirSync } from 'node:fs';
// Loaded when a PGlite store is opened, not with this module: importing PGlite costs ~40 MB of
// memory, which a process on PostgreSQL (e.g. a backfill under its 300 MB budget) never needs.
import type { PGlite } from '@electric-sql/pglite';
import { assertSchemaName, type SqlDriver, type SqlExecutor, type SqlParam, type SqlRow } from './sql-driver.js';

interface PGliteLike {
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
  exec(sql: string): Promise<unknown>;
}

function executor(db: PGliteLike): SqlExecutor {
  return {
    async query<T extends SqlRow>(sql: string, params: SqlParam[] = []) {
      return (await db.query<T>(sql, params)).rows;
    },
    async exec(sql: string) {
      await db.exec(sql);
    },
  };
}

/**
 * PGlite's defaults size it like a server (128 MB shared buffers and a large WASM heap). One
 * process serving one team's leads needs far less, and its memory never shrinks once grown, so the
 * embedded store starts small: measured on reopening a data folder, RSS drops from ~480 MB to ~250 MB.
 */
const EMBEDDED_MEMORY = {
  initialMemory: 128 * 1024 * 1024,
  postgresqlconf: ['shared_buffers=16MB', 'work_mem=4MB', 'maintenance_work_mem=16MB', 'wal_buffers=1MB'],
};

/**
 * Embedded PostgreSQL (PGlite, WASM): the zero-setup default. One connection, so transactions
 * are serialised by PGlite itself. Pass `instance` to share one database between several stores
 * (tests, to pay the WASM start once); the driver then leaves closing it to its owner.
 */
export async function createPgliteDriver(opts: { dataDir?: string; inMemory?: boolean; instance?: PGlite; schema?: string }): Promise<SqlDriver> {
  const { PGlite } = await import('@electric-sql/pglite');
  let db: PGlite;
  const owned = !opts.instance;
  if (opts.instance) {
    db = opts.instance;
  } else if (opts.inMemory || !opts.dataDir) {
    db = await PGlite.create();
  } else {
    mkdirSync(opts.dataDir, { recursive: true });
    db = await PGlite.create({ dataDir: opts.dataDir, ...EMBEDDED_MEMORY });
  }
  if (opts.schema) {
    // One session: the search_path set here holds for every later statement on this instance.
    await db.exec(`create schema if not exists ${assertSchemaName(opts.schema)}; set search_path to ${opts.schema}`);
  }

  const base = executor(db);
  return {
    kind: 'pglite',
    query: base.query,
    exec: base.exec,
    transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      return db.transaction((tx) => fn(executor(tx)));
    },
    async close() {
      if (owned) await db.close();
    },
  };
}
