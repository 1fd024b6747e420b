import { fileURLToPath } from 'node:url';
import { PipedriveSimulator, type PipedriveSimulatorOptions } from './pipedrive-simulator.js';

/**
 * A seeded simulated Pipedrive account on a port, with the PIPEDRIVE_* settings that point
 * qualify at it: for the demo, benchmarks and manual runs.
 * `npx tsx connectors/pipedrive/sandbox/pipedrive-sandbox.ts [persons] [port]` starts one and
 * prints the environment to use.
 */

export interface PipedriveSandbox {
  sim: PipedriveSimulator;
  url: string;
  env: { PIPEDRIVE_BASE_URL: string; PIPEDRIVE_API_TOKEN: string; PIPEDRIVE_COMPANY_DOMAIN: string };
  close(): Promise<void>;
}

export async function startPipedriveSandbox(opts: PipedriveSimulatorOptions & { port?: number } = {}): Promise<PipedriveSandbox> {
  const { port, ...simOpts } = opts;
  const sim = new PipedriveSimulator(simOpts);
  const url = await sim.listen(port ?? 0);
  return {
    sim,
    url,
    env: { PIPEDRIVE_BASE_URL: url, PIPEDRIVE_API_TOKEN: sim.apiToken, PIPEDRIVE_COMPANY_DOMAIN: sim.companyDomain },
    close: () => sim.close(),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [persons, port] = process.argv.slice(2).map(Number);
  const sandbox = await startPipedriveSandbox({ persons: persons || 300, port: port || undefined });
  console.log(`Pipedrive sandbox on ${sandbox.url} (${sandbox.sim.personIds().length} persons)`);
  for (const [k, v] of Object.entries(sandbox.env)) console.log(`${k}=${v}`);
  process.on('SIGINT', () => void sandbox.close().then(() => process.exit(0)));
}
