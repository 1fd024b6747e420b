import { z } from 'zod';
import type { ConnectorContext, PollPage, RawRecord } from '../../src/kit/index.js';
import { PayloadError } from '../../src/kit/index.js';
import type { HubSpotClient } from './hubspot-client.js';
import {
  HubSpotBatchResponseSchema,
  HubSpotSearchPageSchema,
  type HubSpotContact,
  type HubSpotSearchPage,
} from './provider.schema.js';

/**
 * Incremental sync through the search API (POST /crm/v3/objects/contacts/search,
 * https://developers.hubspot.com/docs/api-reference/search/guide).
 *
 * The search API stops at 10,000 results per query (paging past it is a 400), and HubSpot's own
 * bulk updates can give more than 10,000 contacts one `lastmodifieddate`. Paging by `after`
 * inside a time window therefore loops or loses records (airbyte#43317). Instead, each window
 * [since, until] (until = the sync's start, so the window is closed) is read by keyset on the
 * id: sorted by hs_object_id, every request asks for `hs_object_id > last id seen`, and never
 * sends `after`. No query ever pages, however many records share a timestamp.
 *
 * The cursor after each page is (since, until, afterId): a crash resumes inside the window.
 * When a window ends, the next starts at `until - indexLagMs` (GTE, inclusive), because the
 * search index lags writes by "a few moments"; records read twice are harmless (the store
 * ignores versions it already has).
 *
 * A contact modified while its window is being read moves past `until` and is read by the
 * next sync.
 */

export const SEARCH_PAGE_SIZE = 200;
/** HubSpot refuses more than 50 inputs when a batch read asks for property history. */
export const HISTORY_BATCH_SIZE = 50;
export const READ_BATCH_SIZE = 100;

export const HubSpotCursorSchema = z
  .object({
    v: z.literal(1),
    /** Inclusive lower bound (ms) of the window being read, or of the next one. */
    since: z.number().int().nonnegative(),
    /** Inclusive upper bound (ms) of the window being read; null between windows. */
    until: z.number().int().nonnegative().nullable(),
    /** Highest contact id read in this window; null at the window's start. */
    afterId: z.string().regex(/^\d+$/).nullable(),
  })
  .strict();
export type HubSpotCursor = z.infer<typeof HubSpotCursorSchema>;

export interface ReadOptions {
  /** Properties the mapping reads (readProperties(mapping)). */
  properties: string[];
  /** Properties whose history the mapping reads (historyProperties(mapping)): engagement events. */
  historyProperties: string[];
  /**
   * Which search results get a second read with property history:
   * 'when-set' (default) only contacts with a value in one of the history properties (a contact
   * with no conversion has no conversion history), 'all', or 'none'.
   */
  historyMode?: 'when-set' | 'all' | 'none';
  /** How far each window reaches back behind the previous one's end. Default 60 s. */
  indexLagMs?: number;
  now?: () => number;
}

/** The properties every read needs besides the mapping's: the cursor's and the id. */
const CURSOR_PROPERTIES = ['lastmodifieddate', 'hs_object_id', 'createdate'];

export function readPropertyList(opts: ReadOptions): string[] {
  // needsHistory decides on num_conversion_events: read it whenever conversion history may be wanted.
  const counters = opts.historyProperties.includes('recent_conversion_event_name') ? ['num_conversion_events'] : [];
  return [...new Set([...CURSOR_PROPERTIES, ...opts.properties, ...counters])];
}

export function parseCursor(cursor: unknown): HubSpotCursor {
  const parsed = HubSpotCursorSchema.safeParse(cursor);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new PayloadError('hubspot', `The saved HubSpot sync cursor is invalid at ${issue.path.join('.') || '(root)'}: ${issue.message}. Run a full sync (qualify sync hubspot --full) to start over.`, { body: cursor });
}

export function toRawRecord(c: HubSpotContact): RawRecord {
  const modified = c.properties.lastmodifieddate ?? c.updatedAt;
  const time = Date.parse(modified);
  return { objectType: 'contact', recordId: c.id, updatedAt: Number.isNaN(time) ? null : new Date(time).toISOString(), raw: c };
}

