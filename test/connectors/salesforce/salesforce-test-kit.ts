import { pino } from 'pino';
import type { ConnectorContext } from '../../../src/kit/connector.types.js';
import type { Store } from '../../../src/store/store.types.js';
import { createSalesforceConnector, type SalesforceConnectorOptions } from '../../../connectors/salesforce/index.js';
import type { SalesforceConfig } from '../../../connectors/salesforce/salesforce-config.schema.js';
import { SalesforceSimulator, type SimulatorOptions } from '../../../connectors/salesforce/simulator/salesforce-simulator.js';
import { seedData, type SeedOptions } from '../../../connectors/salesforce/simulator/simulator-seed.js';

/**
 * Shared set-up for the Salesforce tests: a seeded simulator on a free port, a connector whose
 * real jsforce client talks to it, and a connector context on a real store.
 */

export const silentLogger = pino({ level: 'silent' });

export interface Org {
  sim: SalesforceSimulator;
  url: string;
  close: () => Promise<void>;
}

export async function startOrg(opts: SimulatorOptions & { seed?: SeedOptions } = {}): Promise<Org> {
  const { seed, ...simOpts } = opts;
  const sim = new SalesforceSimulator({ ...simOpts, data: seed ? seedData(seed) : simOpts.data });
  const { url, close } = await sim.listen();
  return { sim, url, close };
}

export function configFor(org: Org, overrides: Partial<SalesforceConfig> = {}): SalesforceConfig {
  return {
    loginUrl: org.url,
    clientId: org.sim.clientId,
    clientSecret: org.sim.clientSecret,
    refreshToken: org.sim.refreshToken,
    instanceUrl: org.url,
    apiVersion: '62.0',
    bulkThreshold: 2000,
    dailyBudgetShare: 1,
    bulkPollIntervalMs: 5,
    bulkPollTimeoutMs: 5000,
    ...overrides,
  };
}

export function connectorFor(org: Org, overrides: Partial<SalesforceConfig> = {}, opts: Omit<SalesforceConnectorOptions, 'config'> = {}) {
  return createSalesforceConnector({ config: configFor(org, overrides), ...opts });
}

export async function contextFor(store: Store, id = 'salesforce:default'): Promise<ConnectorContext> {
  const connection = await store.upsertConnection({ id, system: 'salesforce' });
  return { connection, store, logger: silentLogger };
}

/** Drains a poll, saving the cursor after each page as the pipeline does; returns the record ids per page. */
export async function drain(
  pages: AsyncIterable<{ records: Array<{ recordId: string; objectType: string; raw: unknown }>; cursor: unknown }>,
  save: (cursor: unknown) => Promise<void>,
  stopAfterPages = Infinity,
): Promise<Array<Array<{ recordId: string; objectType: string; raw: unknown }>>> {
  const out: Array<Array<{ recordId: string; objectType: string; raw: unknown }>> = [];
  for await (const page of pages) {
    out.push(page.records);
    await save(page.cursor);
    if (out.length >= stopAfterPages) break;
  }
  return out;
}
