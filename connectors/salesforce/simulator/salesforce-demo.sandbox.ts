import type { RunningSandbox, SandboxCapability } from '../../../src/kit/index.js';
import { startSalesforceSandbox } from './salesforce-sandbox.js';

/**
 * Salesforce's sandbox for demo mode: a simulated org seeded with Leads and Contacts (three Leads
 * to each Contact), reached through the real jsforce session. The simulated org sends no Outbound
 * Messages, so the demo sees its changes through the incremental poll.
 */
export const startSalesforceDemoSandbox: SandboxCapability['start'] = async ({ people = 300, seed = 2026 }): Promise<RunningSandbox> => {
  const contacts = Math.max(1, Math.round(people / 4));
  const sandbox = await startSalesforceSandbox({ leads: people - contacts, contacts, seed });
  return { env: sandbox.env, people: sandbox.sim.db.Lead!.size + sandbox.sim.db.Contact!.size, close: sandbox.close };
};
