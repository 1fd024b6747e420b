import { z } from 'zod';
import { StageSchema, type Stage } from '../canonical/lead.schema.js';
import { GradeSchema, type Grade } from '../qualification/qualification.schema.js';
import type { SqlExecutor } from './sql-driver.js';
import { parseRow } from './row-parse.js';
import { StoreInputError } from './store-errors.js';
import type { GradeConversion, ScoreBucket, StageFlowRow } from './store.types.js';

/**
 * The numbers behind the funnel view of one workspace, computed in the database (one grouped
 * query each) so they cost the same for a hundred leads or a million.
 */

const grades = GradeSchema.options;

export async function gradeDistribution(db: SqlExecutor, workspaceId: string): Promise<Record<Grade, number>> {
  const counts = Object.fromEntries(grades.map((g) => [g, 0])) as Record<Grade, number>;
  const rows = await db.query<{ grade: string; n: number }>(
    `select s.grade, count(*)::int as n
     from leads l join scores s on s.id = l.score_id
     where l.workspace_id = $1 group by s.grade`,
    [workspaceId],
  );
  for (const r of rows) counts[parseRow(GradeSchema, r.grade, 'scores', `grade ${r.grade}`)] = Number(r.n);
  return counts;
}

export async function scoreHistogram(db: SqlExecutor, workspaceId: string, bucketWidth: number): Promise<ScoreBucket[]> {
  if (!Number.isFinite(bucketWidth) || bucketWidth <= 0 || bucketWidth > 100) {
    throw new StoreInputError(`scoreHistogram: bucket width must be a number in (0, 100], got ${bucketWidth}`);
  }
  const buckets = Math.ceil(100 / bucketWidth);
  const rows = await db.query<{ bucket: number; n: number }>(
    // A score of exactly 100 belongs to the last bucket; scores are 0–100 by the model's contract.
    `select least(greatest(floor(s.score / $2::float8), 0), $3::int - 1)::int as bucket, count(*)::int as n
     from leads l join scores s on s.id = l.score_id
     where l.workspace_id = $1 group by 1`,
    [workspaceId, bucketWidth, buckets],
  );
  const counts = new Map(rows.map((r) => [Number(r.bucket), Number(r.n)]));
  return Array.from({ length: buckets }, (_, i) => ({
    from: i * bucketWidth,
    to: Math.min((i + 1) * bucketWidth, 100),
    count: counts.get(i) ?? 0,
  }));
}

const StageFlowQuerySchema = z.object({ since: z.date(), bucket: z.enum(['day', 'week', 'month']) });

export async function stageFlow(db: SqlExecutor, workspaceId: string, q: { since: Date; bucket: 'day' | 'week' | 'month' }): Promise<StageFlowRow[]> {
  const parsed = StageFlowQuerySchema.safeParse(q);
  if (!parsed.success || Number.isNaN(q.since.getTime())) throw new StoreInputError(`stageFlow: expected { since: Date, bucket: day|week|month }`);
  const rows = await db.query<{ period: string; to_stage: string; n: number }>(
    // Periods in UTC; date_trunc('week') starts weeks on Monday (ISO).
    `select to_char(date_trunc($3, at at time zone 'UTC'), 'YYYY-MM-DD') as period, to_stage, count(*)::int as n
     from stage_transitions
     where workspace_id = $1 and at >= $2
     group by 1, 2 order by 1, 2`,
    [workspaceId, q.since, q.bucket],
  );
  return rows.map((r) => ({ period: r.period, to: parseRow(StageSchema, r.to_stage, 'stage_transitions', `stage ${r.to_stage}`), count: Number(r.n) }));
}

/** Stages of the way to a sale, in order; reaching one counts as having passed the earlier ones. */
const FUNNEL_RANK: Partial<Record<Stage, number>> = { mql: 1, sql: 2, opportunity: 3, customer: 4 };
const rankCase = (column: string) =>
  `case ${column} ${Object.entries(FUNNEL_RANK).map(([stage, rank]) => `when '${stage}' then ${rank}`).join(' ')} else 0 end`;

export async function conversionByGrade(db: SqlExecutor, workspaceId: string): Promise<GradeConversion[]> {
  const rows = await db.query<{ grade: string; leads: number; mql: number; sql: number; opportunity: number; customer: number }>(
    `with reached as (
       select l.id, s.grade,
              greatest(coalesce(max(${rankCase('t.to_stage')}), 0), coalesce(max(${rankCase('lc.stage')}), 0)) as rank
       from leads l
       join scores s on s.id = l.score_id
       left join stage_transitions t on t.lead_id = l.id
       left join lead_lifecycle lc on lc.lead_id = l.id
       where l.workspace_id = $1
       group by l.id, s.grade
     )
     select grade, count(*)::int as leads,
            count(*) filter (where rank >= 1)::int as mql,
            count(*) filter (where rank >= 2)::int as sql,
            count(*) filter (where rank >= 3)::int as opportunity,
            count(*) filter (where rank >= 4)::int as customer
     from reached group by grade`,
    [workspaceId],
  );
  const byGrade = new Map(rows.map((r) => [r.grade, r]));
  return grades.map((grade) => {
    const r = byGrade.get(grade);
    return {
      grade,
      leads: Number(r?.leads ?? 0),
      reachedMql: Number(r?.mql ?? 0),
      reachedSql: Number(r?.sql ?? 0),
      reachedOpportunity: Number(r?.opportunity ?? 0),
      reachedCustomer: Number(r?.customer ?? 0),
    };
  });
}
