import { z } from 'zod';
import { EventTypeSchema } from '../canonical/lead.schema.js';
import { KNOWN_LEAD_PATHS, isKnownLeadPath } from './lead-paths.js';

/**
 * The scoring model file (mappings/scoring.yaml and any team's own): what a RevOps team reviews
 * in a pull request. Every object is strict, so a misspelt key is refused with the allowed keys
 * instead of being ignored. The format is documented in src/scoring/README.md.
 */

/** A strict object whose "unknown key" error lists the keys that are allowed there. */
function strict<S extends z.ZodRawShape>(shape: S, what = 'key') {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown ${what} ${issue.keys.map((k) => `"${k}"`).join(', ')}; allowed: ${allowed}`
        : undefined,
  });
}

const Scalar = z.union([z.string(), z.number(), z.boolean()], { error: 'expected text, a number or true/false' });
const RuleId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]*$/, 'a rule id is lower-case letters, digits, "_", "." or "-" (it is stored with scores)');
const Days = z.number().positive();

/** The operators a leaf condition may use, in the order the docs list them. */
export const CONDITION_OPERATORS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'not_in', 'matches', 'missing', 'present'] as const;
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

export interface ConditionSpec {
  all?: ConditionSpec[];
  any?: ConditionSpec[];
  not?: ConditionSpec;
  path?: string;
  eq?: string | number | boolean;
  ne?: string | number | boolean;
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
  in?: (string | number | boolean)[];
  not_in?: (string | number | boolean)[];
  matches?: string;
  ignoreCase?: boolean;
  missing?: true;
  present?: true;
}

const conditionShape = {
  all: z.array(z.lazy(() => ConditionSchema)).min(1).optional(),
  any: z.array(z.lazy(() => ConditionSchema)).min(1).optional(),
  not: z.lazy(() => ConditionSchema).optional(),
  path: z
    .string()
    .refine(isKnownLeadPath, {
      error: (issue) => `unknown lead path "${String(issue.input)}"; allowed: ${KNOWN_LEAD_PATHS.join(', ')}`,
    })
    .optional(),
  eq: Scalar.optional(),
  ne: Scalar.optional(),
  gt: z.number().optional(),
  gte: z.number().optional(),
  lt: z.number().optional(),
  lte: z.number().optional(),
  in: z.array(Scalar).min(1).optional(),
  not_in: z.array(Scalar).min(1).optional(),
  matches: z
    .string()
    .refine(
      (source) => {
        try {
          new RegExp(source);
          return true;
        } catch {
          return false;
        }
      },
      { message: 'not a valid regular expression' },
    )
    .optional(),
  ignoreCase: z.boolean().optional(),
  missing: z.literal(true).optional(),
  present: z.literal(true).optional(),
};

/**
 * One condition: a combinator (`all`, `any`, `not`) or a leaf (`path` plus one or more operators,
 * all of which must hold, so `{ path: company.employees, gte: 50, lt: 1000 }` is the range [50, 1000)).
 */
export const ConditionSchema: z.ZodType<ConditionSpec> = z
  .strictObject(conditionShape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown operator ${issue.keys.map((k) => `"${k}"`).join(', ')}; allowed: all, any, not, path, ${CONDITION_OPERATORS.join(', ')}, ignoreCase`
        : undefined,
  })
  .superRefine((c, ctx) => {
    const combinators = (['all', 'any', 'not'] as const).filter((k) => c[k] !== undefined);
    const operators = CONDITION_OPERATORS.filter((k) => c[k] !== undefined);
    if (combinators.length > 1) {
      ctx.addIssue({ code: 'custom', message: `use one of all, any, not per condition, found ${combinators.join(' and ')}` });
    } else if (combinators.length === 1) {
      if (c.path !== undefined || operators.length > 0) {
        ctx.addIssue({ code: 'custom', message: `"${combinators[0]}" cannot be mixed with path or operators in one condition` });
      }
    } else if (c.path === undefined) {
      ctx.addIssue({ code: 'custom', message: 'expected a condition: all, any, not, or path with an operator' });
    } else if (operators.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['path'], message: `expected an operator next to path; allowed: ${CONDITION_OPERATORS.join(', ')}` });
    }
    if (c.ignoreCase !== undefined && c.matches === undefined) {
      ctx.addIssue({ code: 'custom', path: ['ignoreCase'], message: 'ignoreCase only applies to "matches"' });
    }
  });

