import { z } from 'zod';
import { SourceSystemSchema } from '../canonical/lead.schema.js';
import type { ApiBudgetUse } from '../kit/connector.types.js';
import type { ConnectionRow } from '../store/store.types.js';
import type { ApiContext } from './api-context.js';
import { defineRoute, foundOr404, IdParams } from './api-route.js';

const BudgetSchema = z
  .object({
    usedToday: z.number().describe('calls counted against the budget today (as the vendor counts them: some count the whole account, over a rolling 24 h)'),
    limit: z.number().nullable().describe('the most qualify lets itself use'),
    share: z.number().nullable().describe('usedToday / limit'),
  })
  .nullable()
  .describe('null when this server has not seen the connection call its API yet');

export const ConnectionSchema = z.object({
  id: z.string(),
  system: SourceSystemSchema,
  accountId: z.string().nullable(),
  status: z.enum(['active', 'paused', 'parked', 'needs_reauth']),
  statusMessage: z.string().nullable(),
  parkedUntil: z.string().nullable(),
  createdAt: z.string(),
  lastSyncAt: z.string().nullable(),
  cursors: z.record(z.string(), z.unknown()),
  writeErrors: z.number(),
  budget: BudgetSchema,
});

/** The budget comes from the connector, which only this process's runtime holds; a slow or failing answer is "unknown", never an error. */
async function budgetOf(row: ConnectionRow, ctx: ApiContext): Promise<ApiBudgetUse | null> {
  const { pipeline, logger } = ctx.services;
  try {
    const rt = await pipeline.connections.byId(row.id);
    if (!rt?.connector.budget || rt.workspaceId !== row.workspaceId) return null;
    return await rt.connector.budget(await rt.context());
  } catch (err) {
    logger.warn({ connection: row.id, err: (err as Error).message }, 'api: could not read the API budget of a connection');
    return null;
  }
}

async function describe(row: ConnectionRow, ctx: ApiContext): Promise<z.input<typeof ConnectionSchema>> {
  const [stats, budget] = await Promise.all([ctx.store.connectionStats(row.id), budgetOf(row, ctx)]);
  return {
    id: row.id,
    system: row.system,
    accountId: row.accountId,
    status: row.status,
    statusMessage: row.statusMessage,
    parkedUntil: row.parkedUntil,
    createdAt: row.createdAt,
    ...stats,
    budget,
  };
}

const own = (ctx: ApiContext, id: string): Promise<ConnectionRow> => foundOr404('connection', ctx.store.getConnection(id));

export const connectionRoutes = [
  defineRoute({
    method: 'get',
    path: '/connections',
    summary: "The workspace's connections with sync health: last sync, cursors, refused writes, API budget used today",
    response: z.object({ connections: z.array(ConnectionSchema) }),
    async handler(_input, ctx) {
      const rows = await ctx.store.listConnections();
      return { connections: await Promise.all(rows.map((r) => describe(r, ctx))) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/connections/:id',
    summary: 'One connection with its sync health',
    params: IdParams,
    response: z.object({ connection: ConnectionSchema }),
    async handler({ params }, ctx) {
      return { connection: await describe(await own(ctx, params.id), ctx) };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/connections/:id/pause',
    summary: 'Pause a connection: its polls, reads and write-backs stop (pending work waits) until resumed',
    params: IdParams,
    response: z.object({ connection: ConnectionSchema }),
    async handler({ params }, ctx) {
      await own(ctx, params.id);
      await ctx.store.setConnectionStatus(params.id, 'paused', 'paused through the admin API', null);
      return { connection: await describe(await own(ctx, params.id), ctx) };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/connections/:id/resume',
    summary: 'Resume a paused connection; its pending reads and writes go out again (a parked or re-authorisation state is left as it is)',
    params: IdParams,
    response: z.object({ connection: ConnectionSchema }),
    async handler({ params }, ctx) {
      const row = await own(ctx, params.id);
      // Only a pause is ours to lift: parked ends at the vendor's daily reset, needs_reauth with a working token.
      if (row.status !== 'paused') return { connection: await describe(row, ctx) };
      await ctx.store.setConnectionStatus(params.id, 'active', null, null);
      // Work that waited while paused goes out now rather than at the next poll.
      await Promise.all([ctx.services.pipeline.scheduleWriteFlush(params.id), ctx.services.pipeline.scheduleReadFlush(params.id)]).catch((err: Error) =>
        ctx.services.logger.warn({ connection: params.id, err: err.message }, 'api: resumed, but could not schedule the pending flushes'),
      );
      return { connection: await describe(await own(ctx, params.id), ctx) };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/connections/:id',
    summary: 'Delete a connection with its credentials, cursors and write ledger (its leads stay)',
    params: IdParams,
    response: z.object({ deleted: z.literal(true), id: z.string() }),
    async handler({ params }, { store, services }) {
      await foundOr404('connection', store.deleteConnection(params.id));
      await services.hooks?.connectionDeleted?.(params.id).catch((err: Error) =>
        services.logger.warn({ connection: params.id, err: err.message }, 'api: connection deleted, but its poll schedule could not be removed now'),
      );
      return { deleted: true as const, id: params.id };
    },
  }),
];
