import type { ChangeHint, ConnectorContext } from '../kit/connector.types.js';
import { deleteRecords } from './delete-records.js';
import { storeEvents } from './store-events.js';
import { requalifyLeads, storeRecords, type ProcessOutcome } from './process-records.js';
import type { ConnectionRuntime, PipelineDeps } from './pipeline.types.js';

/** Pages being stored or re-qualified at once (their cursors are still saved in order). */
const PAGES_IN_FLIGHT = 2;

export interface SyncProgress {
  pages: number;
  records: number;
  done: number;
  total?: number;
}

export interface SyncOutcome extends ProcessOutcome {
  pages: number;
  records: number;
  /** Records removed because the source reported them deleted. */
  deleted: number;
}

/**
 * Incremental (or full) read of a connection: every page is processed, then its cursor is saved,
 * so a crash or restart resumes after the last finished page. A full sync starts from nothing but
 * still saves the cursor, and the next incremental run continues from where it ended.
 */
export async function runSync(
  deps: PipelineDeps,
  conn: ConnectionRuntime,
  opts: { full: boolean; onPage?: (p: SyncProgress) => unknown; signal?: AbortSignal },
): Promise<SyncOutcome> {
  const ctx = { ...(await conn.context()), signal: opts.signal };
  const out: SyncOutcome = { pages: 0, records: 0, processed: 0, stale: 0, unmappable: 0, writesQueued: 0, deleted: 0 };
  const pages = syncPages(deps, conn, ctx, opts.full)[Symbol.asyncIterator]();
  // Read-ahead of one page: the next request (paced by the vendor's limit) is in flight while this
  // page is stored and scored. Up to PAGES_IN_FLIGHT pages are worked on at once, so one page's
  // store round trips overlap another's mapping and scoring: stores may run side by side (the store
  // serialises writers of the same records and people, as for concurrent workers), while
  // re-qualifications run one page at a time, in page order, each after its own page's store and
  // every earlier one, so the last re-qualification of a lead sees every store that touched it.
  // Cursors are still saved strictly in order, after each page is done.
  let requalifying: Promise<void> = Promise.resolve();
  const inFlight: Array<Promise<void>> = [];
  let next = pages.next();
  try {
    for (;;) {
      const step = await next;
      if (step.done) break;
      const page = step.value;
      next = pages.next();
      next.catch(() => {}); // surfaced when awaited; avoids an unhandled rejection while this page runs
      if (page.deletions?.length) {
        // The same path as pushed deletions; earlier pages are stored first, so none brings a record back.
        while (inFlight.length) await inFlight.shift();
        out.deleted += (await deleteRecords(deps, conn, page.deletions)).deleted;
      }
      const stored = page.store();
      stored.catch(() => {}); // surfaced by this page's re-qualification
      const previous = requalifying;
      requalifying = (async () => {
        const s = await stored;
        await previous;
        const r = s.outcome;
        r.writesQueued = await requalifyLeads(deps, s.touched, conn.store);
        await conn.store.saveCursor(conn.id, page.stream, page.cursor);
        out.pages++;
        out.records += page.size;
        out.processed += r.processed;
        out.stale += r.stale;
        out.unmappable += r.unmappable;
        out.writesQueued += r.writesQueued;
        await opts.onPage?.({ pages: out.pages, records: out.records, done: page.progress?.done ?? out.records, total: page.progress?.total });
      })();
      requalifying.catch(() => {}); // surfaced below, in page order
      inFlight.push(requalifying);
      if (inFlight.length >= PAGES_IN_FLIGHT) await inFlight.shift();
      if (opts.signal?.aborted) break;
    }
    while (inFlight.length) await inFlight.shift();
    if (opts.signal?.aborted) await pages.return?.(undefined);
  } finally {
    await Promise.allSettled([requalifying, ...inFlight]); // pages in flight finish (or fail) before the sync returns
  }
  // Writes left pending by a failed flush (retries exhausted, a crash) get another chance every poll.
  if ((await conn.writes.size()) > 0) await deps.scheduleWriteFlush(conn.id);
  if ((await conn.reads.size()) > 0) await deps.scheduleReadFlush(conn.id);
  deps.logger.info({ connection: conn.id, ...out }, opts.full ? 'full sync finished' : 'incremental sync finished');
  return out;
}

/** One page of either source kind, with how to store it: a people source's records, or an event source's events. */
interface SyncPage {
  /** Whose cursor this page moves: 'records' (people) or 'events'; a system with both keeps two. */
  stream: 'records' | 'events';
  store(): Promise<{ outcome: ProcessOutcome; touched: string[] }>;
  size: number;
  deletions?: ChangeHint[];
  cursor: unknown;
  progress?: { done: number; total?: number };
}

/**
 * The pages of a sync: the people first, then their events (a marketing-automation system has
 * both: leads, then activities), each stream from its own saved cursor. A full sync reads both
 * from the start.
 */
async function* syncPages(deps: PipelineDeps, conn: ConnectionRuntime, ctx: ConnectorContext, full: boolean): AsyncGenerator<SyncPage> {
  const { people, events } = conn.connector;
  const cursorOf = (stream: SyncPage['stream']) => (full ? null : conn.store.getCursor(conn.id, stream));
  if (people) {
    for await (const page of people.poll(ctx, await cursorOf('records'), { full })) {
      yield { ...page, stream: 'records', size: page.records.length, store: () => storeRecords(deps, conn, page.records) };
    }
  }
  if (events && !ctx.signal?.aborted) {
    for await (const page of events.poll(ctx, await cursorOf('events'), { full })) {
      yield { ...page, stream: 'events', size: page.events.length, store: () => storeEvents(deps, conn, page.events) };
    }
  }
}
