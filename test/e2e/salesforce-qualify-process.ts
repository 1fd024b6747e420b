import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../connectors/salesforce/simulator/salesforce-sandbox.js';
import { resolveFromRoot } from '../../src/infra/paths.js';
import { createRedis } from '../../src/queues/redis-connection.js';

/**
 * `node bin/qualify.js …` as real child processes configured the way an operator configures
 * qualify: environment variables only. The test process owns the Salesforce sandbox (the children's
 * jsforce reaches it over HTTP on 127.0.0.1) and a fresh Redis key prefix; the store is a temporary
 * PGlite data directory or a PostgreSQL schema (DATABASE_URL with `options=-c search_path=`).
 */

export interface QualifyRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface SalesforceQualify {
  sandbox: SalesforceSandbox;
  prefix: string;
  env: NodeJS.ProcessEnv;
  /** Runs one command to its end. `tty`: stderr is a terminal (the progress bar draws only there). */
  run(args: string[], opts?: { env?: Record<string, string>; tty?: boolean; timeoutMs?: number }): Promise<QualifyRun>;
  /** Starts a long-running command (`start`, `server`, `worker`). */
  spawn(args: string[], extraEnv?: Record<string, string>): QualifyChild;
  close(): Promise<void>;
}

export interface QualifyChild {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  /** SIGTERM, then the exit (SIGKILL after 15 s). */
  stop(): Promise<void>;
}

export async function startSalesforceQualify(o: { leads: number; contacts: number; store: { dataDir: true } | { databaseUrl: string }; env?: Record<string, string> }): Promise<SalesforceQualify> {
  // Records (and their activities, whole days earlier) are stamped from 20 days ago plus one hour
  // onwards, a few minutes apart: no activity's age in days ticks over while the test runs, so
  // reasons like "meeting booked (15d ago)" stay the same between two processes' scoring.
  const start = new Date(Date.now() - 20 * 86_400_000 + 3_600_000);
  if ((o.leads + o.contacts) * 601 > 22 * 3600) throw new Error('at most 131 people: seeded stamps are up to 601 s apart and must fit in 22 h');
  const sandbox = await startSalesforceSandbox({ leads: o.leads, contacts: o.contacts, seed: 11, start });
  const prefix = `qualify-test-sfcli-${randomUUID().slice(0, 8)}`;
  const scratch = await mkdtemp(join(tmpdir(), 'qualify-sf-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'test',
    REDIS_URL: process.env.REDIS_URL,
    QUALIFY_QUEUE_PREFIX: prefix,
    QUALIFY_DEMO: 'false',
    WRITEBACK_COALESCE_MS: '50',
    LOG_LEVEL: 'warn',
    SALESFORCE_POLL_INTERVAL_MS: '3600000',
    ...('databaseUrl' in o.store ? { DATABASE_URL: o.store.databaseUrl } : { QUALIFY_DATA_DIR: join(scratch, 'data') }),
    ...sandbox.env,
    ...o.env,
  };
  const children: QualifyChild[] = [];
  const bin = resolveFromRoot('bin/qualify.js');

  const run: SalesforceQualify['run'] = (args, ropts = {}) => {
    const childEnv = { ...env, ...ropts.env };
    const stdoutFile = join(scratch, `stdout-${randomUUID().slice(0, 8)}`);
    // A terminal for stderr only: `script` gives the command a pseudo-terminal, stdout goes to a file.
    const child = ropts.tty
      ? spawn('script', ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} ${args.map((a) => JSON.stringify(a)).join(' ')} > ${JSON.stringify(stdoutFile)}`, '/dev/null'], {
          cwd: resolveFromRoot('.'),
          env: childEnv,
          stdio: ['ignore', 'pipe', 'pipe'],
        })
      : spawn(process.execPath, [bin, ...args], { cwd: resolveFromRoot('.'), env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), ropts.timeoutMs ?? 90_000);
    return new Promise((resolve) =>
      child.once('exit', async (code) => {
        clearTimeout(timer);
        if (ropts.tty) resolve({ code, stdout: await readFile(stdoutFile, 'utf8').catch(() => ''), stderr: stdout + stderr });
        else resolve({ code, stdout, stderr });
      }),
    );
  };

  return {
    sandbox,
    prefix,
    env,
    run,
    spawn(args, extraEnv = {}) {
      const child = spawn(process.execPath, [bin, ...args], { cwd: resolveFromRoot('.'), env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
      const handle: QualifyChild = {
        child,
        exited,
        output: () => out,
        async stop() {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
          await exited;
          clearTimeout(timer);
        },
      };
      children.push(handle);
      return handle;
    },
    async close() {
      for (const c of children) await c.stop();
      await sandbox.close();
      await rm(scratch, { recursive: true, force: true });
      // The run's keys (queues, pending sets, token vault, limiter) go with it.
      const redis = createRedis(process.env.REDIS_URL!);
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length) await redis.del(...keys);
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
    },
  };
}

/** The pretty-printed JSON document a command printed on stdout (the summary; log lines are one-line JSON). */
export function jsonSummary<T = Record<string, unknown>>(r: QualifyRun): T {
  const start = r.stdout.startsWith('{\n') ? 0 : r.stdout.lastIndexOf('\n{\n') + 1;
  if (start < 0 || !r.stdout.startsWith('{\n', start)) throw new Error(`no JSON summary on stdout (exit ${r.code}):\n${r.stdout}\n--- stderr ---\n${r.stderr.slice(-3000)}`);
  return JSON.parse(r.stdout.slice(start)) as T;
}

/** Polls `check` every 100 ms until it holds (or throws after timeoutMs). */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs: number, what: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting: ${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
