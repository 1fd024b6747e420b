import nock from 'nock';
import { contact, HUBSPOT } from './hubspot-test-kit.js';

/**
 * A nock-backed stand-in for POST /crm/v3/objects/contacts/search and .../batch/read over an
 * in-memory list of contacts, keeping HubSpot's documented limits: at most 200 per page, at
 * most 10,000 results reachable per query (paging beyond is a 400), one sort, and batch reads
 * with property history limited to 50 inputs. It records every request body.
 */

type Contact = ReturnType<typeof contact> & { propertiesWithHistory?: Record<string, unknown[]> };

interface Filter {
  propertyName: string;
  operator: string;
  value?: string;
}
interface SearchBody {
  filterGroups?: Array<{ filters: Filter[] }>;
  sorts?: Array<{ propertyName: string; direction: string }>;
  properties?: string[];
  limit?: number;
  after?: string;
}

export interface FakeSearch {
  contacts: Contact[];
  searches: SearchBody[];
  reads: Array<{ inputs: Array<{ id: string }>; properties: string[]; propertiesWithHistory: string[] }>;
  /** Arrival time (ms) of each search request. */
  searchTimes: number[];
  /** Called after each search answer (to change data between pages). */
  afterSearch?: (n: number) => void;
}

const value = (c: Contact, prop: string): number | string | null => {
  if (prop === 'hs_object_id') return Number(c.id);
  const v = c.properties[prop as keyof typeof c.properties] ?? null;
  if (v === null) return null;
  if (prop === 'lastmodifieddate' || prop === 'createdate') return Date.parse(v);
  return v;
};

function matches(c: Contact, f: Filter): boolean {
  const v = value(c, f.propertyName);
  if (v === null) return false;
  const want = typeof v === 'number' ? Number(f.value) : String(f.value);
  switch (f.operator) {
    case 'GTE': return v >= want;
    case 'GT': return v > want;
    case 'LTE': return v <= want;
    case 'LT': return v < want;
    case 'EQ': return v === want;
    default: throw new Error(`fake search: operator ${f.operator} not supported`);
  }
}

const error = (message: string) => ({ status: 'error', message, correlationId: 'fake', category: 'VALIDATION_ERROR' });

export function fakeSearch(contacts: Contact[]): FakeSearch {
  const fake: FakeSearch = { contacts, searches: [], reads: [], searchTimes: [] };
  nock(HUBSPOT)
    .persist()
    .post('/crm/v3/objects/contacts/search')
    .reply((_uri, body) => {
      const req = body as SearchBody;
      fake.searches.push(req);
      fake.searchTimes.push(Date.now());
      const limit = req.limit ?? 10;
      const after = Number(req.after ?? 0);
      if (limit > 200) return [400, error('limit must be at most 200')];
      if (after + limit > 10_000) return [400, error('Search results are limited to 10,000 total results. Paging beyond is not supported.')];
      if ((req.sorts?.length ?? 0) > 1) return [400, error('only one sort is supported')];
      let hits = fake.contacts.filter((c) => (req.filterGroups ?? []).every((g) => g.filters.every((f) => matches(c, f))));
      const sort = req.sorts?.[0];
      if (sort) {
        const dir = sort.direction === 'DESCENDING' ? -1 : 1;
        hits = [...hits].sort((a, b) => {
          const x = value(a, sort.propertyName) ?? 0;
          const y = value(b, sort.propertyName) ?? 0;
          return x < y ? -dir : x > y ? dir : Number(a.id) - Number(b.id);
        });
      }
      const page = hits.slice(after, after + limit).map((c) => ({
        ...c,
        properties: Object.fromEntries((req.properties ?? []).map((p) => [p, c.properties[p as keyof typeof c.properties] ?? null])),
      }));
      const more = after + limit < hits.length;
      fake.afterSearch?.(fake.searches.length);
      return [200, { total: hits.length, results: page, ...(more && { paging: { next: { after: String(after + limit), link: '' } } }) }];
    })
    .post('/crm/v3/objects/contacts/batch/read')
    .reply((_uri, body) => {
      const req = body as FakeSearch['reads'][number];
      fake.reads.push(req);
      const history = req.propertiesWithHistory ?? [];
      if (history.length > 0 && req.inputs.length > 50) {
        return [400, error('The maximum number of inputs supported in a batch request for property histories is 50. Please reduce the number of items and try again')];
      }
      if (req.inputs.length > 100) return [400, error('inputs must be at most 100')];
      const byId = new Map(fake.contacts.map((c) => [c.id, c]));
      const results = req.inputs.flatMap(({ id }) => {
        const c = byId.get(id);
        if (!c) return [];
        return [{
          ...c,
          properties: Object.fromEntries(req.properties.map((p) => [p, c.properties[p as keyof typeof c.properties] ?? null])),
          ...(history.length && {
            propertiesWithHistory: Object.fromEntries(history.map((p) => [p, (c.propertiesWithHistory?.[p] ?? [])])),
          }),
        }];
      });
      const missing = req.inputs.map((i) => i.id).filter((id) => !byId.has(id));
      const done = { status: 'COMPLETE', results, startedAt: '2026-11-27T10:00:00Z', completedAt: '2026-11-27T10:00:01Z' };
      if (missing.length === 0) return [200, done];
      // HubSpot answers 207 and names the ids it could not find.
      const notFound = { status: 'error', category: 'OBJECT_NOT_FOUND', message: 'Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.', context: { ids: missing } };
      return [207, { ...done, numErrors: 1, errors: [notFound] }];
    });
  return fake;
}
