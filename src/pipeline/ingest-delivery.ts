import type { Redis } from 'ioredis';
import type { ChangeHint } from '../connectors/connector.types.js';
import { echoFilter } from './echo-filter.js';
import { processRecords } from './process-records.js';
import type { ConnectionRuntime, PipelineDeps } from './pipeline.types.js';

/** HubSpot retries a delivery for up to 24 h: a seen event is remembered that long. */
const SEEN_TTL_S = 24 * 3600;

export interface IngestOutcome {
  duplicates: number;
  echoes: number;
  reads: number;
  processed: number;
}

/**
 * Handles one webhook delivery. Each event counts once (its dedupe key is remembered for 24 h);
 * echoes of qualify's own writes are dropped; the rest mark their records for a coalesced batch
 * read (or, when the notification carried the record, are processed at once). The seen-markers
 * are set only after the work is durably queued, so a crash in between means a harmless re-read,
 * never a lost event.
 */
export async function ingestDelivery(deps: PipelineDeps, redis: Redis, prefix: string, conn: ConnectionRuntime, hints: ChangeHint[]): Promise<IngestOutcome> {
  const out: IngestOutcome = { duplicates: 0, echoes: 0, reads: 0, processed: 0 };
  const keys = hints.map((h) => `${prefix}:seen:${conn.id}:${h.dedupeKey}`);
  const seen = keys.length ? await redis.mget(...keys) : [];
  const fresh: ChangeHint[] = [];
  const freshKeys: string[] = [];
  const inBatch = new Set<string>();
  hints.forEach((h, i) => {
    if (seen[i] !== null || inBatch.has(keys[i]!)) {
      out.duplicates++;
      return;
    }
    inBatch.add(keys[i]!);
    fresh.push(h);
    freshKeys.push(keys[i]!);
  });

  const carried = fresh.filter((h) => h.record);
  if (carried.length) {
    await processRecords(deps, conn, carried.map((h) => h.record!));
    out.processed = carried.length;
  }
  const hinted = fresh.filter((h) => !h.record);
  const isEcho = await echoFilter(deps, conn, hinted);
  const toRead = hinted.filter((h) => !isEcho(h));
  out.echoes = hinted.length - toRead.length;
  if (toRead.length) {
    await conn.reads.put(toRead.map((h) => ({ id: h.recordId, payload: { objectType: h.objectType } })));
    await deps.scheduleReadFlush(conn.id);
    out.reads = new Set(toRead.map((h) => h.recordId)).size;
  }
  if (freshKeys.length) {
    const multi = redis.multi();
    for (const k of freshKeys) multi.set(k, '1', 'EX', SEEN_TTL_S);
    await multi.exec();
  }
  return out;
}
