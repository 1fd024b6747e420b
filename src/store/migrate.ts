import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { assertSchemaName, type SqlDriver } from './sql-driver.js';

/**
 * Versioned migrations: numbered SQL files in `migrations/` (`0001_initial.sql`, …), applied in
 * order in one transaction and recorded in `schema_migrations`. A transaction-scoped advisory
 * lock makes concurrent starts (several worker processes) wait for each other instead of racing;
 * the loser then finds everything applied. An applied file that was edited afterwards is refused.
 */

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

/** The repository's `migrations/` folder, found by walking up from this file (works from src/ and dist/). */
export function defaultMigrationsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'migrations');
    if (existsSync(candidate) && existsSync(join(dir, 'package.json'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('Cannot find the migrations/ folder above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

export function loadMigrations(dir: string = defaultMigrationsDir()): Migration[] {
  const migrations = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .map((name) => {
      const match = /^(\d+)_[\w-]+\.sql$/.exec(name);
      if (!match) throw new Error(`Migration file "${name}" in ${dir} must be named <number>_<name>.sql`);
      const sql = readFileSync(join(dir, name), 'utf8');
      return { version: Number(match[1]), name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    })
    .sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i].version === migrations[i - 1].version) {
      throw new Error(`Migrations ${migrations[i - 1].name} and ${migrations[i].name} share version ${migrations[i].version}`);
    }
  }
  return migrations;
}

export async function runMigrations(
  driver: SqlDriver,
  opts: { schema?: string; migrations?: Migration[]; logger?: Logger } = {},
): Promise<{ applied: string[] }> {
  const migrations = opts.migrations ?? loadMigrations();
  const schema = opts.schema ? assertSchemaName(opts.schema) : null;
  return driver.transaction(async (tx) => {
    // Keyed per schema, so isolated test schemas never wait for each other.
    await tx.query(`select pg_advisory_xact_lock(hashtextextended($1, 0))`, [`qualify:migrate:${schema ?? ''}`]);
    if (schema) await tx.exec(`create schema if not exists ${schema}`);
    await tx.exec(`create table if not exists schema_migrations (
      version    integer primary key,
      name       text not null,
      checksum   text not null,
      applied_at timestamptz not null default now()
    )`);
    const rows = await tx.query<{ version: number; name: string; checksum: string }>(
      `select version, name, checksum from schema_migrations order by version`,
    );
    const done = new Map(rows.map((r) => [Number(r.version), r]));
    const applied: string[] = [];
    for (const m of migrations) {
      const previous = done.get(m.version);
      if (previous) {
        if (previous.checksum !== m.checksum) {
          throw new Error(`Migration ${m.name} was changed after it was applied (as ${previous.name}); add a new migration instead`);
        }
        continue;
      }
      await tx.exec(m.sql);
      await tx.query(`insert into schema_migrations (version, name, checksum) values ($1, $2, $3)`, [m.version, m.name, m.checksum]);
      applied.push(m.name);
    }
    if (applied.length) opts.logger?.info({ applied, schema: schema ?? 'default' }, 'store migrations applied');
    return { applied };
  });
}
