import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ChangeHint } from '../connectors/connector.types.js';

/**
 * Three queues, one concern each:
 * - lead-ingest: one job per webhook event (job id = the event's dedupe key, so a repeated
 *   delivery is one job); kept 24 h after completion because HubSpot retries for 24 h.
 * - crm-io: per-connection batch jobs that read records named by webhooks and write results back.
 *   Deduplicated per connection and kind: at most one runs and one waits, so several worker
 *   processes never write the same batch twice.
 * - crm-sync: scheduled incremental polls (the safety net for lost webhooks) and backfills.
 */
export const QueueName = { ingest: 'lead-ingest', io: 'crm-io', sync: 'crm-sync' } as const;

export interface HintJob {
  connectionId: string;
  hint: ChangeHint;
}
export interface IoJob {
  connectionId: string;
  kind: 'read' | 'write';
}
export interface SyncJob {
  connectionId: string;
  full: boolean;
}

export interface Queues {
  ingest: Queue<HintJob>;
  io: Queue<IoJob>;
  sync: Queue<SyncJob>;
  close(): Promise<void>;
}

const DAY_S = 24 * 3600;

export function createQueues(connection: Redis, prefix: string): Queues {
  const ingest = new Queue<HintJob>(QueueName.ingest, {
    connection,
    prefix,
    defaultJobOptions: {
      attempts: 8,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { age: DAY_S },
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
  return {
    ingest,
    io,
    sync,
    async close() {
      await Promise.all([ingest.close(), io.close(), sync.close()]);
    },
  };
}

/** Job ids may not contain ':' in BullMQ; dedupe keys are hashed upstream anyway. */
export function safeJobId(...parts: string[]): string {
  return parts.join('-').replace(/:/g, '_');
}

export async function enqueueHints(queues: Queues, connectionId: string, hints: ChangeHint[]): Promise<void> {
  if (hints.length === 0) return;
  await queues.ingest.addBulk(
    hints.map((hint) => ({ name: 'hint', data: { connectionId, hint }, opts: { jobId: safeJobId('hint', connectionId, hint.dedupeKey) } })),
  );
}

export async function scheduleIo(queues: Queues, connectionId: string, kind: IoJob['kind'], delayMs: number): Promise<void> {
  const opts: JobsOptions = { delay: delayMs, deduplication: { id: safeJobId(kind, connectionId), keepLastIfActive: true } };
  await queues.io.add(kind, { connectionId, kind }, opts);
}
