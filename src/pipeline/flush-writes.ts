import type { WriteRequest } from '../connectors/connector.types.js';
import type { ConnectionRuntime, PipelineDeps } from './pipeline.types.js';

export interface FlushOutcome {
  calls: number;
  written: number;
  failed: number;
}

/**
 * Drains a connection's pending writes in batches of the connector's maximum. Each batch's
 * per-record outcomes are settled before the next: written records update the ledger (what the
 * CRM now holds from us, for change and echo detection); permanent failures are recorded with the
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
  const bulk = conn.connector.bulkWrite;
  for (let i = 0; i < (opts.maxBatches ?? Infinity); i++) {
    // Shutting down: stop between batches; what is left stays pending for the next flush.
    if (opts.shouldStop?.()) {
      outcome.stopped = (await conn.writes.size()) > 0;
      break;
    }
    // A backlog above the connector's bulk threshold goes out as one bulk job (Salesforce Bulk API 2.0).
    const size = bulk && (await conn.writes.size()) >= bulk.threshold ? bulk.maxBatch : conn.connector.maxWriteBatch;
    const items = await conn.writes.peek(size);
    if (items.length === 0) break;
    const requests: WriteRequest[] = items.map((it) => ({
      objectType: it.payload.objectType,
      recordId: it.id,
      properties: it.payload.properties,
      current: it.payload.current,
    }));
    const started = performance.now();
    const results = await conn.connector.write(ctx, requests);
    outcome.calls++;
    const settledIds = new Set<string>();
    const ledger: Array<{ recordId: string; properties: Record<string, string> }> = [];
    for (const r of results) {
      settledIds.add(r.recordId);
      if (r.ok) {
        ledger.push({ recordId: r.recordId, properties: r.written });
        outcome.written++;
      } else if (r.permanent) {
        outcome.failed++;
        const item = items.find((it) => it.id === r.recordId);
        await deps.store.recordWriteError({
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
      const before = await deps.store.getLastWrittenMany(conn.id, ledger.map((l) => l.recordId));
      await deps.store.saveLastWritten(
        conn.id,
        ledger.map((l) => ({ recordId: l.recordId, properties: { ...(before.get(l.recordId) ?? {}), ...l.properties } })),
      );
    }
    await conn.writes.complete(items.filter((it) => settledIds.has(it.id)));
    deps.metrics?.writeBatch(conn.id, (performance.now() - started) / 1000, { written: ledger.length, refused: results.filter((r) => !r.ok && r.permanent).length });
    if (settledIds.size === 0) break; // nothing settled: avoid spinning on the same batch
  }
  return outcome;
}
