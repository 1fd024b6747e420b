import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createHubSpotSimulator } from './hubspot-simulator.js';

/**
 * Runs the HubSpot sandbox as its own process (benchmarks, manual poking):
 *
 *   npx tsx connectors/hubspot/simulator/run-simulator.ts --port 4010 --contacts 100000
 *
 * Prints the base URL as the first stdout line, then serves until SIGINT/SIGTERM, when it
 * prints its final stats as one JSON line. Every flag also reads an environment variable
 * (HUBSPOT_SIM_<FLAG>, e.g. HUBSPOT_SIM_CONTACTS=100000); flags win.
 */

const FLAGS = {
  port: 'listen port (0 = any free port)',
  host: 'listen address',
  contacts: 'seeded contacts',
  seed: 'PRNG seed',
  token: 'access token the SDK must send',
  'portal-id': 'portal (account) id',
  'rate-max': 'calls per rolling window (0 disables the limit)',
  'rate-interval-ms': 'rolling window length',
  'daily-limit': 'calls per day',
  'search-per-second': 'search requests per second (0 disables the limit)',
  'latency-ms': 'extra latency per API answer',
  'webhook-url': 'deliver webhooks to this URL',
  'webhook-secret': 'client secret used to sign webhooks',
  'webhook-batch-size': 'events per webhook request (≤ 100)',
  'webhook-delay-ms': 'how long events gather before a delivery',
  'activity-ms': 'simulate prospect/CRM activity every N ms (0 = none)',
  'search-lag-ms': 'how far search results trail writes (0 = none)',
} as const;

const int = (min: number) => z.coerce.number().int().min(min);

const ConfigSchema = z.object({
  port: int(0).max(65535).default(0),
  host: z.string().default('127.0.0.1'),
  contacts: int(0).default(300),
  seed: z.string().default('42'),
  token: z.string().min(1).default('pat-na1-sandbox-token'),
  'portal-id': int(1).default(62515),
  'rate-max': int(0).default(100),
  'rate-interval-ms': int(1).default(10_000),
  'daily-limit': int(1).default(250_000),
  'search-per-second': int(0).default(5),
  'latency-ms': int(0).default(0),
  'webhook-url': z.url().optional(),
  'webhook-secret': z.string().min(1).optional(),
  'webhook-batch-size': int(1).max(100).default(100),
  'webhook-delay-ms': int(0).default(200),
  'activity-ms': int(0).default(0),
  'search-lag-ms': int(0).default(0),
});

function usage(): string {
  return [
    'Usage: tsx connectors/hubspot/simulator/run-simulator.ts [--flag value ...]',
    ...Object.entries(FLAGS).map(([k, d]) => `  --${k.padEnd(20)} ${d} (env HUBSPOT_SIM_${k.toUpperCase().replace(/-/g, '_')})`),
  ].join('\n');
}

function readConfig(argv: string[]): z.infer<typeof ConfigSchema> {
  const { values } = parseArgs({
    args: argv,
    options: { ...Object.fromEntries(Object.keys(FLAGS).map((k) => [k, { type: 'string' as const }])), help: { type: 'boolean' } },
    strict: true,
  });
  if (values.help) {
    console.log(usage());
    process.exit(0);
  }
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(FLAGS)) {
    raw[key] = values[key as keyof typeof values] ?? process.env[`HUBSPOT_SIM_${key.toUpperCase().replace(/-/g, '_')}`];
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  --${i.path.join('.')}: ${i.message}`).join('\n');
    console.error(`run-simulator: invalid options\n${problems}\n\n${usage()}`);
    process.exit(2);
  }
  if (parsed.data['webhook-url'] && !parsed.data['webhook-secret']) {
    console.error('run-simulator: --webhook-url needs --webhook-secret (webhooks are always signed)');
    process.exit(2);
  }
  return parsed.data;
}

const cfg = readConfig(process.argv.slice(2));
const sim = createHubSpotSimulator({
  portalId: cfg['portal-id'],
  accessToken: cfg.token,
  contacts: cfg.contacts,
  seed: /^\d+$/.test(cfg.seed) ? Number(cfg.seed) : cfg.seed,
  rateLimit: cfg['rate-max'] === 0 ? false : { max: cfg['rate-max'], intervalMs: cfg['rate-interval-ms'] },
  dailyLimit: cfg['daily-limit'],
  searchPerSecond: cfg['search-per-second'] === 0 ? false : cfg['search-per-second'],
  latencyMs: cfg['latency-ms'],
  searchLagMs: cfg['search-lag-ms'],
  webhook: cfg['webhook-url']
    ? { targetUrl: cfg['webhook-url'], clientSecret: cfg['webhook-secret']!, batchSize: cfg['webhook-batch-size'], delayMs: cfg['webhook-delay-ms'] }
    : undefined,
});
const baseUrl = await sim.listen(cfg.port, cfg.host);
if (cfg['activity-ms'] > 0) sim.startActivity({ intervalMs: cfg['activity-ms'] });
console.log(baseUrl);
console.error(`HubSpot sandbox: ${cfg.contacts} contacts, token ${cfg.token}, stats at ${baseUrl}/__sandbox/stats`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  const stats = JSON.stringify({ ...sim.stats, webhooks: sim.webhooks?.stats ?? null });
  await sim.close();
  console.log(stats);
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
