import type { Logger } from 'pino';
import { StageSchema, type Stage } from '../canonical/lead.schema.js';
import {
  LifecycleStateSchema,
  ScoreResultSchema,
  TransitionSchema,
  type LifecycleState,
  type ScoreResult,
  type Transition,
} from '../qualification/qualification.schema.js';
import type { SqlDriver, SqlExecutor } from './sql-driver.js';
import { parseRow } from './row-parse.js';

/**
 * What qualifying a lead produced, one lead at a time: its score history (the lead points at the
 * newest evaluation), its lifecycle and the stage audit trail, and the stage counts of the
 * funnel. Separate from the leads themselves: these rows are written by scoring, never by a sync,
 * and only hang off a stored lead. The batch form of the same writes is save-qualifications.ts.
 */

export async function recordScore(driver: SqlDriver, workspaceId: string, leadId: string, score: ScoreResult): Promise<void> {
  const s = parseRow(ScoreResultSchema, score, 'recordScore input', leadId);
  return driver.transaction(async (tx) => {
    const [row] = await tx.query<{ id: string }>(
      `insert into scores (lead_id, model_version, fit, engagement, score, grade, band, segment, disqualified_by,
                             reasons, contributions, evaluated_at, result, workspace_id)
         select $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13::jsonb, workspace_id
         from leads where id = $1 and workspace_id = $14
         returning id`,
      [leadId, s.modelVersion, s.fit, s.engagement, s.score, s.grade, s.band, s.segment, s.disqualifiedBy,
        s.reasons, JSON.stringify(s.contributions), s.evaluatedAt, JSON.stringify(s), workspaceId],
    );
    if (!row) throw new Error(`Unknown lead "${leadId}" in workspace "${workspaceId}": recordScore needs a stored lead`);
    // The lead points at its newest evaluation; a late-arriving older one stays in history only.
    await tx.query(
      `update leads l set score_id = $2
         where l.id = $1
           and (l.score_id is null
                or (select evaluated_at from scores where id = l.score_id) <= $3::timestamptz)`,
      [leadId, row.id, s.evaluatedAt],
    );
  });
}

/** Oldest first. */
export async function scoreHistory(db: SqlExecutor, workspaceId: string, leadId: string): Promise<ScoreResult[]> {
  const rows = await db.query<{ id: string; result: unknown }>(
    `select id, result from scores where lead_id = $1 and workspace_id = $2 order by evaluated_at, id`,
    [leadId, workspaceId],
  );
  return rows.map((r) => parseRow(ScoreResultSchema, r.result, 'scores', String(r.id)));
}

export async function saveLifecycle(
  driver: SqlDriver,
  workspaceId: string,
  logger: Logger | undefined,
  leadId: string,
  state: LifecycleState,
  transition: Transition | null,
): Promise<void> {
  const s = parseRow(LifecycleStateSchema, state, 'saveLifecycle input', leadId);
  const t = transition === null ? null : parseRow(TransitionSchema, transition, 'saveLifecycle input transition', leadId);
  return driver.transaction(async (tx) => {
    // Lifecycle writes of one lead go one at a time (the lead row is the lock, as the lifecycle row may not exist yet).
    const [lead] = await tx.query(`select id from leads where id = $1 and workspace_id = $2 for update`, [leadId, workspaceId]);
    if (!lead) throw new Error(`Unknown lead "${leadId}" in workspace "${workspaceId}": saveLifecycle needs a stored lead`);
    if (t) {
      const [current] = await tx.query<{ stage: string }>(`select stage from lead_lifecycle where lead_id = $1`, [leadId]);
      if (current && current.stage === t.to && t.from !== t.to) {
        // Another worker qualifying the same lead already made this move: record it once, keep its time.
        logger?.debug({ leadId, to: t.to }, 'stage transition already recorded; skipped');
        return;
      }
    }
    await tx.query(
      `insert into lead_lifecycle (lead_id, stage, since, reason, set_by_person, state, workspace_id)
         values ($1, $2, $3, $4, $5, $6::jsonb, $7)
         on conflict (lead_id) do update set
           stage = excluded.stage, since = excluded.since, reason = excluded.reason,
           set_by_person = excluded.set_by_person, state = excluded.state, updated_at = now()`,
      [leadId, s.stage, s.since, s.reason, s.setByPerson, JSON.stringify(s), workspaceId],
    );
    if (t) {
      await tx.query(
        `insert into stage_transitions (lead_id, from_stage, to_stage, reason, detail, model_version, at, transition, workspace_id)
           values ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9)`,
        [leadId, t.from, t.to, t.reason, t.detail, t.modelVersion, t.at, JSON.stringify(t), workspaceId],
      );
    }
  });
}

/** Oldest first: the audit trail in the order it happened. */
export async function transitions(db: SqlExecutor, workspaceId: string, leadId: string): Promise<Transition[]> {
  const rows = await db.query<{ id: string; transition: unknown }>(
    `select id, transition from stage_transitions where lead_id = $1 and workspace_id = $2 order by at, id`,
    [leadId, workspaceId],
  );
  return rows.map((r) => parseRow(TransitionSchema, r.transition, 'stage_transitions', String(r.id)));
}

export async function funnel(db: SqlExecutor, workspaceId: string): Promise<Record<Stage, number>> {
  const counts = Object.fromEntries(StageSchema.options.map((s) => [s, 0])) as Record<Stage, number>;
  const rows = await db.query<{ stage: string; n: number }>(
    `select stage, count(*)::int as n from lead_lifecycle where workspace_id = $1 group by stage`,
    [workspaceId],
  );
  for (const r of rows) counts[parseRow(StageSchema, r.stage, 'lead_lifecycle', `stage ${r.stage}`)] = Number(r.n);
  return counts;
}
