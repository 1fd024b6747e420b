/**
 * bench:backfill — `qualify sync hubspot --full` over 100,000 contacts in the HubSpot sandbox,
 * each in its own process (the sandbox's memory is not qualify's). Prints elapsed time and
 * qualify's peak RSS against the read bound: the search API's 5 requests/s × 200 contacts a page
 * = 100 s for 100,000 contacts. Targets: within 20 % of the bound, peak RSS under 300 MB (the
 * backfill streams page by page; it never holds the whole account). Write-backs run alongside on
 * the account's own budget (100 calls / 10 s) and continue after the read is done.
 *
 * BENCH_CONTACTS overrides the count; DATABASE_URL runs it on PostgreSQL instead of PGlite.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { ensureRedis } from '../src/infra/redis-bootstrap.js';

const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 100_000);
const TOKEN = 'bench-backfill-token';

async function startSandbox(): Promise<{ url: string; pid: number | undefined; stop: () => Promise<string> }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'connectors/hubspot/simulator/run-simulator.ts', '--contacts', String(CONTACTS), '--token', TOKEN, '--seed', 'backfill'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout! });
  const it = lines[Symbol.asyncIterator]();
  const first = await it.next();
  return {
    url: String(first.value).trim(),
    pid: child.pid,
    stop: async () => {
      child.kill('SIGTERM');
      for (;;) {
        const line = await it.next();
        if (line.done) return '';
        if (String(line.value).startsWith('{')) return String(line.value);
      }
    },
  };
}

/**
 * utime + stime in seconds of a process and its descendants (`qualify sync` runs the sync in a
 * child with a capped heap), or null when /proc can't tell (not Linux, already gone).
 */
function procCpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    let seconds = (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks; 100 a second on Linux
    for (const child of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean)) seconds += procCpuSeconds(Number(child)) ?? 0;
    return seconds;
  } catch {
    return null;
  }
}

/** Peak resident memory (VmHWM) of one process in MB, or null. */
function procPeakRssMb(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : null;
  } catch {
    return null;
  }
}

async function main() {
  const redis = await ensureRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const sandbox = await startSandbox();
  const dataDir = mkdtempSync(join(tmpdir(), 'qualify-backfill-'));
  // On PostgreSQL, a fresh schema per run: a backfill into last run's 100k leads measures merges.
  let databaseUrl = process.env.DATABASE_URL;
  let dropSchema = async () => {};
  if (databaseUrl) {
    const schema = `qualify_bench_${Date.now()}`;
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    const url = new URL(databaseUrl);
    url.searchParams.set('options', `-c search_path=${schema}`);
    databaseUrl = url.toString();
    dropSchema = async () => {
      const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await c.connect();
      await c.query(`drop schema ${schema} cascade`);
      await c.end();
    };
  }
  const env = {
    ...process.env,
    REDIS_URL: redis.url,
    QUALIFY_QUEUE_PREFIX: `qualify-bench-${randomUUID().slice(0, 8)}`,
    QUALIFY_DATA_DIR: dataDir,
    HUBSPOT_ACCESS_TOKEN: TOKEN,
    HUBSPOT_BASE_URL: sandbox.url,
    LOG_LEVEL: 'warn',
    QUALIFY_DEMO: 'false',
    ...(databaseUrl && { DATABASE_URL: databaseUrl }),
  };
  console.log(
    `bench:backfill — qualify sync hubspot --full over ${CONTACTS} sandbox contacts on ${
      process.env.DATABASE_URL
        ? 'PostgreSQL (the store of record)'
        : 'PGlite (the embedded zero-setup default; DATABASE_URL=postgres://… runs it on PostgreSQL, the store of record, as accounts of this size should)'
    }`,
  );
  // A deployment's store exists before its first backfill: create it (PGlite's one-off initdb
  // alone peaks near 800 MB) in its own process, so the figures below are the sync's.
  const init = spawn(process.execPath, ['bin/qualify.js', 'status', '--json'], { env, stdio: 'ignore' });
  await new Promise((r) => init.on('exit', r));
  const started = Date.now();
  const sync = spawn(process.execPath, [...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean), 'bin/qualify.js', 'sync', 'hubspot', '--full', '--no-wait-writes'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  sync.stdout!.on('data', (d) => (out += d));
  // CPU seconds the sync used (Linux /proc, sampled until it exits): on a shared machine the
  // elapsed time says as much about the neighbours as about qualify; CPU per contact does not.
  let cpuSeconds: number | null = null;
  const sandboxCpuAtStart = procCpuSeconds(sandbox.pid) ?? 0;
  let sandboxCpu: number | null = null;
  let launcherRssMb: number | null = null;
  const sampler = setInterval(() => {
    cpuSeconds = procCpuSeconds(sync.pid) ?? cpuSeconds;
    launcherRssMb = procPeakRssMb(sync.pid) ?? launcherRssMb;
    sandboxCpu = procCpuSeconds(sandbox.pid) ?? sandboxCpu;
  }, 250);
  const code = await new Promise<number>((r) => sync.on('exit', (c) => r(c ?? 1)));
  clearInterval(sampler);
  const elapsed = (Date.now() - started) / 1000;
  const simStats = await sandbox.stop();
  rmSync(dataDir, { recursive: true, force: true });
  await dropSchema();
  if (code !== 0) {
    console.error(`qualify sync exited with ${code}\n${out}`);
    process.exit(1);
  }
  // The summary is the last, pretty-printed JSON on stdout; log lines (JSON, one a line) may precede it.
  const at = out.lastIndexOf('\n{\n') + 1;
  if (at > 0) process.stderr.write(out.slice(0, at));
  const report = JSON.parse(out.slice(at)) as { records: number; peakRssMb: number; seconds: number; pendingWrites: number };
  const bound = CONTACTS / 200 / 5;
  console.log('');
  console.log(`                   measured   bound     target`);
  console.log(`elapsed (s)        ${elapsed.toFixed(1).padEnd(10)} ${bound.toFixed(0).padEnd(9)} ≤ ${(bound * 1.2).toFixed(0)}      ${elapsed <= bound * 1.2 ? 'met' : 'NOT met'}`);
  console.log(`peak RSS (MB)      ${report.peakRssMb.toFixed(0).padEnd(10)} —         < 300      ${report.peakRssMb < 300 ? 'met' : 'NOT met'}${launcherRssMb !== null && Math.abs((launcherRssMb as number) - report.peakRssMb) > 1 ? `   (the sync's process; its launcher: ${(launcherRssMb as number).toFixed(0)} MB)` : ''}`);
  console.log(`contacts read      ${report.records}; write-backs still queued when the read finished: ${report.pendingWrites}`);
  if (cpuSeconds !== null) {
    const perContact = ((cpuSeconds as number) * 1000) / Math.max(1, report.records);
    console.log(`sync CPU           ${(cpuSeconds as number).toFixed(1)} s (${perContact.toFixed(2)} ms a contact, at least; load average at the end ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores)`);
    // The sandbox shares the machine: its CPU (searches, serving 100k contacts) is not qualify's, but it competes for the same cores.
    if (sandboxCpu !== null) console.log(`sandbox CPU        ${((sandboxCpu as number) - sandboxCpuAtStart).toFixed(1)} s over the sync`);
  }
  if (simStats) console.log(`sandbox: ${simStats}`);
  await redis.stop?.();
}

await main();
