import type { Lead } from '../canonical/lead.schema.js';
import { leadValueSource, pathHelpers, type LeadValue } from './lead-paths.js';
import type { ConditionSpec } from './scoring-model.schema.js';

/**
 * Turns validated conditions into JavaScript functions, once per model load.
 *
 * Why generated code rather than a tree of closures: a model has dozens of rules, and a closure
 * per rule, per operator and per path means several indirect calls per rule per lead, at 200,000
 * leads a second. Generated code reads each path as a plain property access and lets V8 inline
 * everything. Nothing from the model file becomes code: paths come from a fixed list (attribute
 * names and all values are embedded as JSON literals), and sets and regexes are passed in as
 * constants (`k[i]`), never as source.
 *
 * Semantics: missing values (null, undefined, blank text) never satisfy a comparison, not even
 * `ne` or `not_in`: a lead whose industry is unknown must not earn "not a competitor industry"
 * points. Use `missing` / `present`, or wrap a comparison in `not`, to act on a missing value on
 * purpose. Numeric comparisons accept numeric text (CSV attributes arrive as text); `eq` with a
 * number accepts it too. Text comparisons are exact (use `matches` with ignoreCase for case).
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

/** Helpers the generated code calls (`h.*`). */
const helpers = {
  ...pathHelpers,
  isMissing,
  num: toNumber,
  /** "12" from a CSV equals 12 in the model; nothing else is coerced. */
  eqNum: (actual: LeadValue, expected: number) => actual === expected || (typeof actual === 'string' && toNumber(actual) === expected),
  memberWithNumbers: (set: ReadonlySet<unknown>, actual: LeadValue) => set.has(actual) || (typeof actual === 'string' && set.has(toNumber(actual))),
  matches: (regex: RegExp, actual: LeadValue) => (typeof actual === 'string' || typeof actual === 'number') && !isMissing(actual) && regex.test(String(actual)),
};

/** Collects generated leaf tests and constants for one generated function. */
export class ConditionCompiler {
  private readonly constants: unknown[] = [];
  private readonly prelude: string[] = [];

  /** Index of a constant the generated code reads as `k[i]`. */
  constant(value: unknown): number {
    this.constants.push(value);
    return this.constants.length - 1;
  }

  /** A boolean JavaScript expression over the lead `l`. */
  source(c: ConditionSpec): string {
    if (c.all !== undefined) return `(${c.all.map((p) => this.source(p)).join(' && ')})`;
    if (c.any !== undefined) return `(${c.any.map((p) => this.source(p)).join(' || ')})`;
    if (c.not !== undefined) return `!${this.source(c.not)}`;
    if (c.path === undefined) throw new Error('condition without path passed validation');
    // One small function per leaf: the path is read once, and V8 inlines the call.
    const name = `t${this.prelude.length}`;
    this.prelude.push(`function ${name}(v) { return ${this.leafTests(c).join(' && ')}; }`);
    return `${name}(${leadValueSource(c.path)})`;
  }

  private leafTests(c: ConditionSpec): string[] {
    const tests: string[] = [];
    const eq = (expected: string | number | boolean) => (typeof expected === 'number' ? `h.eqNum(v, ${literal(expected)})` : `v === ${literal(expected)}`);
    const member = (values: (string | number | boolean)[]) => {
      const set = this.constant(new Set(values));
      return values.some((v) => typeof v === 'number') ? `h.memberWithNumbers(k[${set}], v)` : `k[${set}].has(v)`;
    };
    if (c.missing) tests.push('h.isMissing(v)');
    if (c.present) tests.push('!h.isMissing(v)');
    if (c.eq !== undefined) tests.push(eq(c.eq));
    if (c.ne !== undefined) tests.push(`!h.isMissing(v) && !(${eq(c.ne)})`);
    if (c.gt !== undefined) tests.push(`h.num(v) > ${literal(c.gt)}`);
    if (c.gte !== undefined) tests.push(`h.num(v) >= ${literal(c.gte)}`);
    if (c.lt !== undefined) tests.push(`h.num(v) < ${literal(c.lt)}`);
    if (c.lte !== undefined) tests.push(`h.num(v) <= ${literal(c.lte)}`);
    if (c.in !== undefined) tests.push(member(c.in));
    if (c.not_in !== undefined) tests.push(`!h.isMissing(v) && !${member(c.not_in)}`);
    if (c.matches !== undefined) tests.push(`h.matches(k[${this.constant(new RegExp(c.matches, c.ignoreCase ? 'i' : ''))}], v)`);
    return tests;
  }

  /** Build a function from `body`, which may use `l`-expressions from `source`, `h` and `k`. */
  build<F>(params: string, body: string): F {
    const code = `'use strict';\n${this.prelude.join('\n')}\nreturn function generated(${params}) {\n${body}\n};`;
    return new Function('h', 'k', code)(helpers, this.constants) as F;
  }
}

/** A JavaScript literal for a validated scalar (JSON is valid JavaScript for these). */
function literal(value: string | number | boolean): string {
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
  return JSON.stringify(value);
}

export function compileCondition(c: ConditionSpec): LeadPredicate {
  const compiler = new ConditionCompiler();
  const expression = compiler.source(c);
  return compiler.build<LeadPredicate>('l', `return ${expression};`);
}
