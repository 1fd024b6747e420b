/**
 * Salesforce record ids: a 3-character key prefix (00Q Lead, 003 Contact, 001 Account, 00T Task,
 * 00U Event, 701 Campaign, 00v CampaignMember, 00D org, 005 user, 750 bulk job, 04l
 * notification), 12 more characters, and the 3-character case-safe suffix Salesforce appends to
 * make the 18-character form (one character per 5-character chunk, encoding which letters are
 * upper-case).
 */

const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

export function to18(id15: string): string {
  if (id15.length !== 15) throw new Error(`not a 15-character id: ${id15}`);
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15[chunk * 5 + i]!;
      if (c >= 'A' && c <= 'Z') bits |= 1 << i;
    }
    suffix += SUFFIX_ALPHABET[bits];
  }
  return id15 + suffix;
}

/** Sequential ids: the counter is zero-padded digits, so string order is creation order. */
export function makeId(prefix: string, n: number, pod = '5g'): string {
  return to18(`${prefix}${pod}${String(n).padStart(10, '0')}`);
}