export async function* pollContacts(
  client: HubSpotClient,
  ctx: ConnectorContext,
  cursor: unknown | null,
  opts: ReadOptions & { full: boolean },
): AsyncGenerator<PollPage> {
  const now = opts.now ?? Date.now;
  const indexLagMs = opts.indexLagMs ?? 60_000;
  const start: HubSpotCursor = opts.full || cursor === null || cursor === undefined ? { v: 1, since: 0, until: null, afterId: null } : parseCursor(cursor);
  const window = { since: start.since, until: start.until ?? Math.max(start.since, now()) };
  const afterId = start.afterId;
  let done = 0;
  let total: number | undefined;
  const properties = readPropertyList(opts);

  ctx.logger.info({ since: new Date(window.since).toISOString(), until: new Date(window.until).toISOString(), afterId, full: opts.full }, 'hubspot poll window');

  const search = async (after: string | null): Promise<HubSpotSearchPage> => {
    const filters = [
      { propertyName: 'lastmodifieddate', operator: 'GTE', value: String(window.since) },
      { propertyName: 'lastmodifieddate', operator: 'LTE', value: String(window.until) },
      ...(after === null ? [] : [{ propertyName: 'hs_object_id', operator: 'GT', value: after }]),
    ];
    const request = {
      filterGroups: [{ filters }],
      // The SDK types `sorts` as string[]; HubSpot documents objects and the SDK passes them through.
      sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }] as unknown as string[],
      properties,
      limit: SEARCH_PAGE_SIZE,
    };
    const response = await client.call(
      'contact search',
      'search',
      (sdk) => sdk.crm.contacts.searchApi.doSearch(request as Parameters<typeof sdk.crm.contacts.searchApi.doSearch>[0]),
      ctx.signal,
    );
    return client.parse(HubSpotSearchPageSchema, response, 'contact search');
  };

  // Searches run ahead of the caller, one after another (each asks for ids after the previous
  // page's last), as fast as search's own 5 requests/s allow; each page's history reads start as
  // soon as its search returns and run beside the next searches, on the burst budget. So neither
  // the history reads nor the caller's processing of a page hold up the next search. Pages are
  // still yielded strictly in order, and at most READ_AHEAD_PAGES wait in memory.
  const ahead = new ReadAhead<{ page: HubSpotSearchPage; contacts: Promise<HubSpotContact[]> }>(READ_AHEAD_PAGES);
  const searcher = (async () => {
    let after = afterId;
    for (;;) {
      if (!(await ahead.room()) || ctx.signal?.aborted) return ahead.end();
      const page = await search(after);
      const contacts = withHistory(client, ctx, page.results, opts);
      contacts.catch(() => undefined); // surfaced when the caller reaches this page
      ahead.push({ page, contacts });
      const last = page.results.at(-1);
      // HubSpot sends paging.next only when more results match; its `after` is never used (keyset on id instead).
      if (last === undefined || page.paging?.next === undefined) return ahead.end();
      after = last.id;
    }
  })();
  searcher.catch((err: unknown) => ahead.fail(err));

  try {
    if (ctx.signal?.aborted) return;
    for (;;) {
      const item = await ahead.take();
      if (item === null) return;
      const { page } = item;
      const contacts = await item.contacts;
      total ??= page.total;
      const last = page.results.at(-1);
      const more = last !== undefined && page.paging?.next !== undefined;
      done += page.results.length;
      const next: HubSpotCursor = more
        ? { v: 1, since: window.since, until: window.until, afterId: last.id }
        : { v: 1, since: Math.max(window.since, window.until - indexLagMs), until: null, afterId: null };
      yield { records: contacts.map(toRawRecord), cursor: next, progress: { done, total: Math.max(total, done) } };
      if (!more || ctx.signal?.aborted) return;
    }
  } finally {
    ahead.close(); // the searcher stops before its next search; pages read ahead are dropped
  }
}

/** How many search pages may be read ahead of the caller (searched, history being read or done). */
export const READ_AHEAD_PAGES = 3;

/**
 * A bounded, ordered hand-over between one producer and one consumer: the producer waits for
 * room, the consumer for the next item; a failure reaches the consumer after the items before it.
 */
class ReadAhead<T> {
  private items: T[] = [];
  private ended = false;
  private closed = false;
  private error: { err: unknown } | null = null;
  private wakeConsumer: (() => void) | null = null;
  private wakeProducer: (() => void) | null = null;

  constructor(private readonly capacity: number) {}

