import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';

/**
 * `qualify rescore`: re-score every stored lead with the current model (after a model change).
 * Streams lead ids page by page; leads whose outputs change get a write-back queued, the rest
 * cost no API call. Writes drain through the same rate-limited workers before it exits.
 */
export function register(program: Command): void {
  program
    .command('rescore')
    .description('re-score and re-classify every stored lead with the current model, writing back what changed')
    .action(async () => {
      const [{ bootstrap }, { waitForWrites }, { requalifyLeads }] = await Promise.all([
        import('../../app/bootstrap.js'),
        import('../../app/drain.js'),
        import('../../pipeline/process-records.js'),
      ]);
      const booted = await bootstrap({ role: 'sync' });
      const { runtime, store } = booted;
      const workers = runtime.startWorkers({ concurrency: { ingest: 1, io: 2, sync: 1 } });
      const total = await store.countLeads();
      const bar = new SingleBar({ format: 'rescore {bar} {value}/{total} leads | {duration_formatted}', stream: process.stderr }, Presets.shades_classic);
      bar.start(total, 0);
      let done = 0;
      let writes = 0;
      for await (const ids of store.iterateLeadIds(500)) {
        writes += await requalifyLeads(runtime.deps, ids);
        done += ids.length;
        bar.update(done);
      }
      bar.stop();
      let pending = 0;
      for (const conn of runtime.connections.values()) pending += await waitForWrites(conn, 10 * 60_000);
      console.log(JSON.stringify({ rescored: done, model: runtime.deps.model().versionId, writesQueued: writes, pendingWrites: pending }, null, 2));
      await workers.close();
      await booted.close();
      process.exit(0);
    });
}
