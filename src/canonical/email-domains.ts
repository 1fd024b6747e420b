import { createRequire } from 'node:module';

/**
 * Free-mail and disposable-mail domain lists come from maintained packages, not from a list we
 * keep by hand: `email-providers` (all.json: webmail providers people use privately) and
 * `disposable-email-domains` (index.json: throwaway domains; wildcard.json: every subdomain of
 * these is disposable too).
 */
const require = createRequire(import.meta.url);
const FREE_MAIL = new Set<string>(require('email-providers/all.json') as string[]);
const DISPOSABLE = new Set<string>(require('disposable-email-domains') as string[]);
// Every subdomain of these is disposable: a Set looked up by each of the domain's label suffixes
// (a few lookups per address instead of a scan of ~400 suffixes, which a backfill paid per contact).
const DISPOSABLE_WILDCARD = new Set<string>(require('disposable-email-domains/wildcard.json') as string[]);

export function isFreeMailDomain(domain: string): boolean {
  return FREE_MAIL.has(domain.toLowerCase());
}

export function isDisposableDomain(domain: string): boolean {
  const d = domain.toLowerCase();
  if (DISPOSABLE.has(d)) return true;
  // d itself, then what follows each dot: exactly the w for which d === w or d ends with `.${w}`.
  for (let at = -1; ; ) {
    if (DISPOSABLE_WILDCARD.has(at < 0 ? d : d.slice(at + 1))) return true;
    at = d.indexOf('.', at + 1);
    if (at < 0) return false;
  }
}
