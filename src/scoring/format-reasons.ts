import type { Contribution } from '../qualification/qualification.schema.js';

/** CRM single-line text fields (HubSpot, Salesforce Text(255)) hold 255 characters. */
export const REASONS_MAX_LENGTH = 255;

/**
 * The top three positive and top two negative contributions as one short line a salesperson can
 * read in the CRM: "+ VP-level title; + demo request (2d ago); − free-mail address". A
 * disqualifier comes first. Ties break on rule id, so the text is the same on every run. When the
 * text is longer than 255 characters, items are dropped from the end until it fits.
 *
 * Written without sorting or intermediate arrays because it runs for every lead scored.
 */
export function formatReasons(contributions: readonly Contribution[], disqualifiedLabel: string | null): string {
  let p1: Contribution | null = null;
  let p2: Contribution | null = null;
  let p3: Contribution | null = null;
  let n1: Contribution | null = null;
  let n2: Contribution | null = null;
  for (const c of contributions) {
    if (c.points > 0) {
      if (p1 === null || before(c, p1)) {
        p3 = p2;
        p2 = p1;
        p1 = c;
      } else if (p2 === null || before(c, p2)) {
        p3 = p2;
        p2 = c;
      } else if (p3 === null || before(c, p3)) {
        p3 = c;
      }
    } else if (c.points < 0) {
      // For penalties "before" means more negative: compare the negated points.
      if (n1 === null || beforeNegative(c, n1)) {
        n2 = n1;
        n1 = c;
      } else if (n2 === null || beforeNegative(c, n2)) {
        n2 = c;
      }
    }
  }
  let text = disqualifiedLabel === null ? '' : `✗ disqualified: ${disqualifiedLabel}`;
  if (p1 !== null) text = append(text, '+ ', p1.label);
  if (p2 !== null) text = append(text, '+ ', p2.label);
  if (p3 !== null) text = append(text, '+ ', p3.label);
  if (n1 !== null) text = append(text, '− ', n1.label);
  if (n2 !== null) text = append(text, '− ', n2.label);
  if (text === '') return 'no scoring signals yet';
  return text.length <= REASONS_MAX_LENGTH ? text : shorten(text);
}

const append = (text: string, sign: string, label: string) => (text === '' ? sign + label : `${text}; ${sign}${label}`);

/** Drop items from the end until the text fits; a single item too long is cut with "…". */
function shorten(text: string): string {
  const items = text.split('; ');
  while (items.length > 1 && items.join('; ').length > REASONS_MAX_LENGTH) items.pop();
  const kept = items.join('; ');
  return kept.length <= REASONS_MAX_LENGTH ? kept : `${kept.slice(0, REASONS_MAX_LENGTH - 1)}…`;
}

/** Larger points first; equal points by rule id. */
const before = (a: Contribution, b: Contribution) => a.points > b.points || (a.points === b.points && a.ruleId < b.ruleId);
/** More negative points first; equal points by rule id. */
const beforeNegative = (a: Contribution, b: Contribution) => a.points < b.points || (a.points === b.points && a.ruleId < b.ruleId);
