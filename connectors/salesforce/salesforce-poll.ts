import { z } from 'zod';
import type { ChangeHint, ConnectorContext, PollPage, RawRecord } from '../../src/kit/index.js';
import type { Mapping } from '../../src/kit/index.js';
import { readPaths } from '../../src/kit/index.js';
import { PayloadError } from '../../src/kit/index.js';
import type { Logger } from 'pino';
import type { SalesforceSession } from './salesforce-auth.js';
import { fieldRequirements, objectOfId, type DescribeCache, type WriteObject } from './salesforce-describe.js';
import { DELETION_STREAMS, readDeletions } from './salesforce-deletions.js';
import { chunks, idList, isoDateTime, queryAll, queryPages, soqlDateTime, soqlId } from './salesforce-soql.js';

/**
 * Reading Leads and Contacts, incrementally and resumably.
 *
 * Each stream is read in (SystemModstamp, Id) order from its saved position with
 *   WHERE SystemModstamp > :ts OR (SystemModstamp = :ts AND Id > :id)
 * so records sharing one timestamp are neither skipped nor read twice, and the cursor in every
 * page is the last record's position: a restart resumes after the last processed page.
 *
 * People come with their engagement attached under `Tasks` (calls, emails), `Events`
 * (meetings) and `CampaignMembers` (campaign responses, with the campaign's name and type).
 * Logging an activity does not reliably touch the person's SystemModstamp, so Task, Event and
 * CampaignMember are streams of their own: a new activity re-reads the person it belongs to.
 * A converted Lead brings its Contact along (Lead Convert moves activities and campaign history
 * there, and later writes go there), so one person stays one canonical lead.
 */

export const PERSON_STREAMS = ['Lead', 'Contact'] as const;
export const ACTIVITY_STREAMS = ['Task', 'Event', 'CampaignMember'] as const;

const Position = z.object({ systemModstamp: z.string(), id: z.string() });
export type Position = z.infer<typeof Position>;

export const SalesforceCursorSchema = z.object({
  version: z.literal(1),
  positions: z.partialRecord(z.enum([...PERSON_STREAMS, ...ACTIVITY_STREAMS]), Position.nullable()),
  /** Per object, where the next "get deleted" window starts (absent: as far back as Salesforce keeps). */
  deleted: z.partialRecord(z.enum(DELETION_STREAMS), z.string()).optional(),
});
export type SalesforceCursor = z.infer<typeof SalesforceCursorSchema>;

/** A cursor from an older shape, or garbage, starts over rather than crash (and says so). */
export function readCursor(cursor: unknown): SalesforceCursor | null {
  if (cursor === null || cursor === undefined) return null;
  const parsed = SalesforceCursorSchema.safeParse(cursor);
  return parsed.success ? parsed.data : null;
}

/** Read when the mapping asks for nothing more: identity, firmographics, status, consent, conversion. */
const BASE_FIELDS: Record<WriteObject, string[]> = {
  Lead: [
    'Id', 'Email', 'FirstName', 'LastName', 'Title', 'Company', 'Website', 'Industry', 'NumberOfEmployees', 'AnnualRevenue',
    'Country', 'LeadSource', 'Status', 'Rating', 'HasOptedOutOfEmail', 'DoNotCall', 'EmailBouncedReason', 'IsEmailBounced', 'IsConverted',
    'ConvertedContactId', 'ConvertedDate', 'CreatedDate', 'LastModifiedDate', 'SystemModstamp',
  ],
  Contact: [
    'Id', 'Email', 'FirstName', 'LastName', 'Title', 'Department', 'AccountId', 'Account.Name', 'Account.Website',
    'Account.Industry', 'Account.NumberOfEmployees', 'Account.AnnualRevenue', 'MailingCountry', 'LeadSource',
    'HasOptedOutOfEmail', 'DoNotCall', 'EmailBouncedReason', 'IsEmailBounced', 'CreatedDate', 'LastModifiedDate', 'SystemModstamp',
  ],
};
const ALWAYS: Record<WriteObject, string[]> = { Lead: ['Id', 'SystemModstamp', 'IsConverted', 'ConvertedContactId'], Contact: ['Id', 'SystemModstamp'] };
/** Keys under which engagement is attached (not fields of the person). */
export const ENGAGEMENT_KEYS = ['Tasks', 'Events', 'CampaignMembers'];

