import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import { workspaceOption } from './workspace-option.js';

/**
 * `qualify rescore`: re-score every stored lead with the current model (after a model change).
 * Streams lead ids page by page; leads whose outputs change get a write-back queued, the rest
 * cost no API call. Writes drain through the same rate-limited workers before it exits.
 */
export function register(program: Command): void {
  program
    .command('rescore')
    .description("re-score and re-classify every stored lead of a workspace with its current model, writing back what changed")
    .option('--workspace <id>', 'the workspace to rescore', 'default')
    .action(async (flags: { workspace: string }) => {
      const [{ bootstrap }, { waitForWrites }, { rescoreWorkspace }] = await Promise.all([
        import('../../app/bootstrap.js'),
        import('../../app/drain.js'),
        import('../../pipeline/rescore.js'),
      ]);
      const booted = await bootstrap({ role: 'sync' });
      const { runtime } = booted;
      const store = await workspaceOption(booted, flags.workspace);
      const workers = runtime.startWorkers({ concurrency: { ingest: 1, io: 2, sync: 1, rescore: 0 } });
      const total = await store.countLeads();
      const bar = new SingleBar({ format: 'rescore {bar} {value}/{total} leads | {duration_formatted}', stream: process.stderr }, Presets.shades_classic);
      bar.start(total, 0);
      // No shouldStop: the command runs to the end (Ctrl-C ends it; a new run starts over).
      const out = (await rescoreWorkspace(runtime.deps, store, { pageSize: 500, onPage: (c) => bar.update(c.rescored) }))!;
      bar.stop();
      let pending = 0;
      for (const conn of runtime.connections.values()) {
        if (conn.workspaceId === store.workspaceId) pending += await waitForWrites(conn, 10 * 60_000);
      }
      console.log(JSON.stringify({ rescored: out.rescored, model: out.model, writesQueued: out.writesQueued, pendingWrites: pending }, null, 2));
      await workers.close();
      await booted.close();
      process.exit(0);
    });
}
