import { z } from 'zod';
import type { SqlExecutor } from './sql-driver.js';
import { JsonObjectSchema, parseRow, toIso } from './row-parse.js';
import type { WriteError } from './store.types.js';

/**
 * What qualify wrote back to each CRM record (the write ledger) and the write-backs the CRM
 * refused (write errors), per connection. The pipeline reads the ledger to skip unchanged writes
 * and to recognise its own changes coming back as webhooks; it is separate from the leads because
 * it is keyed by connection and CRM record id, not by lead, and goes with its connection.
 */

const PropertiesSchema = z.record(z.string(), z.string());

export async function getLastWritten(db: SqlExecutor, workspaceId: string, connectionId: string, recordId: string): Promise<Record<string, string> | null> {
  const map = await getLastWrittenMany(db, workspaceId, connectionId, [recordId]);
  return map.get(recordId) ?? null;
}

export async function getLastWrittenMany(db: SqlExecutor, workspaceId: string, connectionId: string, recordIds: string[]): Promise<Map<string, Record<string, string>>> {
  const result = new Map<string, Record<string, string>>();
  if (recordIds.length === 0) return result;
  const rows = await db.query<{ record_id: string; properties: unknown }>(
    `select record_id, properties from write_ledger where connection_id = $1 and record_id = any($2::text[]) and workspace_id = $3`,
    [connectionId, recordIds, workspaceId],
  );
  for (const r of rows) {
    result.set(r.record_id, parseRow(PropertiesSchema, r.properties, 'write_ledger', `${connectionId}/${r.record_id}`));
  }
  return result;
}

export async function getLedgerEntries(
  db: SqlExecutor,
  workspaceId: string,
  connectionId: string,
  recordIds: string[],
): Promise<Map<string, { properties: Record<string, string>; writtenAt: string }>> {
  const result = new Map<string, { properties: Record<string, string>; writtenAt: string }>();
  if (recordIds.length === 0) return result;
  const rows = await db.query<{ record_id: string; properties: unknown; written_at: Date | string }>(
    `select record_id, properties, written_at from write_ledger where connection_id = $1 and record_id = any($2::text[]) and workspace_id = $3`,
    [connectionId, recordIds, workspaceId],
  );
  for (const r of rows) {
    result.set(r.record_id, {
      properties: parseRow(PropertiesSchema, r.properties, 'write_ledger', `${connectionId}/${r.record_id}`),
      writtenAt: toIso(r.written_at),
    });
  }
  return result;
}

export async function saveLastWritten(
  db: SqlExecutor,
  workspaceId: string,
  connectionId: string,
  entries: Array<{ recordId: string; properties: Record<string, string> }>,
): Promise<void> {
  if (entries.length === 0) return;
  // One statement may not update the same row twice: the last entry for a record wins.
  const latest = new Map(entries.map((e) => [e.recordId, PropertiesSchema.parse(e.properties)]));
  await db.query(
    `insert into write_ledger (connection_id, record_id, properties, workspace_id)
       select $1, e->>'recordId', e->'properties', $3 from jsonb_array_elements($2::jsonb) as e
       on conflict (connection_id, record_id) do update set properties = excluded.properties, written_at = now()
       where write_ledger.workspace_id = excluded.workspace_id`,
    [connectionId, JSON.stringify([...latest].map(([recordId, properties]) => ({ recordId, properties }))), workspaceId],
  );
}

export async function recordWriteError(db: SqlExecutor, workspaceId: string, e: Omit<WriteError, 'id' | 'at'>): Promise<void> {
  await db.query(
    `insert into write_errors (connection_id, record_id, status, message, payload, workspace_id) values ($1, $2, $3, $4, $5::jsonb, $6)`,
    [e.connectionId, e.recordId, e.status, e.message, JSON.stringify(e.payload ?? {}), workspaceId],
  );
}

/** Newest first. */
export async function listWriteErrors(db: SqlExecutor, workspaceId: string, connectionId?: string, limit = 100): Promise<WriteError[]> {
  const rows = await db.query(
    `select * from write_errors where workspace_id = $3 and ($1::text is null or connection_id = $1) order by id desc limit $2`,
    [connectionId ?? null, limit, workspaceId],
  );
  return rows.map((r) => {
    const id = Number(r.id);
    return {
      id,
      connectionId: String(r.connection_id),
      recordId: String(r.record_id),
      status: r.status === null ? null : Number(r.status),
      message: String(r.message),
      payload: parseRow(JsonObjectSchema, r.payload, 'write_errors', String(id)),
      at: toIso(r.at),
    };
  });
}
