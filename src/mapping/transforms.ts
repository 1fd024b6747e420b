import { companyDomain, domainFromBusinessEmail, domainFromUrl } from '../canonical/company-domain.js';
import { titleDepartment, titleSeniority, type TitleDictionary } from '../canonical/job-title.js';
import { cleanScalar } from '../canonical/missing-value.js';
import { normalizeCountry } from '../canonical/normalize-country.js';
import { normalizeEmail } from '../canonical/normalize-email.js';
import { parseBoolean, parseDate, parseNumber } from '../canonical/parse-number.js';
import type { TransformName } from './mapping.schema.js';

export type MappedValue = string | number | boolean | null;

export interface TransformContext {
  titles: TitleDictionary;
}

type Transform = (value: MappedValue, ctx: TransformContext) => MappedValue;

const onText = (f: (s: string) => MappedValue): Transform => (v) => (typeof v === 'string' ? f(v) : v);

/**
 * The fixed set of transforms a mapping file may name (the names are the z.enum in
 * mapping.schema.ts, so a typo fails at load). Each takes a cleaned value and never throws: a value
 * it can't read becomes null (missing), which scores nothing.
 */
export const TRANSFORMS: Record<TransformName, Transform> = {
  trim: onText((s) => cleanScalar(s)),
  lowercase: onText((s) => s.toLowerCase()),
  uppercase: onText((s) => s.toUpperCase()),
  /** "1,000" → 1000; "51-200" → 126 (midpoint); see parseNumber. */
  number: (v) => parseNumber(v),
  /** A number rounded to the nearest integer. */
  integer: (v) => {
    const n = parseNumber(v);
    return n === null ? null : Math.round(n);
  },
  /** yes/no, true/false, 1/0, counts > 0 → true. */
  boolean: (v) => parseBoolean(v),
  /** The opposite yes/no ("Do Not Email: No" → opted in). */
  not: (v) => {
    const b = parseBoolean(v);
    return b === null ? null : !b;
  },
  /** ISO-8601 instant (UTC) from ISO text or epoch milliseconds. */
  date: (v) => parseDate(v),
  /** Trimmed lower-case address (an invalid one is kept; the lead flags it). */
  email: (v) => normalizeEmail(v).email,
  title_seniority: (v, ctx) => titleSeniority(v, ctx.titles),
  title_department: (v, ctx) => titleDepartment(v, ctx.titles),
  domain_from_url: (v) => domainFromUrl(v),
  /** Company domain of a business address; null for free-mail and disposable addresses. */
  domain_from_email: (v) => domainFromBusinessEmail(v),
  /** Text with "@" as a business email, else as a website. */
  company_domain: (v) => companyDomain(v),
  /** ISO alpha-2 where recognised, else the cleaned text. */
  country: (v) => normalizeCountry(v),
};

export function applyTransforms(value: MappedValue, names: readonly TransformName[] | undefined, ctx: TransformContext): MappedValue {
  let v = value;
  for (const name of names ?? []) {
    if (v === null) return null;
    v = TRANSFORMS[name](v, ctx);
  }
  return v;
}
