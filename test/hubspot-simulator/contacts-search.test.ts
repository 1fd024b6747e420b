import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/contacts/models/Filter.js';
import { sdkError, startSandbox, type Harness } from './simulator-harness.js';

type Filter = { propertyName: string; operator: string; value?: string; highValue?: string; values?: string[] };
const search = (h: Harness, body: { filterGroups?: Array<{ filters: Filter[] }>; sorts?: unknown[]; properties?: string[]; limit?: number; after?: string }) =>
  h.client.crm.contacts.searchApi.doSearch({
    filterGroups: (body.filterGroups ?? []) as Array<{ filters: Array<Filter & { operator: FilterOperatorEnum }> }>,
    sorts: (body.sorts ?? []) as string[],
    properties: body.properties ?? [],
    limit: body.limit ?? 100,
    after: body.after ?? '0',
  });

describe('HubSpot sandbox: contacts search', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startSandbox({ contacts: 400, seed: 7, searchPerSecond: false });
  });
  afterAll(async () => {
    await h.sim.close();
  });

  /** Independent oracle: the contacts' current values read straight from the sandbox. */
  const all = (): Array<Record<string, string | null> & { id: string }> => h.sim.contactIds().map((id) => ({ ...h.sim.getContact(id)!, id }));

  test('when filtering lifecyclestage EQ lead, then every lead and only leads come back with the total', async () => {
    const expected = all().filter((c) => c.lifecyclestage === 'lead').map((c) => c.id).sort();
    expect(expected.length).toBeGreaterThan(0);
    const ids: string[] = [];
    let after: string | undefined = '0';
    let total = -1;
    while (after !== undefined) {
      const page = await search(h, { filterGroups: [{ filters: [{ propertyName: 'lifecyclestage', operator: 'EQ', value: 'lead' }] }], properties: ['lifecyclestage'], limit: 50, after });
      total = page.total;
      for (const r of page.results) {
        expect(r.properties.lifecyclestage).toBe('lead');
        ids.push(r.id);
      }
      after = page.paging?.next?.after;
    }
    expect(total).toBe(expected.length);
    expect(ids.sort()).toEqual(expected);
  });

  test('when a lastmodifieddate filter is given as ms-epoch or as ISO, then both select the same contacts', async () => {
    const contacts = all().sort((a, b) => Date.parse(a.lastmodifieddate!) - Date.parse(b.lastmodifieddate!));
    const pivot = contacts[200]!.lastmodifieddate!;
    const ms = String(Date.parse(pivot));
    const a = await search(h, { filterGroups: [{ filters: [{ propertyName: 'lastmodifieddate', operator: 'GTE', value: ms }] }], limit: 200 });
    const b = await search(h, { filterGroups: [{ filters: [{ propertyName: 'lastmodifieddate', operator: 'GTE', value: pivot }] }], limit: 200 });
    expect(a.total).toBe(contacts.filter((c) => Date.parse(c.lastmodifieddate!) >= Number(ms)).length);
    expect(b.results.map((r) => r.id)).toEqual(a.results.map((r) => r.id));
  });

  test('when sorting by lastmodifieddate ascending, then pages come in non-decreasing order and cover every contact once', async () => {
    const seen = new Set<string>();
    let last = -Infinity;
    let after: string | undefined = '0';
    while (after !== undefined) {
      const page = await search(h, { sorts: [{ propertyName: 'lastmodifieddate', direction: 'ASCENDING' }], limit: 200, after });
      for (const r of page.results) {
        const t = Date.parse(r.properties.lastmodifieddate!);
        expect(t).toBeGreaterThanOrEqual(last);
        last = t;
        expect(seen.has(r.id)).toBe(false);
        seen.add(r.id);
      }
      after = page.paging?.next?.after;
    }
    expect(seen.size).toBe(400);
  });

  test('when contacts change between pages, then the lastmodifieddate order still matches a full sort by (lastmodifieddate, id)', async () => {
    const ascending = async () => {
      const ids: string[] = [];
      let after: string | undefined = '0';
      while (after !== undefined) {
        const page = await search(h, { sorts: [{ propertyName: 'lastmodifieddate', direction: 'ASCENDING' }], limit: 200, after });
        ids.push(...page.results.map((r) => r.id));
        after = page.paging?.next?.after;
      }
      return ids;
    };
    await ascending(); // warm the cached order, then change contacts so it must be patched
    const changed = [h.sim.contactIds()[17]!, h.sim.contactIds()[3]!, h.sim.contactIds()[250]!];
    for (const id of changed) {
      await new Promise((r) => setTimeout(r, 2));
      h.sim.touchContact(id, { city: `Moved ${id}` });
    }
    const oracle = all()
      .sort((a, b) => Date.parse(a.lastmodifieddate!) - Date.parse(b.lastmodifieddate!) || Number(a.id) - Number(b.id))
      .map((c) => c.id);
    const got = await ascending();
    expect(got).toEqual(oracle);
    expect(got.slice(-3)).toEqual(changed);
  });

  test('when sorting descending by hs_object_id, then the highest id comes first', async () => {
    const page = await search(h, { sorts: [{ propertyName: 'hs_object_id', direction: 'DESCENDING' }], limit: 3 });
    const ids = h.sim.contactIds().map(Number).sort((x, y) => y - x).slice(0, 3).map(String);
    expect(page.results.map((r) => r.id)).toEqual(ids);
  });

  test('when filter groups are combined, then groups are ORed and filters inside a group are ANDed', async () => {
    const expected = all().filter(
      (c) => (c.lifecyclestage === 'customer') || (c.lifecyclestage === 'lead' && c.hs_lead_status === 'NEW'),
    ).length;
    const page = await search(h, {
      filterGroups: [
        { filters: [{ propertyName: 'lifecyclestage', operator: 'EQ', value: 'customer' }] },
        { filters: [{ propertyName: 'lifecyclestage', operator: 'EQ', value: 'lead' }, { propertyName: 'hs_lead_status', operator: 'EQ', value: 'NEW' }] },
      ],
    });
    expect(page.total).toBe(expected);
  });

  test('when using IN, NEQ, BETWEEN, HAS_PROPERTY and NOT_HAS_PROPERTY, then each matches what the values say', async () => {
    const contacts = all();
    const count = async (f: Filter) => (await search(h, { filterGroups: [{ filters: [f] }], limit: 1 })).total;
    expect(await count({ propertyName: 'hs_lead_status', operator: 'IN', values: ['NEW', 'OPEN'] })).toBe(
      contacts.filter((c) => c.hs_lead_status === 'NEW' || c.hs_lead_status === 'OPEN').length,
    );
    expect(await count({ propertyName: 'lifecyclestage', operator: 'NEQ', value: 'subscriber' })).toBe(contacts.filter((c) => c.lifecyclestage !== 'subscriber').length);
    const has = await count({ propertyName: 'company', operator: 'HAS_PROPERTY' });
    const hasNot = await count({ propertyName: 'company', operator: 'NOT_HAS_PROPERTY' });
    expect(has).toBe(contacts.filter((c) => c.company).length);
    expect(has + hasNot).toBe(400);
    const lo = Date.parse('2025-01-01T00:00:00Z');
    const hi = Date.parse('2025-12-31T23:59:59Z');
    expect(await count({ propertyName: 'createdate', operator: 'BETWEEN', value: String(lo), highValue: String(hi) })).toBe(
      contacts.filter((c) => Date.parse(c.createdate!) >= lo && Date.parse(c.createdate!) <= hi).length,
    );
    expect(await count({ propertyName: 'hs_analytics_num_page_views', operator: 'GT', value: '10' })).toBe(
      contacts.filter((c) => Number(c.hs_analytics_num_page_views) > 10).length,
    );
  });

  test('when no properties are requested, then the default contact properties are returned', async () => {
    const page = await search(h, { limit: 1 });
    expect(Object.keys(page.results[0]!.properties).sort()).toEqual(['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname']);
  });

  test('when a request breaks the documented limits, then HubSpot answers 400 VALIDATION_ERROR', async () => {
    const f = { propertyName: 'lifecyclestage', operator: 'EQ', value: 'lead' };
    const tooManyGroups = await sdkError(search(h, { filterGroups: Array.from({ length: 6 }, () => ({ filters: [f] })) }));
    expect(tooManyGroups.code).toBe(400);
    expect(tooManyGroups.body.category).toBe('VALIDATION_ERROR');
    const tooManyFilters = await sdkError(search(h, { filterGroups: [{ filters: Array.from({ length: 7 }, () => f) }] }));
    expect(tooManyFilters.code).toBe(400);
    const bigPage = await sdkError(search(h, { limit: 201 }));
    expect(bigPage.code).toBe(400);
    const unknown = await sdkError(search(h, { filterGroups: [{ filters: [{ propertyName: 'qualify_score', operator: 'GT', value: '5' }] }] }));
    expect(unknown.code).toBe(400);
    expect(String(unknown.body.message)).toContain('qualify_score');
  });
});

