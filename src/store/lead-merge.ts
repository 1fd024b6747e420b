import type { Logger } from 'pino';
import { EngagementEventSchema, LeadSchema, type EngagementEvent, type Lead } from '../canonical/lead.schema.js';
import { mergeLeads } from '../canonical/merge-leads.js';
import { normaliseEmail, toSourceRecord, type SourceRecordDbRow } from './lead-rows.js';
import { parseRow } from './row-parse.js';
import type { SqlExecutor } from './sql-driver.js';

/**
 * A lead's canonical document is not written by anyone directly: it is rebuilt from all its
 * source records and every event seen for it (mergeLeads), and stored back with its merge key
 * (the email column). Both the record upsert and the record deletion end with this step, so it
 * lives here, apart from either; callers hold the lead row locks.
 */

export function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** Time, then source and id by code unit (as mergeLeads orders them; SQL text order depends on the collation). */
export function compareEvents(a: EngagementEvent, b: EngagementEvent): number {
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return Date.parse(a.at) - Date.parse(b.at) || cmp(a.source, b.source) || cmp(a.sourceId, b.sourceId);
}

/** The canonical lead of each given lead, from all its source records and every event ever seen for it. */
export async function mergeStored(tx: SqlExecutor, leadIds: string[]): Promise<Map<string, Lead>> {
  const merged = new Map<string, Lead>();
  if (leadIds.length === 0) return merged;
  const records = await tx.query<SourceRecordDbRow>(
    `select * from source_records where lead_id = any($1::text[]) order by read_at, system, record_id`,
    [leadIds],
  );
  // Events accumulate: a source may show only recent history on the next read, but what was seen once stays.
  const events = await tx.query<{ id: string; lead_id: string; event: unknown }>(
    `select id, lead_id, event from lead_events where lead_id = any($1::text[]) order by at, source, source_id`,
    [leadIds],
  );
  const recordsByLead = groupBy(records, (r) => r.lead_id);
  const eventsByLead = groupBy(events, (e) => e.lead_id);
  for (const leadId of leadIds) {
    const lead = mergeLeads(
      (recordsByLead.get(leadId) ?? []).map((r) => {
        const row = toSourceRecord(r);
        return { system: row.system, lead: row.lead, sourceUpdatedAt: row.sourceUpdatedAt };
      }),
    );
    lead.events = (eventsByLead.get(leadId) ?? [])
      .map((e) => parseRow(EngagementEventSchema, e.event, 'lead_events', String(e.id)))
      .sort(compareEvents);
    merged.set(leadId, parseRow(LeadSchema, lead, 'mergeLeads result for lead', leadId));
  }
  return merged;
}

/**
 * Stores the merged documents. The email column is the merge key: it follows the merged lead,
 * unless another lead already owns that address (two records of one person that disagree).
 */
export async function updateMergedLeads(
  tx: SqlExecutor,
  workspaceId: string,
  logger: Logger | undefined,
  locked: Array<{ id: string; email: string | null }>,
  merged: Map<string, Lead>,
): Promise<void> {
  if (locked.length === 0) return;
  const wanted = new Map<string, string>();
  for (const row of locked) {
    const email = normaliseEmail(merged.get(row.id)?.email);
    if (email && email !== row.email) wanted.set(row.id, email);
  }
  const claimed = new Map<string, string>(); // email → lead id, among this chunk and the table
  if (wanted.size) {
    const taken = await tx.query<{ id: string; email: string }>(`select id, email from leads where workspace_id = $2 and email = any($1::text[])`, [
      [...new Set(wanted.values())],
      workspaceId,
    ]);
    for (const t of taken) claimed.set(t.email, t.id);
  }
  const updates = locked.map((row) => {
    let email = row.email;
    const next = wanted.get(row.id);
    if (next) {
      const owner = claimed.get(next);
      if (owner && owner !== row.id) {
        logger?.warn({ leadId: row.id, otherLeadId: owner }, 'merged email belongs to another lead; keeping the merge key');
      } else {
        email = next;
        claimed.set(next, row.id);
        if (row.email) claimed.delete(row.email);
      }
    }
    return { id: row.id, email, lead: merged.get(row.id) };
  });
  await tx.query(
    `update leads as l set lead = e->'lead', email = e->>'email', updated_at = now()
       from jsonb_array_elements($1::jsonb) as e where l.id = e->>'id' and l.workspace_id = $2`,
    [JSON.stringify(updates), workspaceId],
  );
}
