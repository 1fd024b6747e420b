import type { Lead } from '../canonical/lead.schema.js';

/**
 * The canonical lead paths a scoring rule may read, each compiled once into an accessor so that
 * scoring a lead never parses a path. `attributes.<name>` is free (dataset- and tenant-specific
 * fields); everything else must be listed here, so a typo such as `person.senority` fails when the
 * model loads instead of silently never matching.
 */

export type LeadValue = string | number | boolean | null | undefined;
export type LeadAccessor = (lead: Lead) => LeadValue;

const bantValue = (signal: { value: string | number | boolean } | null): LeadValue => (signal === null ? null : signal.value);

const ACCESSORS: Record<string, LeadAccessor> = {
  email: (l) => l.email,
  emailValid: (l) => l.emailValid,
  emailFreeMail: (l) => l.emailFreeMail,
  emailDisposable: (l) => l.emailDisposable,
  /** Derived: the part of the email after "@" (competitor lists match on it even without a website). */
  emailDomain: (l) => {
    const email = l.email;
    if (email === null) return null;
    const at = email.lastIndexOf('@');
    return at < 0 ? null : email.slice(at + 1);
  },
  'person.firstName': (l) => l.person.firstName,
  'person.lastName': (l) => l.person.lastName,
  'person.jobTitle': (l) => l.person.jobTitle,
  'person.seniority': (l) => l.person.seniority,
  'person.department': (l) => l.person.department,
  'company.name': (l) => l.company.name,
  'company.domain': (l) => l.company.domain,
  'company.employees': (l) => l.company.employees,
  'company.industry': (l) => l.company.industry,
  'company.annualRevenue': (l) => l.company.annualRevenue,
  'company.country': (l) => l.company.country,
  /** BANT paths read the signal's value; `present`/`missing` say whether the signal is known. */
  'bant.budget': (l) => bantValue(l.bant.budget),
  'bant.authority': (l) => bantValue(l.bant.authority),
  'bant.need': (l) => bantValue(l.bant.need),
  'bant.timeline': (l) => bantValue(l.bant.timeline),
  /** Derived: how many of budget, authority, need and timeline are known (0–4). */
  bantKnown: (l) =>
    (l.bant.budget === null ? 0 : 1) +
    (l.bant.authority === null ? 0 : 1) +
    (l.bant.need === null ? 0 : 1) +
    (l.bant.timeline === null ? 0 : 1),
  'consent.optedOut': (l) => l.consent.optedOut,
  'consent.bounced': (l) => l.consent.bounced,
  'consent.doNotCall': (l) => l.consent.doNotCall,
};

export const KNOWN_LEAD_PATHS: readonly string[] = [...Object.keys(ACCESSORS), 'attributes.*'];

export function isKnownLeadPath(path: string): boolean {
  return path in ACCESSORS || (path.startsWith('attributes.') && path.length > 'attributes.'.length);
}

/** Compile a path into an accessor; call only with a path `isKnownLeadPath` accepted. */
export function leadAccessor(path: string): LeadAccessor {
  const known = ACCESSORS[path];
  if (known !== undefined) return known;
  if (!path.startsWith('attributes.')) throw new Error(`unknown lead path "${path}"`);
  const key = path.slice('attributes.'.length);
  return (l) => l.attributes[key];
}