describe('HubSpot sandbox: the 10,000-result search cap', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startSandbox({ contacts: 10_250, seed: 3, searchPerSecond: false });
  });
  afterAll(async () => {
    await h.sim.close();
  });

  test('when a query matches more than 10,000 contacts, then total reports them all but paging stops at 10,000', async () => {
    const first = await search(h, { limit: 200, after: '0' });
    expect(first.total).toBe(10_250);
    const lastAllowed = await search(h, { limit: 200, after: '9800' });
    expect(lastAllowed.results).toHaveLength(200);
    expect(lastAllowed.paging?.next?.after).toBe('10000');
    const beyond = await sdkError(search(h, { limit: 200, after: '10000' }));
    expect(beyond.code).toBe(400);
    expect(beyond.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    expect(typeof beyond.body.correlationId).toBe('string');
  });

  test('when limit plus after would reach past 10,000, then the page is refused too', async () => {
    const err = await sdkError(search(h, { limit: 100, after: '9950' }));
    expect(err.code).toBe(400);
  });

  test('when the window is narrowed below 10,000 matches, then it pages to the end', async () => {
    const sorted = await search(h, { sorts: [{ propertyName: 'lastmodifieddate', direction: 'ASCENDING' }], limit: 1, after: '5000' });
    const cut = sorted.results[0]!.properties.lastmodifieddate!;
    const page = await search(h, { filterGroups: [{ filters: [{ propertyName: 'lastmodifieddate', operator: 'GTE', value: cut }] }], limit: 200, after: '5000' });
    expect(page.total).toBeLessThanOrEqual(5250);
    expect(page.total).toBeGreaterThanOrEqual(5250 - 5); // equal timestamps may tie at the cut
  });
});

