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
        .record(z.string(), z.boolean())
        .describe('per system installed through OAuth: true: POST /oauth/<system>/install-link starts an install; false: that system is not configured on this server (it answers 501)'),
      systems: z
        .array(z.object({ system: z.string(), label: z.string(), accountNoun: z.string(), oauth: z.boolean(), installable: z.boolean() }))
        .describe('every system this server knows (the connector registry), as the dashboard lists them'),
    }),
    async handler(_input, { store, workspaceId, services }) {
      // A key whose workspace was removed under it: nothing to show.
      const workspace = await foundOr404('workspace', store.getWorkspace(workspaceId));
      const systems = services.systems ?? [];
      return { workspace, oauth: Object.fromEntries(systems.filter((s) => s.oauth).map((s) => [s.system, s.installable])), systems };
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
