/**
 * bench:webhooks — accepted webhook requests per second and p99 latency for signed 50-event
 * HubSpot batches through the real route (raw body → v3 signature check → zod → durable BullMQ
 * enqueue in Redis → 204), next to a bare Express route on the same machine, in one run.
 * Target: at least half the bare route's rate.
 *
 * On a 2-core machine the load generator, the server and Redis share the cores, so one 10 s pair
 * swings by ±10 points with whatever else runs. Both servers are warmed up first (the JIT, Redis's
 * allocator), then measured in alternating rounds; the figure is the median of the rounds' ratios,
 * and every round is printed.
 */
import type { Redis } from 'ioredis';
import autocannon from 'autocannon';
import express from 'express';
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { createHubSpotConnector, signV3 } from '../connectors/hubspot/index.js';
import { createRuntime } from '../src/app/runtime.js';
import { ensureRedis } from '../src/infra/redis-bootstrap.js';
import { RedisRateLimiter } from '../src/rate-limit/redis-rate-limiter.js';
import { createRedis } from '../src/queues/redis-connection.js';
import { createStore } from '../src/store/sql-store.js';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP_S = 3;
const CONNECTIONS = 50;
const SECRET = 'bench-secret';

function batch(n: number, seq: number): object[] {
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => ({
    eventId: seq * 100 + i,
    subscriptionId: 1,
    portalId: 62515,
    appId: 1,
    occurredAt: now + seq * 100 + i,
    subscriptionType: 'contact.propertyChange',
    attemptNumber: 0,
    objectId: 1000 + ((seq * 50 + i) % 100000),
    changeSource: 'CRM_UI',
    propertyName: 'recent_conversion_event_name',
    propertyValue: `Whitepaper ${seq}-${i}`,
  }));
}

async function run(url: string, requests: Array<{ body: string; headers: Record<string, string> }>, duration = DURATION_S): Promise<autocannon.Result> {
  let i = 0;
  return autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration,
    requests: [
      {
        setupRequest: (req) => {
          const r = requests[i++ % requests.length];
          return { ...req, body: r.body, headers: { ...req.headers, ...r.headers } };
        },
      },
    ],
  });
}

/** Child process: the qualify server (real route, real Redis queue), announcing its port over IPC. */
async function serveQualify(prefix: string) {
  const redisHandle = await ensureRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const logger = pino({ level: 'silent' });
  const store = await createStore({ inMemory: true });
  const limiterRedis = createRedis(redisHandle.url);
  const connector = createHubSpotConnector({
    accessToken: 'bench',
    baseUrl: 'http://127.0.0.1:9',
    clientSecret: SECRET,
    limiter: new RedisRateLimiter(limiterRedis, { prefix: `${prefix}:rl` }),
    logger,
  });
  // publicUrl is fixed after listen: the signature covers the exact URL HubSpot called.
  let publicUrl = 'http://127.0.0.1';
  const runtime = await createRuntime({
    redisUrl: redisHandle.url,
    queuePrefix: prefix,
    store,
    logger,
    modelFile: 'mappings/scoring.yaml',
    coalesceMs: 1000,
    get publicUrl() {
      return publicUrl;
    },
    connections: [{ id: 'hubspot-bench', system: 'hubspot', connector, mappingFile: 'mappings/hubspot.yaml', pollIntervalMs: 3_600_000 }],
    // Every request here comes from one address, far above the per-IP flood limit meant for one
    // sender among HubSpot's many: the limit is raised. (Loopback clients such as this one are not
    // counted by default, so the limiter's Redis count is not part of this figure.)
    rateLimits: { webhooks: 1_000_000_000 },
  });
  const server = await runtime.listen(0);
  const port = (server.address() as AddressInfo).port;
  publicUrl = `http://127.0.0.1:${port}`;
  process.send!({ port });
  // Between rounds the deliveries are counted and removed, as the ingest worker would consume
  // them: left in place, a few GB of bodies in Redis slow every later round (its allocator grows).
  const drain = async (): Promise<number> => {
    // Deliveries, not jobs: a job carries every delivery group-committed with it.
    const jobs = await runtime.queues.ingest.getJobs(['waiting', 'prioritized', 'delayed']);
    const redis = runtime.queues.ingest.opts.connection as Redis;
    let queued = 0;
    for (const j of jobs) queued += (j.data.bodiesKey ? await redis.llen(j.data.bodiesKey) : 0) + (j.data.hints.length > 0 ? 1 : 0);
    for (const j of jobs) if (j.data.bodiesKey) await redis.del(j.data.bodiesKey);
    await runtime.queues.ingest.obliterate({ force: true });
    return queued;
  };
  process.on('message', async (m: { cmd: string }) => {
    const queued = await drain();
    if (m.cmd !== 'stop') {
      process.send!({ queued });
      return;
    }
    await runtime.close();
    await store.close();
    limiterRedis.disconnect();
    process.send!({ queued }, () => process.exit(0));
  });
}

