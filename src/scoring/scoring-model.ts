import { createHash } from 'node:crypto';
import type { EventType } from '../canonical/lead.schema.js';
import type { Lead } from '../canonical/lead.schema.js';
import type { Contribution } from '../qualification/qualification.schema.js';
import { ConditionCompiler, compileCondition, type LeadPredicate } from './compile-condition.js';
import { compileEngagement, type AddEvent, type EngagementScratch } from './compile-engagement.js';
import type { Period, ScoringModelSpec } from './scoring-model.schema.js';

/**
 * A loaded, validated and compiled scoring model. It is immutable: `versionId` names exactly this
 * content, and is stored with every score it produces.
 */
export interface ScoringModel {
  readonly name: string;
  readonly version: number;
  /** `name@version-<first 8 hex of sha256(canonical content)>`, e.g. "default@1-3f9c2a1b". */
  readonly versionId: string;
  /** Where the model came from (file path, or "<inline>"), for error messages and audit. */
  readonly source: string;
  /** The validated file content, defaults filled in. */
  readonly spec: ScoringModelSpec;
  /** Closures and constants built once at load; scoring a lead only reads these. */
  readonly compiled: CompiledModel;
}

export interface CompiledFitRule {
  readonly id: string;
  readonly label: string;
  readonly points: number;
  readonly test: LeadPredicate;
}

export interface CompiledEngagementRule {
  readonly index: number;
  readonly id: string;
  readonly label: string;
  readonly points: number;
  /** Half-life in ms for exponential decay; Infinity when the rule uses a rolling window. */
  readonly halfLifeMs: number;
  /** Rolling window in ms; Infinity when the rule decays instead. */
  readonly windowMs: number;
  /** ln 2 / halfLifeMs, so decay is one multiplication and Math.exp. */
  readonly decayRate: number;
  readonly name: RegExp | null;
  /** Index into `groups`, or -1. */
  readonly group: number;
  readonly capPoints: number;
  readonly capPeriod: Period | null;
  /** Cache of "label (Nd ago)" by day count; the only mutable part, and only ever filled the same way. */
  readonly agoLabels: string[];
}

export interface CompiledModel {
  readonly fitRules: readonly CompiledFitRule[];
  readonly disqualifiers: readonly { id: string; label: string; test: LeadPredicate }[];
  /**
   * All fit rules as one generated function: pushes the (shared, frozen) contribution of every
   * matching rule onto `out` and returns the raw fit points.
   */
  readonly fit: (lead: Lead, out: Contribution[]) => number;
  /** Index of the first matching disqualifier, or -1. */
  readonly disqualify: (lead: Lead) => number;
  readonly fitTransform: (raw: number) => number;
  readonly engagementRules: readonly CompiledEngagementRule[];
  /** Engagement rules per event type, so an event only meets the rules that can match it. */
  readonly rulesByEvent: ReadonlyMap<EventType, readonly CompiledEngagementRule[]>;
  /** Generated from rulesByEvent: counts one event into the per-rule totals (engagement steps 1–2). */
  readonly addEvent: AddEvent;
  /** Per-rule running totals and parsed event times, reused by every call (scoring is synchronous). */
  readonly scratch: EngagementScratch & { times: Float64Array };
  /** Each group with the indices of its rules. */
  readonly groups: readonly { id: string; cap: number; members: Int32Array }[];
  /** Indices of all engagement rules (for the total cap). */
  readonly allRules: Int32Array;
  readonly totalCap: number;
  readonly normaliseEngagement: (raw: number) => number;
  readonly weightFit: number;
  readonly weightEngagement: number;
  readonly leadWhen: LeadPredicate;
  readonly neverByEngagement: LeadPredicate;
  readonly marketingInterest: { events: ReadonlySet<EventType>; withinMs: number };
  readonly salesRequest: { events: ReadonlySet<EventType>; withinMs: number; minBant: number };
}

export const DAY_MS = 86_400_000;

const clamp100 = (x: number) => (x < 0 ? 0 : x > 100 ? 100 : x);

/** Plain words from a rule id when the file gives no label: "free_mail" → "free mail". */
const labelOf = (id: string, label: string | undefined) => label ?? id.replace(/[_.-]+/g, ' ');

