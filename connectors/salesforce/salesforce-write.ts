import type { Logger } from 'pino';
import { z } from 'zod';
import type { WriteOutcome, WriteRequest } from '../../src/kit/index.js';
import { TransientError } from '../../src/kit/index.js';
import type { Mapping } from '../../src/kit/index.js';
import type { SalesforceSession } from './salesforce-auth.js';
import { objectOfId, type DescribeCache, type DescribeField, type ObjectInfo, type WriteObject } from './salesforce-describe.js';
import { isRecordErrorTransient } from './salesforce-errors.js';
import { chunks, idList, queryAll } from './salesforce-soql.js';

/**
 * Writing qualify's results to Leads and Contacts.
 *
 * - sObject Collections (`PATCH composite/sobjects`, ≤ 200 records, `allOrNone: false`): one
 *   SaveResult per record, in order; each becomes that record's WriteOutcome.
 * - Bulk API 2.0 ingest (update jobs) when one write carries at least `bulkThreshold` records.
 * - A converted Lead is read-only: its write goes to its Contact (ConvertedContactId), without
 *   the Lead Status (Contacts have none). Conversions are learned while reading; a Lead converted
 *   since is caught by its CANNOT_UPDATE_CONVERTED_LEAD result, looked up, and written again.
 * - Values are sent typed from describe (numbers as numbers, "" as null), and text is cut to the
 *   field's length, so a long reason never fails a record.
 */

export const MAX_COLLECTION = 200;

export interface WriteContext {
  session: SalesforceSession;
  describe: DescribeCache;
  mapping: Mapping | null;
  conversions: Map<string, string>;
  bulkThreshold: number;
  bulkPoll: { intervalMs: number; timeoutMs: number };
  logger: Logger;
}

const SaveResultSchema = z.object({
  id: z.string().nullable().optional(),
  success: z.boolean(),
  errors: z.array(z.looseObject({ statusCode: z.string(), message: z.string(), fields: z.array(z.string()).optional() })).default([]),
});
const SaveResultsSchema = z.array(SaveResultSchema);
type SaveResult = z.infer<typeof SaveResultSchema>;

interface Target {
  object: WriteObject;
  id: string;
  fields: Record<string, string | number | boolean | null>;
  /** Indexes into the request batch served by this target. */
  requests: number[];
}

const NUMERIC = new Set(['double', 'int', 'currency', 'percent', 'long']);

/** A property value typed for its field; an Error says why it can't be sent. */
export function typedValue(field: DescribeField, value: string): string | number | boolean | null | Error {
  if (value === '') return null;
  if (NUMERIC.has(field.type)) {
    const n = Number(value);
    return Number.isFinite(n) ? n : new Error(`${field.name} is a ${field.type} field; "${value}" is not a number`);
  }
  if (field.type === 'boolean') return value === 'true' || value === '1';
  const max = field.length ?? 0;
  if (max > 0 && value.length > max) return value.slice(0, Math.max(0, max - 1)) + '…';
  return value;
}

function stageProperty(wc: WriteContext): string | null {
  return wc.mapping?.outbound?.stage?.property ?? null;
}

function describeErrors(r: SaveResult): { code: string; text: string } {
  const first = r.errors[0];
  const text = r.errors.map((e) => `${e.statusCode}: ${e.message}${e.fields?.length ? ` (fields: ${e.fields.join(', ')})` : ''}`).join('; ');
  return { code: first?.statusCode ?? 'UNKNOWN', text: text || 'Salesforce reported a failure without details' };
}

/** Requests → deduplicated targets (a converted lead and its contact in one batch become one write). */
type Described = Partial<Record<WriteObject, ObjectInfo>>;

function ownObject(req: WriteRequest): WriteObject | null {
  return objectOfId(req.recordId) ?? (req.objectType === 'Lead' || req.objectType === 'Contact' ? req.objectType : null);
}

/** Describes only the objects this write touches (a describe is an API call too). */
async function describeFor(wc: WriteContext, batch: WriteRequest[], extra: WriteObject[] = []): Promise<Described> {
  const objects = new Set<WriteObject>(extra);
  for (const req of batch) {
    const own = ownObject(req);
    if (own) objects.add(own === 'Lead' && wc.conversions.has(req.recordId) ? 'Contact' : own);
  }
  const info: Described = {};
  for (const o of objects) info[o] = await wc.describe.get(o);
  return info;
}

