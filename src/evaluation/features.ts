import type { Lead } from '../canonical/lead.schema.js';
import { compileCondition, isMissing } from '../scoring/compile-condition.js';
import { leadAccessor, type LeadValue } from '../scoring/lead-paths.js';
import type { ConditionSpec } from '../scoring/scoring-model.schema.js';

/**
 * Candidate features for weight learning: readable conditions on one lead field each, chosen from
 * the training leads only so held-out data never shapes them.
 *
 * A feature is written in the scoring model's own condition language and tested with the scoring
 * model's own compiler. That is the point: a learned weight becomes a fit rule with exactly the
 * same meaning, so the written YAML ranks leads the way the fitted model did.
 */

export interface Feature {
  /** Rule id in the written model, e.g. "lead_origin.lead_add_form". */
  id: string;
  /** Plain words for reasons and reviewers, e.g. "Lead Origin: Lead Add Form". */
  label: string;
  when: ConditionSpec;
}

export interface FeatureOptions {
  /** A condition must hold (and must not hold) for at least this many training leads. */
  minSupport: number;
  /** Up to this many quantile bins per numeric field. */
  numericBins: number;
}

/**
 * The canonical paths a learned fit rule may read. Identity fields (email, names, company name or
 * domain, free-text title) are left out on purpose: they identify a person, they don't describe one.
 */
export const LEARNABLE_PATHS = [
  'emailValid',
  'emailFreeMail',
  'emailDisposable',
  'person.seniority',
  'person.department',
  'company.employees',
  'company.industry',
  'company.annualRevenue',
  'company.country',
  'bantKnown',
  'consent.optedOut',
  'consent.bounced',
  'consent.doNotCall',
] as const;

/** The learnable paths present in these leads: the fixed ones plus every attribute seen. */
export function learnablePaths(leads: readonly Lead[]): string[] {
  const attributes = new Set<string>();
  for (const l of leads) for (const k of Object.keys(l.attributes)) attributes.add(`attributes.${k}`);
  return [...LEARNABLE_PATHS, ...[...attributes].sort()];
}

/** Numeric text counts as a number, exactly as the scoring model's comparisons read it. */
function asNumber(v: LeadValue): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/**
 * Cut points at the q-quantiles of the values, deduplicated: a field where 40 % of leads have 0
 * gets one bin for 0 instead of four identical ones. Integer data is cut at integers so the rule
 * reads naturally ("3 to under 5"); otherwise halfway between neighbouring distinct values.
 */
export function quantileCuts(values: readonly number[], bins: number): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const cuts: number[] = [];
  for (let q = 1; q < bins; q++) {
    const at = sorted[Math.floor((q * sorted.length) / bins)];
    if (at === undefined) continue;
    // Cut just above the value at the quantile so that value's whole mass point lands in one bin.
    const above = sorted.find((v) => v > at);
    if (above === undefined) continue;
    const cut = Number.isInteger(at) && Number.isInteger(above) ? at + 1 : Number(((at + above) / 2).toPrecision(6));
    if (cuts.length === 0 || cut > cuts[cuts.length - 1]) cuts.push(cut);
  }
  return cuts.filter((c) => c > sorted[0]);
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '') || 'x';

/** Plain names for the canonical paths; attributes are named after themselves. */
const PATH_NAMES: Record<string, string> = {
  emailValid: 'Valid email address',
  emailFreeMail: 'Free-mail address',
  emailDisposable: 'Disposable email address',
  'person.seniority': 'Seniority',
  'person.department': 'Department',
  'company.employees': 'Employees',
  'company.industry': 'Industry',
  'company.annualRevenue': 'Annual revenue',
  'company.country': 'Country',
  bantKnown: 'BANT signals known',
  'consent.optedOut': 'Opted out of email',
  'consent.bounced': 'Email bounced',
  'consent.doNotCall': 'Do not call',
};