/** JSON with sorted keys: the same content always hashes the same, whatever the key order or comments. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function modelVersionId(spec: ScoringModelSpec): string {
  const hash = createHash('sha256').update(canonicalJson(spec)).digest('hex').slice(0, 8);
  return `${spec.name}@${spec.version}-${hash}`;
}

export function compileScoringModel(spec: ScoringModelSpec, source: string): ScoringModel {
  const transform = spec.fit.transform;
  const fitTransform =
    transform.type === 'clamp'
      ? clamp100
      : transform.type === 'scale'
        ? (raw: number) => clamp100(((raw - transform.min) / (transform.max - transform.min)) * 100)
        : (raw: number) => 100 / (1 + Math.exp(-(transform.intercept + raw / transform.pointsPerUnit)));

  const groupIds = Object.keys(spec.engagement.groups);
  const members = (id: string) => Int32Array.from(spec.engagement.rules.flatMap((r, i) => (r.group === id ? [i] : [])));
  const groups = groupIds.map((id) => ({ id, cap: spec.engagement.groups[id]!.cap, members: members(id) }));

  const engagementRules: CompiledEngagementRule[] = spec.engagement.rules.map((r, index) => {
    const windowed = r.windowDays !== undefined;
    const halfLifeMs = windowed ? Number.POSITIVE_INFINITY : (r.halfLifeDays ?? spec.engagement.defaultHalfLifeDays) * DAY_MS;
    return {
      index,
      id: r.id,
      label: labelOf(r.id, r.label),
      points: r.points,
      halfLifeMs,
      windowMs: windowed ? r.windowDays! * DAY_MS : Number.POSITIVE_INFINITY,
      decayRate: Math.LN2 / halfLifeMs,
      name: r.name === undefined ? null : new RegExp(r.name, r.ignoreCase ? 'i' : ''),
      group: r.group === undefined ? -1 : groupIds.indexOf(r.group),
      capPoints: r.cap?.points ?? Number.POSITIVE_INFINITY,
      capPeriod: r.cap?.per ?? null,
      agoLabels: [],
    };
  });
  const rulesByEvent = new Map<EventType, CompiledEngagementRule[]>();
  spec.engagement.rules.forEach((r, i) => {
    for (const type of r.event) {
      const list = rulesByEvent.get(type) ?? [];
      list.push(engagementRules[i]!);
      rulesByEvent.set(type, list);
    }
  });

  const fitCompiler = new ConditionCompiler();
  const fitBody = spec.fit.rules.map((r) => {
    const contribution: Contribution = Object.freeze({ ruleId: r.id, label: labelOf(r.id, r.label), axis: 'fit', points: Math.round(r.points * 100) / 100 });
    const k = fitCompiler.constant(contribution);
    const points = fitCompiler.constant(r.points);
    return `if (${fitCompiler.source(r.when)}) { raw += k[${points}]; out.push(k[${k}]); }`;
  });
  const fit = fitCompiler.build<CompiledModel['fit']>('l, out', `let raw = 0;\n${fitBody.join('\n')}\nreturn raw;`);
  const dqCompiler = new ConditionCompiler();
  const dqBody = spec.fit.disqualifiers.map((d, i) => `if (${dqCompiler.source(d.when)}) return ${i};`);
  const disqualify = dqCompiler.build<CompiledModel['disqualify']>('l', `${dqBody.join('\n')}\nreturn -1;`);

  const normalise = spec.engagement.normalise;
  const weightSum = spec.combined.fit + spec.combined.engagement;
  const lc = spec.lifecycle;
  const compiled: CompiledModel = {
    fitRules: spec.fit.rules.map((r) => ({ id: r.id, label: labelOf(r.id, r.label), points: r.points, test: compileCondition(r.when) })),
    disqualifiers: spec.fit.disqualifiers.map((d) => ({ id: d.id, label: labelOf(d.id, d.label), test: compileCondition(d.when) })),
    fit,
    disqualify,
    fitTransform,
    engagementRules,
    rulesByEvent,
    addEvent: compileEngagement(rulesByEvent),
    scratch: {
      points: new Float64Array(engagementRules.length),
      latest: new Float64Array(engagementRules.length),
      bucket: new Float64Array(engagementRules.length),
      bucketSum: new Float64Array(engagementRules.length),
      times: new Float64Array(64),
    },
    groups,
    allRules: Int32Array.from(engagementRules, (r) => r.index),
    totalCap: spec.engagement.cap ?? Number.POSITIVE_INFINITY,
    normaliseEngagement: normalise.type === 'clamp' ? clamp100 : (raw) => clamp100((raw / normalise.max) * 100),
    weightFit: spec.combined.fit / weightSum,
    weightEngagement: spec.combined.engagement / weightSum,
    leadWhen: compileCondition(lc.leadWhen),
    neverByEngagement: lc.neverByEngagementWhen === undefined ? () => false : compileCondition(lc.neverByEngagementWhen),
    marketingInterest: { events: new Set(lc.marketingInterest.events), withinMs: lc.marketingInterest.withinDays * DAY_MS },
    salesRequest: { events: new Set(lc.salesRequest.events), withinMs: lc.salesRequest.withinDays * DAY_MS, minBant: lc.salesRequest.minBant },
  };
  const versionId = modelVersionId(spec);
  // Published means immutable: nobody can edit the rules behind a version id after the fact.
  return Object.freeze({ name: spec.name, version: spec.version, versionId, source, spec: deepFreeze(spec), compiled: Object.freeze(compiled) });
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as object)) deepFreeze(child);
  }
  return value;
}