  /** Resolves true when there is room for one more item, false once the consumer has closed. */
  async room(): Promise<boolean> {
    while (!this.closed && this.items.length >= this.capacity) await new Promise<void>((r) => (this.wakeProducer = r));
    return !this.closed;
  }

  push(item: T): void {
    this.items.push(item);
    this.wake();
  }

  end(): void {
    this.ended = true;
    this.wake();
  }

  fail(err: unknown): void {
    this.error = { err };
    this.wake();
  }

  /** The next item in order; null once the producer has ended and everything was taken. */
  async take(): Promise<T | null> {
    for (;;) {
      const item = this.items.shift();
      if (item !== undefined) {
        this.wakeProducer?.();
        this.wakeProducer = null;
        return item;
      }
      if (this.error) throw this.error.err;
      if (this.ended) return null;
      await new Promise<void>((r) => (this.wakeConsumer = r));
    }
  }

  close(): void {
    this.closed = true;
    this.items = [];
    this.wakeProducer?.();
    this.wakeProducer = null;
  }

  private wake(): void {
    this.wakeConsumer?.();
    this.wakeConsumer = null;
  }
}

/**
 * Whether a contact's history holds something its current properties don't. A contact with no
 * value in a history property has no history; and HubSpot keeps the first and the most recent
 * form conversion as properties of their own (first_conversion_*, recent_conversion_*), so a
 * contact with at most two conversions (num_conversion_events) is complete without a second read.
 * This keeps a backfill's extra reads (50 contacts a call, on the account's burst budget) to the
 * contacts that need them.
 */
export function needsHistory(c: HubSpotContact, historyProperties: string[]): boolean {
  if (!historyProperties.some((p) => (c.properties[p] ?? '') !== '')) return false;
  const onlyConversions = historyProperties.every((p) => p === 'recent_conversion_event_name');
  const count = c.properties.num_conversion_events;
  // Unknown count (not read, or blank): the history is the only way to be sure.
  if (!onlyConversions || count === undefined || count === null || count === '' || !Number.isFinite(Number(count))) return true;
  return Number(count) > 2;
}

/** Replaces search results with a batch read that carries property history, where wanted. */
async function withHistory(client: HubSpotClient, ctx: ConnectorContext, contacts: HubSpotContact[], opts: ReadOptions): Promise<HubSpotContact[]> {
  const mode = opts.historyMode ?? 'when-set';
  if (mode === 'none' || opts.historyProperties.length === 0 || contacts.length === 0) return contacts;
  const wanted = mode === 'all' ? contacts : contacts.filter((c) => needsHistory(c, opts.historyProperties));
  if (wanted.length === 0) return contacts;
  const read = await batchRead(client, ctx, wanted.map((c) => c.id), opts, true);
  const byId = new Map(read.map((c) => [c.id, c]));
  return contacts.map((c) => byId.get(c.id) ?? c);
}

/**
 * POST /crm/v3/objects/contacts/batch/read, in chunks of 100 (50 when asking for history).
 * Ids HubSpot doesn't know (deleted, merged away) are simply absent from the result.
 */
export async function batchRead(client: HubSpotClient, ctx: ConnectorContext, ids: string[], opts: ReadOptions, history: boolean): Promise<HubSpotContact[]> {
  const size = history ? HISTORY_BATCH_SIZE : READ_BATCH_SIZE;
  const properties = readPropertyList(opts);
  const chunks: string[][] = [];
  for (let i = 0; i < ids.length; i += size) chunks.push(ids.slice(i, i + size));
  // The chunks go out together; the shared limiter paces them. Results keep the chunks' order.
  const reads = chunks.map(async (chunk) => {
    const response = await client.call(
      'contact batch read',
      'standard',
      (sdk) =>
        sdk.crm.contacts.batchApi.read({
          inputs: chunk.map((id) => ({ id })),
          properties,
          propertiesWithHistory: history ? opts.historyProperties : [],
        }),
      ctx.signal,
    );
    const parsed = client.parse(HubSpotBatchResponseSchema, response, 'contact batch read');
    if (parsed.errors?.length) {
      ctx.logger.debug({ errors: parsed.errors.map((e) => e.message) }, 'hubspot batch read: some contacts were not found');
    }
    return parsed.results;
  });
  return (await Promise.all(reads)).flat();
}
