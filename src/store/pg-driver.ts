import pg from 'pg';
import type { Logger } from 'pino';
import { assertSchemaName, type SqlDriver, type SqlExecutor, type SqlParam, type SqlRow } from './sql-driver.js';

/** Deadlock and serialization failures are safe to retry: the transaction left no trace. */
const RETRYABLE = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 3;

function executor(client: pg.Pool | pg.PoolClient): SqlExecutor {
  return {
    async query<T extends SqlRow>(sql: string, params: SqlParam[] = []) {
      const result = await client.query(sql, params);
      return result.rows as T[];
    },
    async exec(sql: string) {
      await client.query(sql);
    },
  };
}

/**
 * PostgreSQL through a `pg` pool. With `schema`, every pooled connection starts with that
 * search_path, so tests can isolate themselves in a schema of the shared database.
 */
export function createPgDriver(opts: { connectionString: string; schema?: string; max?: number; logger?: Logger }): SqlDriver {
  const options = opts.schema ? `-c search_path=${assertSchemaName(opts.schema)}` : undefined;
  const pool = new pg.Pool({ connectionString: opts.connectionString, max: opts.max ?? 10, options });
  // An idle client can lose its server (restart, network); without a listener that error kills the process.
  pool.on('error', (err) => opts.logger?.warn({ err }, 'idle PostgreSQL connection failed; the pool replaces it'));

  const base = executor(pool);
  return {
    kind: 'postgres',
    query: base.query,
    exec: base.exec,
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      for (let attempt = 1; ; attempt++) {
        const client = await pool.connect();
        let broken: Error | undefined;
        try {
          await client.query('begin');
          const value = await fn(executor(client));
          await client.query('commit');
          return value;
        } catch (err) {
          await client.query('rollback').catch((rollbackErr: Error) => {
            broken = rollbackErr; // the connection is unusable: drop it from the pool
          });
          const code = (err as { code?: string }).code;
          if (code && RETRYABLE.has(code) && attempt < MAX_ATTEMPTS) {
            opts.logger?.debug({ code, attempt }, 'transaction conflict, retrying');
            continue;
          }
          throw err;
        } finally {
          client.release(broken);
        }
      }
    },
    async close() {
      await pool.end();
    },
  };
}