/** "attributes.total_visits" → "Total visits"; "consent.optedOut" → "Opted out of email". */
export function fieldName(path: string): string {
  if (PATH_NAMES[path] !== undefined) return PATH_NAMES[path];
  const words = path.replace(/^attributes\./, '').replace(/[._]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const numberText = (n: number) => String(n);

/** The one-field candidates for `path`: each frequent value or quantile bin, and "unknown". */
function fieldFeatures(path: string, values: readonly LeadValue[], options: FeatureOptions): Array<Omit<Feature, 'id'> & { idTail: string }> {
  const n = values.length;
  const frequentEnough = (count: number) => count >= options.minSupport && count <= n - options.minSupport;
  const out: Array<Omit<Feature, 'id'> & { idTail: string }> = [];
  const name = fieldName(path);

  const missing = values.filter(isMissing).length;
  if (frequentEnough(missing)) out.push({ idTail: 'missing', label: `${name} unknown`, when: { path, missing: true } });
  const present = values.filter((v) => !isMissing(v));
  if (present.length === 0) return out;

  if (present.every((v) => typeof v === 'boolean')) {
    const trues = present.filter((v) => v === true).length;
    if (frequentEnough(trues)) out.push({ idTail: 'yes', label: name, when: { path, eq: true } });
    return out;
  }

  const numbers = present.map(asNumber);
  if (numbers.every((v) => v !== null)) {
    const nums = numbers as number[];
    const edges: Array<number | null> = [null, ...quantileCuts(nums, options.numericBins), null];
    // Walk the bins low to high, merging a bin below minSupport into the next one.
    let lo: number | null = null;
    let count = 0;
    const bins: Array<{ lo: number | null; hi: number | null }> = [];
    for (let i = 0; i + 1 < edges.length; i++) {
      const a = edges[i];
      const b = edges[i + 1];
      count += nums.filter((v) => (a === null || v >= a) && (b === null || v < b)).length;
      if (count >= options.minSupport) {
        bins.push({ lo, hi: b });
        lo = b;
        count = 0;
      }
    }
    // A thin top bin joins the one below it.
    if (count > 0 && bins.length > 0) bins[bins.length - 1].hi = null;
    if (bins.length < 2) return out; // one bin for all present values says nothing "unknown" doesn't
    for (const { lo: a, hi: b } of bins) {
      const when: ConditionSpec = { path };
      if (a !== null) when.gte = a;
      if (b !== null) when.lt = b;
      if (a === null) out.push({ idTail: `lt_${slug(numberText(b!))}`, label: `${name} under ${b}`, when });
      else if (b === null) out.push({ idTail: `gte_${slug(numberText(a))}`, label: `${name} ${a} or more`, when });
      else out.push({ idTail: `${slug(numberText(a))}_to_${slug(numberText(b))}`, label: `${name} ${a} to under ${b}`, when });
    }
    return out;
  }

  // Categorical: one feature per value frequent enough, most frequent first (ties by text).
  const counts = new Map<string | number | boolean, number>();
  for (const v of present) counts.set(v as string | number | boolean, (counts.get(v as string | number | boolean) ?? 0) + 1);
  const ordered = [...counts.entries()].sort((a, b) => b[1] - a[1] || (String(a[0]) < String(b[0]) ? -1 : 1));
  // A yes/no field answered by everyone needs one rule, not two mirror images: keep the rarer value.
  const binary = ordered.length === 2 && missing === 0;
  for (const [value, count] of binary ? ordered.slice(1) : ordered) {
    // Canonical enum values read as words ("individual contributor"); attribute values stay as the source wrote them.
    const shown = path.startsWith('attributes.') ? String(value) : String(value).replace(/_/g, ' ');
    if (frequentEnough(count)) out.push({ idTail: slug(String(value)), label: `${name}: ${shown}`, when: { path, eq: value } });
  }
  return out;
}

/**
 * Build the candidate features from training leads. Paths are taken in sorted order so the
 * feature list (and therefore the fit) is deterministic whatever order the keys arrived in.
 */
export function buildFeatures(leads: readonly Lead[], options: FeatureOptions, paths = learnablePaths(leads)): Feature[] {
  const features: Feature[] = [];
  const used = new Set<string>();
  for (const path of paths) {
    const read = leadAccessor(path);
    const values = leads.map(read);
    const head = slug(path.replace(/^attributes\./, ''));
    for (const f of fieldFeatures(path, values, options)) {
      let id = `${head}.${f.idTail}`;
      for (let k = 2; used.has(id); k++) id = `${head}.${f.idTail}_${k}`;
      used.add(id);
      features.push({ id, label: f.label, when: f.when });
    }
  }
  return features;
}

/** Compile features once; the result turns a lead into the indices of the features it satisfies. */
export function featureEncoder(features: readonly Feature[]): (lead: Lead) => number[] {
  const tests = features.map((f) => compileCondition(f.when));
  return (lead) => {
    const active: number[] = [];
    for (let i = 0; i < tests.length; i++) if (tests[i](lead)) active.push(i);
    return active;
  };
}