export const FitRuleSchema = strict({
  id: RuleId,
  /** Plain words for the reasons field: "VP-level title". Defaults to the id. */
  label: z.string().min(1).optional(),
  when: ConditionSchema,
  /** Points added when the condition holds; negative for penalties. Fractions allowed (learned models). */
  points: z.number(),
});
export type FitRuleSpec = z.infer<typeof FitRuleSchema>;

export const DisqualifierSchema = strict({
  id: RuleId,
  label: z.string().min(1).optional(),
  when: ConditionSchema,
});
export type DisqualifierSpec = z.infer<typeof DisqualifierSchema>;

const FitTransformSchema = z.discriminatedUnion(
  'type',
  [
  /** Raw points are already on a 0–100 scale: clamp them. */
  strict({ type: z.literal('clamp') }),
  /** Map [min, max] raw points linearly onto 0–100, clamping outside. */
  strict({ type: z.literal('scale'), min: z.number(), max: z.number() }),
  /** 100 / (1 + e^-(intercept + raw / pointsPerUnit)): a learned model's probability, as a percentage. */
  strict({ type: z.literal('logistic'), intercept: z.number(), pointsPerUnit: z.number().positive().default(1) }),
  ],
  { error: 'expected type: clamp, scale (with min, max) or logistic (with intercept)' },
);
export type FitTransformSpec = z.infer<typeof FitTransformSchema>;

export const PeriodSchema = z.enum(['day', 'week', 'month', 'ever']);
export type Period = z.infer<typeof PeriodSchema>;

export const EngagementRuleSchema = strict({
  id: RuleId,
  label: z.string().min(1).optional(),
  /** One event type or a list of them (read as a list, so both spellings hash the same). */
  event: z.preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(EventTypeSchema).min(1)),
  /** Optional regex on the event's name (form or asset name), case-insensitive unless ignoreCase: false. */
  name: z
    .string()
    .refine(
      (source) => {
        try {
          new RegExp(source);
          return true;
        } catch {
          return false;
        }
      },
      { message: 'not a valid regular expression' },
    )
    .optional(),
  ignoreCase: z.boolean().default(true),
  /** Points per occurrence (an aggregate event with count n earns n times this). Negative allowed. */
  points: z.number(),
  /** Exponential decay: points × 0.5^(age / halfLifeDays). Defaults to engagement.defaultHalfLifeDays. */
  halfLifeDays: Days.optional(),
  /** Rolling window instead of decay: full points for N days, then 0. */
  windowDays: Days.optional(),
  /** Group whose cap this rule shares (declared under engagement.groups). */
  group: z.string().optional(),
  /** At most this many (decayed) points from this rule per period. */
  cap: strict({ points: z.number().positive(), per: PeriodSchema }).optional(),
});
export type EngagementRuleSpec = z.infer<typeof EngagementRuleSchema>;

const NormaliseSchema = z.discriminatedUnion('type', [strict({ type: z.literal('clamp') }), strict({ type: z.literal('scale'), max: z.number().positive() })], {
  error: 'expected type: clamp or scale (with max)',
});

const HysteresisSchema = strict({
  /** Which 0–100 number the threshold reads. */
  on: z.enum(['fit', 'engagement', 'score']),
  /** Enter the stage at or above this. */
  enter: z.number().min(0).max(100),
  /** Leave only below this (lower than enter), and only after minDwellDays in the stage. */
  exit: z.number().min(0).max(100),
  minDwellDays: z.number().min(0),
});

const EventWindowSchema = strict({
  events: z.array(EventTypeSchema).min(1),
  /** Only events in the last N days count (a year-old e-book download is not interest today). */
  withinDays: Days,
});

