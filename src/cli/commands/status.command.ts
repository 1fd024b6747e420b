import type { Command } from 'commander';
import { workspaceOption } from './workspace-option.js';

/**
 * `qualify status`: what an operator checks first — each connection's state (active, parked until
 * the daily reset, needing re-authorisation), its cursor, queued work, failed jobs, the write
 * errors the CRM refused (with its message), and the funnel.
 */
export function register(program: Command): void {
  program
    .command('status')
    .option('--json', 'print JSON instead of text', false)
    .option('--workspace <id>', 'the workspace to show', 'default')
    .description('show connections, cursors, queues, refused writes and the funnel (of one workspace, default "default")')
    .action(async (flags: { json: boolean; workspace: string }) => {
      const { bootstrap } = await import('../../app/bootstrap.js');
      const booted = await bootstrap({ role: 'status' });
      const { runtime } = booted;
      const store = await workspaceOption(booted, flags.workspace);
      const connections = [];
      for (const row of await store.listConnections()) {
        const rt = runtime.connections.get(row.id);
        connections.push({
          ...row,
          // People's position, else (an events-only source) the events'.
          cursor: (await store.getCursor(row.id, 'records')) ?? (await store.getCursor(row.id, 'events')),
          pendingReads: rt ? await rt.reads.size() : null,
          pendingWrites: rt ? await rt.writes.size() : null,
        });
      }
      const queues = {
        ingest: await runtime.queues.ingest.getJobCounts(),
        io: await runtime.queues.io.getJobCounts(),
        sync: await runtime.queues.sync.getJobCounts(),
      };
      const writeErrors = await store.listWriteErrors(undefined, 20);
      const funnel = await store.funnel();
      const report = { workspace: store.workspaceId, model: runtime.deps.model(store.workspaceId).versionId, connections, queues, writeErrors, funnel };
      if (flags.json) console.log(JSON.stringify(report, null, 2));
      else {
        console.log(`workspace ${report.workspace} · model ${report.model}`);
        for (const c of connections) {
          console.log(`\n${c.id} (${c.system}${c.accountId ? ` ${c.accountId}` : ''}): ${c.status}${c.statusMessage ? ` — ${c.statusMessage}` : ''}`);
          console.log(`  cursor ${JSON.stringify(c.cursor)}; pending reads ${c.pendingReads}, pending writes ${c.pendingWrites}`);
        }
        console.log(`\nqueues ${JSON.stringify(queues)}`);
        console.log(`\nrefused writes (${writeErrors.length} most recent):`);
        for (const e of writeErrors) console.log(`  ${e.at} ${e.connectionId} record ${e.recordId}: ${e.status ?? ''} ${e.message}`);
        console.log(`\nfunnel ${Object.entries(funnel).map(([s, n]) => `${s} ${n}`).join(' · ')}`);
      }
      await booted.close();
      process.exit(0);
    });
}
