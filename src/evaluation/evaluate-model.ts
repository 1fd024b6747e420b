import { StageSchema, type Lead } from '../canonical/lead.schema.js';
import { qualifyLead } from '../qualification/qualify-lead.js';
import type { Qualification } from '../qualification/qualification.schema.js';
import type { ScoringModel } from '../scoring/scoring-model.js';
import type { LabelledLead } from './fit-model.js';
import {
  averagePrecision,
  baseRate,
  conversionByDecile,
  conversionByGroup,
  countBy,
  rocAuc,
  selectionQuality,
  topFraction,
  type ConversionRow,
  type SelectionQuality,
  type TopShare,
} from './metrics.js';

/**
 * Score labelled leads with a model, exactly as the live pipeline would (qualifyLead with no
 * previous state), and measure how well the scores and stages match the outcomes.
 */

export interface ThresholdQuality extends SelectionQuality {
  stage: 'mql' | 'sql';
  /** Which 0–100 number the model's threshold reads, and where it enters. */
  on: 'fit' | 'engagement' | 'score';
  enter: number;
}

export interface EvaluationReport {
  model: { versionId: string; source: string };
  leads: number;
  conversions: number;
  baseRate: number;
  rocAuc: number;
  prAuc: number;
  /** The top 20 % of leads by score. */
  top20: TopShare;
  deciles: ConversionRow[];
  grades: ConversionRow[];
  /** Precision/recall of "the model's number is at or above the stage's entry threshold". */
  thresholds: ThresholdQuality[];
  /** Precision/recall of "the classifier put the lead at this stage or later". */
  stageReached: Array<SelectionQuality & { stage: 'mql' | 'sql' }>;
  /** How many leads each stage would hold. */
  stages: Array<{ value: string; count: number }>;
}

const MQL_OR_LATER = new Set(['mql', 'sql', 'opportunity', 'customer']);
const SQL_OR_LATER = new Set(['sql', 'opportunity', 'customer']);

/** Evaluation time for a lead: its own update time, else its newest event, else `fallback`. */
export function evaluationTime(lead: Lead, fallback: Date): Date {
  if (lead.sourceUpdatedAt !== null) return new Date(lead.sourceUpdatedAt);
  let newest = Number.NEGATIVE_INFINITY;
  for (const e of lead.events) newest = Math.max(newest, Date.parse(e.at));
  return Number.isFinite(newest) ? new Date(newest) : fallback;
}

/**
 * Qualify every lead; `at` fixes the evaluation time for all, else each lead's own (see
 * evaluationTime) with `fallback` for leads that carry no time at all.
 */
export function qualifyAll(rows: readonly LabelledLead[], model: ScoringModel, at?: Date, fallback: Date = at ?? new Date()): Qualification[] {
  return rows.map((r) => qualifyLead({ lead: r.lead, model, previous: null, at: at ?? evaluationTime(r.lead, fallback) }));
}

export function evaluateModel(rows: readonly LabelledLead[], model: ScoringModel, results: readonly Qualification[]): EvaluationReport {
  const labels = rows.map((r) => r.label);
  const scores = results.map((q) => q.score.score);
  const { mql, sql } = model.spec.thresholds;
  const thresholds: ThresholdQuality[] = (
    [
      ['mql', mql],
      ['sql', sql],
    ] as const
  ).map(([stage, t]) => ({
    stage,
    on: t.on,
    enter: t.enter,
    ...selectionQuality(
      results.map((q) => q.score[t.on] >= t.enter),
      labels,
    ),
  }));
  const stages = results.map((q) => q.lifecycle.stage);
  return {
    model: { versionId: model.versionId, source: model.source },
    leads: rows.length,
    conversions: labels.filter(Boolean).length,
    baseRate: baseRate(labels),
    rocAuc: rocAuc(scores, labels),
    prAuc: averagePrecision(scores, labels),
    top20: topFraction(scores, labels, 0.2),
    deciles: conversionByDecile(scores, labels),
    grades: conversionByGroup(
      results.map((q) => q.score.grade),
      scores,
      labels,
      ['A', 'B', 'C', 'D'],
    ),
    thresholds,
    stageReached: [
      { stage: 'mql', ...selectionQuality(stages.map((s) => MQL_OR_LATER.has(s)), labels) },
      { stage: 'sql', ...selectionQuality(stages.map((s) => SQL_OR_LATER.has(s)), labels) },
    ],
    stages: countBy(stages, StageSchema.options),
  };
}
