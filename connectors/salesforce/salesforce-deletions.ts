import { z } from 'zod';
import type { ChangeHint } from '../../src/kit/index.js';
import { PayloadError } from '../../src/kit/index.js';
import type { SalesforceSession } from './salesforce-auth.js';
import { isoDateTime } from './salesforce-soql.js';
import type { Logger } from 'pino';

/**
 * Which Leads and Contacts were deleted: Outbound Messages don't fire on delete and SOQL hides
 * deleted rows, so each incremental sync asks the REST "get deleted" resource
 * (GET sobjects/{type}/deleted?start=&end=) for the window since the last ask. Salesforce ignores
 * seconds, refuses a window under a minute and a start more than 30 days ago, and says how far it
 * looked (latestDateCovered): that is where the next window starts.
 */

export const DELETION_STREAMS = ['Lead', 'Contact'] as const;
export type DeletionObject = (typeof DELETION_STREAMS)[number];

const MINUTE = 60_000;
/** Salesforce keeps deletions for 30 days; a minute's margin keeps the start inside that. */
const RETENTION_MS = 30 * 24 * 60 * MINUTE - MINUTE;
/** Some orgs keep them only 15 days (the REST docs say so): the fallback when 30 is refused. */
const SHORT_RETENTION_MS = 15 * 24 * 60 * MINUTE - MINUTE;

const DeletedResultSchema = z.object({
  deletedRecords: z.array(z.object({ id: z.string().min(15), deletedDate: z.string() })),
  earliestDateAvailable: z.string().nullish(),
  latestDateCovered: z.string().nullish(),
});

export interface DeletionWindow {
  hints: ChangeHint[];
  /** Where the next window starts (ISO). */
  next: string;
}

const floorMinute = (t: number) => Math.floor(t / MINUTE) * MINUTE;
const ceilMinute = (t: number) => Math.ceil(t / MINUTE) * MINUTE;

function parse(raw: unknown, object: DeletionObject): z.infer<typeof DeletedResultSchema> {
  const parsed = DeletedResultSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PayloadError('salesforce', `Salesforce deleted ${object} answered an unexpected shape at ${issue?.path.join('.') || '(root)'}: ${issue?.message}`, { body: raw });
  }
  return parsed.data;
}

async function ask(session: SalesforceSession, object: DeletionObject, start: number, end: number) {
  // Through the session's call wrapper: Sforce-Limit-Info is read and the budget rules apply.
  const raw = await session.run(`deleted ${object}`, (conn) => conn.sobject(object).deleted(new Date(start), new Date(end)));
  return parse(raw, object);
}

/**
 * The deletions of one object since `from` (null: as far back as Salesforce keeps them), or null
 * when less than a minute has passed (nothing asked; the window stays open).
 */
export async function readDeletions(
  session: SalesforceSession,
  logger: Logger | undefined,
  object: DeletionObject,
  from: string | null,
  now: Date,
): Promise<DeletionWindow | null> {
  const end = floorMinute(now.getTime());
  const oldest = ceilMinute(end - RETENTION_MS);
  let start = from ? floorMinute(Date.parse(from)) : oldest;
  if (Number.isNaN(start)) start = oldest;
  if (start < oldest) {
    logger?.warn({ object, from, start: new Date(oldest).toISOString() }, `Salesforce keeps deleted ${object}s for 30 days only: asking from then; older deletions may be missed (a full sync does not remove them either)`);
    start = oldest;
  }
  if (end - start < MINUTE) return null;

  let result;
  try {
    result = await ask(session, object, start, end);
  } catch (err) {
    const shorter = ceilMinute(end - SHORT_RETENTION_MS);
    if (!(err instanceof PayloadError) || !err.message.includes('INVALID_REPLICATION_DATE') || start >= shorter) throw err;
    logger?.warn({ object, start: new Date(shorter).toISOString(), err: err.message }, `Salesforce refused the deleted ${object}s window: asking from 15 days ago; older deletions may be missed`);
    start = shorter;
    result = await ask(session, object, start, end);
  }
  const earliest = isoDateTime(result.earliestDateAvailable);
  if (earliest && Date.parse(earliest) > start) {
    logger?.warn({ object, earliestDateAvailable: earliest, start: new Date(start).toISOString() }, `Salesforce purged deleted ${object}s before earliestDateAvailable: deletions in between may be missed`);
  }
  const hints: ChangeHint[] = [];
  for (const r of result.deletedRecords) {
    const occurredAt = isoDateTime(r.deletedDate);
    if (!occurredAt) throw new PayloadError('salesforce', `Salesforce deleted ${object} answered deletedRecords.deletedDate ${JSON.stringify(r.deletedDate)}, not a date-time`);
    hints.push({ kind: 'deletion', deletion: 'deleted', objectType: object, recordId: r.id, occurredAt, dedupeKey: `salesforce:deleted:${r.id}:${occurredAt}` });
  }
  const covered = isoDateTime(result.latestDateCovered);
  return { hints, next: covered ?? new Date(end).toISOString() };
}
