import type { WriteRequest } from '../kit/connector.types.js';
import type { PendingItem } from './pending-set.js';
import type { ConnectionRuntime, PendingWrite, PipelineDeps } from './pipeline.types.js';

export interface FlushOutcome {
  calls: number;
  written: number;
  failed: number;
}

/**
 * Batch calls in flight at once within one flush. The shared rate limiter, not this number, sets
 * the pace: with one call at a time, each call's round trip plus its ledger update (~100 ms) would
 * stretch 100 calls past the ten-second window they are allowed in.
 */
export const CALLS_IN_FLIGHT = 4;

/**
 * Drains a connection's pending writes in batches of the connector's maximum. Each batch's
 * per-record outcomes are settled on their own: written records update the ledger (what the CRM
 * now holds from us, for change and echo detection); permanent failures are recorded with the
 * vendor's message (shown by `qualify status`) and leave the queue; transient errors propagate so
 * the job retries with backoff while the items stay pending. Rate limits are the connector's
 * (shared limiter) and the worker's business.
 */
export async function flushWrites(
  deps: PipelineDeps,
  conn: ConnectionRuntime,
  opts: { maxBatches?: number; shouldStop?: () => boolean } = {},
): Promise<FlushOutcome & { stopped: boolean }> {
  const outcome = { calls: 0, written: 0, failed: 0, stopped: false };
  const ctx = await conn.context();
  const target = conn.connector.writes;
  if (!target) return outcome; // a read-only source (analytics): nothing is ever written back
  const bulk = target.bulk;
  while (outcome.calls < (opts.maxBatches ?? Infinity)) {
    // Shutting down: stop between rounds; what is left stays pending for the next flush.
    if (opts.shouldStop?.()) {
      outcome.stopped = (await conn.writes.size()) > 0;
      break;
    }
    // A backlog above the connector's bulk threshold goes out as one bulk job (Salesforce Bulk API 2.0).
    const useBulk = !!bulk && (await conn.writes.size()) >= bulk.threshold;
    const size = useBulk ? bulk!.maxBatch : target.maxBatch;
    const calls = useBulk ? 1 : Math.min(CALLS_IN_FLIGHT, (opts.maxBatches ?? Infinity) - outcome.calls);
    const items = await conn.writes.peek(size * calls);
    if (items.length === 0) break;
    const batches = Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
    const settled = await Promise.allSettled(batches.map((batch) => writeBatch(deps, conn, ctx, batch)));
    let progressed = false;
    for (const s of settled) {
      if (s.status === 'rejected') continue;
      outcome.calls++;
      outcome.written += s.value.written;
      outcome.failed += s.value.failed;
      progressed ||= s.value.settled > 0;
    }
    // Every batch settles its own records; the first failure then decides the job's fate (retry,
    // wait out a rate limit, park): the others' results are already safe.
    const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failure) throw failure.reason;
    if (!progressed) break; // nothing settled: avoid spinning on the same batch
  }
  return outcome;
}

async function writeBatch(
  deps: PipelineDeps,
  conn: ConnectionRuntime,
  ctx: Awaited<ReturnType<ConnectionRuntime['context']>>,
  items: Array<PendingItem<PendingWrite>>,
): Promise<{ written: number; failed: number; settled: number }> {
  const requests: WriteRequest[] = items.map((it) => ({
    objectType: it.payload.objectType,
    recordId: it.id,
    properties: it.payload.properties,
    current: it.payload.current,
  }));
  const started = performance.now();
  const results = await conn.connector.writes!.write(ctx, requests);
  // Only a deletion removes a pending write while its flush runs (deleteRecords): the record is
  // gone from the store, so neither a ledger entry nor a write error of it may come back.
  const stillPending = await conn.writes.getMany(items.map((it) => it.id));
  const settledIds = new Set<string>();
  const ledger: Array<{ recordId: string; properties: Record<string, string> }> = [];
  let failed = 0;
  for (const r of results) {
    settledIds.add(r.recordId);
    if (!stillPending.has(r.recordId)) continue;
    if (r.ok) {
      ledger.push({ recordId: r.recordId, properties: r.written });
    } else if (r.permanent) {
      failed++;
      const item = items.find((it) => it.id === r.recordId);
      await conn.store.recordWriteError({
        connectionId: conn.id,
        recordId: r.recordId,
        status: r.status,
        message: r.message,
        payload: item?.payload.properties ?? {},
      });
      deps.logger.warn({ connection: conn.id, recordId: r.recordId, status: r.status, message: r.message }, 'write refused by the CRM; recorded');
    } else {
      settledIds.delete(r.recordId); // transient for this record: stays pending
    }
  }
  if (ledger.length) {
    // The ledger holds the full set of values we own on the record; a write carries only the changes.
    const before = await conn.store.getLastWrittenMany(conn.id, ledger.map((l) => l.recordId));
    await conn.store.saveLastWritten(
      conn.id,
      ledger.map((l) => ({ recordId: l.recordId, properties: { ...(before.get(l.recordId) ?? {}), ...l.properties } })),
    );
  }
  await conn.writes.complete(items.filter((it) => settledIds.has(it.id)));
  deps.metrics?.writeBatch(conn.id, (performance.now() - started) / 1000, { written: ledger.length, refused: failed });
  return { written: ledger.length, failed, settled: settledIds.size };
}