function plan(wc: WriteContext, batch: WriteRequest[], info: Described, outcomes: Array<WriteOutcome | undefined>): Target[] {
  const targets = new Map<string, Target>();
  const stage = stageProperty(wc);
  batch.forEach((req, i) => {
    const own = ownObject(req);
    if (!own) {
      outcomes[i] = { recordId: req.recordId, ok: false, permanent: true, status: null, message: `${req.recordId} is not a Lead or Contact id` };
      return;
    }
    const contact = own === 'Lead' ? wc.conversions.get(req.recordId) : undefined;
    const object: WriteObject = contact ? 'Contact' : own;
    const id = contact ?? req.recordId;
    const fields: Target['fields'] = {};
    for (const [name, value] of Object.entries(req.properties)) {
      // The Lead Status belongs to Leads: a Contact (or a converted lead's Contact) has none.
      if (object === 'Contact' && name === stage) continue;
      const field = info[object]!.field(name);
      if (!field) {
        outcomes[i] = { recordId: req.recordId, ok: false, permanent: true, status: null, message: `${object}.${name} does not exist in this org (see the setup report: create the field or fix mappings/salesforce.yaml)` };
        return;
      }
      const typed = typedValue(field, value);
      if (typed instanceof Error) {
        outcomes[i] = { recordId: req.recordId, ok: false, permanent: true, status: null, message: typed.message };
        return;
      }
      fields[field.name] = typed;
    }
    const key = `${object}:${id}`;
    const t = targets.get(key) ?? { object, id, fields: {}, requests: [] };
    Object.assign(t.fields, fields);
    t.requests.push(i);
    targets.set(key, t);
  });
  // Leads first, then Contacts: Salesforce processes a mixed list in chunks per type change (at most 10).
  return [...targets.values()].sort((a, b) => (a.object === b.object ? 0 : a.object === 'Lead' ? -1 : 1));
}

async function patchCollection(wc: WriteContext, targets: Target[]): Promise<SaveResult[]> {
  const body = JSON.stringify({
    allOrNone: false,
    records: targets.map((t) => ({ attributes: { type: t.object }, id: t.id, ...t.fields })),
  });
  const raw = await wc.session.run('sObject Collections update', (conn) =>
    conn.request({ method: 'PATCH', url: '/composite/sobjects', body, headers: { 'content-type': 'application/json' } }),
  );
  const parsed = SaveResultsSchema.safeParse(raw);
  if (!parsed.success || parsed.data.length !== targets.length) {
    throw new TransientError('salesforce', `Salesforce sObject Collections answered ${parsed.success ? `${parsed.data.length} results for ${targets.length} records` : 'an unexpected shape'}`, { body: raw });
  }
  return parsed.data;
}

/** Sequential calls of ≤ 200 records (one write rarely carries more; bulk takes over above the threshold). */
async function collections(wc: WriteContext, targets: Target[]): Promise<SaveResult[]> {
  const out: SaveResult[] = [];
  for (const part of chunks(targets, MAX_COLLECTION)) out.push(...(await patchCollection(wc, part)));
  return out;
}

interface BulkRow {
  [k: string]: string | undefined;
}

