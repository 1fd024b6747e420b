import type { Logger } from 'pino';
import { z } from 'zod';
import { LeadSchema, SourceSystemSchema, type SourceSystem } from '../canonical/lead.schema.js';
import { mergeStored, updateMergedLeads } from './lead-merge.js';
import { parseRow } from './row-parse.js';
import type { SqlDriver } from './sql-driver.js';
import type { SourceRecordDeletion } from './store.types.js';

/**
 * A record its source deleted (a CRM contact deleted, GDPR-deleted or merged away). The opposite
 * of the upsert and with rules of its own: a deletion older than the stored record is ignored, a
 * lead left without records goes with everything hanging off it, otherwise only the record's
 * events go and the lead is merged again; the record's write ledger and errors go too.
 */

export async function deleteSourceRecord(
  driver: SqlDriver,
  workspaceId: string,
  logger: Logger | undefined,
  input: { system: SourceSystem; recordId: string; connectionId: string; occurredAt: string },
): Promise<SourceRecordDeletion> {
  const what = `deleteSourceRecord input (${input.system} record ${input.recordId})`;
  const system = parseRow(SourceSystemSchema, input.system, what, 'system');
  const occurredAt = new Date(parseRow(z.iso.datetime({ offset: true }), input.occurredAt, what, 'occurredAt'));
  return driver.transaction(async (tx) => {
    // The same lock as an upsert of this record: a deletion and a re-read never interleave.
    await tx.query(`select pg_advisory_xact_lock(hashtextextended($1, 0))`, [`record:${workspaceId}:${system}:${input.recordId}`]);
    const [stored] = await tx.query<{ lead_id: string; source_updated_at: Date | null; lead: unknown }>(
      `select lead_id, source_updated_at, lead from source_records where workspace_id = $1 and system = $2 and record_id = $3`,
      [workspaceId, system, input.recordId],
    );
    // Re-created or restored after the deletion happened: the deletion is out of date.
    if (stored?.source_updated_at && stored.source_updated_at > occurredAt) return { outcome: 'newer', leadId: stored.lead_id, leadDeleted: false };
    for (const table of ['write_ledger', 'write_errors']) {
      await tx.query(`delete from ${table} where workspace_id = $1 and connection_id = $2 and record_id = $3`, [workspaceId, input.connectionId, input.recordId]);
    }
    if (!stored) return { outcome: 'unknown', leadId: null, leadDeleted: false };
    const leadId = stored.lead_id;
    // The lead row is the lock of its merge (as in upsertChunk), taken before its records change.
    const locked = await tx.query<{ id: string; email: string | null }>(`select id, email from leads where id = $1 and workspace_id = $2 for update`, [leadId, workspaceId]);
    await tx.query(`delete from source_records where workspace_id = $1 and system = $2 and record_id = $3`, [workspaceId, system, input.recordId]);
    const others = await tx.query<{ system: string }>(`select system from source_records where workspace_id = $1 and lead_id = $2`, [workspaceId, leadId]);
    if (others.length === 0) {
      // Events, scores, lifecycle and transitions go with the lead (foreign keys, on delete cascade).
      await tx.query(`delete from leads where id = $1 and workspace_id = $2`, [leadId, workspaceId]);
      return { outcome: 'deleted', leadId, leadDeleted: true };
    }
    // The events this record brought: those its last read held, those named after it, and every
    // event of its system when no other record of that system is left with the lead.
    const doc = LeadSchema.safeParse(stored.lead);
    const ownEvents = doc.success ? doc.data.events.filter((e) => e.source === system).map((e) => e.sourceId) : [];
    await tx.query(
      `delete from lead_events where workspace_id = $1 and lead_id = $2 and source = $3
           and ($4::boolean or starts_with(source_id, $5) or source_id = any($6::text[]))`,
      [workspaceId, leadId, system, !others.some((o) => o.system === system), `${input.recordId}:`, ownEvents],
    );
    const merged = await mergeStored(tx, [leadId]);
    await updateMergedLeads(tx, workspaceId, logger, locked, merged);
    return { outcome: 'deleted', leadId, leadDeleted: false };
  });
}
