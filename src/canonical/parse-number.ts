import { cleanScalar } from './missing-value.js';

/**
 * Parses the numbers people and CRMs write into one number, or null when there is none.
 *
 * - thousands separators and currency signs are dropped: "1,000" → 1000, "$2,500.50" → 2500.5;
 *   a dot is always the decimal point (European "1.234,5" is not supported);
 * - k/m/b suffixes scale: "10k" → 10000, "2.5M" → 2500000;
 * - a range stands for its **midpoint, rounded to the nearest integer**: "51-200" → 126,
 *   "10 to 50" → 30 (a picklist like HubSpot's numemployees gives bands, and the midpoint is the
 *   least biased single value for a size rule such as "employees >= 100");
 * - an open range stands for its bound: "1000+", ">1000", "1000 or more" → 1000, "<10" → 10;
 * - anything else ("lots", "Select", "N/A") → null.
 */
export function parseNumber(raw: unknown): number | null {
  const v = cleanScalar(raw);
  if (v === null || typeof v === 'boolean') return null;
  if (typeof v === 'number') return v;

  const text = v.toLowerCase().replace(/[$€£¥₹]|usd|eur|gbp|inr/g, '').replace(/\s+/g, ' ').trim();
  const range = /^(.+?)\s*(?:-|–|—|to)\s*(.+)$/.exec(text);
  if (range && !text.startsWith('-')) {
    const lo = parseSingle(range[1]);
    const hi = parseSingle(range[2]);
    if (lo === null || hi === null) return null;
    return Math.round((lo + hi) / 2);
  }
  const open = /^(?:[<>]=?|up to|under|over|more than|less than)?\s*(.+?)\s*(?:\+|or more|and more|and above|plus)?$/.exec(text);
  return open ? parseSingle(open[1]) : null;
}

function parseSingle(text: string): number | null {
  const m = /^(-?\d[\d,]*(?:\.\d+)?|-?\.\d+)\s*([kmb])?$/.exec(text.trim());
  if (!m) return null;
  const digits = m[1].replace(/,/g, '');
  const n = Number(digits);
  if (!Number.isFinite(n)) return null;
  const scale = m[2] === 'k' ? 1e3 : m[2] === 'm' ? 1e6 : m[2] === 'b' ? 1e9 : 1;
  return n * scale;
}

/**
 * Reads a yes/no answer: true/yes/y/1/on/checked → true, false/no/n/0/off/unchecked → false,
 * other numbers → whether they are above 0 (so a counter such as "emails bounced: 2" reads as
 * "bounced"). Anything else → null.
 */
export function parseBoolean(raw: unknown): boolean | null {
  const v = cleanScalar(raw);
  if (v === null) return null;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v > 0;
  const t = v.toLowerCase();
  if (['true', 'yes', 'y', 'on', 'checked', 'x'].includes(t)) return true;
  if (['false', 'no', 'n', 'off', 'unchecked'].includes(t)) return false;
  const n = Number(t);
  return Number.isFinite(n) ? n > 0 : null;
}

/**
 * Reads an instant as ISO-8601 (UTC, milliseconds): ISO strings with or without a time, and epoch
 * milliseconds (HubSpot writes some timestamps that way, e.g. "1732700000000"). Epoch seconds are
 * not guessed. Anything unparseable → null.
 */
/** The form HubSpot's API and Date.toISOString() give: read straight by Date.parse, as the last rule below would. */
const ISO_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function parseDate(raw: unknown): string | null {
  if (typeof raw === 'string' && raw.length === 24 && ISO_UTC_MS.test(raw)) {
    const ms = Date.parse(raw);
    return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
  }
  const v = cleanScalar(raw);
  if (v === null || typeof v === 'boolean') return null;
  let ms: number;
  if (typeof v === 'number' || /^\d{11,14}$/.test(v)) ms = Number(v);
  else if (/^\d{4}-\d{2}-\d{2}$/.test(v)) ms = Date.parse(`${v}T00:00:00Z`);
  // A date-time without a zone is read as UTC, never as the machine's local time.
  else if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(v)) ms = Date.parse(`${v.replace(' ', 'T')}Z`);
  else if (/^\d{4}-\d{2}-\d{2}T/.test(v)) ms = Date.parse(v);
  else return null;
  if (!Number.isFinite(ms)) return null;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}
