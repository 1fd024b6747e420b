import { SourceSystemSchema, type SourceSystem } from '../canonical/lead.schema.js';
import type { SqlDriver, SqlExecutor, SqlRow } from './sql-driver.js';
import { JsonObjectSchema, parseRow, toIso, toIsoOrNull } from './row-parse.js';
import { StoreConflictError } from './store-errors.js';
import type { ConnectionRow, ConnectionStats, ConnectionStatus } from './store.types.js';

/**
 * Connections (one CRM account a workspace syncs) and their sync cursors (how far each stream
 * has been read). Separate from the leads: a connection is the unit a worker drives and the
 * unit of routing (the global look-ups find a connection of any workspace), while leads are
 * per person across connections. Deleting a connection takes its cursors, write ledger and
 * write errors with it; its leads stay.
 */

function toConnection(row: SqlRow): ConnectionRow {
  const id = String(row.id);
  return {
    id,
    workspaceId: String(row.workspace_id),
    system: parseRow(SourceSystemSchema, row.system, 'connections', id),
    accountId: (row.account_id as string | null) ?? null,
    status: row.status as ConnectionStatus,
    statusMessage: (row.status_message as string | null) ?? null,
    parkedUntil: toIsoOrNull(row.parked_until),
    config: parseRow(JsonObjectSchema, row.config, 'connections', id),
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
  };
}

export async function upsertConnection(
  db: SqlExecutor,
  workspaceId: string,
  c: Pick<ConnectionRow, 'id' | 'system'> & Partial<Pick<ConnectionRow, 'accountId' | 'config'>>,
): Promise<ConnectionRow> {
  SourceSystemSchema.parse(c.system);
  // Fields left undefined keep their stored value; only a given value overwrites.
  // An id another workspace owns is left alone (connection ids are unique across workspaces).
  const [row] = await db.query(
    `insert into connections (id, system, account_id, config, workspace_id)
       values ($1, $2, $3, coalesce($4::jsonb, '{}'::jsonb), $7)
       on conflict (id) do update set
         system = excluded.system,
         account_id = case when $5 then excluded.account_id else connections.account_id end,
         config = case when $6 then excluded.config else connections.config end,
         updated_at = now()
       where connections.workspace_id = excluded.workspace_id
       returning *`,
    [
      c.id,
      c.system,
      c.accountId ?? null,
      c.config === undefined ? null : JSON.stringify(c.config),
      c.accountId !== undefined,
      c.config !== undefined,
      workspaceId,
    ],
  );
  if (!row) throw new StoreConflictError(`Connection id "${c.id}" is taken by another workspace`);
  return toConnection(row);
}

export async function getConnection(db: SqlExecutor, workspaceId: string, id: string): Promise<ConnectionRow | null> {
  const [row] = await db.query(`select * from connections where id = $1 and workspace_id = $2`, [id, workspaceId]);
  return row ? toConnection(row) : null;
}

export async function listConnections(db: SqlExecutor, workspaceId: string): Promise<ConnectionRow[]> {
  const rows = await db.query(`select * from connections where workspace_id = $1 order by id`, [workspaceId]);
  return rows.map((r) => toConnection(r));
}

export async function setConnectionStatus(
  db: SqlExecutor,
  workspaceId: string,
  id: string,
  status: ConnectionStatus,
  message: string | null,
  parkedUntil?: Date | null,
): Promise<void> {
  const rows = await db.query(
    `update connections set status = $2, status_message = $3, parked_until = $4, updated_at = now()
       where id = $1 and workspace_id = $5 returning id`,
    [id, status, message, parkedUntil ?? null, workspaceId],
  );
  if (rows.length === 0) throw new Error(`Unknown connection "${id}" in workspace "${workspaceId}": upsertConnection it first`);
}

export async function getCursor<T>(db: SqlExecutor, workspaceId: string, connectionId: string, stream: string): Promise<T | null> {
  const [row] = await db.query<{ cursor: T }>(
    `select cursor from sync_cursors where connection_id = $1 and stream = $2 and workspace_id = $3`,
    [connectionId, stream, workspaceId],
  );
  return row ? row.cursor : null;
}

export async function saveCursor(db: SqlExecutor, workspaceId: string, connectionId: string, stream: string, cursor: unknown): Promise<void> {
  const rows = await db.query(
    `insert into sync_cursors (connection_id, stream, cursor, workspace_id) values ($1, $2, $3::jsonb, $4)
       on conflict (connection_id, stream) do update set cursor = excluded.cursor, updated_at = now()
       where sync_cursors.workspace_id = excluded.workspace_id
       returning stream`,
    [connectionId, stream, JSON.stringify(cursor ?? null), workspaceId],
  );
  if (rows.length === 0) throw new StoreConflictError(`Connection "${connectionId}" belongs to another workspace`);
}

export async function deleteConnection(driver: SqlDriver, workspaceId: string, id: string): Promise<boolean> {
  return driver.transaction(async (tx) => {
    const rows = await tx.query(`delete from connections where id = $1 and workspace_id = $2 returning id`, [id, workspaceId]);
    if (rows.length === 0) return false;
    // Credentials go with the row (foreign key); the rest is keyed by the id alone.
    for (const table of ['sync_cursors', 'write_ledger', 'write_errors']) {
      await tx.query(`delete from ${table} where connection_id = $1 and workspace_id = $2`, [id, workspaceId]);
    }
    return true;
  });
}

export async function locateConnection(db: SqlExecutor, id: string): Promise<ConnectionRow | null> {
  const [row] = await db.query(`select * from connections where id = $1`, [id]);
  return row ? toConnection(row) : null;
}

export async function findConnectionByAccount(db: SqlExecutor, system: SourceSystem, accountId: string): Promise<ConnectionRow | null> {
  const [row] = await db.query(
    `select * from connections where system = $1 and account_id = $2 order by created_at, id limit 1`,
    [system, accountId],
  );
  return row ? toConnection(row) : null;
}

export async function findConnectionsBySystem(db: SqlExecutor, system: SourceSystem): Promise<ConnectionRow[]> {
  const rows = await db.query(`select * from connections where system = $1 order by created_at, id`, [system]);
  return rows.map((row) => toConnection(row));
}

export async function connectionStats(db: SqlExecutor, workspaceId: string, connectionId: string): Promise<ConnectionStats> {
  const cursorRows = await db.query<{ stream: string; cursor: unknown; updated_at: Date }>(
    `select stream, cursor, updated_at from sync_cursors where connection_id = $1 and workspace_id = $2 order by stream`,
    [connectionId, workspaceId],
  );
  const [agg] = await db.query<{ written: Date | null; errors: number }>(
    `select (select max(written_at) from write_ledger where connection_id = $1 and workspace_id = $2) as written,
              (select count(*)::int from write_errors where connection_id = $1 and workspace_id = $2) as errors`,
    [connectionId, workspaceId],
  );
  // The newest sign of a sync: a cursor saved after a poll page, or a write-back.
  const times = [...cursorRows.map((r) => r.updated_at), agg.written].filter((t): t is Date => t != null).map((t) => toIso(t));
  return {
    lastSyncAt: times.length ? times.sort().at(-1)! : null,
    cursors: Object.fromEntries(cursorRows.map((r) => [r.stream, r.cursor])),
    writeErrors: Number(agg.errors),
  };
}
