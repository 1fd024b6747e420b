import { z } from 'zod';
import { defineRoute, foundOr404 } from './api-route.js';

export const WorkspaceSchema = z.object({ id: z.string(), name: z.string(), createdAt: z.string() });

const WorkspaceIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and "-", at most 63 characters, starting with a letter or digit');

export const workspaceRoutes = [
  defineRoute({
    method: 'get',
    path: '/workspace',
    summary: "The caller's workspace, and which CRMs it can connect from here",
    response: z.object({
      workspace: WorkspaceSchema,
      oauth: z
        .object({ hubspot: z.boolean(), salesforce: z.boolean() })
        .describe('true: POST /oauth/<system>/install-link starts an install; false: that system is not configured on this server (it answers 501)'),
    }),
    async handler(_input, { store, workspaceId, services }) {
      // A key whose workspace was removed under it: nothing to show.
      const workspace = await foundOr404('workspace', store.getWorkspace(workspaceId));
      return { workspace, oauth: { hubspot: services.oauth?.hubspot ?? false, salesforce: services.oauth?.salesforce ?? false } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/workspaces',
    summary: 'Every workspace (operator)',
    access: 'operator',
    response: z.object({ workspaces: z.array(WorkspaceSchema) }),
    async handler(_input, { services }) {
      return { workspaces: await services.store.listWorkspaces() };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/workspaces',
    summary: 'Create a workspace (operator); 409 when the id is taken',
    access: 'operator',
    body: z.object({ id: WorkspaceIdSchema.optional().describe('default: derived from the name'), name: z.string().trim().min(1).max(200) }),
    status: 201,
    response: z.object({ workspace: WorkspaceSchema }),
    async handler({ body }, { services }) {
      return { workspace: await services.store.createWorkspace(body) };
    },
  }),
];
