import { randomUUID } from 'node:crypto';
import { DelayedError, Worker, type Job, type JobState, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { PipelineDeps } from '../pipeline/pipeline.types.js';
import { rescoreWorkspace, type RescoreResult } from '../pipeline/rescore.js';
import { QueueName, safeJobId, type RescoreJob } from './queues.js';

/**
 * Re-scoring a workspace as a BullMQ job: a large workspace takes longer than an HTTP request may
 * last, so POST /api/rescore queues it and GET /api/rescore/:jobId reports how far it got. One
 * runs per workspace at a time: a request while one is queued or running gets that job back
 * (BullMQ deduplication, released when the job completes or fails for good).
 */

export interface RescoreProgress {
  done: number;
  total: number;
}

export interface RescoreJobView {
  id: string;
  state: JobState | 'unknown';
  progress: RescoreProgress;
  result?: RescoreResult;
  failedReason?: string;
}

/** Queues a rescore of the workspace, or returns the one already queued or running for it. */
export async function startRescore(queue: Queue<RescoreJob>, workspaceId: string): Promise<{ id: string; state: RescoreJobView['state'] }> {
  // A random id: job ids are shown to API callers, so they should say nothing about other workspaces' jobs.
  const added = await queue.add('rescore', { workspaceId }, { jobId: randomUUID(), deduplication: { id: safeJobId('rescore', workspaceId) } });
  const id = added.id!;
  return { id, state: await queue.getJobState(id) };
}

/** The job's state as the API shows it; null for an unknown id and equally for another workspace's job. */
export async function rescoreJobStatus(queue: Queue<RescoreJob>, workspaceId: string, jobId: string): Promise<RescoreJobView | null> {
  // The state first, then the job: a job that completes between the two reads is shown with its
  // previous state, never as completed without its result.
  const state = await queue.getJobState(jobId);
  const job = await queue.getJob(jobId);
  if (!job || job.data.workspaceId !== workspaceId) return null;
  const progress = isProgress(job.progress) ? job.progress : { done: 0, total: 0 };
  return {
    id: job.id!,
    state,
    progress,
    ...(state === 'completed' && job.returnvalue && { result: job.returnvalue as RescoreResult }),
    // Also while a failed attempt waits for its retry, so the caller sees why (not once a retry succeeded).
    ...(state !== 'completed' && job.failedReason && { failedReason: job.failedReason }),
  };
}

/**
 * The worker's side: counts the leads, then re-scores them page by page, reporting progress and
 * saving its cursor in the job's data after each page. When `stopping()` turns true (its worker is
 * closing) it stops between pages and hands the job back to the queue under the same id
 * (moveToDelayed to now + DelayedError: not a failure, no attempt used); the next worker to take
 * it goes on after the saved cursor. A worker killed outright leaves the job stalled, and it
 * resumes from the last saved page the same way.
 */
export async function runRescoreJob(deps: PipelineDeps, job: Job<RescoreJob>, token: string | undefined, stopping: () => boolean = () => false): Promise<RescoreResult> {
  const store = deps.store.forWorkspace(job.data.workspaceId);
  const from = job.data.cursor;
  const total = await store.countLeads();
  // Leads stored during the run may be reached too: done never reads above total.
  const progress = (done: number) => job.updateProgress({ done, total: Math.max(total, done) } satisfies RescoreProgress);
  await progress(from?.rescored ?? 0);
  const result = await rescoreWorkspace(deps, store, {
    from,
    shouldStop: stopping,
    onPage: async (cursor) => {
      // The cursor first: progress may then never run ahead of what a resumed run would redo.
      await job.updateData({ ...job.data, cursor });
      await progress(cursor.rescored);
    },
  });
  if (!result) {
    deps.logger.info({ workspace: job.data.workspaceId, jobId: job.id, done: job.data.cursor?.rescored ?? 0, total }, 'rescore handed back to the queue: the worker is closing');
    await job.moveToDelayed(Date.now(), token);
    throw new DelayedError();
  }
  deps.logger.info({ workspace: job.data.workspaceId, ...result }, 'workspace rescored');
  return result;
}

/** The rescore worker (started with the others in src/queues/workers.ts; alone in the API tests). */
export function startRescoreWorker(connection: Redis, deps: PipelineDeps, opts: { prefix: string; concurrency?: number }): Worker<RescoreJob> {
  // Set when close() begins: a rescore of a large workspace must not hold a shutdown for minutes.
  let closing = false;
  // Per workspace one at a time (deduplicated when queued); by default two workspaces at once per process.
  const worker = new Worker<RescoreJob>(QueueName.rescore, async (job, token) => runRescoreJob(deps, job, token, () => closing), {
    connection,
    prefix: opts.prefix,
    concurrency: opts.concurrency ?? 2,
  });
  worker.on('closing', () => (closing = true));
  return worker;
}

function isProgress(value: unknown): value is RescoreProgress {
  return typeof value === 'object' && value !== null && typeof (value as RescoreProgress).done === 'number' && typeof (value as RescoreProgress).total === 'number';
}
