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
  const items: string[] = [];
  if (disqualifiedLabel !== null) items.push(`✗ disqualified: ${disqualifiedLabel}`);
  if (p1 !== null) items.push(`+ ${p1.label}`);
  if (p2 !== null) items.push(`+ ${p2.label}`);
  if (p3 !== null) items.push(`+ ${p3.label}`);
  if (n1 !== null) items.push(`− ${n1.label}`);
  if (n2 !== null) items.push(`− ${n2.label}`);
  if (items.length === 0) return 'no scoring signals yet';

  let text = items.join('; ');
  while (items.length > 1 && text.length > REASONS_MAX_LENGTH) {
    items.pop();
    text = items.join('; ');
  }
  return text.length <= REASONS_MAX_LENGTH ? text : `${text.slice(0, REASONS_MAX_LENGTH - 1)}…`;
}

/** Larger points first; equal points by rule id. */
const before = (a: Contribution, b: Contribution) => a.points > b.points || (a.points === b.points && a.ruleId < b.ruleId);
/** More negative points first; equal points by rule id. */
const beforeNegative = (a: Contribution, b: Contribution) => a.points < b.points || (a.points === b.points && a.ruleId < b.ruleId);
