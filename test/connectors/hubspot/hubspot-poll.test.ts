import { describe, expect, test } from '@jest/globals';
import type { PollPage } from '../../../src/kit/connector.types.js';
import { PayloadError } from '../../../src/errors/connector-errors.js';
import { needsHistory, type HubSpotCursor } from '../../../connectors/hubspot/hubspot-poll.js';
import { fakeSearch } from './fake-search.js';
import { contact, context, nockAccount, useHubSpotKit } from './hubspot-test-kit.js';

const NOW = Date.parse('2026-11-27T10:00:00Z');
const FAST_SEARCH = { search: { max: 1000, windowMs: 1000 } };
const PROPS = { properties: ['email', 'lifecyclestage', 'recent_conversion_event_name'], historyProperties: ['recent_conversion_event_name'] };

async function collect(pages: AsyncIterable<PollPage>): Promise<PollPage[]> {
  const out: PollPage[] = [];
  for await (const p of pages) out.push(p);
  return out;
}

const minutesAgo = (m: number) => new Date(NOW - m * 60_000).toISOString();
const many = (n: number, at: string, from = 1) => Array.from({ length: n }, (_, i) => contact(from + i, { email: `c${from + i}@acme.io` }, at));

describe('HubSpot polling (search API)', () => {
  const kit = useHubSpotKit();

  test('when a first sync starts, then it searches [0, sync start] sorted by id, 200 per page, with the mapping\'s properties, never with `after`', async () => {
    nockAccount();
    const fake = fakeSearch(many(450, minutesAgo(30)));
    const connector = kit.connector({ ...PROPS, limits: FAST_SEARCH, now: () => NOW, historyMode: 'none' });
    const pages = await collect(connector.people.poll(context(), null, { full: false }));
    expect(pages.map((p) => p.records.length)).toEqual([200, 200, 50]);
    expect(fake.searches[0]).toEqual({
      filterGroups: [{ filters: [
        { propertyName: 'lastmodifieddate', operator: 'GTE', value: '0' },
        { propertyName: 'lastmodifieddate', operator: 'LTE', value: String(NOW) },
      ] }],
      sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }],
      properties: ['lastmodifieddate', 'hs_object_id', 'createdate', 'email', 'lifecyclestage', 'recent_conversion_event_name', 'num_conversion_events'],
      limit: 200,
    });
    expect(fake.searches[1]!.filterGroups![0]!.filters[2]).toEqual({ propertyName: 'hs_object_id', operator: 'GT', value: '200' });
    expect(fake.searches.every((s) => s.after === undefined)).toBe(true);
  });

  test('when pages are read, then each page carries the cursor to resume after it, and the last opens the next window one index-lag back', async () => {
    nockAccount();
    fakeSearch(many(250, minutesAgo(30)));
    const connector = kit.connector({ ...PROPS, limits: FAST_SEARCH, now: () => NOW, historyMode: 'none', indexLagMs: 60_000 });
    const pages = await collect(connector.people.poll(context(), { v: 1, since: NOW - 3_600_000, until: null, afterId: null }, { full: false }));
    expect(pages.map((p) => p.cursor)).toEqual([
      { v: 1, since: NOW - 3_600_000, until: NOW, afterId: '200' },
      { v: 1, since: NOW - 60_000, until: null, afterId: null },
    ]);
    expect(pages.map((p) => p.progress)).toEqual([{ done: 200, total: 250 }, { done: 250, total: 250 }]);
    expect(pages[0]!.records[0]).toEqual({ objectType: 'contact', recordId: '1', updatedAt: minutesAgo(30), raw: expect.objectContaining({ id: '1' }) });
  });

  test('when more than 10,000 contacts share one lastmodifieddate, then each is read exactly once, nothing pages past 10k, and the sync ends', async () => {
    nockAccount();
    const fake = fakeSearch([...many(10_050, minutesAgo(45)), contact(20_000, {}, minutesAgo(10))]);
    const connector = kit.connector({ ...PROPS, limits: FAST_SEARCH, now: () => NOW, historyMode: 'none' });
    const ids: string[] = [];
    for await (const page of connector.people.poll(context(), null, { full: false })) ids.push(...page.records.map((r) => r.recordId));
    expect(ids).toHaveLength(10_051);
    expect(new Set(ids).size).toBe(10_051);
    expect(fake.searches).toHaveLength(51);
    expect(fake.searches.every((s) => s.after === undefined)).toBe(true);
  }, 60_000);

  test('when a sync resumes from a mid-window checkpoint, then it continues the same window after the saved id', async () => {
    nockAccount();
    const fake = fakeSearch(many(300, minutesAgo(30)));
    const connector = kit.connector({ ...PROPS, limits: FAST_SEARCH, now: () => NOW, historyMode: 'none' });
    const saved: HubSpotCursor = { v: 1, since: NOW - 7_200_000, until: NOW - 60_000, afterId: '200' };
    const pages = await collect(connector.people.poll(context(), saved, { full: false }));
    expect(pages.flatMap((p) => p.records.map((r) => r.recordId))).toEqual(Array.from({ length: 100 }, (_, i) => String(201 + i)));
    expect(fake.searches[0]!.filterGroups![0]!.filters).toEqual([
      { propertyName: 'lastmodifieddate', operator: 'GTE', value: String(NOW - 7_200_000) },
      { propertyName: 'lastmodifieddate', operator: 'LTE', value: String(NOW - 60_000) },
      { propertyName: 'hs_object_id', operator: 'GT', value: '200' },
    ]);
  });

  test('when a contact is modified while its window is being read, then the next sync picks it up (nothing lost)', async () => {
    nockAccount();
    const data = many(300, minutesAgo(30));
    const fake = fakeSearch(data);
    fake.afterSearch = (n) => {
      // After page 1, contact 250 (not yet read) is edited: it leaves this window.
      if (n === 1) data[249]!.properties.lastmodifieddate = new Date(NOW + 5_000).toISOString();
    };
    let clock = NOW;
    const connector = kit.connector({ ...PROPS, limits: FAST_SEARCH, now: () => clock, historyMode: 'none' });
    const first = await collect(connector.people.poll(context(), null, { full: false }));
    const firstIds = first.flatMap((p) => p.records.map((r) => r.recordId));
    expect(firstIds).not.toContain('250');
    clock = NOW + 60_000;
    const second = await collect(connector.people.poll(context(), first.at(-1)!.cursor, { full: false }));
    expect(second.flatMap((p) => p.records.map((r) => r.recordId))).toEqual(['250']);
  });

  test('when full is requested, then the saved cursor is ignored and the sync starts from the beginning', async () => {
    nockAccount();
    const fake = fakeSearch(many(3, minutesAgo(600)));
    const connector = kit.connector({ ...PROPS, limits: FAST_SEARCH, now: () => NOW, historyMode: 'none' });
    const pages = await collect(connector.people.poll(context(), { v: 1, since: NOW - 1000, until: null, afterId: null }, { full: true }));
    expect(pages[0]!.records).toHaveLength(3);
    expect(fake.searches[0]!.filterGroups![0]!.filters[0]!.value).toBe('0');
  });

  test('when nothing changed, then one empty page still advances the checkpoint', async () => {
    nockAccount();
    fakeSearch([]);
    const connector = kit.connector({ ...PROPS, limits: FAST_SEARCH, now: () => NOW, historyMode: 'none', indexLagMs: 0 });
    const pages = await collect(connector.people.poll(context(), { v: 1, since: NOW - 1000, until: null, afterId: null }, { full: false }));
    expect(pages).toEqual([{ records: [], cursor: { v: 1, since: NOW, until: null, afterId: null }, progress: { done: 0, total: 0 } }]);
  });

  test('when the saved cursor is malformed, then a PayloadError names the field', async () => {
    nockAccount();
    const connector = kit.connector({ ...PROPS, now: () => NOW });
    await expect(collect(connector.people.poll(context(), { v: 1, since: 'yesterday', until: null, afterId: null }, { full: false }))).rejects.toThrow(PayloadError);
    await expect(collect(connector.people.poll(context(), { v: 1, since: 5, until: null, afterId: 'abc' }, { full: false }))).rejects.toThrow(/at afterId/);
  });

  test('when contacts have engagement values, then only those are re-read with propertiesWithHistory, at most 50 per batch', async () => {
    nockAccount();
    const data = many(130, minutesAgo(20));
    data.forEach((c, i) => {
      if (i < 120) {
        c.properties = { ...c.properties, recent_conversion_event_name: 'Demo request' } as typeof c.properties;
        (c as { propertiesWithHistory?: unknown }).propertiesWithHistory = {
          recent_conversion_event_name: [
            { value: 'Demo request', timestamp: minutesAgo(20), sourceType: 'FORM' },
            { value: 'Ebook download', timestamp: minutesAgo(900), sourceType: 'FORM' },
          ],
        };
      }
    });
    const fake = fakeSearch(data);
    const connector = kit.connector({ ...PROPS, limits: FAST_SEARCH, now: () => NOW });
    const pages = await collect(connector.people.poll(context(), null, { full: false }));
    expect(fake.reads.map((r) => r.inputs.length)).toEqual([50, 50, 20]);
    expect(fake.reads[0]).toEqual({
      inputs: Array.from({ length: 50 }, (_, i) => ({ id: String(i + 1) })),
      properties: ['lastmodifieddate', 'hs_object_id', 'createdate', 'email', 'lifecyclestage', 'recent_conversion_event_name', 'num_conversion_events'],
      propertiesWithHistory: ['recent_conversion_event_name'],
    });
    const records = pages[0]!.records;
    expect(records).toHaveLength(130);
    const withHistory = records[0]!.raw as { propertiesWithHistory?: Record<string, Array<{ value: string; timestamp: string }>> };
    expect(withHistory.propertiesWithHistory?.recent_conversion_event_name).toEqual([
      expect.objectContaining({ value: 'Demo request', timestamp: minutesAgo(20) }),
      expect.objectContaining({ value: 'Ebook download', timestamp: minutesAgo(900) }),
    ]);
    expect((records[125]!.raw as { propertiesWithHistory?: unknown }).propertiesWithHistory).toBeUndefined();
  });

  test('when search is paced by its own bucket (5 per second), then no second holds more than 5 search requests', async () => {
    nockAccount();
    const fake = fakeSearch(many(1_400, minutesAgo(20)));
    const connector = kit.connector({ ...PROPS, now: () => NOW, historyMode: 'none', limits: { marginMs: 0 } });
    await collect(connector.people.poll(context(), null, { full: false }));
    const times = fake.searchTimes;
    expect(times).toHaveLength(7);
    for (let i = 5; i < times.length; i++) expect(times[i]! - times[i - 5]!).toBeGreaterThanOrEqual(990);
  });

  test('when the context is aborted, then polling stops at the next page boundary', async () => {
    nockAccount();
    const fake = fakeSearch(many(1_000, minutesAgo(20)));
    const ctrl = new AbortController();
    const connector = kit.connector({ ...PROPS, limits: FAST_SEARCH, now: () => NOW, historyMode: 'none' });
    const pages: PollPage[] = [];
    for await (const p of connector.people.poll(context({ signal: ctrl.signal }), null, { full: false })) {
      pages.push(p);
      ctrl.abort();
    }
    expect(pages).toHaveLength(1);
    // The page read ahead (started before the abort) is the only other search.
    expect(fake.searches.length).toBeLessThanOrEqual(2);
  });

  test('when fetching hinted contacts, then they are batch-read with history, 50 per call, and unknown ids are skipped', async () => {
    nockAccount();
    const fake = fakeSearch(many(120, minutesAgo(5)));
    const connector = kit.connector({ ...PROPS, limits: FAST_SEARCH, now: () => NOW });
    const refs = [...Array.from({ length: 120 }, (_, i) => ({ objectType: 'contact', recordId: String(i + 1) })), { objectType: 'contact', recordId: '999999' }];
    const records = await connector.people.fetch(context(), refs);
    expect(fake.reads.map((r) => r.inputs.length)).toEqual([50, 50, 21]);
    expect(records.map((r) => r.recordId)).toEqual(Array.from({ length: 120 }, (_, i) => String(i + 1)));
  });
});

describe('needsHistory', () => {
  const withProps = (props: Record<string, string | null>) => ({ id: '1', properties: props, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', archived: false }) as never;
  const H = ['recent_conversion_event_name'];

  test('when a contact never converted, then no history read is needed', () => {
    expect(needsHistory(withProps({ recent_conversion_event_name: null, num_conversion_events: '0' }), H)).toBe(false);
  });
  test('when a contact converted at most twice, then its first and recent conversion properties hold everything', () => {
    expect(needsHistory(withProps({ recent_conversion_event_name: 'Demo', num_conversion_events: '2' }), H)).toBe(false);
  });
  test('when a contact converted three times or more, then only the history holds the middle ones', () => {
    expect(needsHistory(withProps({ recent_conversion_event_name: 'Demo', num_conversion_events: '3' }), H)).toBe(true);
  });
  test('when the conversion count is unknown, then the history is read to be sure', () => {
    expect(needsHistory(withProps({ recent_conversion_event_name: 'Demo' }), H)).toBe(true);
  });
});
