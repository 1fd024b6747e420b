import { z } from 'zod';
import { isDisposableDomain, isFreeMailDomain } from './email-domains.js';
import { cleanText } from './missing-value.js';

export interface NormalizedEmail {
  /** Trimmed, lower-case address; null when nothing was given. An invalid address is kept. */
  email: string | null;
  valid: boolean;
  freeMail: boolean;
  disposable: boolean;
  /** Domain part of a valid address, else null. */
  domain: string | null;
}

const EmailSchema = z.email();

/**
 * Normalises an email address. Bad input is flagged (`valid: false`), never thrown: a CRM holds
 * typos such as "jane@@acme" and the lead must still be scored. Display forms such as
 * "Jane <jane@acme.com>" and a "mailto:" prefix are unwrapped first.
 */
export function normalizeEmail(raw: unknown): NormalizedEmail {
  const text = cleanText(raw);
  if (text === null) return { email: null, valid: false, freeMail: false, disposable: false, domain: null };
  const unwrapped = (/<([^<>]+)>\s*$/.exec(text)?.[1] ?? text).replace(/^mailto:/i, '');
  const email = unwrapped.trim().toLowerCase();
  const valid = EmailSchema.safeParse(email).success;
  if (!valid) return { email, valid: false, freeMail: false, disposable: false, domain: null };
  const domain = email.slice(email.lastIndexOf('@') + 1);
  return { email, valid, freeMail: isFreeMailDomain(domain), disposable: isDisposableDomain(domain), domain };
}
