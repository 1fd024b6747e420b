import type { Contribution } from '../qualification/qualification.schema.js';

/** CRM single-line text fields (HubSpot, Salesforce Text(255)) hold 255 characters. */
export const REASONS_MAX_LENGTH = 255;
const TOP_POSITIVE = 3;
const TOP_NEGATIVE = 2;

/**
 * The top positive and negative contributions as one short line a salesperson can read in the CRM:
 * "+ VP-level title; + demo request (2d ago); − free-mail address". A disqualifier comes first.
 * Items are dropped from the end (smallest last) until the text fits 255 characters.
 */
export function formatReasons(contributions: readonly Contribution[], disqualifiedLabel: string | null): string {
  // One pass keeping the few largest, instead of filter + sort: this runs for every lead scored.
  const positive: Contribution[] = [];
  const negative: Contribution[] = [];
  for (const c of contributions) {
    if (c.points > 0) keepTop(positive, c, TOP_POSITIVE, largestFirst);
    else if (c.points < 0) keepTop(negative, c, TOP_NEGATIVE, smallestFirst);
  }
  const items: string[] = [];
  if (disqualifiedLabel !== null) items.push(`✗ disqualified: ${disqualifiedLabel}`);
  for (const c of positive) items.push(`+ ${c.label}`);
  for (const c of negative) items.push(`− ${c.label}`);
  if (items.length === 0) return 'no scoring signals yet';

  let text = items.join('; ');
  while (items.length > 1 && text.length > REASONS_MAX_LENGTH) {
    items.pop();
    text = items.join('; ');
  }
  return text.length <= REASONS_MAX_LENGTH ? text : `${text.slice(0, REASONS_MAX_LENGTH - 1)}…`;
}

/** Insert `c` into `top` (kept sorted by `compare`), keeping at most `size` entries. */
function keepTop(top: Contribution[], c: Contribution, size: number, compare: (a: Contribution, b: Contribution) => number): void {
  let i = top.length;
  while (i > 0 && compare(c, top[i - 1]!) < 0) i--;
  if (i >= size) return;
  top.splice(i, 0, c);
  if (top.length > size) top.pop();
}

/** Ties break on rule id so the text is the same on every run. */
const order = (a: Contribution, b: Contribution) => (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0);
const largestFirst = (a: Contribution, b: Contribution) => b.points - a.points || order(a, b);
const smallestFirst = (a: Contribution, b: Contribution) => a.points - b.points || order(a, b);
