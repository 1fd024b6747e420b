import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { createStore } from '../../src/store/sql-store.js';
import { freePort } from '../support/e2e-harness.js';
import { TEST_SECRET_KEY } from '../support/store-backends.js';

/**
 * What an operator types to bootstrap a team without the admin API, on the real CLI with the
 * embedded database in a fresh data directory; and a `qualify worker` run alone answering
 * /metrics and /healthz on its own port.
 */

const dataDir = mkdtempSync(join(tmpdir(), 'qualify-ws-cli-'));
const env = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  NODE_ENV: 'test',
  QUALIFY_DATA_DIR: dataDir,
  QUALIFY_SECRET_KEY: TEST_SECRET_KEY,
  QUALIFY_DEMO: 'false',
  REDIS_URL: process.env.REDIS_URL,
  QUALIFY_QUEUE_PREFIX: `${process.env.QUALIFY_QUEUE_PREFIX ?? 'qualify-test'}-cli-${randomUUID().slice(0, 8)}`,
  LOG_LEVEL: 'warn',
};
const qualify = (...args: string[]) => spawnSync(process.execPath, ['bin/qualify.js', ...args], { env, encoding: 'utf8', timeout: 90_000 });

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('workspace and api-key commands', () => {
  test('when an operator creates a workspace and a key, then the key is printed once and opens that workspace only', async () => {
    const created = qualify('workspace', 'create', 'acme', '--name', 'Acme RevOps');
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);
    expect(created.stdout.trim()).toBe('workspace acme created (Acme RevOps)');

    const again = qualify('workspace', 'create', 'acme', '--name', 'Again');
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/Workspace "acme" already exists/);

    const key = qualify('api-key', 'create', '--workspace', 'acme', '--name', 'dashboard');
    expect(key.status).toBe(0);
    const printed = key.stdout.trim();
    expect(printed).toMatch(/^qk_[A-Za-z0-9_-]{43}$/);
    expect(key.stderr).toMatch(/shown once/);

    const listed = qualify('api-key', 'list', '--workspace', 'acme', '--json');
    expect(listed.status).toBe(0);
    const keys = JSON.parse(listed.stdout) as Array<{ name: string; prefix: string }>;
    expect(keys).toEqual([expect.objectContaining({ name: 'dashboard', prefix: printed.slice(0, 11) })]);
    expect(listed.stdout).not.toContain(printed);

    const store = await createStore({ dataDir, secretKey: TEST_SECRET_KEY });
    try {
      expect(await store.resolveApiKey(printed)).toMatchObject({ workspaceId: 'acme', name: 'dashboard' });
      expect((await store.listWorkspaces()).map((w) => w.id)).toEqual(['default', 'acme']);
    } finally {
      await store.close();
    }
  }, 240_000);

  test('when a key is asked for a workspace that does not exist, then the command fails with one line saying so', () => {
    const r = qualify('api-key', 'create', '--workspace', 'nope', '--name', 'x');
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe('qualify: Unknown workspace "nope": create it first');
  }, 120_000);
});

describe('qualify worker run alone', () => {
  test('when it runs, then its own port serves /metrics and /healthz, and it stops on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['bin/qualify.js', 'worker'], {
      env: { ...env, QUALIFY_WORKER_METRICS_PORT: String(port), LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 90_000;
      let metrics: Response | undefined;
      while (!metrics && Date.now() < deadline) {
        metrics = await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => undefined);
        if (!metrics) await new Promise((r) => setTimeout(r, 250));
      }
      expect(metrics?.status).toBe(200);
      const text = await metrics!.text();
      expect(text).toMatch(/^qualify_jobs\{queue="crm-sync",state="waiting"\} \d+$/m);
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      expect(output).toContain(`worker metrics on http://localhost:${port}/metrics`);
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  }, 120_000);
});
