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
 * Then the Salesforce part: 20,000 changed Leads written to the in-repo Salesforce sandbox through
 * the real path (pending-write set → flush job → connector → jsforce → sandbox), twice: once with
 * SALESFORCE_BULK_THRESHOLD raised above the backlog, so sObject Collections of 200 carry it
 * (target ≤ 101 API calls: 100 collections + at most one describe), and once with the default
 * threshold (2,000), where the connector hands the backlog to Bulk API 2.0 jobs. Each prints the
 * API calls by kind and the elapsed time; a second pass with nothing changed must write nothing.
 *
 * BENCH_LEADS overrides both counts (e.g. 3000 for a quick run); BENCH_PARTS=hubspot or
 * =salesforce runs one part only.
 */
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { createHubSpotConnector } from '../connectors/hubspot/index.js';
import { createHubSpotSimulator } from '../connectors/hubspot/simulator/hubspot-simulator.js';
import { createSalesforceConnector, RedisTokenVault, salesforceConfigFromEnv } from '../connectors/salesforce/index.js';
import { startSalesforceSandbox } from '../connectors/salesforce/simulator/salesforce-sandbox.js';
import { createRuntime } from '../src/app/runtime.js';
import { ensureRedis } from '../src/infra/redis-bootstrap.js';
import { historyProperties, readProperties } from '../src/mapping/apply-mapping.js';
import { loadMapping } from '../src/mapping/load-mapping.js';
import { processRecords } from '../src/pipeline/process-records.js';
import { runSync } from '../src/pipeline/run-sync.js';
import { createRedis } from '../src/queues/redis-connection.js';
import { RedisRateLimiter } from '../src/rate-limit/redis-rate-limiter.js';
import { createStore } from '../src/store/sql-store.js';

const LEADS = Number(process.env.BENCH_LEADS ?? 30_000);
const SF_LEADS = Number(process.env.BENCH_LEADS ?? 20_000);
const PARTS = (process.env.BENCH_PARTS ?? 'hubspot,salesforce').split(',').map((p) => p.trim());
const LIMIT = { max: 100, windowMs: 10_000 };
const PAGE = 500;

async function main() {
  const redisHandle = await ensureRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  if (PARTS.includes('hubspot')) await hubspotPart(redisHandle.url);
  if (PARTS.includes('salesforce')) await salesforcePart(redisHandle.url);
  await redisHandle.stop?.();
  process.exit(0);
}

async function hubspotPart(redisUrl: string) {
  const prefix = `qualify-bench-${randomUUID().slice(0, 8)}`;
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
  const accessToken = 'bench-token';
  const sim = createHubSpotSimulator({ accessToken, contacts: LEADS, seed: 30_000, rateLimit: { max: LIMIT.max, intervalMs: LIMIT.windowMs } });
  const simUrl = await sim.listen(0);
  const store = await createStore(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL, schema: `bench_${Date.now()}` } : { inMemory: true });
  const limiterRedis = createRedis(redisUrl);
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
    redisUrl,
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
  // One evaluation time for both passes: engagement decays with time and reasons name ages in days,
  // so "nothing changed" means the same records scored at the same moment.
  const clock = new Date();
  runtime.deps.now = () => clock;

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
}


interface SalesforcePass {
  path: string;
  pending: number;
  calls: Map<string, number>;
  total: number;
  tokenCalls: number;
  elapsed: number;
  written: number;
  again: { read: number; queued: number; writeCalls: number };
}

/** What one call to the org was, for the tally. */
function callKind(method: string, path: string): string {
  if (path.endsWith('/composite/sobjects')) return 'sObject Collections (PATCH, ≤ 200 records)';
  if (path.includes('/jobs/ingest')) return 'Bulk API 2.0 (job create, upload, close, poll, results)';
  if (path.includes('/describe')) return 'describe';
  if (path.includes('/query')) return 'query';
  return `${method} ${path}`;
}

const isWriteCall = (c: { method: string; path: string }) => c.path.endsWith('/composite/sobjects') || (c.path.includes('/jobs/ingest') && c.method !== 'GET');

/**
 * One run of the Salesforce write-back: a fresh seeded org, store and queue prefix; the org read
 * in full through the connector (`qualify sync salesforce --full`'s path), which queues one
 * write per changed Lead; then the flush through the workers, counted at the org.
 */
