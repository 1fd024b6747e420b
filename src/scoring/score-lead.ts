import type { EngagementEvent, Lead } from '../canonical/lead.schema.js';
import type { Contribution, Grade, ScoreResult } from '../qualification/qualification.schema.js';
import { isoToMillis } from './iso-time.js';
import { formatReasons } from './format-reasons.js';
import type { EngagementScratch } from './compile-engagement.js';
import { DAY_MS, type CompiledEngagementRule, type ScoringModel } from './scoring-model.js';

/**
 * Score one lead with a compiled model at evaluation time `at`.
 *
 * Pure and deterministic: the lead, the model and `at` fully determine the result, so a score
 * can be replayed ("why did this lead MQL on Tuesday?"). Engagement is recomputed from the event
 * log every time; nothing accumulates between calls.
 *
 * Engagement, in this order (documented in src/scoring/README.md):
 *  1. event:  points × count × decay, decay = 0.5^(age / halfLife) or, for a rolling window,
 *             1 while age ≤ window and 0 after. Events after `at` are ignored.
 *  2. period: a rule's points within one period (UTC day, Monday-based week, UTC month, or ever)
 *             are clamped to ±cap.
 *  3. group:  positive points of a group's rules are scaled down so the group total is at most its cap.
 *  4. total:  the same on the sum of all rules, then the total floors at 0 and is normalised to 0–100.
 */
export function scoreLead(lead: Lead, model: ScoringModel, at: Date): ScoreResult {
  const atMs = at.getTime();
  if (Number.isNaN(atMs)) throw new RangeError('scoreLead: evaluation time is not a valid date');
  const c = model.compiled;
  const contributions: Contribution[] = [];

  const dq = c.disqualify(lead);
  const disqualifiedBy = dq < 0 ? null : c.disqualifiers[dq]!.id;
  const disqualifiedLabel = dq < 0 ? '' : c.disqualifiers[dq]!.label;

  const fitRaw = c.fit(lead, contributions);
  const fit = disqualifiedBy === null ? round2(c.fitTransform(fitRaw)) : 0;

  const totals = engagementTotals(lead.events, model, atMs);
  const rules = c.engagementRules;
  let engagementRaw = 0;
  for (let r = 0; r < rules.length; r++) engagementRaw += totals.points[r]!;
  for (let r = 0; r < rules.length; r++) {
    const points = round2(totals.points[r]!);
    if (points !== 0) {
      contributions.push({
        ruleId: rules[r]!.id,
        label: agoLabel(rules[r]!, atMs - totals.latest[r]!),
        axis: 'engagement',
        points,
      });
    }
  }
  const engagement = round2(c.normaliseEngagement(engagementRaw < 0 ? 0 : engagementRaw));
  const score = round2(c.weightFit * fit + c.weightEngagement * engagement);

  const thresholds = model.spec.thresholds;
  const grade = gradeOf(fit, thresholds.grade, disqualifiedBy !== null);
  const band = engagement >= thresholds.band['1'] ? 1 : engagement >= thresholds.band['2'] ? 2 : engagement >= thresholds.band['3'] ? 3 : 4;

  return {
    modelVersion: model.versionId,
    fit,
    engagement,
    score,
    grade,
    band,
    segment: SEGMENTS[grade][band - 1]!,
    disqualifiedBy,
    contributions,
    reasons: formatReasons(contributions, disqualifiedBy === null ? null : disqualifiedLabel),
    evaluatedAt: isoOf(atMs),
  };
}

function gradeOf(fit: number, cut: { A: number; B: number; C: number }, disqualified: boolean): Grade {
  if (disqualified) return 'D';
  return fit >= cut.A ? 'A' : fit >= cut.B ? 'B' : fit >= cut.C ? 'C' : 'D';
}

const round2 = (x: number) => Math.round(x * 100) / 100;

const SEGMENTS: Record<Grade, readonly string[]> = {
  A: ['A1', 'A2', 'A3', 'A4'],
  B: ['B1', 'B2', 'B3', 'B4'],
  C: ['C1', 'C2', 'C3', 'C4'],
  D: ['D1', 'D2', 'D3', 'D4'],
};

