import type { EngagementEvent } from '../canonical/lead.schema.js';
import type { CompiledEngagementRule } from './scoring-model.js';

/** Per-rule running totals while one lead's events are counted (typed arrays indexed by rule). */
export interface EngagementScratch {
  points: Float64Array;
  /** Newest counted event time per rule (for "2d ago"). */
  latest: Float64Array;
  /** Current cap period per rule (NaN before the first event) and the points within it. */
  bucket: Float64Array;
  bucketSum: Float64Array;
}

/** Counts one event at time `ms` (steps 1 and 2: decay or window, count, the rule's period cap). */
export type AddEvent = (event: EngagementEvent, ms: number, atMs: number, s: EngagementScratch) => void;

const DAY_MS = 86_400_000;

/**
 * 0.5^(age / halfLife). Math.exp is several times faster than Math.pow; for whole numbers of
 * half-lives Math.pow is exact (10 points after exactly one half-life are worth exactly 5), so use it then.
 */
function decay(ageMs: number, halfLifeMs: number, rate: number): number {
  const halfLives = ageMs / halfLifeMs;
  return halfLives === Math.floor(halfLives) ? Math.pow(0.5, halfLives) : Math.exp(-ageMs * rate);
}

const helpers = {
  decay,
  clampAbs: (x: number, cap: number) => (x > cap ? cap : x < -cap ? -cap : x),
  month: (ms: number) => {
    const d = new Date(ms);
    return d.getUTCFullYear() * 12 + d.getUTCMonth();
  },
};

const num = (x: number) => {
  if (!Number.isFinite(x)) throw new Error(`not a finite number: ${x}`);
  return JSON.stringify(x);
};

function periodSource(per: NonNullable<CompiledEngagementRule['capPeriod']>): string {
  switch (per) {
    case 'day':
      return `Math.floor(ms / ${DAY_MS})`;
    case 'week':
      // 1970-01-01 was a Thursday: shift by 3 days so weeks start on Monday.
      return `Math.floor((Math.floor(ms / ${DAY_MS}) + 3) / 7)`;
    case 'month':
      return 'h.month(ms)';
    case 'ever':
      return '0';
  }
}

/** The code that counts one event for one rule; `continue`-free so rules can follow each other. */
function ruleSource(rule: CompiledEngagementRule, regexConstant: number | null): string {
  const r = rule.index;
  const windowed = rule.windowMs !== Number.POSITIVE_INFINITY;
  const value = windowed ? `${num(rule.points)} * count` : `${num(rule.points)} * count * h.decay(age, ${num(rule.halfLifeMs)}, ${rule.decayRate})`;
  const count =
    rule.capPeriod === null
      ? `points[${r}] += v;`
      : `const p = ${periodSource(rule.capPeriod)};
        if (p === bucket[${r}]) bucketSum[${r}] += v;
        else {
          if (bucket[${r}] === bucket[${r}]) points[${r}] += h.clampAbs(bucketSum[${r}], ${num(rule.capPoints)});
          bucket[${r}] = p;
          bucketSum[${r}] = v;
        }`;
  const guards = [
    ...(regexConstant === null ? [] : [`e.name !== undefined && k[${regexConstant}].test(e.name)`]),
    ...(windowed ? [`age <= ${num(rule.windowMs)}`] : []),
  ];
  const body = `const v = ${value};
        if (ms > latest[${r}]) latest[${r}] = ms;
        ${count}`;
  return guards.length === 0 ? `{ /* ${rule.id} */ ${body} }` : `if (${guards.join(' && ')}) { /* ${rule.id} */ ${body} }`;
}

/**
 * One generated function per model that counts an event: a switch on the event type, then the
 * matching rules' arithmetic with their constants written in. Same reasons as for conditions
 * (compile-condition.ts): no map lookups or rule-object reads per event at scoring time, and
 * nothing from the file is evaluated as code (rule ids appear only inside comments, and ids are
 * restricted to [a-z0-9_.-]).
 */
export function compileEngagement(rulesByEvent: ReadonlyMap<string, readonly CompiledEngagementRule[]>): AddEvent {
  const constants: unknown[] = [];
  const cases = [...rulesByEvent].map(([type, rules]) => {
    const parts = rules.map((rule) => {
      let regex: number | null = null;
      if (rule.name !== null) {
        constants.push(rule.name);
        regex = constants.length - 1;
      }
      return ruleSource(rule, regex);
    });
    return `case ${JSON.stringify(type)}: {\n${parts.join('\n')}\nbreak;\n}`;
  });
  const code = `'use strict';
return function addEvent(e, ms, atMs, s) {
  // NaN fails this test too; future events (after \`at\`) do not count yet.
  if (!(ms <= atMs)) return;
  const points = s.points, latest = s.latest, bucket = s.bucket, bucketSum = s.bucketSum;
  const age = atMs - ms;
  const count = e.count === undefined ? 1 : e.count;
  switch (e.type) {
${cases.join('\n')}
  }
};`;
  return new Function('h', 'k', code)(helpers, constants) as AddEvent;
}
