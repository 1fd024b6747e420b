import { z } from 'zod';
import { StageSchema } from '../canonical/lead.schema.js';

/**
 * The contract between the scoring core (pure, no I/O) and the pipeline that stores and writes
 * results back. The pipeline calls `qualifyLead` (src/qualification/qualify-lead.ts) and stores
 * what comes out; it never looks inside a model.
 */

export const GradeSchema = z.enum(['A', 'B', 'C', 'D']);
export type Grade = z.infer<typeof GradeSchema>;

export const ContributionSchema = z.object({
  ruleId: z.string(),
  /** Plain words for a person: "VP-level title", "Requested a demo (2 d ago)". */
  label: z.string(),
  axis: z.enum(['fit', 'engagement']),
  /** Points after decay and caps. Negative for penalties. */
  points: z.number(),
});
export type Contribution = z.infer<typeof ContributionSchema>;

export const ScoreResultSchema = z.object({
  /** Immutable id of the published model, e.g. "default@3-1a2b3c4d" (name@version-contenthash). */
  modelVersion: z.string(),
  fit: z.number().min(0).max(100),
  engagement: z.number().min(0).max(100),
  score: z.number().min(0).max(100),
  grade: GradeSchema,
  band: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]),
  /** grade + band, e.g. "A1". */
  segment: z.string(),
  /** Set when a hard disqualifier matched; names the rule. */
  disqualifiedBy: z.string().nullable(),
  contributions: z.array(ContributionSchema),
  /** Top positive and negative contributions as one short text (fits a CRM text field, ≤ 255 chars). */
  reasons: z.string().max(255),
  /** Evaluation time (ISO-8601): with the lead and the model, it fully determines the result. */
  evaluatedAt: z.iso.datetime({ offset: true }),
});
export type ScoreResult = z.infer<typeof ScoreResultSchema>;

export const TransitionReasonSchema = z.enum([
  'first_seen',
  'known_contact',
  'marketing_interest',
  'engagement_threshold',
  'sales_request_with_bant',
  'high_combined_score',
  'score_below_exit_threshold',
  'disqualifier_matched',
  'set_by_person',
  'sales_rejected',
  'recycled_after_inactivity',
  're_engaged',
]);
export type TransitionReason = z.infer<typeof TransitionReasonSchema>;

export const LifecycleStateSchema = z.object({
  stage: StageSchema,
  /** When the lead entered this stage (ISO-8601): drives the minimum dwell time. */
  since: z.iso.datetime({ offset: true }),
  reason: TransitionReasonSchema,
  /** True when a person (sales, a CRM workflow) set the stage: the model never overrides it. */
  setByPerson: z.boolean(),
});
export type LifecycleState = z.infer<typeof LifecycleStateSchema>;

export const TransitionSchema = z.object({
  from: StageSchema.nullable(),
  to: StageSchema,
  reason: TransitionReasonSchema,
  /** One sentence for the audit trail: "requested a demo; budget and authority known". */
  detail: z.string(),
  at: z.iso.datetime({ offset: true }),
  modelVersion: z.string(),
});
export type Transition = z.infer<typeof TransitionSchema>;

export const QualificationSchema = z.object({
  score: ScoreResultSchema,
  lifecycle: LifecycleStateSchema,
  /** Null when the stage did not change. */
  transition: TransitionSchema.nullable(),
});
export type Qualification = z.infer<typeof QualificationSchema>;
