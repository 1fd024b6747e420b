import { z } from 'zod';
import { rescoreJobStatus, startRescore } from '../queues/rescore-jobs.js';
import { defineRoute, foundOr404 } from './api-route.js';

// BullMQ's job states ('unknown': the job is gone, e.g. removed from the queue dashboard).
const JobStateSchema = z.enum(['waiting', 'delayed', 'prioritized', 'waiting-children', 'active', 'completed', 'failed', 'unknown']);

const RescoreJobSchema = z.object({
  id: z.string(),
  state: JobStateSchema,
  progress: z.object({ done: z.number().int(), total: z.number().int() }).describe('leads re-scored so far, of the leads stored when the job started'),
  result: z.object({ rescored: z.number(), writesQueued: z.number(), model: z.string() }).optional().describe('once completed'),
  failedReason: z.string().optional().describe('why the last attempt failed (failed, or waiting for a retry)'),
});

export const rescoreRoutes = [
  defineRoute({
    method: 'post',
    path: '/rescore',
    summary: 'Queue a re-score of every stored lead of the workspace with its current model',
    description:
      'Runs as a job (a large workspace takes longer than a request may last); write-backs are queued for what changed. ' +
      'One rescore per workspace at a time: while one is queued or running, this answers with that job. Follow it with GET /api/rescore/{jobId}.',
    status: 202,
    response: z.object({ job: RescoreJobSchema.pick({ id: true, state: true }) }),
    async handler(_input, { workspaceId, services }) {
      return { job: await startRescore(services.queues.rescore, workspaceId) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/rescore/:jobId',
    summary: "A rescore job of the workspace: its state, progress, and result once completed",
    params: z.object({ jobId: z.string().min(1).max(100) }),
    response: RescoreJobSchema,
    async handler({ params }, { workspaceId, services }) {
      return foundOr404('rescore job', rescoreJobStatus(services.queues.rescore, workspaceId, params.jobId));
    },
  }),
];
