import { LeadSchema, StageSchema, type SourceSystem, type Stage } from '../canonical/lead.schema.js';
import { GradeSchema, LifecycleStateSchema, ScoreResultSchema, type Grade } from '../qualification/qualification.schema.js';
import { normaliseEmail, toSourceRecord, type SourceRecordDbRow } from './lead-rows.js';
import { parseRow, toIso } from './row-parse.js';
import type { SqlExecutor, SqlRow } from './sql-driver.js';
import type { SourceRecordRow, StoredLead } from './store.types.js';

/**
 * Reading leads back: one lead, several, a filtered page, all ids in pages, the count. Each comes
 * with its source records, current score and lifecycle, joined with one query per piece whatever
 * the number of leads. Read-only; the writes are source-record-store.ts and deletion-store.ts.
 */

interface LeadJoinRow extends SqlRow {
  id: string;
  email: string | null;
  lead: unknown;
  updated_at: Date;
  score: unknown;
  lifecycle: unknown;
}

const LEAD_SELECT = `
  select l.id, l.email, l.lead, l.updated_at, s.result as score, lc.state as lifecycle
  from leads l
  left join scores s on s.id = l.score_id
  left join lead_lifecycle lc on lc.lead_id = l.id`;

export async function getLead(db: SqlExecutor, workspaceId: string, leadId: string): Promise<StoredLead | null> {
  const rows = await db.query<LeadJoinRow>(`${LEAD_SELECT} where l.workspace_id = $1 and l.id = $2`, [workspaceId, leadId]);
  const [lead] = await hydrate(db, rows);
  return lead ?? null;
}

export async function getLeads(db: SqlExecutor, workspaceId: string, leadIds: string[]): Promise<StoredLead[]> {
  if (leadIds.length === 0) return [];
  const rows = await db.query<LeadJoinRow>(`${LEAD_SELECT} where l.workspace_id = $1 and l.id = any($2::text[])`, [workspaceId, [...new Set(leadIds)]]);
  const byId = new Map((await hydrate(db, rows)).map((l) => [l.id, l]));
  return leadIds.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : []));
}

export async function findLeadIdBySourceRecord(db: SqlExecutor, workspaceId: string, system: SourceSystem, recordId: string): Promise<string | null> {
  const [row] = await db.query<{ lead_id: string }>(
    `select lead_id from source_records where workspace_id = $3 and system = $1 and record_id = $2`,
    [system, recordId, workspaceId],
  );
  return row?.lead_id ?? null;
}

export async function listLeads(
  db: SqlExecutor,
  workspaceId: string,
  q: { stage?: Stage; grade?: Grade; email?: string; limit: number; offset?: number; orderBy?: 'score' | 'updated' },
): Promise<StoredLead[]> {
  const params: Array<string | number> = [workspaceId];
  const where: string[] = ['l.workspace_id = $1'];
  if (q.grade) {
    params.push(GradeSchema.parse(q.grade));
    where.push(`s.grade = $${params.length}`);
  }
  if (q.stage) {
    params.push(StageSchema.parse(q.stage));
    where.push(`lc.stage = $${params.length}`);
  }
  if (q.email !== undefined) {
    params.push(normaliseEmail(q.email) ?? '');
    where.push(`l.email = $${params.length}`);
  }
  const order = q.orderBy === 'score' ? `s.score desc nulls last, l.updated_at desc, l.id` : `l.updated_at desc, l.id`;
  params.push(q.limit, q.offset ?? 0);
  const rows = await db.query<LeadJoinRow>(
    `${LEAD_SELECT} where ${where.join(' and ')}
       order by ${order} limit $${params.length - 1} offset $${params.length}`,
    params,
  );
  return hydrate(db, rows);
}

export async function* iterateLeadIds(db: SqlExecutor, workspaceId: string, pageSize: number, after = ''): AsyncIterable<string[]> {
  // Keyset paging on the primary key: constant cost per page, never the whole table in memory,
  // and leads added while iterating after the cursor are still visited.
  for (;;) {
    const rows = await db.query<{ id: string }>(`select id from leads where workspace_id = $3 and id > $1 order by id limit $2`, [
      after,
      pageSize,
      workspaceId,
    ]);
    if (rows.length === 0) return;
    yield rows.map((r) => r.id);
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1].id;
  }
}

export async function countLeads(db: SqlExecutor, workspaceId: string): Promise<number> {
  const [row] = await db.query<{ n: number }>(`select count(*)::int as n from leads where workspace_id = $1`, [workspaceId]);
  return Number(row.n);
}

/** Joins the per-lead pieces with one query each, whatever the number of leads. */
async function hydrate(db: SqlExecutor, rows: LeadJoinRow[]): Promise<StoredLead[]> {
  if (rows.length === 0) return [];
  const recordRows = await db.query<SourceRecordDbRow>(
    `select * from source_records where lead_id = any($1::text[]) order by read_at, system, record_id`,
    [rows.map((r) => r.id)],
  );
  const recordsByLead = new Map<string, SourceRecordRow[]>();
  for (const r of recordRows) {
    const list = recordsByLead.get(r.lead_id) ?? [];
    list.push(toSourceRecord(r));
    recordsByLead.set(r.lead_id, list);
  }
  return rows.map((r) => ({
    id: r.id,
    email: r.email,
    lead: parseRow(LeadSchema, r.lead, 'leads', r.id),
    records: recordsByLead.get(r.id) ?? [],
    score: r.score == null ? null : parseRow(ScoreResultSchema, r.score, 'scores', `lead ${r.id}`),
    lifecycle: r.lifecycle == null ? null : parseRow(LifecycleStateSchema, r.lifecycle, 'lead_lifecycle', r.id),
    updatedAt: toIso(r.updated_at),
  }));
}
