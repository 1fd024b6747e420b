import { fileURLToPath } from 'node:url';
import { SalesforceSimulator, type SimulatorOptions } from './salesforce-simulator.js';
import { seedData } from './simulator-seed.js';

/**
 * A seeded simulated org on a port, with the SALESFORCE_* settings that point qualify at it: for
 * the demo, benchmarks and manual runs. `npx tsx connectors/salesforce/simulator/salesforce-sandbox.ts
 * [leads] [contacts] [port]` starts one and prints the environment to use.
 */

export interface SalesforceSandbox {
  sim: SalesforceSimulator;
  url: string;
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startSalesforceSandbox(
  opts: { leads?: number; contacts?: number; seed?: number; port?: number; start?: Date } & Omit<SimulatorOptions, 'data'> = {},
): Promise<SalesforceSandbox> {
  const { leads = 300, contacts = 100, seed = 42, port, start, ...simOpts } = opts;
  // `start`: when the seeded SystemModstamps begin (records are a few minutes apart); a large org
  // seeded from the default date reaches past today, where the incremental cursor would skip edits.
  const sim = new SalesforceSimulator({ ...simOpts, data: seedData({ leads, contacts, seed, start }) });
  const server = await sim.listen(port ?? 0);
  return {
    sim,
    url: server.url,
    env: {
      SALESFORCE_LOGIN_URL: server.url,
      SALESFORCE_BASE_URL: server.url,
      SALESFORCE_CLIENT_ID: sim.clientId,
      SALESFORCE_CLIENT_SECRET: sim.clientSecret ?? '',
      SALESFORCE_REFRESH_TOKEN: sim.refreshToken,
      SALESFORCE_ORG_ID: sim.orgId,
    },
    close: server.close,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [leads, contacts, port] = process.argv.slice(2).map(Number);
  const sandbox = await startSalesforceSandbox({ leads: leads || undefined, contacts: contacts || undefined, port: port || undefined });
  console.log(`Salesforce sandbox on ${sandbox.url} (${sandbox.sim.db.Lead!.size} leads, ${sandbox.sim.db.Contact!.size} contacts)`);
  for (const [k, v] of Object.entries(sandbox.env)) console.log(`${k}=${v}`);
  process.on('SIGINT', () => void sandbox.close().then(() => process.exit(0)));
}
