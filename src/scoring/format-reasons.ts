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
  const positive = contributions.filter((c) => c.points > 0).sort((a, b) => b.points - a.points || order(a, b));
  const negative = contributions.filter((c) => c.points < 0).sort((a, b) => a.points - b.points || order(a, b));
  const items: string[] = [];
  if (disqualifiedLabel !== null) items.push(`✗ disqualified: ${disqualifiedLabel}`);
  for (const c of positive.slice(0, TOP_POSITIVE)) items.push(`+ ${c.label}`);
  for (const c of negative.slice(0, TOP_NEGATIVE)) items.push(`− ${c.label}`);
  if (items.length === 0) return 'no scoring signals yet';

  while (items.length > 1 && items.join('; ').length > REASONS_MAX_LENGTH) items.pop();
  const text = items.join('; ');
  return text.length <= REASONS_MAX_LENGTH ? text : `${text.slice(0, REASONS_MAX_LENGTH - 1)}…`;
}

/** Ties break on rule id so the text is the same on every run. */
const order = (a: Contribution, b: Contribution) => (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0);