/** Engagement fields wanted; each is selected only if describe shows it (orgs and API versions differ). */
const ACTIVITY_FIELDS: Record<'Task' | 'Event' | 'CampaignMember', string[]> = {
  Task: ['Id', 'WhoId', 'Subject', 'TaskSubtype', 'Type', 'Status', 'ActivityDate', 'CompletedDateTime', 'CreatedDate', 'SystemModstamp'],
  Event: ['Id', 'WhoId', 'Subject', 'Type', 'StartDateTime', 'EndDateTime', 'CreatedDate', 'SystemModstamp'],
  CampaignMember: ['Id', 'LeadId', 'ContactId', 'Status', 'HasResponded', 'FirstRespondedDate', 'CreatedDate', 'SystemModstamp', 'Campaign.Name', 'Campaign.Type'],
};
const ACTIVITY_REQUIRED: Record<'Task' | 'Event' | 'CampaignMember', string[]> = { Task: ['Id', 'WhoId'], Event: ['Id', 'WhoId'], CampaignMember: ['Id', 'LeadId', 'ContactId'] };

export interface ReadContext {
  session: SalesforceSession;
  logger?: Logger;
  describe: DescribeCache;
  mapping: Mapping | null;
  /** Converted Lead id → Contact id, learned while reading (writes go to the Contact). */
  conversions: Map<string, string>;
  /** The field list last selected per object (what a complete record holds). */
  selected: Map<string, string[]>;
  /** Engagement objects this org or user can't query (no access, not enabled): read without them. */
  unavailable: Set<string>;
  /** The time deletion windows end at (tests set it; default the wall clock). */
  now?: () => Date;
}

type ActivityObject = (typeof ACTIVITY_STREAMS)[number];

/**
 * Engagement is optional: a user without access to Campaigns (or an org without them) answers
 * INVALID_TYPE / INVALID_FIELD. The people are still read, without that source, and it is said
 * once in the log; any other failure (limits, auth, outages) propagates as usual.
 */
async function activityQuery(rc: ReadContext, object: ActivityObject, soql: string): Promise<Array<Record<string, unknown>>> {
  if (rc.unavailable.has(object)) return [];
  try {
    return await queryAll(rc.session, soql, object);
  } catch (err) {
    if (err instanceof PayloadError) {
      markUnavailable(rc, object, err.message);
      return [];
    }
    throw err;
  }
}

function markUnavailable(rc: ReadContext, object: ActivityObject, why: string): void {
  rc.unavailable.add(object);
  rc.logger?.warn({ object, err: why }, `Salesforce ${object} cannot be read; people are read without this engagement`);
}

/** The engagement fields this org has (describe), or null when the object can't be read. */
async function activityFields(rc: ReadContext, object: ActivityObject): Promise<string[] | null> {
  if (rc.unavailable.has(object)) return null;
  let info;
  try {
    info = await rc.describe.get(object);
  } catch (err) {
    if (err instanceof PayloadError) {
      markUnavailable(rc, object, err.message);
      return null;
    }
    throw err;
  }
  const missing = ACTIVITY_REQUIRED[object].filter((f) => !info.selectable(f));
  if (missing.length > 0) {
    markUnavailable(rc, object, `no ${missing.join(', ')} field`);
    return null;
  }
  return ACTIVITY_FIELDS[object].filter((f) => info.selectable(f));
}

/** The fields to select for an object: base + what the mapping reads + what qualify writes, that exist in this org. */
export async function selectFields(rc: ReadContext, object: WriteObject): Promise<string[]> {
  const info = await rc.describe.get(object);
  const wanted = new Set([...BASE_FIELDS[object]]);
  if (rc.mapping) {
    for (const p of readPaths(rc.mapping.spec)) if (!ENGAGEMENT_KEYS.includes(p.split('.')[0]!)) wanted.add(p);
    for (const r of fieldRequirements(rc.mapping.outbound)) wanted.add(r.apiName);
    if (rc.mapping.outbound?.stage && object === 'Lead') wanted.add(rc.mapping.outbound.stage.property);
  }
  const fields = [...wanted].filter((f) => info.selectable(f));
  for (const f of ALWAYS[object]) if (!fields.includes(f)) fields.unshift(f);
  rc.selected.set(object, fields);
  return fields;
}

export function cursorCondition(pos: Position | null): string {
  if (!pos) return '';
  const ts = soqlDateTime(pos.systemModstamp);
  return ` WHERE SystemModstamp > ${ts} OR (SystemModstamp = ${ts} AND Id > ${soqlId(pos.id)})`;
}

function positionOf(rec: Record<string, unknown>): Position {
  return { systemModstamp: String(rec.SystemModstamp), id: String(rec.Id) };
}

