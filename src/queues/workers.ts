import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { AuthError, PayloadError, RateLimitedError } from '../errors/connector-errors.js';
import { flushWrites } from '../pipeline/flush-writes.js';
import { ingestDelivery } from '../pipeline/ingest-delivery.js';
import { processRecords } from '../pipeline/process-records.js';
import { recordConnectorFailure } from '../pipeline/record-connector-failure.js';
import type { ConnectionRuntime, PipelineDeps } from '../pipeline/pipeline.types.js';
import { runSync } from '../pipeline/run-sync.js';
import { QueueName, READ_BATCH, safeJobId, scheduleFlush, scheduleIo, type DeliveryJob, type IoJob, type Queues, type SyncJob } from './queues.js';
import { startRescoreWorker } from './rescore-jobs.js';

export interface WorkerOptions {
  prefix: string;
  /** WRITEBACK_COALESCE_MS: the most a flush waits to batch when there is a backlog (see scheduleFlush). */
  coalesceMs: number;
  /**
   * How the jobs ask for read and write flushes: 'adaptive' (default) at once when quiet and
   * coalesced under load (scheduleFlush); 'coalesced' always waits `coalesceMs`, the rule before
   * (kept for bench:latency's before/after figure).
   */
  flush?: 'adaptive' | 'coalesced';
  /** `rescore: 0`: no rescore worker (a one-off command must not take a whole workspace's rescore with it when it exits). */
  concurrency?: { ingest?: number; io?: number; sync?: number; rescore?: number };
}

export interface Workers {
  workers: Worker[];
  /** Stops taking jobs and waits for the ones in flight; unfinished jobs go back to the queue. */
  close(): Promise<void>;
}

/**
 * Every connector failure ends as exactly one outcome, decided here and not in the connector:
 * transient → BullMQ retries with backoff; burst rate limit → this job waits the window out;
 * daily budget → the connection is parked (visible in `qualify status`) and the job sleeps until
 * the reset; auth → the connection needs re-authorisation and the job stops without retrying.
 */
async function settle<T>(deps: PipelineDeps, conn: ConnectionRuntime, job: Job, token: string | undefined, work: () => Promise<T>): Promise<T> {
  const row = await conn.row();
  if (row.status === 'needs_reauth' || row.status === 'paused') {
    throw new UnrecoverableError(`connection ${conn.id} is ${row.status}: ${row.statusMessage ?? ''}`);
  }
  if (row.status === 'parked' && row.parkedUntil && Date.parse(row.parkedUntil) > Date.now()) {
    await job.moveToDelayed(Date.parse(row.parkedUntil), token);
    throw new DelayedError();
  }
  try {
    const result = await work();
    if (row.status === 'parked') await conn.store.setConnectionStatus(conn.id, 'active', null, null);
    return result;
  } catch (err) {
    const recorded = await recordConnectorFailure(conn.store, conn.id, err);
    if (err instanceof RateLimitedError) {
      const until = Date.now() + err.retryAfterMs;
      if (recorded) deps.logger.warn({ connection: conn.id, until: recorded.until?.toISOString() }, recorded.message);
      else deps.logger.info({ connection: conn.id, retryAfterMs: err.retryAfterMs }, 'rate limited; waiting for the window');
      await job.moveToDelayed(until, token);
      throw new DelayedError();
    }
    if (err instanceof AuthError) {
      deps.logger.error({ connection: conn.id }, recorded!.message);
      throw new UnrecoverableError(recorded!.message);
    }
    if (err instanceof PayloadError) throw new UnrecoverableError(err.message);
    throw err;
  }
}

