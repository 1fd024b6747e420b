import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { z } from 'zod';
import { LeadSchema, SourceSystemSchema, type EngagementEvent, type Lead, type SourceSystem } from '../canonical/lead.schema.js';
import { mergeLeads } from '../canonical/merge-leads.js';
import { compareEvents, groupBy, mergeStored, updateMergedLeads } from './lead-merge.js';
import { normaliseEmail } from './lead-rows.js';
import { parseRow } from './row-parse.js';
import type { SqlDriver, SqlExecutor } from './sql-driver.js';
import type { Store, UpsertSourceRecordResult } from './store.types.js';

/**
 * Source records coming in: each system's copy of a person, upserted in chunks under advisory
 * locks on the record and on the email, attached to the lead of that email (or a new one), with
 * its events deduplicated, and the affected leads merged again. The write path of every sync and
 * webhook, and the most involved code of the store, so it stands alone; reading leads back is
 * lead-store.ts.
 */

const IsoOrNullSchema = z.iso.datetime({ offset: true }).nullable();

/** Records per transaction in a batch upsert: bounds lock count and statement size. */
const UPSERT_CHUNK = 200;

export type SourceRecordInput = Parameters<Store['upsertSourceRecord']>[0];
type ParsedRecordInput = { system: SourceSystem; recordId: string; lead: Lead; sourceUpdatedAt: string | null; email: string | null };

const recordKey = (system: string, id: string) => `${system}\u0000${id}`;

export async function upsertSourceRecord(
  driver: SqlDriver,
  workspaceId: string,
  logger: Logger | undefined,
  input: SourceRecordInput,
): Promise<UpsertSourceRecordResult> {
  const [result] = await upsertSourceRecords(driver, workspaceId, logger, [input]);
  return result;
}

/**
 * Stores many source records with a handful of statements per chunk instead of several per
 * record (backfills). Same rules as one at a time, applied in input order: a later copy of the
 * same record in the batch counts as the next delivery. Each result carries its lead as merged
 * after the whole chunk.
 */
export async function upsertSourceRecords(
  driver: SqlDriver,
  workspaceId: string,
  logger: Logger | undefined,
  inputs: SourceRecordInput[],
): Promise<UpsertSourceRecordResult[]> {
  const parsed = inputs.map((input) => {
    const what = `upsertSourceRecord input (${input.system} record ${input.recordId})`;
    const system = parseRow(SourceSystemSchema, input.system, what, 'system');
    const lead = parseRow(LeadSchema, input.lead, what, 'lead');
    const sourceUpdatedAt = parseRow(IsoOrNullSchema, input.sourceUpdatedAt, what, 'sourceUpdatedAt');
    return { system, recordId: input.recordId, lead, sourceUpdatedAt, email: normaliseEmail(lead.email) };
  });
  const results: UpsertSourceRecordResult[] = [];
  for (let i = 0; i < parsed.length; i += UPSERT_CHUNK) {
    const chunk = parsed.slice(i, i + UPSERT_CHUNK);
    results.push(...(await driver.transaction((tx) => upsertChunk(tx, workspaceId, logger, chunk))));
  }
  return results;
}

