import { describe, expect, test } from '@jest/globals';
import { READ_AHEAD_PAGES } from '../../../connectors/hubspot/hubspot-poll.js';
import { fakeSearch } from './fake-search.js';
import { contact, context, nockAccount, useHubSpotKit } from './hubspot-test-kit.js';

/**
 * Searches run ahead of a slow caller (so the search budget, not the caller's processing, sets a
 * backfill's pace), but only so far: at most READ_AHEAD_PAGES pages wait in memory.
 */

const NOW = Date.parse('2026-11-27T10:00:00Z');
const FAST_SEARCH = { search: { max: 1000, windowMs: 1000 } };
const PROPS = { properties: ['email'], historyProperties: [] };
const at = new Date(NOW - 30 * 60_000).toISOString();
const many = (n: number) => Array.from({ length: n }, (_, i) => contact(1 + i, { email: `c${1 + i}@acme.io` }, at));
const settle = async (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('HubSpot polling: read-ahead', () => {
  const kit = useHubSpotKit();

  test('when the caller is still busy with the first page, then the next pages are searched meanwhile, up to the read-ahead limit, and yielded in order', async () => {
    nockAccount();
    const fake = fakeSearch(many(200 * 8));
    const connector = kit.connector({ ...PROPS, limits: FAST_SEARCH, now: () => NOW, historyMode: 'none' });
    const pages = connector.people.poll(context(), null, { full: true })[Symbol.asyncIterator]();
    const first = await pages.next();
    expect(first.done).toBe(false);
    await settle(500); // the caller "processes" page 1
    expect(fake.searches).toHaveLength(1 + READ_AHEAD_PAGES);
    const ids: string[] = [];
    for (let step = first; !step.done; step = await pages.next()) ids.push(step.value.records[0]!.recordId);
    expect(ids).toEqual(['1', '201', '401', '601', '801', '1001', '1201', '1401']);
    expect(fake.searches).toHaveLength(8);
  });

  test('when the caller stops after one page, then no search is sent beyond the pages already read ahead', async () => {
    nockAccount();
    const fake = fakeSearch(many(200 * 8));
    const connector = kit.connector({ ...PROPS, limits: FAST_SEARCH, now: () => NOW, historyMode: 'none' });
    const pages = connector.people.poll(context(), null, { full: true })[Symbol.asyncIterator]();
    await pages.next();
    await pages.return!(undefined);
    await settle(300);
    expect(fake.searches.length).toBeLessThanOrEqual(1 + READ_AHEAD_PAGES);
  });
});
