import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import { z } from 'zod';
import { CONNECTOR_SYSTEMS } from '../../app/connector-registry.js';
import type { ConnectionRuntime } from '../../pipeline/pipeline.types.js';
import type { Store } from '../../store/store.types.js';
import { recordConnectorFailure } from './connection-failure.js';

const SyncArgs = z.object({
  system: z.string().refine((s) => CONNECTOR_SYSTEMS.includes(s as never), { error: (i) => `unknown system "${String(i.input)}"; expected one of ${CONNECTOR_SYSTEMS.join(', ')}` }),
  full: z.boolean(),
});

/**
 * `qualify sync <system> [--full]`: a backfill (or catch-up) in this process, with a progress bar.
 * Pages stream through: each is mapped, stored, scored and its cursor checkpointed before the next,
 * so memory stays flat however large the account. Write-backs run alongside on their own budget.
 */
export function register(program: Command): void {
  program
    .command('sync')
    .argument('<system>', CONNECTOR_SYSTEMS.join(', '))
    .option('--full', 'read everything from the start instead of from the saved cursor', false)
    .option('--no-wait-writes', 'exit when the read is done; queued write-backs stay in Redis for the running workers')
    .description('read contacts from a connected system now (incremental from the saved cursor, or --full)')
    .action(async (system: string, flags: { full: boolean; waitWrites: boolean }) => {
      const args = SyncArgs.safeParse({ system, full: flags.full });
      if (!args.success) {
        console.error(`qualify sync: ${args.error.issues.map((i) => `${i.path.join('.') || 'argument'}: ${i.message}`).join('; ')}`);
        process.exit(2);
      }
      const [{ bootstrap }, { runSync }] = await Promise.all([import('../../app/bootstrap.js'), import('../../pipeline/run-sync.js')]);
      const booted = await bootstrap({ role: 'sync' });
      const conn = booted.runtime.deps.connections.forSystem(args.data.system as (typeof CONNECTOR_SYSTEMS)[number]);
      if (!conn) {
        console.error(`qualify sync: no ${args.data.system} connection is configured (see connectors/${args.data.system}/.env.example).`);
        await booted.close();
        process.exit(2);
      }
      // A parked connection waits for its reset: reading now would spend calls the org doesn't have.
      const row = await booted.store.getConnection(conn.id);
      if (row?.status === 'parked' && row.parkedUntil && Date.parse(row.parkedUntil) > Date.now()) {
        console.error(`qualify sync: ${conn.id} is parked: ${row.statusMessage ?? `until ${row.parkedUntil}`}`);
        await booted.close();
        process.exit(1);
      }
      const stopped = async (err: unknown): Promise<never> => {
        const said = await recordConnectorFailure(booted.store, conn.id, err);
        console.error(`qualify sync: ${said ?? (err as Error).message}`);
        await booted.close();
        process.exit(1);
      };
      await booted.runtime.setupConnections().catch(stopped);
      const workers = booted.runtime.startWorkers({ concurrency: { ingest: 1, io: 2, sync: 1, rescore: 0 } });
      const bar = new SingleBar({ format: `${args.data.system} {bar} {value}/{total} contacts | {duration_formatted} | eta {eta_formatted}`, stream: process.stderr }, Presets.shades_classic);
      let started = false;
      const t0 = Date.now();
      const out = await runSync(booted.runtime.deps, conn, {
        full: args.data.full,
        onPage: (p) => {
          if (!started) bar.start(p.total ?? p.done, 0);
          started = true;
          if (p.total && p.total !== bar.getTotal()) bar.setTotal(p.total);
          bar.update(p.done);
        },
      }).catch(async (err: unknown) => {
        if (started) bar.stop();
        await workers.close();
        return stopped(err);
      });
      if (started) bar.stop();
      const readSeconds = (Date.now() - t0) / 1000;
      const pending = flags.waitWrites ? await writesOrHalt(conn, booted.store, 10 * 60_000) : await conn.writes.size();
      const halt = pending > 0 ? await halted(booted.store, conn.id) : null;
      if (halt) console.error(`qualify sync: write-back ${halt}; ${pending} writes wait in Redis for the workers`);
      const peakRssMb = process.resourceUsage().maxRSS / 1024;
      console.log(
        JSON.stringify({ system: args.data.system, full: args.data.full, ...out, pendingWrites: pending, readSeconds, seconds: (Date.now() - t0) / 1000, peakRssMb }, null, 2),
      );
      await workers.close();
      await booted.close();
      process.exit(0);
    });
}

/**
 * Why the connection's write-back can't go on now (parked until the daily reset, or waiting for
 * re-authorisation), or null: the sync then stops waiting for writes that can't go out today.
 */
async function halted(store: Store, connectionId: string): Promise<string | null> {
  const row = await store.getConnection(connectionId);
  if (row?.status === 'parked' || row?.status === 'needs_reauth') return `${row.status === 'parked' ? 'parked' : 'needs re-authorisation'}: ${row.statusMessage ?? row.status}`;
  return null;
}

/** Waits until the connection has no pending writes, its write-back halts, or the timeout passes; returns what is left. */
async function writesOrHalt(conn: ConnectionRuntime, store: Store, timeoutMs: number): Promise<number> {
  const until = Date.now() + timeoutMs;
  let left = await conn.writes.size();
  while (left > 0 && Date.now() < until && !(await halted(store, conn.id))) {
    await new Promise((r) => setTimeout(r, 250));
    left = await conn.writes.size();
  }
  return left;
}