async function upsertChunk(
  tx: SqlExecutor,
  workspaceId: string,
  logger: Logger | undefined,
  chunk: ParsedRecordInput[],
): Promise<UpsertSourceRecordResult[]> {
  // Serialise every writer of these records and of these people (emails). Locks are taken in
  // hash order, the same in every transaction, so two writers can never wait on each other in a cycle.
  const keys = new Set<string>();
  for (const r of chunk) {
    keys.add(`record:${workspaceId}:${r.system}:${r.recordId}`);
    if (r.email) keys.add(`email:${workspaceId}:${r.email}`);
  }
  await tx.query(
    `select count(pg_advisory_xact_lock(h))::int as n
       from (select distinct hashtextextended(k, 0) as h from unnest($1::text[]) as k order by h) as locks`,
    [[...keys]],
  );

  const stored = await tx.query<{ system: string; record_id: string; lead_id: string; source_updated_at: Date | null }>(
    `select system, record_id, lead_id, source_updated_at from source_records
       where workspace_id = $3 and (system, record_id) in (select * from unnest($1::text[], $2::text[]))`,
    [chunk.map((r) => r.system), chunk.map((r) => r.recordId), workspaceId],
  );
  const recordState = new Map(stored.map((r) => [recordKey(r.system, r.record_id), { leadId: r.lead_id, updatedAt: r.source_updated_at }]));
  const emails = [...new Set(chunk.map((r) => r.email).filter((e): e is string => e !== null))];
  const owners = emails.length
    ? await tx.query<{ id: string; email: string }>(`select id, email from leads where workspace_id = $2 and email = any($1::text[])`, [emails, workspaceId])
    : [];
  const leadByEmail = new Map(owners.map((o) => [o.email, o.id]));

  // Decide in input order, in memory: which records apply, and which lead each belongs to.
  const decisions: Array<{ leadId: string; applied: boolean }> = [];
  const newLeads = new Map<string, { id: string; email: string | null; lead: Lead }>();
  const recordWrites = new Map<string, ParsedRecordInput & { leadId: string }>();
  const eventWrites = new Map<string, { leadId: string; event: EngagementEvent }>();
  for (const r of chunk) {
    const key = recordKey(r.system, r.recordId);
    const current = recordState.get(key);
    const incomingAt = r.sourceUpdatedAt === null ? null : new Date(r.sourceUpdatedAt);
    if (current?.updatedAt && incomingAt && current.updatedAt > incomingAt) {
      // Out-of-order delivery: the stored version is newer, so this one must not overwrite it.
      decisions.push({ leadId: current.leadId, applied: false });
      continue;
    }
    let leadId = current?.leadId ?? (r.email ? leadByEmail.get(r.email) : undefined);
    if (!leadId) {
      leadId = randomUUID();
      newLeads.set(leadId, { id: leadId, email: r.email, lead: r.lead });
      if (r.email) leadByEmail.set(r.email, leadId);
    }
    recordState.set(key, { leadId, updatedAt: incomingAt });
    recordWrites.set(key, { ...r, leadId });
    // One event row per (source, sourceId), however often it is read; the latest copy wins
    // (an aggregate counter such as page views grows between reads).
    for (const event of r.lead.events) eventWrites.set(recordKey(event.source, event.sourceId), { leadId, event });
    decisions.push({ leadId, applied: true });
  }

  const affected = [...new Set([...recordWrites.values()].map((w) => w.leadId))].sort();
  // A lead created in this chunk has nothing stored yet: its merged document is known from the
  // chunk alone, so it is inserted once, complete, instead of inserted, read back and updated.
  const fresh = await mergeNewLeads(tx, workspaceId, newLeads, recordWrites, eventWrites);
  if (newLeads.size) {
    await tx.query(
      `insert into leads (id, email, lead, workspace_id)
         select e->>'id', e->>'email', e->'lead', $2 from jsonb_array_elements($1::jsonb) as e`,
      [JSON.stringify([...newLeads.values()].map((l) => ({ ...l, lead: fresh.get(l.id) ?? l.lead }))), workspaceId],
    );
  }
  const toMerge = affected.filter((id) => !fresh.has(id));
  // Row locks on the leads: records of one person reached through different keys merge one writer at a time.
  const locked = toMerge.length
    ? await tx.query<{ id: string; email: string | null }>(`select id, email from leads where id = any($1::text[]) and workspace_id = $2 order by id for update`, [toMerge, workspaceId])
    : [];
  if (recordWrites.size) {
    await tx.query(
      `insert into source_records (workspace_id, system, record_id, lead_id, lead, source_updated_at, source_updated_text, read_at)
         select $2, e->>'system', e->>'recordId', e->>'leadId', e->'lead', (e->>'sourceUpdatedAt')::timestamptz, e->>'sourceUpdatedAt', now()
         from jsonb_array_elements($1::jsonb) as e
         on conflict (workspace_id, system, record_id) do update set
           lead = excluded.lead,
           source_updated_at = excluded.source_updated_at,
           source_updated_text = excluded.source_updated_text,
           read_at = now()`,
      [JSON.stringify([...recordWrites.values()].map(({ system, recordId, leadId, lead, sourceUpdatedAt }) => ({ system, recordId, leadId, lead, sourceUpdatedAt }))), workspaceId],
    );
  }
  if (eventWrites.size) {
    await tx.query(
      `insert into lead_events (workspace_id, lead_id, source, source_id, type, at, event)
         select $2, e->>'leadId', e->'event'->>'source', e->'event'->>'sourceId', e->'event'->>'type', (e->'event'->>'at')::timestamptz, e->'event'
         from jsonb_array_elements($1::jsonb) as e
         on conflict (workspace_id, source, source_id) do update set type = excluded.type, at = excluded.at, event = excluded.event
           where lead_events.lead_id = excluded.lead_id`,
      // Sorted, so two writers inserting the same events always meet them in the same order.
      [JSON.stringify([...eventWrites].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, w]) => w)), workspaceId],
    );
  }

  const merged = await mergeStored(tx, toMerge);
  await updateMergedLeads(tx, workspaceId, logger, locked, merged);
  for (const [id, lead] of fresh) merged.set(id, lead);

  // Leads only touched by stale deliveries: answer with what is stored.
  const untouched = [...new Set(decisions.filter((d) => !merged.has(d.leadId)).map((d) => d.leadId))];
  if (untouched.length) {
    const rows = await tx.query<{ id: string; lead: unknown }>(`select id, lead from leads where id = any($1::text[]) and workspace_id = $2`, [untouched, workspaceId]);
    for (const row of rows) merged.set(row.id, parseRow(LeadSchema, row.lead, 'leads', row.id));
  }
  return decisions.map((d) => ({ leadId: d.leadId, applied: d.applied, lead: structuredClone(merged.get(d.leadId)!) }));
}

