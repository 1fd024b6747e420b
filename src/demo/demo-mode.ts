import type { Logger } from 'pino';
import type { Runtime } from '../app/runtime.js';
import type { ConnectorDefinition, RunningSandbox } from '../kit/connector-definition.js';
import type { Store } from '../store/store.types.js';
import { issueDemoApiKey } from '../api/demo-api-key.js';
import { printSummary } from './demo-summary.js';

/**
 * Demo mode: `npm start` without credentials runs against the built-in sandboxes of the systems
 * QUALIFY_DEMO_SYSTEMS names (HubSpot by default; each connector's sandbox lives in its folder and
 * registers through its definition). Everything else is the real product: the official SDKs, the
 * shared rate limiter, signed webhooks, queues and the store. After the first sync the terminal
 * shows the funnel and the top leads; then each sandbox plays its activity (a visitor converts on
 * a form now and then), and its webhooks move leads through the funnel.
 */
export interface Demo {
  publicUrl: string;
  /** The `<SYSTEM>_*` variables that point each demo system's connector at its sandbox. */
  env: Record<string, string>;
  attach(runtime: Runtime): void;
  run(): Promise<void>;
  stopActivity(): Promise<void>;
  close(): Promise<void>;
}

export async function startDemo(d: { publicUrl: string; logger: Logger; store: Store; systems: ConnectorDefinition[]; people: number }): Promise<Demo> {
  const running: Array<{ def: ConnectorDefinition; sandbox: RunningSandbox }> = [];
  for (const def of d.systems) {
    if (!def.sandbox) throw new Error(`demo mode: ${def.label} has no sandbox`);
    running.push({ def, sandbox: await def.sandbox.start({ publicUrl: d.publicUrl, logger: d.logger, people: d.people }) });
    d.logger.info({ system: def.system }, `demo mode: running against the built-in ${def.label} sandbox`);
  }
  const where = running.map((r) => `${r.def.label} sandbox ${Object.entries(r.sandbox.env).find(([k]) => k.endsWith('_BASE_URL'))?.[1] ?? ''}`.trim()).join(', ');
  let runtime: Runtime | undefined;
  let timer: NodeJS.Timeout | undefined;
  let tick = 0;

  return {
    publicUrl: d.publicUrl,
    env: Object.assign({}, ...running.map((r) => r.sandbox.env)),
    attach(rt) {
      runtime = rt;
    },
    async run() {
      if (!runtime) return;
      const started = Date.now();
      const conns = running.map((r) => runtime!.deps.connections.forSystem(r.def.system)!).filter(Boolean);
      const what = running.map((r) => `the ${r.def.label} sandbox (${r.sandbox.people} people)`);
      console.log(`\nqualify demo: syncing ${what.length > 1 ? `${what.slice(0, -1).join(', ')} and ${what.at(-1)}` : what[0]} …`);
      // The dashboard and /api need a workspace key; demo mode makes one for the default workspace.
      const apiKey = await issueDemoApiKey(d.store);
      console.log(`dashboard: ${d.publicUrl}/#key=${apiKey}`);
      const jobs = await Promise.all(conns.map((conn) => runtime!.queues.sync.add('demo-backfill', { connectionId: conn.id, full: true })));
      // Wait for the backfills to be read, scored and written back (bounded: the demo must not hang).
      const deadline = Date.now() + 90_000;
      const done = async () => {
        for (const [i, job] of jobs.entries()) {
          const state = await runtime!.queues.sync.getJobState(job.id!);
          if (!(state === 'completed' || state === 'failed') || (await conns[i]!.writes.size()) > 0) return false;
        }
        return true;
      };
      while (Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 500));
        if (await done()) break;
      }
      await printSummary(d.store, where, d.publicUrl, (Date.now() - started) / 1000, apiKey);
      timer = setInterval(() => {
        tick++;
        for (const r of running) {
          try {
            const line = r.sandbox.tick?.(tick);
            if (line) console.log(`demo: ${line}`);
          } catch (err) {
            d.logger.warn({ system: r.def.system, err: (err as Error).message }, 'demo activity failed');
          }
        }
        if (tick % 6 === 0) void printSummary(d.store, where, d.publicUrl, (Date.now() - started) / 1000, apiKey);
      }, 5000);
      timer.unref();
    },
    async stopActivity() {
      if (timer) clearInterval(timer);
    },
    async close() {
      for (const r of running) await r.sandbox.close();
    },
  };
}