export const ScoringModelSpecSchema = strict({
  /** Model name; with version and content hash it forms the id stored with every score. */
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'a model name is lower-case letters, digits, "_" or "-"'),
  /** Bump on every published change; the content hash in the version id catches a forgotten bump. */
  version: z.number().int().positive(),
  description: z.string().optional(),
  fit: strict({
    transform: FitTransformSchema.default({ type: 'clamp' }),
    rules: z.array(FitRuleSchema),
    /** Hard disqualifiers: the first that matches forces fit 0, grade D and stage disqualified. */
    disqualifiers: z.array(DisqualifierSchema).default([]),
  }),
  engagement: strict({
    defaultHalfLifeDays: Days,
    normalise: NormaliseSchema.default({ type: 'clamp' }),
    groups: z.record(z.string(), strict({ cap: z.number().positive() })).default({}),
    /** Cap on the engagement total (raw points), applied after rule and group caps. */
    cap: z.number().positive().optional(),
    rules: z.array(EngagementRuleSchema),
  }),
  /** Weights of the combined score; they are divided by their sum. */
  combined: strict({ fit: z.number().min(0), engagement: z.number().min(0) }),
  thresholds: strict({
    /** Grade from fit: A at or above A, B at or above B, C at or above C, else D. */
    grade: strict({ A: z.number(), B: z.number(), C: z.number() }),
    /** Engagement band: 1 at or above "1", ..., else 4. */
    band: strict({ '1': z.number(), '2': z.number(), '3': z.number() }),
    mql: HysteresisSchema,
    sql: HysteresisSchema,
  }),
  lifecycle: strict({
    /** A known contact (not just an address on a list): subscriber becomes lead. */
    leadWhen: ConditionSchema,
    /** Marketing interest that makes an acceptable-fit person an MQL. */
    marketingInterest: EventWindowSchema,
    /** An explicit sales request that, with at least minBant BANT signals, makes an SQL. */
    salesRequest: strict({ events: z.array(EventTypeSchema).min(1), withinDays: Days, minBant: z.number().int().min(0).max(4) }),
    /** Lowest fit grade that is "acceptable" for MQL by interest or engagement. */
    mqlMinGrade: z.enum(['A', 'B', 'C', 'D']),
    /** People who never become MQL/SQL by engagement or score alone (students, bounced, opted out). */
    neverByEngagementWhen: ConditionSchema.optional(),
    recycled: strict({
      /** A recycled lead waits this long before it can re-qualify as MQL (no ping-pong). */
      minDwellDays: z.number().min(0),
      /** No event for this long: the recycling reason is inactivity rather than a lower score. */
      inactiveDays: Days,
    }),
  }),
});

export type ScoringModelSpec = z.infer<typeof ScoringModelSpecSchema>;

/** Cross-field checks zod's shape cannot express; each names the path it is about. */
export function crossCheck(spec: ScoringModelSpec): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  const seen = new Map<string, string>();
  const claim = (id: string, path: (string | number)[]) => {
    const before = seen.get(id);
    if (before !== undefined) problems.push({ path: [...path, 'id'], message: `duplicate rule id "${id}" (first used at ${before})` });
    else seen.set(id, path.join('.'));
  };
  spec.fit.rules.forEach((r, i) => claim(r.id, ['fit', 'rules', i]));
  spec.fit.disqualifiers.forEach((r, i) => claim(r.id, ['fit', 'disqualifiers', i]));
  spec.engagement.rules.forEach((r, i) => {
    claim(r.id, ['engagement', 'rules', i]);
    if (r.halfLifeDays !== undefined && r.windowDays !== undefined) {
      problems.push({ path: ['engagement', 'rules', i, 'windowDays'], message: 'use halfLifeDays or windowDays, not both' });
    }
    if (r.group !== undefined && !(r.group in spec.engagement.groups)) {
      const declared = Object.keys(spec.engagement.groups);
      problems.push({
        path: ['engagement', 'rules', i, 'group'],
        message: `unknown group "${r.group}"; declared under engagement.groups: ${declared.length > 0 ? declared.join(', ') : '(none)'}`,
      });
    }
  });
  const { grade, band, mql, sql } = spec.thresholds;
  if (!(grade.A > grade.B && grade.B > grade.C)) problems.push({ path: ['thresholds', 'grade'], message: 'expected A > B > C' });
  if (!(band['1'] > band['2'] && band['2'] > band['3'])) problems.push({ path: ['thresholds', 'band'], message: 'expected "1" > "2" > "3"' });
  for (const [key, h] of [['mql', mql], ['sql', sql]] as const) {
    if (!(h.exit < h.enter)) problems.push({ path: ['thresholds', key, 'exit'], message: `expected exit below enter (${h.enter}) so the stage has hysteresis` });
  }
  const t = spec.fit.transform;
  if (t.type === 'scale' && !(t.max > t.min)) problems.push({ path: ['fit', 'transform', 'max'], message: `expected max above min (${t.min})` });
  if (spec.combined.fit + spec.combined.engagement <= 0) problems.push({ path: ['combined'], message: 'expected at least one positive weight' });
  return problems;
}
