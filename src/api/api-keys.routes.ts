import { z } from 'zod';
import { defineRoute, foundOr404, IdParams } from './api-route.js';

export const ApiKeySchema = z.object({
  id: z.string(),
  workspaceId: z.string(),
  name: z.string(),
  /** The first characters of the key, to recognise it; the key itself is shown once, at creation. */
  prefix: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});

export const apiKeyRoutes = [
  defineRoute({
    method: 'post',
    path: '/workspaces/:id/api-keys',
    summary: 'Issue an API key for a workspace (operator); the key is in this answer only',
    access: 'operator',
    params: IdParams,
    body: z.object({ name: z.string().trim().min(1).max(200) }),
    status: 201,
    response: z.object({ key: z.string(), apiKey: ApiKeySchema }),
    async handler({ params, body }, { services }) {
      await foundOr404('workspace', services.store.getWorkspace(params.id));
      return services.store.forWorkspace(params.id).createApiKey(body.name);
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api-keys',
    summary: "The workspace's API keys (prefixes only, never the keys)",
    response: z.object({ apiKeys: z.array(ApiKeySchema) }),
    async handler(_input, { store }) {
      return { apiKeys: await store.listApiKeys() };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/api-keys/:id',
    summary: 'Revoke one of the workspace\'s API keys (it stops working at once)',
    params: IdParams,
    response: z.object({ revoked: z.literal(true), id: z.string() }),
    async handler({ params }, { store }) {
      await foundOr404('API key', store.revokeApiKey(params.id));
      return { revoked: true as const, id: params.id };
    },
  }),
];
