import { z } from 'zod';
import { PayloadError, type ConnectorContext, type PollPage, type RawRecord } from '../../src/kit/index.js';
import type { PipedriveClient } from './pipedrive-client.js';
import { isCustom, readableValue, type FieldCatalog } from './pipedrive-fields.js';
import {
  ActivitySchema, DealSchema, OrganizationSchema, PersonSchema, v2List,
  type PipedriveActivity, type PipedriveDeal, type PipedriveOrganization, type PipedrivePerson,
} from './provider.schema.js';

/**
 * Reading persons (API v2) into the raw record mappings/pipedrive.yaml reads: the person as
 * Pipedrive returns it, plus
 *   - `fields`: its custom fields by display name (option ids as labels), since keys differ per company;
 *   - `organization`: its organization (company fit: size, industry, country, website);
 *   - `activities` / `deals`: done activities and deals of the person that changed since the last
 *     sync (engagement; each becomes an event with a stable id, so a later read without them loses nothing).
 *
 * Incremental: `GET /api/v2/persons?updated_since=&sort_by=update_time` from the last update_time
 * seen, skipping what was already taken at that same instant (id tie-break). Full: the same listing
 * without updated_since. Deleted persons are not listed by v2: deletions arrive by webhook.
 */

export const PERSON_PAGE = 500;
const IDS_PER_CALL = 100;
const ORG_TTL_MS = 10 * 60_000;

export const PipedriveCursorSchema = z.object({
  /** update_time of the last person taken (RFC 3339, as Pipedrive wrote it). */
  since: z.string().nullable(),
  /**
   * Ids of the persons taken at exactly `since` (the tie-break): updated_since is inclusive, times
   * are whole seconds, and within one second Pipedrive's order is not by id.
   */
  idsAtSince: z.array(z.number().int()),
  /** Latest update_time of the activities and deals read. */
  engagementSince: z.string().nullable(),
  /** Activities ("a:<id>") and deals ("d:<id>") already read at engagementSince (updated_since is inclusive). */
  engagementSeen: z.array(z.string()).default([]),
});
export type PipedriveCursor = z.infer<typeof PipedriveCursorSchema>;

export interface Engagement {
  activities: PipedriveActivity[];
  deals: PipedriveDeal[];
}

export interface ReadDeps {
  client: PipedriveClient;
  catalog: FieldCatalog;
  orgs: OrganizationCache;
}

/** Organizations by id (`GET /api/v2/organizations?ids=`, 100 a call), kept ten minutes. */
export class OrganizationCache {
  private readonly cache = new Map<number, { org: PipedriveOrganization | null; at: number }>();
  constructor(private readonly client: PipedriveClient, private readonly now: () => number = Date.now) {}

  async load(ids: Array<number | null | undefined>, signal?: AbortSignal): Promise<Map<number, PipedriveOrganization | null>> {
    const wanted = [...new Set(ids.filter((i): i is number => typeof i === 'number'))];
    const missing = wanted.filter((id) => {
      const hit = this.cache.get(id);
      return !hit || this.now() - hit.at > ORG_TTL_MS;
    });
    for (let i = 0; i < missing.length; i += IDS_PER_CALL) {
      const chunk = missing.slice(i, i + IDS_PER_CALL);
      const page = await this.client.call('list organizations', 'GET', 'api/v2/organizations', v2List(OrganizationSchema), { query: { ids: chunk.join(','), limit: IDS_PER_CALL }, signal });
      const at = this.now();
      for (const id of chunk) this.cache.set(id, { org: null, at }); // deleted or not visible
      for (const org of page.data) this.cache.set(org.id, { org, at });
    }
    return new Map(wanted.map((id) => [id, this.cache.get(id)?.org ?? null]));
  }
}

/** One person as the mapping reads it. */
export function toRawRecord(person: PipedrivePerson, fields: ReturnType<typeof fieldsByKey>, org: PipedriveOrganization | null, engagement?: Engagement): RawRecord {
  const byName: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(person.custom_fields ?? {})) {
    const field = fields.get(key);
    if (field) byName[field.name] = readableValue(field, value);
  }
  return {
    objectType: 'person',
    recordId: String(person.id),
    updatedAt: person.update_time,
    raw: { ...person, fields: byName, organization: org, activities: engagement?.activities ?? [], deals: engagement?.deals ?? [] },
  };
}

export function fieldsByKey(fields: Awaited<ReturnType<FieldCatalog['all']>>) {
  return new Map(fields.filter(isCustom).map((f) => [f.key, f]));
}

/** Every item of a v2 listing, page by page (Pipedrive's opaque next_cursor). */
async function* listAll<S extends z.ZodType>(client: PipedriveClient, what: string, path: string, item: S, query: Record<string, string | number | boolean | undefined>, signal?: AbortSignal): AsyncGenerator<Array<z.infer<S>>> {
  let cursor: string | undefined;
  do {
    const page = await client.call(what, 'GET', path, v2List(item), { query: { ...query, cursor }, signal });
    yield page.data as Array<z.infer<S>>;
    cursor = page.additional_data?.next_cursor ?? undefined;
  } while (cursor);
}

/**
 * Done activities and deals changed since `since` (all of them on a full sync), by person: two
 * listings of 500 a call, whatever the number of persons (10 tokens a page), rather than a call per person.
 */
