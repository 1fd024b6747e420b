import { parse } from 'tldts';
import { cleanText } from './missing-value.js';
import { normalizeEmail } from './normalize-email.js';

/**
 * The registrable domain of a website, public-suffix aware (tldts):
 * "https://www.shop.example.co.uk/x" → "example.co.uk". A bare host ("acme.com") works too.
 * IP addresses, "localhost", hosts under no ICANN suffix ("www.acme") and text that is no host
 * at all → null.
 */
export function domainFromUrl(raw: unknown): string | null {
  const text = cleanText(raw);
  if (text === null || /\s/.test(text)) return null;
  const parsed = parse(text);
  if (parsed.isIp || parsed.isIcann !== true || !parsed.domain) return null;
  return parsed.domain.toLowerCase();
}

/**
 * The company domain behind a business email: null for invalid, free-mail (gmail.com) and
 * disposable (mailinator.com) addresses, which say nothing about an employer.
 */
export function domainFromBusinessEmail(raw: unknown): string | null {
  const e = normalizeEmail(raw);
  if (!e.valid || e.freeMail || e.disposable || e.domain === null) return null;
  return domainFromUrl(e.domain);
}

/** Either input: text with an "@" is read as an email, anything else as a website. */
export function companyDomain(raw: unknown): string | null {
  const text = cleanText(raw);
  if (text === null) return null;
  return text.includes('@') ? domainFromBusinessEmail(text) : domainFromUrl(text);
}
