import { Client } from '@hubspot/api-client';
import { createHubSpotSimulator, type HubSpotSimulator, type HubSpotSimulatorOptions } from '../../connectors/hubspot/simulator/hubspot-simulator.js';

/** Starts a sandbox on a free port and an official SDK client pointed at it. */

export const TOKEN = 'pat-na1-test-token';

export interface Harness {
  sim: HubSpotSimulator;
  client: Client;
  baseUrl: string;
}

export async function startSandbox(opts: HubSpotSimulatorOptions = {}): Promise<Harness> {
  const sim = createHubSpotSimulator({ accessToken: TOKEN, ...opts });
  const baseUrl = await sim.listen();
  const client = new Client({ accessToken: TOKEN, basePath: baseUrl, numberOfApiCallRetries: 0 });
  return { sim, client, baseUrl };
}

/** The SDK throws ApiException-like errors: numeric `code`, parsed `body`, lower-cased `headers`. */
export interface SdkError {
  code: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

export async function sdkError(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise;
  } catch (err) {
    const e = err as SdkError;
    const body = typeof e.body === 'string' ? (JSON.parse(e.body) as Record<string, unknown>) : e.body;
    return { code: e.code, body, headers: e.headers };
  }
  throw new Error('expected the SDK call to fail, but it succeeded');
}