export async function readEngagement(
  client: PipedriveClient,
  since: string | null,
  seenAtSince: string[],
  signal?: AbortSignal,
): Promise<{ byPerson: Map<number, Engagement>; latest: string | null; seenAtLatest: string[] }> {
  const byPerson = new Map<number, Engagement>();
  let latest = since;
  let atLatest = new Set(seenAtSince);
  const seen = new Set(seenAtSince);
  const entry = (id: number) => byPerson.get(id) ?? byPerson.set(id, { activities: [], deals: [] }).get(id)!;
  /** False for an item already taken at the boundary instant. */
  const later = (t: string, key: string): boolean => {
    if (since && t === since && seen.has(key)) return false;
    if (!latest || Date.parse(t) > Date.parse(latest)) [latest, atLatest] = [t, new Set()];
    if (t === latest) atLatest.add(key);
    return true;
  };
  const query = { limit: PERSON_PAGE, sort_by: 'update_time', sort_direction: 'asc', ...(since && { updated_since: since }) };
  for await (const page of listAll(client, 'list done activities', 'api/v2/activities', ActivitySchema, { ...query, done: true }, signal)) {
    for (const a of page) {
      if (later(a.update_time, `a:${a.id}`) && a.person_id != null) entry(a.person_id).activities.push(a);
    }
  }
  for await (const page of listAll(client, 'list deals', 'api/v2/deals', DealSchema, query, signal)) {
    for (const d of page) {
      if (later(d.update_time, `d:${d.id}`) && d.person_id != null) entry(d.person_id).deals.push(d);
    }
  }
  return { byPerson, latest, seenAtLatest: [...atLatest] };
}

export function parseCursor(cursor: unknown): PipedriveCursor | null {
  if (cursor === null || cursor === undefined) return null;
  const parsed = PipedriveCursorSchema.safeParse(cursor);
  if (!parsed.success) throw new PayloadError('pipedrive', `The saved Pipedrive sync position is not readable (${parsed.error.issues[0]?.message}); run a full sync (qualify sync pipedrive --full).`);
  return parsed.data;
}

export async function* pollPersons(d: ReadDeps, ctx: ConnectorContext, cursor: unknown, opts: { full: boolean }): AsyncGenerator<PollPage> {
  const start = opts.full ? null : parseCursor(cursor);
  const signal = ctx.signal;
  const fields = fieldsByKey(await d.catalog.all({ signal }));
  const engagement = await readEngagement(d.client, start ? (start.engagementSince ?? start.since) : null, start?.engagementSeen ?? [], signal);
  let since = start?.since ?? null;
  let idsAtSince = new Set(start?.idsAtSince ?? []);
  const taken = new Set<number>();
  const position = (final: boolean): PipedriveCursor => ({
    since,
    idsAtSince: [...idsAtSince],
    engagementSince: final ? engagement.latest : (start?.engagementSince ?? null),
    engagementSeen: final ? engagement.seenAtLatest : (start?.engagementSeen ?? []),
  });
  let done = 0;

  const leftover = () => [...engagement.byPerson.keys()].filter((id) => !taken.has(id));
  const query = { limit: PERSON_PAGE, sort_by: 'update_time', sort_direction: 'asc', ...(start?.since && { updated_since: start.since }) };
  const pages = listAll(d.client, 'list persons', 'api/v2/persons', PersonSchema, query, signal);
  let next = await pages.next();
  while (!next.done) {
    // updated_since is inclusive: persons already taken at that very second are skipped.
    const persons = next.value.filter((p) => !(p.update_time === start?.since && start.idsAtSince.includes(p.id)));
    for (const p of next.value) {
      if (p.update_time !== since) [since, idsAtSince] = [p.update_time, new Set()];
      idsAtSince.add(p.id);
    }
    for (const p of persons) taken.add(p.id);
    const orgs = await d.orgs.load(persons.map((p) => p.org_id), signal);
    const records = persons.map((p) => toRawRecord(p, fields, p.org_id == null ? null : (orgs.get(p.org_id) ?? null), engagement.byPerson.get(p.id)));
    done += records.length;
    next = await pages.next();
    yield { records, cursor: position(next.done === true && leftover().length === 0), progress: { done } };
  }

  // Persons whose activities or deals changed while the person itself did not.
  const rest = leftover();
  for (let i = 0; i < rest.length; i += IDS_PER_CALL) {
    const chunk = rest.slice(i, i + IDS_PER_CALL);
    const persons = await readPersons(d, chunk, signal);
    const orgs = await d.orgs.load(persons.map((p) => p.org_id), signal);
    const records = persons.map((p) => toRawRecord(p, fields, p.org_id == null ? null : (orgs.get(p.org_id) ?? null), engagement.byPerson.get(p.id)));
    done += records.length;
    yield { records, cursor: position(i + IDS_PER_CALL >= rest.length), progress: { done } };
  }
}

async function readPersons(d: ReadDeps, ids: number[], signal?: AbortSignal): Promise<PipedrivePerson[]> {
  const page = await d.client.call('read persons', 'GET', 'api/v2/persons', v2List(PersonSchema), { query: { ids: ids.join(','), limit: IDS_PER_CALL }, signal });
  return page.data;
}

/** Persons by id for change hints: one listing call per 100 ids (deleted ones are simply absent). */
export async function fetchPersons(d: ReadDeps, ctx: ConnectorContext, refs: Array<{ objectType: string; recordId: string }>): Promise<RawRecord[]> {
  const ids = [...new Set(refs.filter((r) => r.objectType === 'person' && /^\d+$/.test(r.recordId)).map((r) => Number(r.recordId)))];
  if (ids.length === 0) return [];
  const fields = fieldsByKey(await d.catalog.all({ signal: ctx.signal }));
  const out: RawRecord[] = [];
  for (let i = 0; i < ids.length; i += IDS_PER_CALL) {
    const persons = await readPersons(d, ids.slice(i, i + IDS_PER_CALL), ctx.signal);
    const orgs = await d.orgs.load(persons.map((p) => p.org_id), ctx.signal);
    out.push(...persons.map((p) => toRawRecord(p, fields, p.org_id == null ? null : (orgs.get(p.org_id) ?? null))));
  }
  return out;
}