describe('HubSpot sandbox: search index lag', () => {
  let h: Harness;
  let t = Date.parse('2026-11-27T10:00:00Z');
  beforeAll(async () => {
    h = await startSandbox({ contacts: 50, seed: 4, searchPerSecond: false, searchLagMs: 3000, now: () => t });
  });
  afterAll(async () => {
    await h.sim.close();
  });

  const since = (ms: number) =>
    search(h, {
      filterGroups: [{ filters: [{ propertyName: 'lastmodifieddate', operator: 'GTE', value: String(ms) }] }],
      sorts: [{ propertyName: 'lastmodifieddate', direction: 'ASCENDING' }],
      properties: ['jobtitle'],
    });

  test('when a contact changes, then search shows the old state until the index catches up, while reads see it at once', async () => {
    const id = h.sim.contactIds()[7]!;
    const oldTitle = h.sim.getContact(id)!.jobtitle;
    const changedAt = t;
    h.sim.touchContact(id, { jobtitle: 'Chief Data Officer' });
    t += 1000;
    expect((await since(changedAt)).total).toBe(0);
    const byTitle = await search(h, { filterGroups: [{ filters: [{ propertyName: 'hs_object_id', operator: 'EQ', value: id }] }], properties: ['jobtitle'] });
    expect(byTitle.results[0]!.properties.jobtitle).toBe(oldTitle);
    const read = await h.client.crm.contacts.batchApi.read({ inputs: [{ id }], properties: ['jobtitle'], propertiesWithHistory: [] });
    expect(read.results[0]!.properties.jobtitle).toBe('Chief Data Officer');
    t += 2500;
    const caughtUp = await since(changedAt);
    expect(caughtUp.results.map((r) => [r.id, r.properties.jobtitle])).toEqual([[id, 'Chief Data Officer']]);
  });

  test('when a contact is created, then search finds it only after the lag', async () => {
    const id = h.sim.createContact({ email: 'late.indexed@northwind-analytics.com' });
    const find = () => search(h, { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: 'late.indexed@northwind-analytics.com' }] }] });
    expect((await find()).total).toBe(0);
    t += 3001;
    expect((await find()).results.map((r) => r.id)).toEqual([id]);
  });
});
