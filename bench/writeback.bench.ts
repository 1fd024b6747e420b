/**
 * bench:writeback — 30,000 changed leads written back to the HubSpot sandbox at HubSpot's default
 * limit (100 calls per rolling 10 s), through the real path: pending-write set in Redis → flush
 * job → shared Redis rate limiter → official SDK batch update (100 inputs per call).
 *
 * Prints API calls made, 429s received and elapsed time against the bound: 300 calls at best,
 * and the last of them can't start before 20 s (calls 1–100 at t=0, 101–200 at 10 s, 201–300 at
 * 20 s). Target: ≤ 301 calls, no 429, within 10 % of the bound. Then a second pass over the same
 * leads with nothing changed must make no write call.
 *
 * BENCH_LEADS overrides the count (e.g. 3000 for a quick run).
 */
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { createHubSpotConnector } from '../connectors/hubspot/index.js';
import { createHubSpotSimulator } from '../connectors/hubspot/simulator/hubspot-simulator.js';
import { createRuntime } from '../src/app/runtime.js';
import { ensureRedis } from '../src/infra/redis-bootstrap.js';
import { historyProperties, readProperties } from '../src/mapping/apply-mapping.js';
import { loadMapping } from '../src/mapping/load-mapping.js';
import { processRecords } from '../src/pipeline/process-records.js';
import { createRedis } from '../src/queues/redis-connection.js';
import { RedisRateLimiter } from '../src/rate-limit/redis-rate-limiter.js';
import { createStore } from '../src/store/sql-store.js';

const LEADS = Number(process.env.BENCH_LEADS ?? 30_000);
const LIMIT = { max: 100, windowMs: 10_000 };
const PAGE = 500;

async function main() {
  const redisHandle = await ensureRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const prefix = `qualify-bench-${randomUUID().slice(0, 8)}`;
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
  const accessToken = 'bench-token';
  const sim = createHubSpotSimulator({ accessToken, contacts: LEADS, seed: 30_000, rateLimit: { max: LIMIT.max, intervalMs: LIMIT.windowMs } });
  const simUrl = await sim.listen(0);
  const store = await createStore(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL, schema: `bench_${Date.now()}` } : { inMemory: true });
  const limiterRedis = createRedis(redisHandle.url);
  const mapping = loadMapping('mappings/hubspot.yaml');
  const connector = createHubSpotConnector({
    accessToken,
    baseUrl: simUrl,
    limiter: new RedisRateLimiter(limiterRedis, { prefix: `${prefix}:rl` }),
    logger,
    limits: { burst: LIMIT },
    properties: readProperties(mapping),
    historyProperties: historyProperties(mapping),
  });
  const runtime = await createRuntime({
    redisUrl: redisHandle.url,
    queuePrefix: prefix,
    store,
    logger,
    modelFile: 'mappings/scoring.yaml',
    coalesceMs: 0,
    publicUrl: 'http://127.0.0.1',
    connections: [{ id: 'hubspot-bench', system: 'hubspot', connector, mappingFile: 'mappings/hubspot.yaml', pollIntervalMs: 3_600_000 }],
  });
  const conn = runtime.connections.get('hubspot-bench')!;
  await runtime.setupConnections();

  // The leads as HubSpot holds them, read straight from the sandbox's state (no API budget spent):
  // storing and scoring them queues one write per changed lead.
  const readAll = async () => {
    const ids = sim.contactIds();
    const props = [...readProperties(mapping), 'lastmodifieddate', 'hs_object_id', 'createdate'];
    for (let i = 0; i < ids.length; i += PAGE) {
      const records = ids.slice(i, i + PAGE).map((id, k) => {
        const raw = sim.state.toObject(i + k, props, historyProperties(mapping));
        return { objectType: 'contact', recordId: id, updatedAt: raw.updatedAt, raw };
      });
      await processRecords(runtime.deps, conn, records);
    }
  };
  let t = Date.now();
  await readAll();
  const pending = await conn.writes.size();
  console.log(`bench:writeback — ${LEADS} leads stored and scored in ${((Date.now() - t) / 1000).toFixed(1)} s; ${pending} changed leads pending write-back`);

  sim.resetStats();
  t = Date.now();
  const workers = runtime.startWorkers();
  await runtime.deps.scheduleWriteFlush(conn.id);
  while ((await conn.writes.size()) > 0) await new Promise((r) => setTimeout(r, 50));
  const elapsed = (Date.now() - t) / 1000;
  const stats = sim.stats;
  const calls = stats.calls['POST /crm/v3/objects/contacts/batch/update'] ?? 0;
  const limited = stats.rateLimited.TEN_SECONDLY_ROLLING + stats.rateLimited.DAILY;
  const bestCalls = Math.ceil(pending / 100);
  const boundS = (Math.ceil(bestCalls / LIMIT.max) - 1) * (LIMIT.windowMs / 1000);
  console.log('');
  console.log(`                 measured    bound      target`);
  console.log(`API write calls  ${String(calls).padEnd(10)} ${String(bestCalls).padEnd(10)} ≤ ${bestCalls + 1}        ${calls <= bestCalls + 1 ? 'met' : 'NOT met'}`);
  console.log(`429s             ${String(limited).padEnd(10)} 0          0            ${limited === 0 ? 'met' : 'NOT met'}`);
  console.log(`elapsed (s)      ${elapsed.toFixed(1).padEnd(10)} ${boundS.toFixed(1).padEnd(10)} ≤ ${(boundS * 1.1).toFixed(1)}       ${elapsed <= boundS * 1.1 ? 'met' : 'NOT met'}`);
  console.log(`records written  ${stats.recordsWritten}; most calls in any 10 s window: ${stats.maxCallsInWindow}`);

  // Second pass: the same leads, nothing changed → nothing to write.
  sim.resetStats();
  await readAll();
  const again = await conn.writes.size();
  await new Promise((r) => setTimeout(r, 500));
  console.log(`second pass with nothing changed: ${again} writes queued, ${sim.stats.writeCalls} write calls (target 0)`);

  await workers.close();
  for (const q of [runtime.queues.ingest, runtime.queues.io, runtime.queues.sync]) await q.obliterate({ force: true });
  await runtime.close();
  await sim.close();
  await store.close();
  limiterRedis.disconnect();
  await redisHandle.stop?.();
  process.exit(0);
}

await main();
