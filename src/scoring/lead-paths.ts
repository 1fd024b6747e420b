import type { Lead } from '../canonical/lead.schema.js';

/**
 * The canonical lead paths a scoring rule may read. Each path is a small JavaScript expression
 * over the lead `l` (and the helpers `h` below); the compiler (compile-condition.ts) pastes these
 * expressions into the functions it generates, so scoring a lead never parses a path.
 * `attributes.<name>` is free (dataset- and tenant-specific fields); everything else must be
 * listed here, so a typo such as `person.senority` fails when the model loads.
 */

export type LeadValue = string | number | boolean | null | undefined;
export type LeadAccessor = (lead: Lead) => LeadValue;

/** Helpers the generated expressions call; plain functions, no state. */
export const pathHelpers = {
  /** The part of the email after "@" (competitor lists match on it even without a website). */
  emailDomain(l: Lead): LeadValue {
    const email = l.email;
    if (email === null) return null;
    const at = email.lastIndexOf('@');
    return at < 0 ? null : email.slice(at + 1);
  },
  /** A BANT path reads the signal's value; `present` / `missing` then say whether it is known. */
  bant(signal: { value: string | number | boolean } | null): LeadValue {
    return signal === null ? null : signal.value;
  },
  /** How many of budget, authority, need and timeline are known (0–4). */
  bantKnown(l: Lead): number {
    const b = l.bant;
    return (b.budget === null ? 0 : 1) + (b.authority === null ? 0 : 1) + (b.need === null ? 0 : 1) + (b.timeline === null ? 0 : 1);
  },
};

const SOURCES: Record<string, string> = {
  email: 'l.email',
  emailValid: 'l.emailValid',
  emailFreeMail: 'l.emailFreeMail',
  emailDisposable: 'l.emailDisposable',
  emailDomain: 'h.emailDomain(l)',
  'person.firstName': 'l.person.firstName',
  'person.lastName': 'l.person.lastName',
  'person.jobTitle': 'l.person.jobTitle',
  'person.seniority': 'l.person.seniority',
  'person.department': 'l.person.department',
  'company.name': 'l.company.name',
  'company.domain': 'l.company.domain',
  'company.employees': 'l.company.employees',
  'company.industry': 'l.company.industry',
  'company.annualRevenue': 'l.company.annualRevenue',
  'company.country': 'l.company.country',
  'bant.budget': 'h.bant(l.bant.budget)',
  'bant.authority': 'h.bant(l.bant.authority)',
  'bant.need': 'h.bant(l.bant.need)',
  'bant.timeline': 'h.bant(l.bant.timeline)',
  bantKnown: 'h.bantKnown(l)',
  'consent.optedOut': 'l.consent.optedOut',
  'consent.bounced': 'l.consent.bounced',
  'consent.doNotCall': 'l.consent.doNotCall',
};

export const KNOWN_LEAD_PATHS: readonly string[] = [...Object.keys(SOURCES), 'attributes.*'];

export function isKnownLeadPath(path: string): boolean {
  return Object.hasOwn(SOURCES, path) || (path.startsWith('attributes.') && path.length > 'attributes.'.length);
}

/**
 * The JavaScript expression that reads `path` from a lead named `l`. Attribute names are
 * embedded as JSON string literals, so no file content ever becomes code.
 */
export function leadValueSource(path: string): string {
  if (Object.hasOwn(SOURCES, path)) return SOURCES[path]!;
  if (!path.startsWith('attributes.')) throw new Error(`unknown lead path "${path}"`);
  return `l.attributes[${JSON.stringify(path.slice('attributes.'.length))}]`;
}

/** A function reading one path; call only with a path `isKnownLeadPath` accepted. */
export function leadAccessor(path: string): LeadAccessor {
  return new Function('h', `'use strict'; return function read(l) { return ${leadValueSource(path)}; };`)(pathHelpers) as LeadAccessor;
}
