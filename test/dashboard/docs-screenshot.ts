import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { launchChromium } from './launch-chromium.js';

/**
 * `npm run docs:screenshot`: the README's picture of the dashboard, taken from demo mode as a
 * user would see it. Starts `qualify start` in demo mode (its own data directory, port and queue
 * prefix, so it touches nothing else), waits for the dashboard address it prints (with the demo
 * workspace's key in `#key=…`) and for the first funnel summary, opens that address in Debian's
 * Chromium and saves docs/dashboard.png. The service is stopped afterwards.
 *
 * DASHBOARD_SCREENSHOT=path writes elsewhere (e.g. to compare before committing).
 */

const OUT = resolve(process.env.DASHBOARD_SCREENSHOT ?? 'docs/dashboard.png');
const TIMEOUT_MS = 180_000;

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? ok(addr.port) : fail(new Error('no free port'))));
    });
  });
}

async function main(): Promise<void> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'qualify-docs-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    QUALIFY_DEMO: 'true',
    PORT: String(port),
    QUALIFY_PUBLIC_URL: `http://127.0.0.1:${port}`,
    QUALIFY_DATA_DIR: dataDir,
    QUALIFY_QUEUE_PREFIX: `qualify-docs-${process.pid}`,
  };
  // Demo mode runs on the embedded store and the sandbox only; nothing real may leak in.
  for (const name of ['DATABASE_URL', 'HUBSPOT_ACCESS_TOKEN', 'SALESFORCE_CLIENT_ID', 'SALESFORCE_REFRESH_TOKEN', 'LOG_LEVEL']) delete env[name];

  const child = spawn(process.execPath, ['bin/qualify.js', 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));

  try {
    // The dashboard address (with the key) and the first summary ("top leads:") both have to appear.
    const dashboardUrl = await new Promise<string>((ok, fail) => {
      let url: string | null = null;
      let summarised = false;
      const timer = setTimeout(() => fail(new Error(`demo mode did not print a dashboard address with #key=… and a summary within ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
      void exited.then((code) => fail(new Error(`qualify start exited (${code}) before the dashboard was ready:\n${stderr.slice(-2000)}`)));
      createInterface({ input: child.stdout }).on('line', (line) => {
        output.push(line);
        url ??= /(https?:\/\/\S+\/#key=[^\s'"]+)/.exec(line)?.[1] ?? null;
        summarised ||= line.startsWith('top leads:');
        if (url && summarised) {
          clearTimeout(timer);
          ok(url);
        }
      });
    });
    // The address the demo prints may name localhost or the public URL; this run listens on 127.0.0.1.
    const target = new URL(dashboardUrl);
    target.host = `127.0.0.1:${port}`;

    const chromium = await launchChromium();
    try {
      const page = await chromium.browser.newPage({ viewport: { width: 1280, height: 1180 }, deviceScaleFactor: 1 });
      await page.goto(target.toString());
      await page.waitForSelector('body[data-state="ready"], body[data-state="error"], body[data-state="need-key"]', { timeout: 30_000 });
      const state = await page.getAttribute('body', 'data-state');
      if (state !== 'ready') throw new Error(`the dashboard is "${state}": ${await page.textContent('#error')} ${await page.textContent('#key-message')}`);
      await page.screenshot({ path: OUT });
      console.log(`wrote ${OUT} from ${target.origin}/#key=…`);
    } finally {
      await chromium.close();
    }
  } catch (err) {
    console.error(output.slice(-20).join('\n'));
    throw err;
  } finally {
    child.kill('SIGTERM');
    const stopped = await Promise.race([exited, new Promise((ok) => setTimeout(() => ok('timeout'), 15_000))]);
    if (stopped === 'timeout') child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`docs:screenshot: ${(err as Error).message}`);
    process.exit(1);
  },
);
