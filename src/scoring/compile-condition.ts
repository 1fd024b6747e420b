import type { Lead } from '../canonical/lead.schema.js';
import { leadAccessor, type LeadValue } from './lead-paths.js';
import type { ConditionSpec } from './scoring-model.schema.js';

/**
 * Turns a validated condition into a closure, once per model load: paths become accessors,
 * regexes are built, `in` lists become Sets. Scoring a lead then only calls functions.
 *
 * Missing values (null, undefined, blank text) never satisfy a comparison, not even `ne` or
 * `not_in`: a lead whose industry is unknown must not earn "not a competitor industry" points.
 * Use `missing` / `present`, or wrap a comparison in `not`, to act on a missing value on purpose.
 * Numeric comparisons accept numeric text (CSV attributes arrive as text).
 */

export type LeadPredicate = (lead: Lead) => boolean;

export function isMissing(value: LeadValue): boolean {
  return value === null || value === undefined || (typeof value === 'string' && value.trim() === '');
}

function toNumber(value: LeadValue): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') return Number(value);
  return Number.NaN;
}

function equals(actual: LeadValue, expected: string | number | boolean): boolean {
  if (actual === expected) return true;
  // "12" from a CSV equals 12 in the model; nothing else is coerced.
  if (typeof expected === 'number' && typeof actual === 'string') return toNumber(actual) === expected;
  return false;
}

function memberOf(values: (string | number | boolean)[]): (actual: LeadValue) => boolean {
  const set = new Set<string | number | boolean>(values);
  const hasNumbers = values.some((v) => typeof v === 'number');
  return (actual) => {
    if (set.has(actual as string | number | boolean)) return true;
    return hasNumbers && typeof actual === 'string' && set.has(toNumber(actual));
  };
}

type ValueTest = (value: LeadValue) => boolean;

function leafTests(c: ConditionSpec): ValueTest[] {
  const tests: ValueTest[] = [];
  const present = (v: LeadValue) => !isMissing(v);
  if (c.missing) tests.push(isMissing);
  if (c.present) tests.push(present);
  if (c.eq !== undefined) {
    const expected = c.eq;
    tests.push((v) => equals(v, expected));
  }
  if (c.ne !== undefined) {
    const expected = c.ne;
    tests.push((v) => present(v) && !equals(v, expected));
  }
  if (c.gt !== undefined) {
    const bound = c.gt;
    tests.push((v) => toNumber(v) > bound);
  }
  if (c.gte !== undefined) {
    const bound = c.gte;
    tests.push((v) => toNumber(v) >= bound);
  }
  if (c.lt !== undefined) {
    const bound = c.lt;
    tests.push((v) => toNumber(v) < bound);
  }
  if (c.lte !== undefined) {
    const bound = c.lte;
    tests.push((v) => toNumber(v) <= bound);
  }
  if (c.in !== undefined) tests.push(memberOf(c.in));
  if (c.not_in !== undefined) {
    const member = memberOf(c.not_in);
    tests.push((v) => present(v) && !member(v));
  }
  if (c.matches !== undefined) {
    const regex = new RegExp(c.matches, c.ignoreCase ? 'i' : '');
    tests.push((v) => (typeof v === 'string' || typeof v === 'number') && present(v) && regex.test(String(v)));
  }
  return tests;
}

export function compileCondition(c: ConditionSpec): LeadPredicate {
  if (c.all !== undefined) {
    const parts = c.all.map(compileCondition);
    return (lead) => {
      for (const part of parts) if (!part(lead)) return false;
      return true;
    };
  }
  if (c.any !== undefined) {
    const parts = c.any.map(compileCondition);
    return (lead) => {
      for (const part of parts) if (part(lead)) return true;
      return false;
    };
  }
  if (c.not !== undefined) {
    const inner = compileCondition(c.not);
    return (lead) => !inner(lead);
  }
  if (c.path === undefined) throw new Error('condition without path passed validation');
  const read = leadAccessor(c.path);
  const tests = leafTests(c);
  if (tests.length === 1) {
    const only = tests[0]!;
    return (lead) => only(read(lead));
  }
  return (lead) => {
    const value = read(lead);
    for (const test of tests) if (!test(value)) return false;
    return true;
  };
}
