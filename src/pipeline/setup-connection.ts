import type { Connector, ConnectorContext } from '../kit/connector.types.js';

/**
 * Runs a connector's idempotent setup and records what it reported: the account behind the
 * credentials, what it learned about the account, and the connection's status. Connectors report;
 * this step (with the worker's error handling) is what decides what becomes of the connection.
 *
 * A setup that succeeds proves the credentials work, so a connection that needed
 * re-authorisation is active again. A problem that leaves it working (a custom field to create)
 * becomes its status message, and goes away once a later setup no longer reports it.
 */
export async function setupConnection(connector: Connector, ctx: ConnectorContext): Promise<void> {
  if (!connector.setup) return;
  const report = (await connector.setup(ctx)) ?? {};
  const row = ctx.connection;
  const accountId = report.accountId ?? row.accountId ?? null;
  const problem = report.problem ?? null;
  const lastProblem = typeof row.config.setupProblem === 'string' ? row.config.setupProblem : null;
  const config = { ...row.config, ...report.config, setupProblem: problem };
  if (accountId !== row.accountId || JSON.stringify(config) !== JSON.stringify({ ...row.config, setupProblem: lastProblem })) {
    await ctx.store.upsertConnection({ id: row.id, system: row.system, ...(accountId && { accountId }), config });
  }
  const reactivate = row.status === 'needs_reauth';
  // Only a message setup wrote itself is cleared or replaced: a pause or a park has its own.
  const stale = row.status === 'active' && row.statusMessage !== problem && (problem !== null || (lastProblem !== null && row.statusMessage === lastProblem));
  if (reactivate || stale) {
    await ctx.store.setConnectionStatus(row.id, 'active', problem);
    // The context's row is the one this job consults: keep it in step, or the jobs queued while the
    // connection needed re-authorisation would be refused as still paused right after the fix.
    Object.assign(row, { status: 'active', statusMessage: problem, parkedUntil: null });
    if (reactivate) ctx.logger.info({ connection: row.id }, 'setup works again: connection re-activated');
  }
}
