/**
 * The thin seam between the store and the database engine. The store writes plain PostgreSQL
 * against this interface; `pg-driver.ts` runs it on a PostgreSQL server, `pglite-driver.ts` on the
 * embedded PGlite. Nothing above this file knows which one it talks to.
 */

export type SqlParam = string | number | boolean | null | Date | string[] | number[];
export type SqlRow = Record<string, unknown>;

export interface SqlExecutor {
  /** One statement with `$1…` parameters; returns its rows. */
  query<T extends SqlRow = SqlRow>(sql: string, params?: SqlParam[]): Promise<T[]>;
  /** A script of several statements, no parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface SqlDriver extends SqlExecutor {
  readonly kind: 'postgres' | 'pglite';
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Schema names end up in SQL text (search_path), so only plain identifiers are accepted. */
export function assertSchemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`Invalid store schema name "${schema}": use lower-case letters, digits and underscores`);
  }
  return schema;
}
