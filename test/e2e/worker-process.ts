import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolveFromRoot } from '../../src/infra/paths.js';
import type { PendingWrite } from '../../src/pipeline/pipeline.types.js';
import { runSync } from '../../src/pipeline/run-sync.js';
import { createStore } from '../../src/store/sql-store.js';
import type { Store } from '../../src/store/store.types.js';
import { startE2E, type E2E, type E2EOptions } from '../support/e2e-harness.js';
import { dropTestSchema, storeBackends, testDatabaseUrl } from '../support/store-backends.js';

/**
 * `qualify worker` as a real child process, for the tests where processes die, drain or compete.
 *
 * The test process plays the rest of the product: it owns the HubSpot sandbox (listening on
 * 127.0.0.1, so children reach it), a fresh PostgreSQL schema, and a runtime without workers that
 * runs the backfill, so the write-backs it queues wait in Redis for the children. The children
 * are configured the way an operator would: environment variables only. They reach the test's
 * schema through the standard libpq `options` parameter of DATABASE_URL (pg honours it), and its
 * queues through QUALIFY_QUEUE_PREFIX; the connection id is bootstrap's 'hubspot-default'.
 * The test's connector reads like the children's (default history mode), so a contact re-read by
 * a child scores the same as when the test read it.
 */

export interface WorkerScenario {
  e2e: E2E;
  store: Store;
  /** The write-backs waiting when the scenario starts: record id → properties. */
  pending: Map<string, Record<string, string>>;
  /** DATABASE_URL for a child: the test database, search_path set to the scenario's schema. */
  databaseUrl: string;
  spawnWorker(extraEnv?: Record<string, string>): WorkerChild;
  /** Until nothing is waiting to be written and no io job is waiting or running. */
  waitForWrites(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export interface WorkerChild {
  child: ChildProcess;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything it printed so far (JSON log lines), for assertions and failure messages. */
  output(): string;
}

export const LIMIT = { max: 10, intervalMs: 10_000 };

/**
 * Whether this run tests PostgreSQL, decided as for every store-backed test (QUALIFY_TEST_BACKENDS,
 * PostgreSQL answering, required under CI). Only the decision is used: no store is opened there.
 */
export function withPostgres(): boolean {
  return storeBackends().some(([name]) => name === 'postgres');
}

export async function startWorkerScenario(o: { contacts: number; latencyMs?: number; e2e?: Partial<E2EOptions> }): Promise<WorkerScenario> {
  const url = testDatabaseUrl();
  // Named like store-backends' schemas, so a killed run's schema is swept by its sweeper.
  const schema = `qualify_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const store = await createStore({ databaseUrl: url, schema });
  const e2e = await startE2E({
    store,
    contacts: o.contacts,
    webhook: false,
    workers: false,
    connectionId: 'hubspot-default',
    rateLimit: LIMIT,
    limits: { burst: { max: LIMIT.max, windowMs: LIMIT.intervalMs } },
    latencyMs: o.latencyMs,
    ...o.e2e,
  });
  await runSync(e2e.runtime.deps, e2e.conn, { full: true });
  const pending = new Map((await e2e.conn.writes.peek(1_000_000)).map((w) => [w.id, (w.payload as PendingWrite).properties]));

  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  const databaseUrl = u.toString();
  const children: WorkerChild[] = [];

  return {
    e2e,
    store,
    pending,
    databaseUrl,
    spawnWorker(extraEnv = {}) {
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: 'test',
        REDIS_URL: process.env.REDIS_URL,
        QUALIFY_QUEUE_PREFIX: e2e.prefix,
        DATABASE_URL: databaseUrl,
        QUALIFY_DEMO: 'false',
        HUBSPOT_ACCESS_TOKEN: e2e.accessToken,
        HUBSPOT_CLIENT_SECRET: e2e.clientSecret,
        HUBSPOT_BASE_URL: e2e.sim.baseUrl!,
        HUBSPOT_RATE_LIMIT_MAX: String(LIMIT.max),
        HUBSPOT_RATE_LIMIT_WINDOW_MS: String(LIMIT.intervalMs),
        HUBSPOT_POLL_INTERVAL_MS: String(3_600_000),
        WRITEBACK_COALESCE_MS: '50',
        LOG_LEVEL: 'info',
        ...extraEnv,
      };
      const child = spawn(process.execPath, [resolveFromRoot('bin/qualify.js'), 'worker'], { cwd: resolveFromRoot('.'), env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.once('exit', (code, signal) => resolve({ code, signal })),
      );
      const handle = { child, exited, output: () => out };
      children.push(handle);
      return handle;
    },
    async waitForWrites(timeoutMs) {
      const until = Date.now() + timeoutMs;
      let quiet = 0;
      while (Date.now() < until) {
        const io = await e2e.runtime.queues.io.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        const busy = (await e2e.conn.writes.size()) + Object.values(io).reduce((a, b) => a + b, 0);
        quiet = busy === 0 ? quiet + 1 : 0;
        if (quiet >= 3) return;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`worker scenario: writes still pending after ${timeoutMs} ms (${await e2e.conn.writes.size()} left)`);
    },
    async close() {
      for (const c of children) {
        if (c.child.exitCode === null && c.child.signalCode === null) {
          c.child.kill('SIGKILL');
          await c.exited;
        }
      }
      await e2e.close();
      await store.close();
      await dropTestSchema(schema, url);
    },
  };
}

/** Polls `check` every 10 ms until it holds (or throws after timeoutMs). */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string | (() => string)): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** How many times each contact's qualify_score changed in the sandbox (its property history). */
export function scoreHistoryLengths(e2e: E2E, ids: string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const id of ids) {
    const index = e2e.sim.state.store.indexOf(id);
    out.set(id, e2e.sim.state.store.history(index, 'qualify_score').length);
  }
  return out;
}