export function startWorkers(connection: Redis, queues: Queues, runtimeDeps: PipelineDeps, opts: WorkerOptions): Workers {
  let closing = false;
  // A connection created at run time in another process (an OAuth install) is loaded from the
  // store when its first job arrives here: no restart needed.
  const lookup = async (id: string): Promise<ConnectionRuntime> => {
    const conn = await runtimeDeps.connections.byId(id);
    if (!conn) throw new UnrecoverableError(`unknown connection ${id}`);
    return conn;
  };
  // The flushes these jobs ask for (a webhook's reads, a read's or a poll's writes) follow the
  // adaptive rule: at once when quiet, coalesced under load. The runtime's own requests (start-up,
  // the API, a CLI sync's read) coalesce, so a backfill's writes wait for its reads. `flush:
  // 'coalesced'` keeps the old rule here too, for bench:latency's before/after figure. Everything
  // else reads through to the runtime's deps.
  const deps: PipelineDeps =
    opts.flush === 'coalesced'
      ? runtimeDeps
      : Object.assign(Object.create(runtimeDeps) as PipelineDeps, {
          scheduleWriteFlush: async (id: string) => void (await scheduleFlush(queues, await lookup(id), 'write', opts.coalesceMs)),
          scheduleReadFlush: async (id: string) => void (await scheduleFlush(queues, await lookup(id), 'read', opts.coalesceMs)),
        });

  const ingest = new Worker<DeliveryJob>(
    QueueName.ingest,
    async (job) => ingestDelivery(deps, connection, opts.prefix, await lookup(job.data.connectionId), job.data.hints, job.data),
    { connection, prefix: opts.prefix, concurrency: opts.concurrency?.ingest ?? 16 },
  );

  const io = new Worker<IoJob>(
    QueueName.io,
    async (job, token) => {
      const conn = await lookup(job.data.connectionId);
      // The start of a flush opens its coalescing window (scheduleFlush).
      await (job.data.kind === 'write' ? conn.writes : conn.reads).markFlushStarted(opts.coalesceMs);
      return settle(deps, conn, job, token, async () => {
        if (job.data.kind === 'write') {
          const out = await flushWrites(deps, conn, { shouldStop: () => closing });
          // Stopped for a shutdown with work left: hand it to the next worker (or this one, restarted).
          if (out.stopped) await scheduleIo(queues, conn.id, 'write', 0);
          return out;
        }
        let reads = 0;
        const ctx = await conn.context();
        for (;;) {
          if (closing) {
            await scheduleIo(queues, conn.id, 'read', 0);
            break;
          }
          const items = await conn.reads.peek(READ_BATCH); // the connector splits to its own per-call limit
          if (items.length === 0) break;
          const records = await conn.connector.people!.fetch(ctx, items.map((i) => ({ objectType: i.payload.objectType, recordId: i.id })));
          await processRecords(deps, conn, records);
          await conn.reads.complete(items);
          reads += items.length;
        }
        return { reads };
      });
    },
    // A short lock lets another worker take over a killed worker's flush within ~20 s (the lock is
    // renewed while a flush runs, however long it waits on the rate limit).
    { connection, prefix: opts.prefix, concurrency: opts.concurrency?.io ?? 8, lockDuration: 15_000, stalledInterval: 5_000 },
  );

  const sync = new Worker<SyncJob>(
    QueueName.sync,
    async (job, token) => {
      const conn = await deps.connections.byId(job.data.connectionId);
      if (!conn && job.name === 'poll') {
        // The connection was deleted: its schedule goes too, instead of failing every interval.
        await queues.sync.removeJobScheduler(safeJobId('poll', job.data.connectionId));
        deps.logger.warn({ connection: job.data.connectionId }, 'poll of an unknown connection; its schedule is removed');
        return { skipped: 'unknown connection' };
      }
      if (!conn) throw new UnrecoverableError(`unknown connection ${job.data.connectionId}`);
      return settle(deps, conn, job, token, () => runSync(deps, conn, { full: job.data.full, onPage: (p) => job.updateProgress(p) }));
    },
    { connection, prefix: opts.prefix, concurrency: opts.concurrency?.sync ?? 2, lockDuration: 60_000 },
  );

  const rescore = opts.concurrency?.rescore === 0 ? [] : [startRescoreWorker(connection, deps, { prefix: opts.prefix, concurrency: opts.concurrency?.rescore })];

  const workers = [ingest, io, sync, ...rescore];
  for (const w of workers) {
    w.on('failed', (job, err) => deps.logger.warn({ queue: w.name, jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, 'job failed'));
    w.on('error', (err) => deps.logger.error({ queue: w.name, err: err.message }, 'worker error'));
  }
  return {
    workers,
    async close() {
      closing = true;
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
