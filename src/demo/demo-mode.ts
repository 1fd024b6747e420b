import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { createHubSpotSimulator, type HubSpotSimulator } from '../../connectors/hubspot/simulator/hubspot-simulator.js';
import type { Config } from '../config/load-config.js';
import type { Runtime } from '../app/runtime.js';
import type { Store } from '../store/store.types.js';
import { printSummary } from './demo-summary.js';

/**
 * Demo mode: `npm start` without HubSpot credentials runs against the built-in HubSpot sandbox
 * (connectors/hubspot/simulator), seeded with a few hundred B2B contacts. Everything else is the
 * real product: the official SDK, the shared rate limiter, signed webhooks, queues and the store.
 * After the first sync the terminal shows the funnel and the top leads; then the sandbox plays
 * visitors converting on forms now and then, and their webhooks move leads through the funnel.
 */
export interface Demo {
  accessToken: string;
  clientSecret: string;
  baseUrl: string;
  publicUrl: string;
  simulator: HubSpotSimulator;
  attach(runtime: Runtime): void;
  run(): Promise<void>;
  stopActivity(): Promise<void>;
  close(): Promise<void>;
}

const CONVERSIONS = [
  'Request a demo',
  'Contact sales',
  'Whitepaper: Cloud Security Guide',
  'Webinar: Scaling RevOps',
  'Newsletter signup',
  'Pricing page: request a quote',
  'E-book: Lead scoring playbook',
];

export async function startDemo(d: { config: Config; logger: Logger; store: Store }): Promise<Demo> {
  const accessToken = `demo-${randomBytes(8).toString('hex')}`;
  const clientSecret = randomBytes(16).toString('hex');
  const publicUrl = d.config.publicUrl;
  const simulator = createHubSpotSimulator({
    accessToken,
    contacts: Number(process.env.QUALIFY_DEMO_CONTACTS ?? 300),
    seed: 2026,
    webhook: { targetUrl: `${publicUrl}/webhooks/hubspot`, clientSecret, delayMs: 500 },
  });
  const baseUrl = await simulator.listen(0);
  d.logger.info({ baseUrl }, 'demo mode: no HUBSPOT_ACCESS_TOKEN set, running against the built-in HubSpot sandbox');

  let runtime: Runtime | undefined;
  let timer: NodeJS.Timeout | undefined;
  let tick = 0;

  return {
    accessToken,
    clientSecret,
    baseUrl,
    publicUrl,
    simulator,
    attach(rt) {
      runtime = rt;
    },
    async run() {
      if (!runtime) return;
      const conn = runtime.deps.connectionForSystem('hubspot')!;
      const started = Date.now();
      console.log(`\nqualify demo: syncing the HubSpot sandbox (${simulator.contactIds().length} contacts) at ${baseUrl} …`);
      await runtime.queues.sync.add('demo-backfill', { connectionId: conn.id, full: true });
      // Wait for the backfill to be read, scored and written back (bounded: the demo must not hang).
      const deadline = Date.now() + 90_000;
      while (Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 1000));
        const counts = await runtime.queues.sync.getJobCounts('waiting', 'active', 'delayed');
        const busy = counts.waiting + counts.active + counts.delayed > 0;
        if (!busy && (await d.store.countLeads()) > 0 && (await conn.writes.size()) === 0) break;
      }
      await printSummary(d.store, baseUrl, publicUrl, (Date.now() - started) / 1000);
      // A visitor converts every few seconds: a webhook arrives, the lead is re-read, re-scored, written back.
      const ids = simulator.contactIds();
      timer = setInterval(() => {
        tick++;
        const id = ids[(tick * 37) % ids.length]!;
        const event = CONVERSIONS[tick % CONVERSIONS.length]!;
        try {
          simulator.recordConversion(id, event);
          console.log(`demo: contact ${id} converted on "${event}"`);
        } catch (err) {
          d.logger.warn({ err: (err as Error).message }, 'demo activity failed');
        }
        if (tick % 6 === 0) void printSummary(d.store, baseUrl, publicUrl, (Date.now() - started) / 1000);
      }, 5000);
      timer.unref();
    },
    async stopActivity() {
      if (timer) clearInterval(timer);
    },
    async close() {
      await simulator.close();
    },
  };
}
