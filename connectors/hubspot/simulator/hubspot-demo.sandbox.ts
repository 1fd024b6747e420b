import { randomBytes } from 'node:crypto';
import type { RunningSandbox, SandboxCapability } from '../../../src/kit/index.js';
import { createHubSpotSimulator, type HubSpotSimulator } from './hubspot-simulator.js';

/**
 * HubSpot's sandbox for demo mode: the simulator seeded with a few hundred B2B contacts, signed
 * webhooks pointed at this server, BANT answers for those who asked sales, and a visitor who
 * converts on a form now and then (each tick), so leads move through the funnel.
 */

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

export const startHubSpotDemoSandbox: SandboxCapability['start'] = async ({ publicUrl, people = 300, seed = 2026 }): Promise<RunningSandbox> => {
  const accessToken = `demo-${randomBytes(8).toString('hex')}`;
  const clientSecret = randomBytes(16).toString('hex');
  const simulator = createHubSpotSimulator({
    accessToken,
    contacts: people,
    seed,
    webhook: { targetUrl: `${publicUrl}/webhooks/hubspot`, clientSecret, delayMs: 500 },
  });
  const baseUrl = await simulator.listen(0);
  await addBantAnswers(simulator, baseUrl, accessToken);
  const ids = simulator.contactIds();
  return {
    env: { HUBSPOT_ACCESS_TOKEN: accessToken, HUBSPOT_BASE_URL: baseUrl, HUBSPOT_CLIENT_SECRET: clientSecret },
    people: ids.length,
    tick(n) {
      const id = ids[(n * 37) % ids.length]!;
      const event = CONVERSIONS[n % CONVERSIONS.length]!;
      simulator.recordConversion(id, event);
      // Someone asking sales for a demo or a quote tells sales about budget, authority and timing.
      if (SALES_REQUEST.test(event)) simulator.touchContact(id, BANT_ANSWERS);
      return `contact ${id} converted on "${event}"`;
    },
    close: () => simulator.close(),
  };
};