function toRaw(object: string, rec: Record<string, unknown>): RawRecord {
  return { objectType: object, recordId: String(rec.Id), updatedAt: isoDateTime(rec.SystemModstamp) ?? isoDateTime(rec.LastModifiedDate), raw: rec };
}

/** Attaches Tasks, Events and responded CampaignMembers to each person (3 queries per 200 people). */
async function attachEngagement(rc: ReadContext, object: WriteObject, people: Array<Record<string, unknown>>): Promise<void> {
  const byId = new Map(people.map((p) => [String(p.Id), p]));
  for (const p of people) for (const k of ENGAGEMENT_KEYS) p[k] = [];
  const memberKey = object === 'Lead' ? 'LeadId' : 'ContactId';
  const [taskFields, eventFields, memberFields] = [await activityFields(rc, 'Task'), await activityFields(rc, 'Event'), await activityFields(rc, 'CampaignMember')];
  // Only people who responded to a campaign engaged with it (members who were merely sent it did not).
  const responded = memberFields?.includes('HasResponded') ? 'HasResponded = true AND ' : '';
  for (const ids of chunks([...byId.keys()])) {
    const list = idList(ids);
    const tasks = taskFields ? await activityQuery(rc, 'Task', `SELECT ${taskFields.join(', ')} FROM Task WHERE WhoId IN ${list} ORDER BY Id`) : [];
    const events = eventFields ? await activityQuery(rc, 'Event', `SELECT ${eventFields.join(', ')} FROM Event WHERE WhoId IN ${list} ORDER BY Id`) : [];
    const members = memberFields ? await activityQuery(rc, 'CampaignMember', `SELECT ${memberFields.join(', ')} FROM CampaignMember WHERE ${responded}${memberKey} IN ${list} ORDER BY Id`) : [];
    for (const t of tasks) (byId.get(String(t.WhoId))?.Tasks as unknown[] | undefined)?.push(t);
    for (const e of events) (byId.get(String(e.WhoId))?.Events as unknown[] | undefined)?.push(e);
    for (const m of members) (byId.get(String(m[memberKey]))?.CampaignMembers as unknown[] | undefined)?.push(m);
  }
}

/** Reads people by id (Outbound Message hints, activity streams, converted leads' contacts). */
export async function readPeople(rc: ReadContext, object: WriteObject, ids: string[]): Promise<Array<Record<string, unknown>>> {
  if (ids.length === 0) return [];
  const fields = await selectFields(rc, object);
  const out: Array<Record<string, unknown>> = [];
  for (const part of chunks([...new Set(ids)])) {
    out.push(...(await queryAll(rc.session, `SELECT ${fields.join(', ')} FROM ${object} WHERE Id IN ${idList(part)}`, object)));
  }
  await attachEngagement(rc, object, out);
  return out;
}

/**
 * Turns people read from Salesforce into RawRecords; converted Leads are remembered and their
 * Contacts (when not already among them) are read and added, so the person's current record is
 * always there next to the frozen Lead.
 */
async function withConversions(rc: ReadContext, leads: Array<Record<string, unknown>>, contacts: Array<Record<string, unknown>>): Promise<RawRecord[]> {
  const have = new Set(contacts.map((c) => String(c.Id)));
  const follow: string[] = [];
  for (const l of leads) {
    if (l.IsConverted === true && typeof l.ConvertedContactId === 'string' && l.ConvertedContactId) {
      rc.conversions.set(String(l.Id), l.ConvertedContactId);
      if (!have.has(l.ConvertedContactId)) follow.push(l.ConvertedContactId);
    }
  }
  const followed = await readPeople(rc, 'Contact', follow);
  return [...leads.map((l) => toRaw('Lead', l)), ...[...contacts, ...followed].map((c) => toRaw('Contact', c))];
}

export async function fetchRecords(rc: ReadContext, refs: Array<{ objectType: string; recordId: string }>): Promise<RawRecord[]> {
  const ids: Record<WriteObject, string[]> = { Lead: [], Contact: [] };
  for (const r of refs) {
    const object = objectOfId(r.recordId) ?? (r.objectType === 'Lead' || r.objectType === 'Contact' ? r.objectType : null);
    if (object) ids[object].push(r.recordId);
  }
  const leads = await readPeople(rc, 'Lead', ids.Lead);
  const contacts = await readPeople(rc, 'Contact', ids.Contact);
  return withConversions(rc, leads, contacts);
}