/** A batch is scored at one `at`: format it once, not once per lead. */
let lastAtMs = Number.NaN;
let lastAtIso = '';
function isoOf(atMs: number): string {
  if (atMs !== lastAtMs) {
    lastAtIso = new Date(atMs).toISOString();
    lastAtMs = atMs;
  }
  return lastAtIso;
}

/** "demo request (2d ago)". Built once per rule and day count: formatting numbers per lead is slow. */
function agoLabel(rule: CompiledEngagementRule, ageMs: number): string {
  const days = Math.max(0, Math.floor(ageMs / DAY_MS));
  if (days > 1000) return `${rule.label} (${days}d ago)`;
  return (rule.agoLabels[days] ??= `${rule.label} (${days === 0 ? 'today' : `${days}d ago`})`);
}

/** Scratch arrays reused per call (scoring is synchronous); kept on the compiled model, grown on demand. */
type Scratch = EngagementScratch & { times: Float64Array };

function scratchFor(model: ScoringModel, events: number): Scratch {
  const s = model.compiled.scratch;
  if (s.times.length < events) s.times = new Float64Array(Math.max(events, s.times.length * 2));
  return s;
}

/** Per-rule engagement points after steps 1–4; `latest` is each rule's newest counted event time. */
function engagementTotals(events: readonly EngagementEvent[], model: ScoringModel, atMs: number): Scratch {
  const n = events.length;
  const s = scratchFor(model, n);
  const c = model.compiled;
  resetTotals(s);

  // One pass parses each time and counts the event. Period caps need each rule's events in time
  // order, which the canonical lead keeps; if the log turns out to be out of order, start over
  // on a sorted copy of the order rather than trust it.
  const times = s.times;
  let previousMs = Number.NEGATIVE_INFINITY;
  let firstOutOfOrder = -1;
  for (let i = 0; i < n; i++) {
    const e = events[i]!;
    const ms = isoToMillis(e.at);
    times[i] = ms;
    if (ms < previousMs) {
      firstOutOfOrder = i;
      break;
    }
    if (ms === ms) previousMs = ms;
    c.addEvent(e, ms, atMs, s);
  }
  if (firstOutOfOrder >= 0) {
    for (let i = firstOutOfOrder + 1; i < n; i++) times[i] = isoToMillis(events[i]!.at);
    resetTotals(s);
    const time = (i: number) => (times[i] === times[i] ? times[i]! : 0);
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => time(a) - time(b));
    for (const i of order) c.addEvent(events[i]!, times[i]!, atMs, s);
  }

  const { points, bucket, bucketSum } = s;
  for (const rule of c.engagementRules) {
    const r = rule.index;
    if (rule.capPeriod !== null && bucket[r] === bucket[r]) points[r]! += clampAbs(bucketSum[r]!, rule.capPoints);
  }
  for (const group of c.groups) capGroup(group.members, points, group.cap);
  if (c.totalCap !== Number.POSITIVE_INFINITY) capGroup(c.allRules, points, c.totalCap);
  return s;
}

function resetTotals(s: Scratch): void {
  s.points.fill(0);
  s.latest.fill(Number.NEGATIVE_INFINITY);
  s.bucket.fill(Number.NaN);
  s.bucketSum.fill(0);
}

const clampAbs = (x: number, cap: number) => (x > cap ? cap : x < -cap ? -cap : x);

/**
 * Scale the positive points of the rules in `members` so that positives plus negatives is at
 * most `cap`. Negative points are never scaled: a penalty stays a penalty.
 */
function capGroup(members: Int32Array, points: Float64Array, cap: number): void {
  let positive = 0;
  let negative = 0;
  for (let i = 0; i < members.length; i++) {
    const p = points[members[i]!]!;
    if (p > 0) positive += p;
    else negative += p;
  }
  if (positive + negative <= cap || positive <= 0) return;
  const factor = Math.max(0, cap - negative) / positive;
  for (let i = 0; i < members.length; i++) {
    const r = members[i]!;
    if (points[r]! > 0) points[r]! *= factor;
  }
}