/**
 * Merged documents of the leads created in this chunk, from the chunk's own records and events.
 * An event another lead already owns stays with that lead, as the insert will leave it there.
 * A lead whose merge key would change within the chunk is left out: the general path handles it.
 */
async function mergeNewLeads(
  tx: SqlExecutor,
  workspaceId: string,
  newLeads: Map<string, { id: string; email: string | null; lead: Lead }>,
  recordWrites: Map<string, ParsedRecordInput & { leadId: string }>,
  eventWrites: Map<string, { leadId: string; event: EngagementEvent }>,
): Promise<Map<string, Lead>> {
  const fresh = new Map<string, Lead>();
  if (newLeads.size === 0) return fresh;
  const events = [...eventWrites.values()].filter((w) => newLeads.has(w.leadId));
  const owned = new Set<string>();
  if (events.length) {
    const rows = await tx.query<{ source: string; source_id: string }>(
      `select source, source_id from lead_events
         where workspace_id = $3 and (source, source_id) in (select * from unnest($1::text[], $2::text[]))`,
      [events.map((w) => w.event.source), events.map((w) => w.event.sourceId), workspaceId],
    );
    for (const r of rows) owned.add(recordKey(r.source, r.source_id));
  }
  const recordsByLead = groupBy([...recordWrites.values()].filter((w) => newLeads.has(w.leadId)), (w) => w.leadId);
  const eventsByLead = groupBy(events.filter((w) => !owned.has(recordKey(w.event.source, w.event.sourceId))), (w) => w.leadId);
  for (const created of newLeads.values()) {
    const lead = mergeLeads((recordsByLead.get(created.id) ?? []).map((r) => ({ system: r.system, lead: r.lead, sourceUpdatedAt: r.sourceUpdatedAt })));
    lead.events = (eventsByLead.get(created.id) ?? []).map((w) => w.event).sort(compareEvents);
    const parsed = parseRow(LeadSchema, lead, 'mergeLeads result for lead', created.id);
    if (normaliseEmail(parsed.email) === created.email) fresh.set(created.id, parsed);
  }
  return fresh;
}
