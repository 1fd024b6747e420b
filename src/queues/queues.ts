import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ChangeHint } from '../kit/connector.types.js';
import type { ConnectionRuntime } from '../pipeline/pipeline.types.js';
import { CALLS_IN_FLIGHT } from '../pipeline/flush-writes.js';
import type { RescoreCursor } from '../pipeline/rescore.js';

/**
 * Four queues, one concern each:
 * - lead-ingest: one job per webhook delivery, written before the vendor gets its 2xx. Events are
 *   deduplicated by their dedupe key when the job runs (a marker kept 24 h, as long as HubSpot
 *   retries), so a repeated delivery has one effect.
 * - crm-io: per-connection batch jobs that read records named by webhooks and write results back.
 *   Deduplicated per connection and kind: at most one runs and one waits, so several worker
 *   processes never write the same batch twice.
 * - crm-sync: scheduled incremental polls (the safety net for lost webhooks) and backfills.
 * - lead-rescore: re-scoring a whole workspace (POST /api/rescore), one at a time per workspace;
 *   it can outlast an HTTP request, so the API answers with the job and reports its progress.
 */
export const QueueName = { ingest: 'lead-ingest', io: 'crm-io', sync: 'crm-sync', rescore: 'lead-rescore' } as const;

/** One webhook delivery: every event it carried, queued in one Redis write before we answer. */
export interface DeliveryJob {
  connectionId: string;
  hints: ChangeHint[];
  /** Bodies the receiver admitted at the route (HubSpot), queued as they came and parsed by the worker. */
  bodies?: string[];
  /** The same, stored as bytes in this Redis list (written before the job); the worker deletes it when done. */
  bodiesKey?: string;
  bodyCount?: number;
}
export interface IoJob {
  connectionId: string;
  kind: 'read' | 'write';
}
export interface SyncJob {
  connectionId: string;
  full: boolean;
}
/** Re-score every stored lead of one workspace (src/queues/rescore-jobs.ts). */
export interface RescoreJob {
  workspaceId: string;
  /** Saved after each page: a run handed back at a worker's shutdown (or retried) goes on from here. */
  cursor?: RescoreCursor;
}

export interface Queues {
  ingest: Queue<DeliveryJob>;
  io: Queue<IoJob>;
  sync: Queue<SyncJob>;
  rescore: Queue<RescoreJob>;
  /** Every queue above (metrics, the queue dashboard). */
  all(): Queue[];
  close(): Promise<void>;
}

export function createQueues(connection: Redis, prefix: string): Queues {
  const ingest = new Queue<DeliveryJob>(QueueName.ingest, {
    connection,
    prefix,
    defaultJobOptions: {
      attempts: 8,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { count: 1000 },
      removeOnFail: false,
    },
  });
  const io = new Queue<IoJob>(QueueName.io, {
    connection,
    prefix,
    defaultJobOptions: {
      attempts: 12,
      backoff: { type: 'exponential', delay: 2000 },
      removeOnComplete: { count: 1000 },
      removeOnFail: { count: 5000 },
    },
  });
  const sync = new Queue<SyncJob>(QueueName.sync, {
    connection,
    prefix,
    defaultJobOptions: { attempts: 5, backoff: { type: 'exponential', delay: 5000 }, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } },
  });
  const rescore = new Queue<RescoreJob>(QueueName.rescore, {
    connection,
    prefix,
    // Finished jobs are kept a day so GET /api/rescore/:jobId can still tell how one ended.
    defaultJobOptions: {
      attempts: 3,
      backoff: { type: 'exponential', delay: 5000 },
      removeOnComplete: { age: 86_400, count: 1000 },
      removeOnFail: { age: 86_400, count: 1000 },
    },
  });
  return {
    ingest,
    io,
    sync,
    rescore,
    all: () => [ingest, io, sync, rescore],
    async close() {
      await Promise.all([ingest.close(), io.close(), sync.close(), rescore.close()]);
    },
  };
}

/** Job ids may not contain ':' in BullMQ; dedupe keys are hashed upstream anyway. */
export function safeJobId(...parts: string[]): string {
  return parts.join('-').replace(/:/g, '_');
}

export async function enqueueHints(queues: Queues, connectionId: string, hints: ChangeHint[]): Promise<void> {
  if (hints.length === 0) return;
  await queues.ingest.add('delivery', { connectionId, hints });
}

/** Deduplication id of a connection's read or write flush: at most one runs and one waits. */
const flushId = (kind: IoJob['kind'], connectionId: string): string => safeJobId(kind, connectionId);

export async function scheduleIo(queues: Queues, connectionId: string, kind: IoJob['kind'], delayMs: number): Promise<void> {
  const opts: JobsOptions = { delay: delayMs, deduplication: { id: flushId(kind, connectionId), keepLastIfActive: true } };
  await queues.io.add(kind, { connectionId, kind }, opts);
}

/** Records read per pass of a read flush (the connector splits them to its own per-call limit). */
export const READ_BATCH = 200;

/**
 * Asks for a connection's read or write flush: at once when quiet, coalesced under load. Batching
 * only pays when there is something to batch, so `coalesceMs` (WRITEBACK_COALESCE_MS) is now the
 * most a write (or a webhook's re-read) waits to be batched, not what every one waits:
 *
 * - a backlog (more than one flush round sends at once: CALLS_IN_FLIGHT batches of the
 *   connector's writes.maxBatch for writes, so a one-record-per-call API such as Pipedrive's is not
 *   always "behind"; one read pass for reads), or a flush of that kind already queued (waiting, or delayed by a rate limit or a
 *   retry's backoff) or running → coalesced as before: in `coalesceMs`, or that long after the
 *   running flush ends (keepLastIfActive), so the batches of a backlog stay full;
 * - otherwise it runs when `coalesceMs` has passed since the last flush of that kind started:
 *   at once after a quiet spell, and under a steady trickle at most one flush per `coalesceMs`,
 *   as before, so the number of vendor calls does not grow with the traffic.
 *
 * Nothing is lost either way: items stay in the pending set until settled, and the deduplication
 * keeps at most one flush running and one waiting per connection and kind. Returns the delay used.
 */
export async function scheduleFlush(queues: Queues, conn: ConnectionRuntime, kind: IoJob['kind'], coalesceMs: number): Promise<number> {
  const set = kind === 'write' ? conn.writes : conn.reads;
  const [pending, queued, windowLeft] = await Promise.all([set.size(), queues.io.getDeduplicationJobId(flushId(kind, conn.id)), set.flushWindowLeft()]);
  const backlog = kind === 'write' ? pending > (conn.connector.writes?.maxBatch ?? 1) * CALLS_IN_FLIGHT : pending >= READ_BATCH;
  const delay = backlog || queued ? coalesceMs : Math.min(windowLeft, coalesceMs);
  await scheduleIo(queues, conn.id, kind, delay);
  return delay;
}