async function latestPosition(rc: ReadContext, stream: ActivityObject): Promise<Position | null> {
  if (!(await activityFields(rc, stream))?.includes('SystemModstamp')) return null;
  const rows = await activityQuery(rc, stream, `SELECT Id, SystemModstamp FROM ${stream} ORDER BY SystemModstamp DESC, Id DESC LIMIT 1`);
  if (rc.unavailable.has(stream)) return null;
  return rows[0] ? positionOf(rows[0]) : { systemModstamp: '1970-01-01T00:00:00Z', id: '000000000000000' };
}

export async function* pollRecords(rc: ReadContext, ctx: ConnectorContext, cursor: unknown, opts: { full: boolean }): AsyncGenerator<PollPage> {
  const saved = opts.full ? null : readCursor(cursor);
  if (cursor && !saved && !opts.full) ctx.logger.warn({ connection: ctx.connection.id }, 'Salesforce sync cursor unreadable: reading everything again');
  const positions: SalesforceCursor['positions'] = { ...(saved?.positions ?? {}) };
  const deleted: NonNullable<SalesforceCursor['deleted']> = { ...(saved?.deleted ?? {}) };
  const snapshot = (): SalesforceCursor => ({ version: 1, positions: { ...positions }, ...(Object.keys(deleted).length && { deleted: { ...deleted } }) });

  // Activity streams start at "now" when the people are read in full: their engagement comes with them.
  for (const s of ACTIVITY_STREAMS) if (!positions[s]) positions[s] = await latestPosition(rc, s);
  const activityStreams = ACTIVITY_STREAMS.filter((s) => !rc.unavailable.has(s) && positions[s]);

  let done = 0;
  let total = 0;
  let yielded = false;
  // Deletions first: the people read after them are current, and a restored record (newer
  // SystemModstamp) comes back after its deletion. A full sync reads what exists and asks none.
  if (!opts.full) {
    const hints: ChangeHint[] = [];
    let asked = false;
    for (const object of DELETION_STREAMS) {
      const window = await readDeletions(rc.session, rc.logger, object, deleted[object] ?? null, rc.now?.() ?? new Date());
      if (!window) continue;
      deleted[object] = window.next;
      hints.push(...window.hints);
      asked = true;
    }
    if (asked) {
      yielded = true;
      yield { records: [], deletions: hints, cursor: snapshot(), progress: { done, total } };
      if (ctx.signal?.aborted) return;
    }
  }
  for (const object of PERSON_STREAMS) {
    const fields = await selectFields(rc, object);
    const soql = `SELECT ${fields.join(', ')} FROM ${object}${cursorCondition(positions[object] ?? null)} ORDER BY SystemModstamp ASC, Id ASC`;
    let first = true;
    for await (const page of queryPages(rc.session, soql, object)) {
      if (first) total += page.totalSize;
      first = false;
      if (page.records.length === 0) continue;
      const people = page.records as Array<Record<string, unknown>>;
      await attachEngagement(rc, object, people);
      const records = object === 'Lead' ? await withConversions(rc, people, []) : await withConversions(rc, [], people);
      positions[object] = positionOf(people[people.length - 1]!);
      done += people.length;
      yielded = true;
      yield { records, cursor: snapshot(), progress: { done, total } };
      if (ctx.signal?.aborted) return;
    }
  }

  for (const stream of activityStreams) {
    if (!(await activityFields(rc, stream))?.includes('SystemModstamp')) continue; // not readable here: people were read without it
    const who = stream === 'CampaignMember' ? 'LeadId, ContactId' : 'WhoId';
    const soql = `SELECT Id, ${who}, SystemModstamp FROM ${stream}${cursorCondition(positions[stream] ?? null)} ORDER BY SystemModstamp ASC, Id ASC`;
    for await (const page of queryPages(rc.session, soql, stream)) {
      if (page.records.length === 0) continue;
      const rows = page.records as Array<Record<string, unknown>>;
      const people = rows.flatMap((r) => [r.WhoId, r.LeadId, r.ContactId]).filter((id): id is string => typeof id === 'string' && !!objectOfId(id));
      const records = await fetchRecords(rc, people.map((id) => ({ objectType: objectOfId(id)!, recordId: id })));
      positions[stream] = positionOf(rows[rows.length - 1]!);
      yielded = true;
      yield { records, cursor: snapshot(), progress: { done, total } };
      if (ctx.signal?.aborted) return;
    }
  }
  // Nothing new anywhere: still hand back the cursor (it may have gained the activity starting points).
  if (!yielded) yield { records: [], cursor: snapshot(), progress: { done, total } };
}
