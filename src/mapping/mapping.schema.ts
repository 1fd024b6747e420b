import { z } from 'zod';
import type { TitleDictionary } from '../canonical/job-title.js';
import { EventTypeSchema, SourceSystemSchema, StageSchema } from '../canonical/lead.schema.js';

/**
 * The mapping file format (mappings/*.yaml): how one source record becomes a canonical lead, and
 * how qualify's results are written back. Every object is strict and every transform name is an
 * enum, so a typo is refused when the file loads (with the line and the allowed names) instead of
 * silently mapping nothing. mappings/hubspot.yaml is the annotated example.
 */

/** A strict object whose "unknown key" error lists the keys allowed there. */
function strict<S extends z.ZodRawShape>(shape: S) {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown key ${issue.keys.map((k) => `"${k}"`).join(', ')}; allowed: ${allowed}`
        : undefined,
  });
}

/** The named transforms a field may apply, in order (see src/mapping/transforms.ts). */
export const TRANSFORM_NAMES = [
  'trim',
  'lowercase',
  'uppercase',
  'number',
  'integer',
  'boolean',
  'not',
  'date',
  'email',
  'title_seniority',
  'title_department',
  'domain_from_url',
  'domain_from_email',
  'company_domain',
  'country',
] as const;
export const TransformNameSchema = z.enum(TRANSFORM_NAMES, {
  error: (issue) => `unknown transform "${String(issue.input)}"; allowed: ${TRANSFORM_NAMES.join(', ')}`,
});
export type TransformName = z.infer<typeof TransformNameSchema>;

/** A path into the raw record: dot-separated for JSON ("properties.email"), the column name for CSV. */
const Path = z.string().min(1, 'a path must not be empty');
/** One path, or several tried in order: the first that yields a value wins. */
const Paths = z.union([Path, z.array(Path).min(1)], { error: 'expected a path or a list of paths' });
export type PathsSpec = z.infer<typeof Paths>;

const Scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const FieldSpecSchema = strict({
  /** Where to read; with several paths the first that yields a value (after transforms) wins. */
  from: Paths,
  /** Named transforms applied in order to the cleaned value. */
  transform: z.array(TransformNameSchema).optional(),
  /** Value map applied after the transforms (exact match first, then case-insensitive). */
  map: z.record(z.string(), Scalar).optional(),
  /** What an unmapped value becomes when `map` is given: kept as is (default) or missing. */
  unmapped: z.enum(['keep', 'missing']).optional(),
});
export type FieldSpec = z.infer<typeof FieldSpecSchema>;

const ClassifierSchema = strict({
  /** Tried in order; `match` is a case-insensitive regular expression on the event name. */
  rules: z.array(strict({ match: z.string().min(1), type: EventTypeSchema })).min(1),
  /** Type when no rule matches; `skip` drops the event. */
  otherwise: z.union([EventTypeSchema, z.literal('skip')]),
});
export type ClassifierSpec = z.infer<typeof ClassifierSchema>;

/** Exactly one of `type` (fixed) or `classify` (name of a classifier) sets an event's type. */
const eventTyping = {
  type: EventTypeSchema.optional(),
  classify: z.string().optional(),
};

/** Id prefix: with the record id it makes the event's stable sourceId, so re-reads count once. */
const IdPrefix = z.string().regex(/^[a-z0-9_.-]+$/, 'an id prefix is lower-case letters, digits, "_", "." or "-"');

const HistoryEventSchema = strict({
  kind: z.literal('history'),
  /** Property whose history holds one entry per occurrence (e.g. recent_conversion_event_name). */
  property: z.string().min(1),
  id: IdPrefix,
  ...eventTyping,
  /** Used when the record was read without history: one event from the current value. */
  fallback: strict({ name: Paths, at: Paths }).optional(),
});

const SingleEventSchema = strict({
  kind: z.literal('single'),
  id: IdPrefix,
  ...eventTyping,
  /** Event name read from the record; or `label` for a fixed name. */
  name: Paths.optional(),
  label: z.string().optional(),
  /** When it happened; without it the mapping's `defaultTime`. */
  at: Paths.optional(),
  /** Only when this value reads as yes (boolean transform). */
  if: Paths.optional(),
  /** Skip when the record carries this property's history (the history already has the event). */
  unlessHistory: z.string().optional(),
});

const CounterEventSchema = strict({
  kind: z.literal('counter'),
  /** An aggregate count ("page views: 12") → one event with `count`. */
  from: Paths,
  id: IdPrefix,
  type: EventTypeSchema,
  label: z.string().optional(),
  at: Paths.optional(),
});

const ListEventSchema = strict({
  kind: z.literal('list'),
  /** Path of an array of activity objects; the paths below are read inside each item. */
  from: Path,
  id: IdPrefix,
  ...eventTyping,
  itemId: Path,
  at: Path,
  name: Path.optional(),
  /** Item field the classifier reads (default: `name`). */
  classifyOn: Path.optional(),
});

export const EventSpecSchema = z.discriminatedUnion('kind', [HistoryEventSchema, SingleEventSchema, CounterEventSchema, ListEventSchema], {
  error: (issue) => (issue.code === 'invalid_union' ? 'expected kind: history, single, counter or list' : undefined),
});
export type EventSpec = z.infer<typeof EventSpecSchema>;

const StageSpecSchema = strict({
  from: Paths,
  /** Source value → canonical stage (null: known value, no canonical stage). */
  map: z.record(z.string(), StageSchema.nullable()),
  /** Checked first, in order: another field that decides the stage (e.g. a sales rejection). */
  rules: z
    .array(
      strict({
        when: strict({ from: Paths, in: z.array(z.string()).min(1) }),
        stage: StageSchema,
        /** Mapped stages this rule leaves alone (a person's later stage wins). */
        unless: z.array(StageSchema).optional(),
      }),
    )
    .optional(),
});
export type StageSpec = z.infer<typeof StageSpecSchema>;

const OutboundSchema = strict({
  score: z.string().optional(),
  fit: z.string().optional(),
  engagement: z.string().optional(),
  grade: z.string().optional(),
  band: z.string().optional(),
  segment: z.string().optional(),
  reasons: z.string().optional(),
  modelVersion: z.string().optional(),
  evaluatedAt: z.string().optional(),
  stage: strict({
    property: z.string().min(1),
    /** Canonical stage → source value; a stage left out is never written. */
    map: strict(Object.fromEntries(StageSchema.options.map((s) => [s, z.string().optional()])) as Record<
      z.infer<typeof StageSchema>,
      z.ZodOptional<z.ZodString>
    >),
    /** Write the stage even when a person set it (default false: their value is already there). */
    writeWhenSetByPerson: z.boolean().optional(),
  }).optional(),
});
export type OutboundSpec = z.infer<typeof OutboundSchema>;

const AttributeName = z.string().regex(/^[a-z][a-z0-9_]*$/, 'an attribute name is snake_case (lower-case letters, digits, "_")');

export const MappingSpecSchema = strict({
  version: z.literal(1),
  system: SourceSystemSchema,
  objectType: z.string().min(1),
  description: z.string().optional(),
  /** The record's shape: checked before anything is mapped. */
  record: strict({
    /** json: a nested object (dot paths); csv: a flat row of strings (paths are column names). */
    format: z.enum(['json', 'csv']),
    id: Paths,
    updatedAt: Paths.optional(),
    /** JSON object holding the source properties (readProperties lists the keys read under it). */
    properties: Path.optional(),
    /** JSON object holding property histories (name → [{value, timestamp}]). */
    history: Path.optional(),
    /** Paths that must hold a value. */
    required: z.array(Path).optional(),
  }),
  /** Time for events whose source has no timestamp (datasets): a stated, fixed instant. */
  defaultTime: z.iso.datetime({ offset: true }).optional(),
  /** Title dictionary for title_seniority/title_department, relative to this file. */
  titles: z.string().optional(),
  email: FieldSpecSchema.optional(),
  person: strict({
    firstName: FieldSpecSchema.optional(),
    lastName: FieldSpecSchema.optional(),
    jobTitle: FieldSpecSchema.optional(),
    seniority: FieldSpecSchema.optional(),
    department: FieldSpecSchema.optional(),
  }).optional(),
  company: strict({
    name: FieldSpecSchema.optional(),
    domain: FieldSpecSchema.optional(),
    employees: FieldSpecSchema.optional(),
    industry: FieldSpecSchema.optional(),
    annualRevenue: FieldSpecSchema.optional(),
    country: FieldSpecSchema.optional(),
  }).optional(),
  bant: strict({
    budget: FieldSpecSchema.optional(),
    authority: FieldSpecSchema.optional(),
    need: FieldSpecSchema.optional(),
    timeline: FieldSpecSchema.optional(),
  }).optional(),
  consent: strict({
    optedOut: FieldSpecSchema.optional(),
    bounced: FieldSpecSchema.optional(),
    doNotCall: FieldSpecSchema.optional(),
  }).optional(),
  stage: StageSpecSchema.optional(),
  attributes: z
    .record(AttributeName, FieldSpecSchema, {
      error: (issue) => (issue.code === 'invalid_key' ? 'an attribute name is snake_case (lower-case letters, digits, "_")' : undefined),
    })
    .optional(),
  classifiers: z
    .record(z.string().regex(/^[a-z][a-z0-9_]*$/), ClassifierSchema, {
      error: (issue) => (issue.code === 'invalid_key' ? 'a classifier name is snake_case (lower-case letters, digits, "_")' : undefined),
    })
    .optional(),
  events: z.array(EventSpecSchema).optional(),
  outbound: OutboundSchema.optional(),
});
export type MappingSpec = z.infer<typeof MappingSpecSchema>;

/** Cross-field checks zod can't express per field; each names the path of the offending node. */
export function crossCheckMapping(spec: MappingSpec): Array<{ path: Array<string | number>; message: string }> {
  const problems: Array<{ path: Array<string | number>; message: string }> = [];
  const classifiers = Object.keys(spec.classifiers ?? {});
  for (const [name, c] of Object.entries(spec.classifiers ?? {})) {
    c.rules.forEach((r, i) => {
      try {
        new RegExp(r.match, 'i');
      } catch (err) {
        problems.push({ path: ['classifiers', name, 'rules', i, 'match'], message: `not a valid regular expression: ${(err as Error).message}` });
      }
    });
  }
  (spec.events ?? []).forEach((e, i) => {
    if (e.kind === 'counter') return;
    if ((e.type === undefined) === (e.classify === undefined)) {
      problems.push({ path: ['events', i], message: 'give exactly one of "type" (a fixed event type) or "classify" (a classifier name)' });
    }
    if (e.classify !== undefined && !classifiers.includes(e.classify)) {
      problems.push({
        path: ['events', i, 'classify'],
        message: `unknown classifier "${e.classify}"; defined: ${classifiers.join(', ') || '(none)'}`,
      });
    }
    if (e.kind === 'single' && e.classify !== undefined && e.name === undefined && e.label === undefined) {
      problems.push({ path: ['events', i], message: 'a classified event needs a "name" or "label" to classify' });
    }
  });
  const ids = new Map<string, number>();
  (spec.events ?? []).forEach((e, i) => {
    // History and single events may share a prefix on purpose (same occurrence, same sourceId).
    if (e.kind === 'counter' || e.kind === 'list') {
      if (ids.has(e.id)) problems.push({ path: ['events', i, 'id'], message: `id prefix "${e.id}" is already used by events[${ids.get(e.id)}]` });
      ids.set(e.id, i);
    }
  });
  if (spec.record.format === 'csv') {
    if (spec.record.history) problems.push({ path: ['record', 'history'], message: 'a CSV row has no property history' });
    (spec.events ?? []).forEach((e, i) => {
      if (e.kind === 'history' || e.kind === 'list') {
        problems.push({ path: ['events', i, 'kind'], message: `a CSV row has no ${e.kind === 'history' ? 'property history' : 'nested lists'}` });
      }
    });
  }
  (spec.events ?? []).forEach((e, i) => {
    if (e.kind === 'history' && !spec.record.history) {
      problems.push({ path: ['events', i], message: 'a history event needs record.history (where histories live in the record)' });
    }
  });
  return problems;
}

/** A classifier compiled once at load: the first matching rule gives the event type. */
export interface CompiledClassifier {
  rules: Array<{ pattern: RegExp; type: z.infer<typeof EventTypeSchema> }>;
  otherwise: z.infer<typeof EventTypeSchema> | 'skip';
}

/** A loaded, validated mapping (from loadMapping): the spec plus what was compiled from it. */
export interface Mapping {
  /** The file it was loaded from (named in every error). */
  file: string;
  system: z.infer<typeof SourceSystemSchema>;
  objectType: string;
  spec: MappingSpec;
  /** The outbound section, or null when the mapping writes nothing back. */
  outbound: OutboundSpec | null;
  titles: TitleDictionary;
  classifiers: Record<string, CompiledClassifier>;
}
