import { z } from 'zod';
import { rescoreWorkspace } from '../pipeline/rescore.js';
import { defineRoute } from './api-route.js';

export const rescoreRoutes = [
  defineRoute({
    method: 'post',
    path: '/rescore',
    summary: "Re-score every stored lead of the workspace with its current model; write-backs are queued for what changed",
    response: z.object({ rescored: z.number(), writesQueued: z.number(), model: z.string() }),
    async handler(_input, { store, services }) {
      return rescoreWorkspace(services.pipeline, store);
    },
  }),
];
