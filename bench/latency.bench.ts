/**
 * bench:latency — how long a change made in HubSpot takes to come back as a written score: from
 * the change in the HubSpot sandbox, through its signed webhook (gathered 20 ms by the sandbox, as
 * the e2e tests run it), the route, the ingest job, the re-read of the contact, scoring, to the
 * sandbox receiving our batch update with the contact's new score. Unthrottled (the sandbox's rate
 * limits are far above this traffic), WRITEBACK_COALESCE_MS at its default (2000).
 *
 * 100 changes ("Request a demo" on 100 different contacts, so each one moves a score), each timed
 * until the sandbox writes its new qualify_* values, at two paces: quiet (one every 2.2 s, so each
 * change is alone in its coalescing window) and busy (one every 250 ms: with a read and a write
 * call per change, immediate flushes would spend 80 of HubSpot's 100 calls per 10 s, and writes
 * would wait out their share of the window, so the flushes coalesce). Each pace runs twice in one
 * process on fresh queues: the flush rule before ('coalesced': every read and write flush waits
 * WRITEBACK_COALESCE_MS) and now ('adaptive': at once when quiet, coalesced under load; see
 * scheduleFlush in src/queues/queues.ts). Target: p95 < 2 s at the quiet pace; at the busy one,
 * no more vendor calls than before.
 *
 * The whole product runs on real parts through the e2e harness (test/support/e2e-harness.ts):
 * sandbox over HTTP, real Redis, the HTTP server checking v3 signatures, BullMQ workers.
 * BENCH_CHANGES overrides the number of changes, BENCH_INTERVALS_MS the paces (default 2200,250);
 * BENCH_MODES=adaptive runs one rule only.
 */
import { pino } from 'pino';
import { ensureRedis } from '../src/infra/redis-bootstrap.js';
import { runSync } from '../src/pipeline/run-sync.js';
import { startWorkers, type WorkerOptions } from '../src/queues/workers.js';
import { createStore } from '../src/store/sql-store.js';
import { startE2E } from '../test/support/e2e-harness.js';

const CHANGES = Number(process.env.BENCH_CHANGES ?? 100);
/** A quiet portal (each change alone: a flush of each kind at most every WRITEBACK_COALESCE_MS), then a busy one. */
const INTERVALS_MS = (process.env.BENCH_INTERVALS_MS ?? '2200,250').split(',').map(Number);
const COALESCE_MS = 2000; // WRITEBACK_COALESCE_MS's default
const MODES = (process.env.BENCH_MODES ?? 'coalesced,adaptive').split(',').map((m) => m.trim()) as Array<NonNullable<WorkerOptions['flush']>>;
const TIMEOUT_MS = 15_000;
const TARGET_P95_MS = 2000;

interface Run {
  mode: string;
  intervalMs: number;
  latencies: number[];
  missed: number;
  writeCalls: number;
  readCalls: number;
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

async function run(mode: NonNullable<WorkerOptions['flush']>, intervalMs: number): Promise<Run> {
  const store = await createStore({ inMemory: true });
  const e2e = await startE2E({ store, contacts: CHANGES + 20, seed: 11, coalesceMs: COALESCE_MS, workers: false, logger: pino({ level: process.env.LOG_LEVEL ?? 'silent' }) });
  const workers = startWorkers(e2e.runtime.redis, e2e.runtime.queues, e2e.runtime.deps, { prefix: e2e.prefix, coalesceMs: COALESCE_MS, flush: mode });
  try {
    // Every contact stored, scored and written back once; the echoes of those writes settled.
    await runSync(e2e.runtime.deps, e2e.conn, { full: true });
    await e2e.settle(120_000);
    // A quiet spell before the first change: the initial sync's last flush is more than a coalescing window ago.
    await new Promise((r) => setTimeout(r, COALESCE_MS));
    e2e.sim.resetStats();

    const ids = e2e.sim.contactIds().slice(0, CHANGES);
    // The sandbox's write of our values, seen as it happens: its state's write() is watched for
    // the batch update carrying a waiting contact's qualify_* values (the sandbox's own change of
    // the contact writes none of them).
    const waiting = new Map<number, number>(); // contact index → when its change was made
    const latencies: number[] = [];
    const state = e2e.sim.state;
    const write = state.write.bind(state);
    state.write = (index, values, source) => {
      const at = waiting.get(index);
      if (at !== undefined && Object.keys(values).some((k) => k.startsWith('qualify_'))) {
        latencies.push(performance.now() - at);
        waiting.delete(index);
      }
      return write(index, values, source);
    };
    for (const id of ids) {
      waiting.set(state.resolve(id), performance.now());
      e2e.sim.recordConversion(id, 'Request a demo');
      await new Promise((r) => setTimeout(r, intervalMs));
    }
    const until = performance.now() + TIMEOUT_MS;
    while (waiting.size > 0 && performance.now() < until) await new Promise((r) => setTimeout(r, 20));
    const missed = waiting.size;
    const stats = e2e.sim.stats;
    return {
      mode,
      intervalMs,
      latencies: latencies.sort((a, b) => a - b),
      missed,
      writeCalls: stats.writeCalls,
      readCalls: Object.entries(stats.calls).filter(([k]) => k.includes('batch/read') || k.startsWith('GET')).reduce((n, [, c]) => n + c, 0),
    };
  } finally {
    await workers.close();
    await e2e.close();
    await store.close();
  }
}

async function main() {
  const redis = await ensureRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  process.env.REDIS_URL = redis.url;
  console.log(
    `bench:latency — ${CHANGES} changes in the HubSpot sandbox, one every ${INTERVALS_MS.join(' / ')} ms, each timed from the change to the sandbox's write of its new score; WRITEBACK_COALESCE_MS=${COALESCE_MS}, unthrottled`,
  );
  const runs: Run[] = [];
  for (const intervalMs of INTERVALS_MS) for (const mode of MODES) runs.push(await run(mode, intervalMs));
  console.log('');
  console.log(`change every  flush rule   p50 (ms)   p95 (ms)   max (ms)   target p95 < ${TARGET_P95_MS} ms   missed   write calls   read calls`);
  for (const r of runs) {
    const [p50, p95, max] = [percentile(r.latencies, 50), percentile(r.latencies, 95), r.latencies.at(-1) ?? NaN];
    console.log(
      `${`${r.intervalMs} ms`.padEnd(13)} ${r.mode.padEnd(12)} ${p50.toFixed(0).padEnd(10)} ${p95.toFixed(0).padEnd(10)} ${max.toFixed(0).padEnd(10)} ${(p95 < TARGET_P95_MS ? 'met' : 'NOT met').padEnd(22)} ${String(r.missed).padEnd(8)} ${String(r.writeCalls).padEnd(13)} ${r.readCalls}`,
    );
  }
  await redis.stop?.();
  process.exit(0);
}

await main();
