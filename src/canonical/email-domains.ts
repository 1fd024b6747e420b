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
const DISPOSABLE_WILDCARD = require('disposable-email-domains/wildcard.json') as string[];

export function isFreeMailDomain(domain: string): boolean {
  return FREE_MAIL.has(domain.toLowerCase());
}

export function isDisposableDomain(domain: string): boolean {
  const d = domain.toLowerCase();
  if (DISPOSABLE.has(d)) return true;
  return DISPOSABLE_WILDCARD.some((w) => d === w || d.endsWith(`.${w}`));
}
