/**
 * Values a form or CRM uses to say "nobody answered". They are treated as missing, never as a
 * category: a model must not give points for "Select" (the X Education form default) or "N/A".
 */
const MISSING_MARKERS = new Set([
  '',
  'select',
  '-- select --',
  'please select',
  'n/a',
  'na',
  'n.a.',
  '-',
  '--',
  'none',
  'null',
  'undefined',
  'unknown',
  'not provided',
  'not specified',
  '?',
]);

/** True when a raw value carries no information (null, undefined, blank or a missing marker). */
export function isMissing(raw: unknown): boolean {
  if (raw === null || raw === undefined) return true;
  if (typeof raw === 'number') return !Number.isFinite(raw);
  if (typeof raw === 'string') return MISSING_MARKERS.has(raw.trim().toLowerCase());
  return false;
}

/**
 * Cleans one scalar: strings are trimmed with inner whitespace collapsed; missing markers become
 * null. Numbers and booleans pass through. Anything else (objects, arrays) is not a scalar → null.
 */
export function cleanScalar(raw: unknown): string | number | boolean | null {
  if (typeof raw === 'string') {
    // isMissing's test, with one trim; the collapse only when there is something to collapse
    // (a whitespace other than a space, or two in a row): a backfill cleans ~40 values a contact.
    const t = raw.trim();
    if (MISSING_MARKERS.has(t.toLowerCase())) return null;
    return /[^\S ]| {2}/.test(t) ? t.replace(/\s+/g, ' ') : t;
  }
  if (isMissing(raw)) return null;
  if (typeof raw === 'number' || typeof raw === 'boolean') return raw;
  return null;
}

/** Cleans a value that must be text: numbers and booleans are written out, missing → null. */
export function cleanText(raw: unknown): string | null {
  const v = cleanScalar(raw);
  return v === null ? null : String(v);
}
