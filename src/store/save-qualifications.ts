import type { Logger } from 'pino';
import {
  LifecycleStateSchema,
  ScoreResultSchema,
  TransitionSchema,
  type LifecycleState,
  type ScoreResult,
  type Transition,
} from '../qualification/qualification.schema.js';
import { parseRow } from './row-parse.js';
import type { SqlExecutor } from './sql-driver.js';

export interface QualificationWrite {
  leadId: string;
  /** A new score to add to the history (null: unchanged, nothing to record). */
  score: ScoreResult | null;
  /** The lifecycle to store, with the transition that led there (null lifecycle: unchanged). */
  lifecycle: { state: LifecycleState; transition: Transition | null } | null;
}

/**
 * The results of qualifying many leads, stored with a handful of set-based statements in one
 * transaction (recordScore + saveLifecycle cost ~10 round trips per lead; a backfill page of 200
 * leads would spend seconds waiting on the database). Same rules as one at a time: the lead points
 * at its newest score; a stage move another worker already recorded is recorded once.
 */
export async function saveQualifications(tx: SqlExecutor, batch: QualificationWrite[], logger?: Logger, workspaceId = 'default'): Promise<void> {
  // One entry per lead: a later entry for the same lead in the batch is the newer result.
  const items = [...new Map(batch.map((i) => [i.leadId, i])).values()];
  const scores = items
    .filter((i) => i.score)
    .map((i) => ({ lead_id: i.leadId, ...toScoreRow(parseRow(ScoreResultSchema, i.score, 'saveQualifications input', i.leadId)) }));
  const lifecycles = items
    .filter((i) => i.lifecycle)
    .map((i) => ({
      leadId: i.leadId,
      state: parseRow(LifecycleStateSchema, i.lifecycle!.state, 'saveQualifications input', i.leadId),
      transition: i.lifecycle!.transition ? parseRow(TransitionSchema, i.lifecycle!.transition, 'saveQualifications input transition', i.leadId) : null,
    }));
  const leadIds = [...new Set(items.map((i) => i.leadId))].sort();
  if (leadIds.length === 0) return;

  // Row locks in id order, as saveLifecycle takes them one at a time: writers of a lead go in turn.
  // Only this workspace's leads: an id of another workspace is an unknown lead.
  const found = await tx.query<{ id: string }>(`select id from leads where id = any($1::text[]) and workspace_id = $2 order by id for update`, [leadIds, workspaceId]);
  if (found.length !== leadIds.length) {
    const known = new Set(found.map((f) => f.id));
    throw new Error(`Unknown lead "${leadIds.find((id) => !known.has(id))}" in workspace "${workspaceId}": saveQualifications needs stored leads`);
  }

  if (scores.length) {
    await tx.query(
      `with inserted as (
         insert into scores (lead_id, model_version, fit, engagement, score, grade, band, segment, disqualified_by,
                             reasons, contributions, evaluated_at, result, workspace_id)
         select lead_id, model_version, fit, engagement, score, grade, band, segment, disqualified_by,
                reasons, contributions, evaluated_at, result, $2
         from jsonb_to_recordset($1::jsonb) as x(lead_id text, model_version text, fit float8, engagement float8, score float8,
              grade text, band smallint, segment text, disqualified_by text, reasons text, contributions jsonb,
              evaluated_at timestamptz, result jsonb)
         returning id, lead_id, evaluated_at
       )
       update leads l set score_id = i.id
       from inserted i
       where l.id = i.lead_id
         and (l.score_id is null or (select evaluated_at from scores where id = l.score_id) <= i.evaluated_at)`,
      [JSON.stringify(scores), workspaceId],
    );
  }

  if (lifecycles.length) {
    const current = await tx.query<{ lead_id: string; stage: string }>(`select lead_id, stage from lead_lifecycle where lead_id = any($1::text[])`, [
      lifecycles.map((l) => l.leadId),
    ]);
    const stageOf = new Map(current.map((c) => [c.lead_id, c.stage]));
    const apply = lifecycles.filter((l) => {
      const t = l.transition;
      const already = t && stageOf.get(l.leadId) === t.to && t.from !== t.to;
      if (already) logger?.debug({ leadId: l.leadId, to: t.to }, 'stage transition already recorded; skipped');
      return !already;
    });
    if (apply.length) {
      await tx.query(
        `insert into lead_lifecycle (lead_id, stage, since, reason, set_by_person, state, workspace_id)
         select lead_id, stage, since, reason, set_by_person, state, $2
         from jsonb_to_recordset($1::jsonb) as x(lead_id text, stage text, since timestamptz, reason text, set_by_person boolean, state jsonb)
         on conflict (lead_id) do update set
           stage = excluded.stage, since = excluded.since, reason = excluded.reason,
           set_by_person = excluded.set_by_person, state = excluded.state, updated_at = now()`,
        [
          JSON.stringify(
            apply.map((l) => ({ lead_id: l.leadId, stage: l.state.stage, since: l.state.since, reason: l.state.reason, set_by_person: l.state.setByPerson, state: l.state })),
          ),
          workspaceId,
        ],
      );
      const transitions = apply.filter((l) => l.transition);
      if (transitions.length) {
        await tx.query(
          `insert into stage_transitions (lead_id, from_stage, to_stage, reason, detail, model_version, at, transition, workspace_id)
           select lead_id, from_stage, to_stage, reason, detail, model_version, at, transition, $2
           from jsonb_to_recordset($1::jsonb) as x(lead_id text, from_stage text, to_stage text, reason text, detail text,
                model_version text, at timestamptz, transition jsonb)`,
          [
            JSON.stringify(
              transitions.map(({ leadId, transition: t }) => ({
                lead_id: leadId,
                from_stage: t!.from,
                to_stage: t!.to,
                reason: t!.reason,
                detail: t!.detail,
                model_version: t!.modelVersion,
                at: t!.at,
                transition: t,
              })),
            ),
            workspaceId,
          ],
        );
      }
    }
  }
}

function toScoreRow(s: ScoreResult) {
  return {
    model_version: s.modelVersion,
    fit: s.fit,
    engagement: s.engagement,
    score: s.score,
    grade: s.grade,
    band: s.band,
    segment: s.segment,
    disqualified_by: s.disqualifiedBy,
    reasons: s.reasons,
    contributions: s.contributions,
    evaluated_at: s.evaluatedAt,
    result: s,
  };
}