/** Child process: the bare Express route, same body parser, nothing else. */
async function serveBare() {
  const bare = express();
  bare.post('/webhooks/hubspot', express.raw({ type: () => true, limit: '1mb' }), (_req, res) => {
    res.status(204).end();
  });
  const s = bare.listen(0, () => process.send!({ port: (s.address() as AddressInfo).port }));
  process.on('message', () => process.send!({ queued: 0 }, () => process.exit(0)));
}

function child(role: string, prefix: string): Promise<{ port: number; drain: () => Promise<number>; stop: () => Promise<number> }> {
  const proc = fork(fileURLToPath(import.meta.url), [role, prefix], { execArgv: ['--import', 'tsx', ...(process.env.BENCH_CPU_PROF && role === 'serve-qualify' ? ['--cpu-prof', '--cpu-prof-dir=/tmp/cpuprof'] : [])], stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    proc.once('error', reject);
    proc.once('message', (m: { port: number }) =>
      resolve({
        port: m.port,
        drain: () =>
          new Promise((r) => {
            proc.once('message', (x: { queued: number }) => r(x.queued));
            proc.send({ cmd: 'drain' });
          }),
        stop: () =>
          new Promise((r) => {
            proc.once('message', (x: { queued: number }) => r(x.queued));
            proc.send({ cmd: 'stop' });
          }),
      }),
    );
  });
}

async function main() {
  const prefix = `qualify-bench-${randomUUID().slice(0, 8)}`;
  const qualify = await child('serve-qualify', prefix);
  const bare = await child('serve-bare', prefix);
  const target = `http://127.0.0.1:${qualify.port}/webhooks/hubspot`;
  const bareUrl = `http://127.0.0.1:${bare.port}/webhooks/hubspot`;

  const requests = Array.from({ length: 4000 }, (_, seq) => {
    const body = JSON.stringify(batch(50, seq));
    const timestamp = String(Date.now());
    return {
      body,
      headers: {
        'content-type': 'application/json',
        'x-hubspot-request-timestamp': timestamp,
        'x-hubspot-signature-v3': signV3(SECRET, 'POST', target, body, timestamp),
      },
    };
  });

  console.log(`bench:webhooks — ${CONNECTIONS} connections, signed batches of 50 events, each server in its own process; ${WARMUP_S} s warm-up each, then ${ROUNDS} alternating rounds of ${DURATION_S} s`);
  await run(bareUrl, requests, WARMUP_S);
  let answered = (await run(target, requests, WARMUP_S))['2xx'];
  let queued = await qualify.drain();
  let ok = true;
  const ratios: number[] = [];
  const cell = (c: string, i: number) => (i === 0 ? c.padEnd(22) : c.padStart(10));
  console.log(['round / route', 'req/s', 'p99 ms', 'events/s', 'non-2xx', 'ratio'].map(cell).join(''));
  for (let round = 1; round <= ROUNDS; round++) {
    const bareResult = await run(bareUrl, requests);
    const qualifyResult = await run(target, requests);
    ok &&= qualifyResult.non2xx === 0 && qualifyResult.errors === 0;
    answered += qualifyResult['2xx'];
    queued += await qualify.drain();
    const ratio = qualifyResult.requests.average / bareResult.requests.average;
    ratios.push(ratio);
    const row = (name: string, r: autocannon.Result, extra: string) =>
      console.log([`${round} ${name}`, r.requests.average.toFixed(0), String(r.latency.p99), (r.requests.average * 50).toFixed(0), String(r.non2xx), extra].map(cell).join(''));
    row('bare Express', bareResult, '');
    row('qualify webhook', qualifyResult, `${(ratio * 100).toFixed(0)} %`);
  }
  await qualify.stop();
  await bare.stop();
  const median = [...ratios].sort((a, b) => a - b)[Math.floor(ratios.length / 2)]!;
  console.log(`qualify / bare = ${(median * 100).toFixed(0)} % (median of ${ROUNDS} rounds: ${ratios.map((r) => `${(r * 100).toFixed(0)} %`).join(', ')}; target ≥ 50 %: ${median >= 0.5 ? 'met' : 'NOT met'}); all answers 2xx: ${ok}; deliveries queued durably in Redis: ${queued} of ${answered} answered 2xx${queued >= answered ? '' : ' — LOST DELIVERIES'}`);
  process.exit(0);
}

const [role, prefixArg] = process.argv.slice(2);
if (role === 'serve-qualify') await serveQualify(prefixArg!);
else if (role === 'serve-bare') await serveBare();
else await main();