/** One Bulk API 2.0 update job per object and field set (a CSV has one header). */
async function bulkUpdate(wc: WriteContext, targets: Target[]): Promise<SaveResult[]> {
  const results = new Map<string, SaveResult>();
  const groups = new Map<string, Target[]>();
  for (const t of targets) {
    const key = `${t.object}|${Object.keys(t.fields).sort().join(',')}`;
    groups.set(key, [...(groups.get(key) ?? []), t]);
  }
  for (const group of groups.values()) {
    const object = group[0]!.object;
    const res = await wc.session.run(`Bulk API 2.0 update of ${group.length} ${object} records`, async (conn) => {
      const job = conn.bulk2.createJob({ object, operation: 'update' });
      await job.open();
      try {
        await job.uploadData(group.map((t) => ({ Id: t.id, ...t.fields })));
        await job.close();
        await job.poll(wc.bulkPoll.intervalMs, wc.bulkPoll.timeoutMs);
      } catch (err) {
        if ((err as Error).name !== 'JobPollingTimeoutError') await job.abort().catch(() => undefined);
        throw err;
      }
      return job.getAllResults();
    });
    const rowId = (r: BulkRow) => r.Id || r.sf__Id || '';
    for (const r of res.successfulResults as unknown as BulkRow[]) results.set(rowId(r), { id: rowId(r), success: true, errors: [] });
    for (const r of res.failedResults as unknown as BulkRow[]) {
      const [code, ...rest] = String(r.sf__Error ?? 'UNKNOWN:no error text').split(':');
      const message = rest.join(':').replace(/:[^:]*$/, '') || String(r.sf__Error);
      results.set(rowId(r), { success: false, errors: [{ statusCode: code || 'UNKNOWN', message }] });
    }
    for (const r of res.unprocessedRecords as unknown as BulkRow[]) {
      results.set(rowId(r), { success: false, errors: [{ statusCode: 'SERVER_UNAVAILABLE', message: 'not processed by the bulk job' }] });
    }
  }
  return targets.map((t) => results.get(t.id) ?? { success: false, errors: [{ statusCode: 'SERVER_UNAVAILABLE', message: 'missing from the bulk job results' }] });
}

function settle(batch: WriteRequest[], t: Target, r: SaveResult, outcomes: Array<WriteOutcome | undefined>, wc: WriteContext): void {
  const { code, text } = describeErrors(r);
  for (const i of t.requests) {
    const req = batch[i]!;
    if (r.success) {
      // Everything asked is now settled: a converted lead's Status is not writable anywhere, and
      // recording it keeps the pipeline from asking again.
      outcomes[i] = { recordId: req.recordId, ok: true, written: { ...req.properties } };
      if (t.id !== req.recordId) wc.logger.debug({ lead: req.recordId, contact: t.id }, 'converted lead written on its contact');
    } else {
      outcomes[i] = { recordId: req.recordId, ok: false, permanent: !isRecordErrorTransient(code), status: null, message: `${t.object} ${t.id}: ${text}` };
    }
  }
}

export async function writeRecords(wc: WriteContext, batch: WriteRequest[]): Promise<WriteOutcome[]> {
  if (batch.length === 0) return [];
  const info = await describeFor(wc, batch);
  const outcomes: Array<WriteOutcome | undefined> = new Array(batch.length);
  const targets = plan(wc, batch, info, outcomes);
  const useBulk = targets.length >= wc.bulkThreshold;
  const results = useBulk ? await bulkUpdate(wc, targets) : await collections(wc, targets);

  // Leads converted since we last read them: find their Contacts and write there instead.
  const converted: number[] = [];
  targets.forEach((t, k) => {
    const r = results[k]!;
    if (!r.success && describeErrors(r).code === 'CANNOT_UPDATE_CONVERTED_LEAD') converted.push(...t.requests);
    else settle(batch, t, r, outcomes, wc);
  });
  if (converted.length > 0) {
    const leadIds = [...new Set(converted.map((i) => batch[i]!.recordId))];
    const rows: Array<Record<string, unknown>> = [];
    for (const ids of chunks(leadIds)) rows.push(...(await queryAll(wc.session, `SELECT Id, ConvertedContactId FROM Lead WHERE Id IN ${idList(ids)}`, 'converted Lead')));
    for (const row of rows) if (typeof row.ConvertedContactId === 'string') wc.conversions.set(String(row.Id), row.ConvertedContactId);
    // Planned again, the known conversions now route these requests to their Contacts.
    info.Contact ??= await wc.describe.get('Contact');
    const sub = converted.map((i) => batch[i]!);
    const subOutcomes: Array<WriteOutcome | undefined> = new Array(sub.length);
    const subTargets = plan(wc, sub, info, subOutcomes).filter((t) => t.object === 'Contact');
    const subResults = await collections(wc, subTargets);
    subTargets.forEach((t, k) => settle(sub, t, subResults[k]!, subOutcomes, wc));
    converted.forEach((i, k) => {
      outcomes[i] = subOutcomes[k] ?? { recordId: batch[i]!.recordId, ok: false, permanent: true, status: null, message: `Lead ${batch[i]!.recordId} is converted but its Contact could not be found` };
    });
  }
  return outcomes.map((o, i) => o ?? { recordId: batch[i]!.recordId, ok: false, permanent: false, status: null, message: 'no result from Salesforce for this record' });
}
