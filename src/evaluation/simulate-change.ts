import type { Grade, Qualification } from '../qualification/qualification.schema.js';
import type { Stage } from '../canonical/lead.schema.js';
import { StageSchema } from '../canonical/lead.schema.js';
import type { ScoringModel } from '../scoring/scoring-model.js';
import type { DatasetRow } from './load-dataset.js';

/**
 * The dry run before publishing a model change: qualify the same leads with the current
 * (baseline) model and the candidate, and count who would move, in which direction, with
 * examples. Pure: it reads the leads and writes nothing anywhere.
 */

const GRADE_RANK: Record<Grade, number> = { D: 0, C: 1, B: 2, A: 3 };
/** Funnel height; recycled sits with lead (back in nurture), disqualified below everything. */
const STAGE_RANK: Record<Stage, number> = { disqualified: 0, subscriber: 1, lead: 2, recycled: 2, mql: 3, sql: 4, opportunity: 5, customer: 6 };

export interface ChangeMatrix<K extends string> {
  /** counts[from][to]: leads that had `from` under the baseline and `to` under the candidate. */
  counts: Record<K, Record<K, number>>;
  upgraded: number;
  downgraded: number;
  /** Changed, but neither up nor down (e.g. lead → recycled). */
  sideways: number;
  unchanged: number;
}

export interface ChangeExample {
  row: number;
  recordId: string;
  grade: { from: Grade; to: Grade };
  stage: { from: Stage; to: Stage };
  score: { from: number; to: number };
  /** The candidate's reasons for its score (what a rep would read in the CRM). */
  reasons: string;
}

export interface SimulationReport {
  baseline: { versionId: string; source: string };
  candidate: { versionId: string; source: string };
  leads: number;
  grades: ChangeMatrix<Grade>;
  stages: ChangeMatrix<Stage>;
  score: { meanBefore: number; meanAfter: number; increased: number; decreased: number };
  /** A few leads per direction, biggest moves first: stage moves, then grade moves. */
  examples: { upgraded: ChangeExample[]; downgraded: ChangeExample[] };
}

function matrix<K extends string>(keys: readonly K[], rank: Record<K, number>, pairs: Array<[K, K]>): ChangeMatrix<K> {
  const counts = Object.fromEntries(keys.map((k) => [k, Object.fromEntries(keys.map((j) => [j, 0]))])) as Record<K, Record<K, number>>;
  const m: ChangeMatrix<K> = { counts, upgraded: 0, downgraded: 0, sideways: 0, unchanged: 0 };
  for (const [from, to] of pairs) {
    counts[from][to]++;
    if (from === to) m.unchanged++;
    else if (rank[to] > rank[from]) m.upgraded++;
    else if (rank[to] < rank[from]) m.downgraded++;
    else m.sideways++;
  }
  return m;
}

/** Compare two sets of results for the same rows (same order). */
export function simulateChange(
  rows: readonly DatasetRow[],
  baseline: { model: ScoringModel; results: readonly Qualification[] },
  candidate: { model: ScoringModel; results: readonly Qualification[] },
  examplesPerDirection = 5,
): SimulationReport {
  const before = baseline.results;
  const after = candidate.results;
  if (before.length !== rows.length || after.length !== rows.length) throw new RangeError('results must cover the same rows');

  const grades = matrix(['A', 'B', 'C', 'D'] as const, GRADE_RANK, rows.map((_, i) => [before[i].score.grade, after[i].score.grade]));
  const stages = matrix(StageSchema.options, STAGE_RANK, rows.map((_, i) => [before[i].lifecycle.stage, after[i].lifecycle.stage]));

  let sumBefore = 0;
  let sumAfter = 0;
  let increased = 0;
  let decreased = 0;
  const moves: Array<{ example: ChangeExample; stageMove: number; gradeMove: number; scoreMove: number }> = [];
  rows.forEach((row, i) => {
    const b = before[i];
    const a = after[i];
    sumBefore += b.score.score;
    sumAfter += a.score.score;
    if (a.score.score > b.score.score) increased++;
    if (a.score.score < b.score.score) decreased++;
    const stageMove = STAGE_RANK[a.lifecycle.stage] - STAGE_RANK[b.lifecycle.stage];
    const gradeMove = GRADE_RANK[a.score.grade] - GRADE_RANK[b.score.grade];
    if (stageMove === 0 && gradeMove === 0) return;
    moves.push({
      stageMove,
      gradeMove,
      scoreMove: a.score.score - b.score.score,
      example: {
        row: row.row,
        recordId: row.id,
        grade: { from: b.score.grade, to: a.score.grade },
        stage: { from: b.lifecycle.stage, to: a.lifecycle.stage },
        score: { from: b.score.score, to: a.score.score },
        reasons: a.score.reasons,
      },
    });
  });
  const direction = (m: (typeof moves)[number]) => Math.sign(m.stageMove !== 0 ? m.stageMove : m.gradeMove);
  const biggest = (sign: number) =>
    moves
      .filter((m) => direction(m) === sign)
      .sort(
        (x, y) =>
          Math.abs(y.stageMove) - Math.abs(x.stageMove) ||
          Math.abs(y.gradeMove) - Math.abs(x.gradeMove) ||
          Math.abs(y.scoreMove) - Math.abs(x.scoreMove) ||
          x.example.row - y.example.row,
      )
      .slice(0, examplesPerDirection)
      .map((m) => m.example);

  const n = rows.length || 1;
  return {
    baseline: { versionId: baseline.model.versionId, source: baseline.model.source },
    candidate: { versionId: candidate.model.versionId, source: candidate.model.source },
    leads: rows.length,
    grades,
    stages,
    score: { meanBefore: sumBefore / n, meanAfter: sumAfter / n, increased, decreased },
    examples: { upgraded: biggest(1), downgraded: biggest(-1) },
  };
}
