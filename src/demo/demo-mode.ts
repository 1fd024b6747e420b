import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { createHubSpotSimulator, type HubSpotSimulator } from '../../connectors/hubspot/simulator/hubspot-simulator.js';
import type { Config } from '../config/load-config.js';
import type { Runtime } from '../app/runtime.js';
import type { Store } from '../store/store.types.js';
import { issueDemoApiKey } from '../api/demo-api-key.js';
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

const SALES_REQUEST = /demo|contact sales|quote/i;
/** What a qualification form or a first sales call records: mapped to BANT by mappings/hubspot.yaml. */
const BANT_ANSWERS = { budget: 'Approved for this year', authority: 'Decision maker', timeline: 'This quarter', need: 'Replace manual lead routing' };

/**
 * Real portals keep BANT answers in custom contact properties. The sandbox starts without them,
 * so the demo creates them through the API, as an admin would, and fills them in for the
 * contacts who already asked sales for a demo or a quote.
 */
async function addBantAnswers(simulator: HubSpotSimulator, baseUrl: string, accessToken: string): Promise<void> {
  for (const name of Object.keys(BANT_ANSWERS)) {
    const res = await fetch(`${baseUrl}/crm/v3/properties/contacts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name, label: name[0]!.toUpperCase() + name.slice(1), type: 'string', fieldType: 'text', groupName: 'contactinformation' }),
    });
    if (!res.ok && res.status !== 409) throw new Error(`demo: could not create the ${name} property in the sandbox: ${res.status} ${await res.text()}`);
  }
  for (const id of simulator.contactIds()) {
    const contact = simulator.getContact(id);
    const asked = [contact?.recent_conversion_event_name, contact?.first_conversion_event_name].some((v) => v && SALES_REQUEST.test(v));
    if (asked) simulator.touchContact(id, BANT_ANSWERS);
  }
}

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
  await addBantAnswers(simulator, baseUrl, accessToken);
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
      // The dashboard and /api need a workspace key; demo mode makes one for the default workspace.
      const apiKey = await issueDemoApiKey(d.store);
      console.log(`dashboard: ${publicUrl}/#key=${apiKey}`);
      const job = await runtime.queues.sync.add('demo-backfill', { connectionId: conn.id, full: true });
      // Wait for the backfill to be read, scored and written back (bounded: the demo must not hang).
      const deadline = Date.now() + 90_000;
      while (Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 500));
        const state = await runtime.queues.sync.getJobState(job.id!);
        if ((state === 'completed' || state === 'failed') && (await conn.writes.size()) === 0) break;
      }
      await printSummary(d.store, baseUrl, publicUrl, (Date.now() - started) / 1000, apiKey);
      // A visitor converts every few seconds: a webhook arrives, the lead is re-read, re-scored, written back.
      const ids = simulator.contactIds();
      timer = setInterval(() => {
        tick++;
        const id = ids[(tick * 37) % ids.length]!;
        const event = CONVERSIONS[tick % CONVERSIONS.length]!;
        try {
          simulator.recordConversion(id, event);
          // Someone asking sales for a demo or a quote tells sales about budget, authority and timing.
          if (SALES_REQUEST.test(event)) simulator.touchContact(id, BANT_ANSWERS);
          console.log(`demo: contact ${id} converted on "${event}"`);
        } catch (err) {
          d.logger.warn({ err: (err as Error).message }, 'demo activity failed');
        }
        if (tick % 6 === 0) void printSummary(d.store, baseUrl, publicUrl, (Date.now() - started) / 1000, apiKey);
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
