import { LeadSchema, SourceSystemSchema } from '../canonical/lead.schema.js';
import type { SqlRow } from './sql-driver.js';
import { parseRow, toIso, toIsoOrNull } from './row-parse.js';
import type { SourceRecordRow } from './store.types.js';

/**
 * The source_records row and its mapper, and the merge key: shared by the lead reads
 * (lead-store.ts), the record upsert (source-record-store.ts) and the merge (lead-merge.ts),
 * so each of them reads a record and an email the same way.
 */

export interface SourceRecordDbRow extends SqlRow {
  system: string;
  record_id: string;
  lead_id: string;
  lead: unknown;
  source_updated_at: Date | null;
  source_updated_text: string | null;
  read_at: Date;
}

export function toSourceRecord(r: SourceRecordDbRow): SourceRecordRow {
  const id = `${r.system}:${r.record_id}`;
  return {
    system: parseRow(SourceSystemSchema, r.system, 'source_records', id),
    recordId: r.record_id,
    leadId: r.lead_id,
    lead: parseRow(LeadSchema, r.lead, 'source_records', id),
    sourceUpdatedAt: r.source_updated_text ?? toIsoOrNull(r.source_updated_at),
    readAt: toIso(r.read_at),
  };
}

/** Trimmed, lower-cased; the merge key across systems. */
export function normaliseEmail(email: string | null | undefined): string | null {
  const e = email?.trim().toLowerCase();
  return e ? e : null;
}