async function salesforcePass(redisUrl: string, path: string, bulkThreshold: number): Promise<SalesforcePass> {
  const prefix = `qualify-bench-${randomUUID().slice(0, 8)}`;
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
  // Seeded records are at most 601 s apart: start early enough that every SystemModstamp is in the past.
  const sandbox = await startSalesforceSandbox({ leads: SF_LEADS, contacts: 0, seed: 20_000, start: new Date(Date.now() - SF_LEADS * 601_000 - 3_600_000) });
  const sim = sandbox.sim;
  const store = await createStore(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL, schema: `bench_sf_${Date.now()}` } : { inMemory: true });
  const vaultRedis = createRedis(redisUrl);
  const connector = createSalesforceConnector({
    config: salesforceConfigFromEnv({ ...sandbox.env, SALESFORCE_BULK_THRESHOLD: String(bulkThreshold) }),
    vault: new RedisTokenVault(vaultRedis, prefix),
  });
  const runtime = await createRuntime({
    redisUrl,
    queuePrefix: prefix,
    store,
    logger,
    modelFile: 'mappings/scoring.yaml',
    coalesceMs: 0,
    publicUrl: 'http://127.0.0.1',
    connections: [{ id: 'salesforce-bench', system: 'salesforce', connector, pollIntervalMs: 3_600_000 }],
  });
  const conn = runtime.connections.get('salesforce-bench')!;
  // One scoring clock for both passes: reasons carry relative ages ("meeting booked (15d ago)"), and
  // an activity crossing a day boundary between the passes would be a real change, not a bench result.
  const clock = new Date();
  runtime.deps.now = () => clock;
  await runtime.setupConnections();

  let t = Date.now();
  const read = await runSync(runtime.deps, conn, { full: true });
  const pending = await conn.writes.size();
  console.log(`  ${path}: ${read.records} Leads read with the connector in ${((Date.now() - t) / 1000).toFixed(1)} s (${sim.calls.length} calls so far incl. set-up); ${pending} changed Leads pending write-back`);

  const mark = sim.calls.length;
  const tokenMark = sim.tokenCalls;
  t = Date.now();
  const workers = runtime.startWorkers();
  await runtime.deps.scheduleWriteFlush(conn.id);
  while ((await conn.writes.size()) > 0) await new Promise((r) => setTimeout(r, 50));
  const elapsed = (Date.now() - t) / 1000;
  const during = sim.calls.slice(mark);
  const calls = new Map<string, number>();
  for (const c of during) calls.set(callKind(c.method, c.path), (calls.get(callKind(c.method, c.path)) ?? 0) + 1);
  const written = [...sim.db.Lead!.values()].filter((l) => typeof l.Qualify_Score__c === 'number').length;

  // Second pass: read again from the saved cursor (our own writes moved every SystemModstamp, so
  // every Lead comes back), nothing changed → nothing to write.
  const mark2 = sim.calls.length;
  const again = await runSync(runtime.deps, conn, { full: false });
  await new Promise((r) => setTimeout(r, 500));
  while ((await conn.writes.size()) > 0) await new Promise((r) => setTimeout(r, 50));
  const writeCalls = sim.calls.slice(mark2).filter(isWriteCall).length;

  await workers.close();
  for (const q of [runtime.queues.ingest, runtime.queues.io, runtime.queues.sync]) await q.obliterate({ force: true });
  await runtime.close();
  await sandbox.close();
  await store.close();
  await vaultRedis.del(...(await vaultRedis.keys(`${prefix}*`)));
  vaultRedis.disconnect();
  return { path, pending, calls, total: during.length, tokenCalls: sim.tokenCalls - tokenMark, elapsed, written, again: { read: again.records, queued: again.writesQueued, writeCalls } };
}

async function salesforcePart(redisUrl: string) {
  const DEFAULT_THRESHOLD = 2000; // SALESFORCE_BULK_THRESHOLD's default
  if (PARTS.includes('hubspot')) console.log('');
  console.log(`bench:writeback (Salesforce) — ${SF_LEADS} changed Leads to the Salesforce sandbox; SALESFORCE_BULK_THRESHOLD defaults to ${DEFAULT_THRESHOLD}, so the service as configured hands such a backlog to Bulk API 2.0.`);
  const passes = [
    await salesforcePass(redisUrl, `collections (threshold raised to ${SF_LEADS + 1})`, SF_LEADS + 1),
    await salesforcePass(redisUrl, `bulk (default threshold ${DEFAULT_THRESHOLD})`, DEFAULT_THRESHOLD),
  ];
  const best = Math.ceil(SF_LEADS / 200);
  for (const p of passes) {
    console.log('');
    console.log(`${p.path}:`);
    for (const [kind, n] of p.calls) console.log(`  ${String(n).padStart(6)}  ${kind}`);
    console.log(`  ${String(p.total).padStart(6)}  API calls in all (+ ${p.tokenCalls} token refreshes); ${p.written}/${SF_LEADS} Leads hold a score; elapsed ${p.elapsed.toFixed(1)} s`);
    console.log(`  second pass with nothing changed: ${p.again.read} Leads read from the saved cursor (the echoes of our own writes), ${p.again.queued} writes queued, ${p.again.writeCalls} write calls (target 0) ${p.again.writeCalls === 0 ? 'met' : 'NOT met'}`);
  }
  const [collections, bulk] = passes as [SalesforcePass, SalesforcePass];
  console.log('');
  console.log(`                      API calls  target      elapsed (s)`);
  console.log(`collections of 200    ${String(collections.total).padEnd(10)} ≤ ${String(best + 1).padEnd(9)} ${collections.elapsed.toFixed(1).padEnd(10)} ${collections.total <= best + 1 ? 'met' : 'NOT met'}`);
  const bulkRan = [...bulk.calls.keys()].some((k) => k.startsWith('Bulk API'));
  console.log(
    bulkRan
      ? `Bulk API 2.0          ${String(bulk.total).padEnd(10)} ${''.padEnd(11)} ${bulk.elapsed.toFixed(1).padEnd(10)} (as configured by default; jobs polled every 1 s, as the service polls them)`
      : `default threshold     ${String(bulk.total).padEnd(10)} ${''.padEnd(11)} ${bulk.elapsed.toFixed(1).padEnd(10)} (${SF_LEADS} < ${DEFAULT_THRESHOLD}: collections ran, not Bulk API 2.0)`,
  );
}

await main();
