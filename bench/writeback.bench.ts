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
 * Then the Pipedrive part: 2,000 persons read from the in-repo Pipedrive sandbox with the connector
 * as the service builds it from its environment (PIPEDRIVE_BURST_LIMIT 40 per 2 s, the defaults),
 * then the changed ones written back through the real path (pending-write set → flush job → shared
 * Redis limiter → `PATCH /api/v2/persons/{id}` → sandbox at 40 requests per rolling 2 s for an API
 * token). Pipedrive has no batch update, so the bound is 100 write calls per 100 changed persons,
 * and N calls can't finish before (⌈N/40⌉ − 1) × 2 s. Prints PATCH calls, calls per 100 changed
 * persons, 429s (target 0), elapsed against that bound and the tokens spent (5 a PATCH) against the
 * company's daily budget; then a second pass with nothing changed must make no PATCH call.
 *
 * BENCH_LEADS overrides every count (e.g. 500 for a quick run); BENCH_PARTS=hubspot, =salesforce
 * or =pipedrive (or a comma-separated list) runs those parts only.
 */
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { createHubSpotConnector } from '../connectors/hubspot/index.js';
import { createHubSpotSimulator } from '../connectors/hubspot/simulator/hubspot-simulator.js';
import { DEFAULT_PIPEDRIVE_LIMITS, pipedrive, type PipedriveSettings } from '../connectors/pipedrive/index.js';
import { startPipedriveSandbox } from '../connectors/pipedrive/sandbox/pipedrive-sandbox.js';
import { createSalesforceConnector, RedisTokenVault, salesforceConfigFromEnv } from '../connectors/salesforce/index.js';
import { startSalesforceSandbox } from '../connectors/salesforce/simulator/salesforce-sandbox.js';
import { createRuntime, type ConnectionSpec, type Runtime } from '../src/app/runtime.js';
import { systemSettings } from '../src/config/load-config.js';
import { ensureRedis } from '../src/infra/redis-bootstrap.js';
import { historyProperties, readProperties } from '../src/mapping/apply-mapping.js';
import { loadMapping } from '../src/mapping/load-mapping.js';
import type { ConnectionRuntime } from '../src/pipeline/pipeline.types.js';
import { processRecords } from '../src/pipeline/process-records.js';
import { runSync } from '../src/pipeline/run-sync.js';
import { createRedis } from '../src/queues/redis-connection.js';
import type { Workers } from '../src/queues/workers.js';
import { RedisRateLimiter } from '../src/rate-limit/redis-rate-limiter.js';
import { createStore } from '../src/store/sql-store.js';

const LEADS = Number(process.env.BENCH_LEADS ?? 30_000);
const SF_LEADS = Number(process.env.BENCH_LEADS ?? 20_000);
const PD_PERSONS = Number(process.env.BENCH_LEADS ?? 2_000);
const PARTS = (process.env.BENCH_PARTS ?? 'hubspot,salesforce,pipedrive').split(',').map((p) => p.trim());
const LIMIT = { max: 100, windowMs: 10_000 };
/** Pipedrive's burst limit for an API token (Growth plan) and its rolling window: PIPEDRIVE_BURST_LIMIT / _WINDOW_MS's defaults. */
const PD_LIMIT = { max: 40, windowMs: 2_000 };
const PAGE = 500;

async function main() {
  const redisHandle = await ensureRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  if (PARTS.includes('hubspot')) await hubspotPart(redisHandle.url);
  if (PARTS.includes('salesforce')) await salesforcePart(redisHandle.url);
  if (PARTS.includes('pipedrive')) await pipedrivePart(redisHandle.url);
  await redisHandle.stop?.();
  process.exit(0);
}

// ---- shared by the parts ------------------------------------------------------------------

const benchPrefix = () => `qualify-bench-${randomUUID().slice(0, 8)}`;
const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });

/** PostgreSQL in a schema of its own when DATABASE_URL is set, else the in-memory store. */
function openStore(schemaPrefix: string) {
  return createStore(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL, schema: `${schemaPrefix}_${Date.now()}` } : { inMemory: true });
}

/**
 * A runtime driving the one connection, set up, writes flushed at once (coalesceMs 0), scoring at
 * one fixed moment: engagement decays with time and reasons name ages in days ("meeting booked
 * (15d ago)"), so "nothing changed" between the passes means the same records scored at the same
 * moment, not an activity crossing a day boundary.
 */
async function benchRuntime(redisUrl: string, prefix: string, store: Awaited<ReturnType<typeof openStore>>, spec: ConnectionSpec) {
  const runtime = await createRuntime({
    redisUrl,
    queuePrefix: prefix,
    store,
    logger,
    modelFile: 'mappings/scoring.yaml',
    coalesceMs: 0,
    publicUrl: 'http://127.0.0.1',
    connections: [spec],
  });
  const conn = runtime.connections.get(spec.id)!;
  const clock = new Date();
  runtime.deps.now = () => clock;
  await runtime.setupConnections();
  return { runtime, conn };
}

async function drained(conn: ConnectionRuntime) {
  while ((await conn.writes.size()) > 0) await new Promise((r) => setTimeout(r, 50));
}

/** Starts the workers and a flush of the connection's pending writes; resolves once none are left, with the seconds it took. */
async function flushAll(runtime: Runtime, conn: ConnectionRuntime): Promise<{ workers: Workers; elapsed: number }> {
  const t = Date.now();
  const workers = runtime.startWorkers();
  await runtime.deps.scheduleWriteFlush(conn.id);
  await drained(conn);
  return { workers, elapsed: (Date.now() - t) / 1000 };
}

async function closeRuntime(runtime: Runtime, workers: Workers) {
  await workers.close();
  for (const q of [runtime.queues.ingest, runtime.queues.io, runtime.queues.sync]) await q.obliterate({ force: true });
  await runtime.close();
}

/** One line of a "measured / bound / target" table. */
function row(label: string, measured: string | number, bound: string | number, target: string, met: boolean, width = 17) {
  console.log(`${label.padEnd(width)}${String(measured).padEnd(11)}${String(bound).padEnd(11)}${target.padEnd(13)}${met ? 'met' : 'NOT met'}`);
}

function tableHeader(width = 17) {
  console.log(`${''.padEnd(width)}${'measured'.padEnd(11)}${'bound'.padEnd(11)}target`);
}

// ---- HubSpot ------------------------------------------------------------------------------

async function hubspotPart(redisUrl: string) {
  const prefix = benchPrefix();
  const accessToken = 'bench-token';
  const sim = createHubSpotSimulator({ accessToken, contacts: LEADS, seed: 30_000, rateLimit: { max: LIMIT.max, intervalMs: LIMIT.windowMs } });
  const simUrl = await sim.listen(0);
  const store = await openStore('bench');
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
  const { runtime, conn } = await benchRuntime(redisUrl, prefix, store, { id: 'hubspot-bench', system: 'hubspot', connector, mappingFile: 'mappings/hubspot.yaml', pollIntervalMs: 3_600_000 });

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
  const t = Date.now();
  await readAll();
  const pending = await conn.writes.size();
  console.log(`bench:writeback — ${LEADS} leads stored and scored in ${((Date.now() - t) / 1000).toFixed(1)} s; ${pending} changed leads pending write-back`);

  sim.resetStats();
  const { workers, elapsed } = await flushAll(runtime, conn);
  const stats = sim.stats;
  const calls = stats.calls['POST /crm/v3/objects/contacts/batch/update'] ?? 0;
  const limited = stats.rateLimited.TEN_SECONDLY_ROLLING + stats.rateLimited.DAILY;
  const bestCalls = Math.ceil(pending / 100);
  const boundS = (Math.ceil(bestCalls / LIMIT.max) - 1) * (LIMIT.windowMs / 1000);
  console.log('');
  tableHeader();
  row('API write calls', calls, bestCalls, `≤ ${bestCalls + 1}`, calls <= bestCalls + 1);
  row('429s', limited, 0, '0', limited === 0);
  row('elapsed (s)', elapsed.toFixed(1), boundS.toFixed(1), `≤ ${(boundS * 1.1).toFixed(1)}`, elapsed <= boundS * 1.1);
  console.log(`records written  ${stats.recordsWritten}; most calls in any 10 s window: ${stats.maxCallsInWindow}`);

  // Second pass: the same leads, nothing changed → nothing to write.
  sim.resetStats();
  await readAll();
  const again = await conn.writes.size();
  await new Promise((r) => setTimeout(r, 500));
  console.log(`second pass with nothing changed: ${again} writes queued, ${sim.stats.writeCalls} write calls (target 0)`);

  await closeRuntime(runtime, workers);
  await sim.close();
  await store.close();
  limiterRedis.disconnect();
}

// ---- Salesforce ---------------------------------------------------------------------------

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
  const prefix = benchPrefix();
  // Seeded records are at most 601 s apart: start early enough that every SystemModstamp is in the past.
  const sandbox = await startSalesforceSandbox({ leads: SF_LEADS, contacts: 0, seed: 20_000, start: new Date(Date.now() - SF_LEADS * 601_000 - 3_600_000) });
  const sim = sandbox.sim;
  const store = await openStore('bench_sf');
  const vaultRedis = createRedis(redisUrl);
  const connector = createSalesforceConnector({
    config: salesforceConfigFromEnv({ ...sandbox.env, SALESFORCE_BULK_THRESHOLD: String(bulkThreshold) }),
    vault: new RedisTokenVault(vaultRedis, prefix),
  });
  const { runtime, conn } = await benchRuntime(redisUrl, prefix, store, { id: 'salesforce-bench', system: 'salesforce', connector, pollIntervalMs: 3_600_000 });

  const t = Date.now();
  const read = await runSync(runtime.deps, conn, { full: true });
  const pending = await conn.writes.size();
  console.log(`  ${path}: ${read.records} Leads read with the connector in ${((Date.now() - t) / 1000).toFixed(1)} s (${sim.calls.length} calls so far incl. set-up); ${pending} changed Leads pending write-back`);

  const mark = sim.calls.length;
  const tokenMark = sim.tokenCalls;
  const { workers, elapsed } = await flushAll(runtime, conn);
  const during = sim.calls.slice(mark);
  const calls = new Map<string, number>();
  for (const c of during) calls.set(callKind(c.method, c.path), (calls.get(callKind(c.method, c.path)) ?? 0) + 1);
  const written = [...sim.db.Lead!.values()].filter((l) => typeof l.Qualify_Score__c === 'number').length;

  // Second pass: read again from the saved cursor (our own writes moved every SystemModstamp, so
  // every Lead comes back), nothing changed → nothing to write.
  const mark2 = sim.calls.length;
  const again = await runSync(runtime.deps, conn, { full: false });
  await new Promise((r) => setTimeout(r, 500));
  await drained(conn);
  const writeCalls = sim.calls.slice(mark2).filter(isWriteCall).length;

  await closeRuntime(runtime, workers);
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

// ---- Pipedrive ----------------------------------------------------------------------------

const PATCH_PERSON = 'PATCH /api/v2/persons/{id}';
/** Token cost of one PATCH /api/v2/persons/{id} (the spec's x-token-cost; the sandbox's token-costs.catalog.ts). */
const PATCH_TOKENS = 5;

/**
 * The Pipedrive part: a seeded sandbox enforcing 40 requests per rolling 2 s for the API token;
 * the connector built by `pipedrive.fromEnv` from the sandbox's PIPEDRIVE_* variables, as the
 * service builds it (burst limit and window left at their defaults); the account read in full
 * through the connector, which queues one write per changed person; then the flush through the
 * workers, one PATCH per person, counted at the sandbox.
 */
async function pipedrivePart(redisUrl: string) {
  const prefix = benchPrefix();
  const sandbox = await startPipedriveSandbox({ persons: PD_PERSONS, seed: 2_000, rateLimit: { burstApiToken: PD_LIMIT.max, windowMs: PD_LIMIT.windowMs } });
  const sim = sandbox.sim;
  const store = await openStore('bench_pd');
  const limiterRedis = createRedis(redisUrl);
  const settings = systemSettings(pipedrive, sandbox.env) as PipedriveSettings;
  const built = pipedrive.fromEnv?.(settings, {
    connectionId: 'pipedrive-bench',
    redis: limiterRedis,
    prefix,
    limiter: new RedisRateLimiter(limiterRedis, { prefix: `${prefix}:rl` }),
    logger,
    metrics: { called() {}, rateLimited() {} },
    publicUrl: 'http://127.0.0.1',
  });
  if (!built) throw new Error('pipedrive.fromEnv built no connection from the sandbox\'s environment');
  const { runtime, conn } = await benchRuntime(redisUrl, prefix, store, { id: 'pipedrive-bench', system: 'pipedrive', connector: built.connector, mappingFile: pipedrive.mappingFile, pollIntervalMs: 3_600_000 });

  const t = Date.now();
  const read = await runSync(runtime.deps, conn, { full: true });
  const pending = await conn.writes.size();
  const burst = settings.limits.burst!;
  if (PARTS.includes('hubspot') || PARTS.includes('salesforce')) console.log('');
  console.log(`bench:writeback (Pipedrive) — ${read.records} persons read with the connector in ${((Date.now() - t) / 1000).toFixed(1)} s (${sim.stats.totalCalls} calls incl. set-up); ${pending} changed persons pending write-back`);
  // qualify merges the records of one email into one lead (the newest non-null value of each field
  // wins); the seeded account has persons sharing an email, each with an organization of its own.
  const emailCount = new Map<string, number>();
  const emailOf = (p: { emails: Array<{ value: string }> }) => p.emails[0]?.value.trim().toLowerCase() ?? '';
  for (const p of sim.store.persons.values()) emailCount.set(emailOf(p), (emailCount.get(emailOf(p)) ?? 0) + 1);
  const sharesEmail = (p: { emails: Array<{ value: string }> }) => emailOf(p) !== '' && emailCount.get(emailOf(p))! > 1;
  console.log(`  ${[...sim.store.persons.values()].filter(sharesEmail).length} of the ${sim.store.persons.size} persons share their email with another person (one lead per email in qualify)`);
  console.log(`  burst limit: the sandbox allows ${PD_LIMIT.max} requests per rolling ${PD_LIMIT.windowMs / 1000} s for the API token; the connector, as configured by default, takes ${burst.max} per ${burst.windowMs} ms + ${DEFAULT_PIPEDRIVE_LIMITS.marginMs} ms margin in the shared Redis limiter`);

  sim.resetStats();
  const tokenMark = sim.limits!.tokensUsed;
  const { workers, elapsed } = await flushAll(runtime, conn);
  const stats = sim.stats;
  const patches = stats.callsByEndpoint[PATCH_PERSON] ?? 0;
  const others = Object.entries(stats.callsByEndpoint).filter(([k]) => k !== PATCH_PERSON);
  const limited = stats.rateLimited.burst + stats.rateLimited.daily;
  const tokens = sim.limits!.tokensUsed - tokenMark;
  const budget = sim.limits!.dailyTokenBudget;
  const per100 = pending > 0 ? (patches / pending) * 100 : 0;
  // Pipedrive has no batch update: one call per person. Calls 1–40 at t=0, 41–80 at 2 s, …
  const windows = Math.max(0, Math.ceil(pending / PD_LIMIT.max) - 1);
  const boundS = windows * (PD_LIMIT.windowMs / 1000);
  const floorS = windows * ((burst.windowMs + DEFAULT_PIPEDRIVE_LIMITS.marginMs) / 1000);
  const W = 31;
  console.log('');
  console.log(`persons changed: ${pending}`);
  tableHeader(W);
  row('PATCH calls', patches, pending, `≤ ${pending}`, patches <= pending, W);
  row('calls per 100 changed persons', per100.toFixed(1), 100, '≤ 100', per100 <= 100, W);
  row('429s (burst + daily)', `${stats.rateLimited.burst} + ${stats.rateLimited.daily}`, 0, '0', limited === 0, W);
  row('elapsed (s)', elapsed.toFixed(1), boundS.toFixed(1), `≤ ${(boundS * 1.1).toFixed(1)}`, elapsed <= boundS * 1.1, W);
  row('tokens used', tokens, PATCH_TOKENS * pending, `≤ ${PATCH_TOKENS * pending}`, tokens <= PATCH_TOKENS * pending, W);
  console.log(`elapsed bound: (⌈${pending}/${PD_LIMIT.max}⌉ − 1) × ${PD_LIMIT.windowMs / 1000} s; with the limiter's ${DEFAULT_PIPEDRIVE_LIMITS.marginMs} ms margin per window the connector's own floor is ${floorS.toFixed(1)} s`);
  console.log(`tokens: ${PATCH_TOKENS} per PATCH; ${tokens} of the company's daily budget of ${budget} (${((tokens / budget) * 100).toFixed(1)} %; 30,000 × 2 (Growth) × 3 seats, the sandbox's default)`);
  if (others.length) console.log(`other calls during the flush: ${others.map(([k, n]) => `${n} × ${k}`).join(', ')}`);

  // Second pass: read again from the saved cursor (our own PATCHes moved every update_time, so
  // every written person comes back), nothing changed → no PATCH.
  sim.resetStats();
  const updatedAt = new Map([...sim.store.persons.values()].map((p) => [p.id, p.update_time]));
  const again = await runSync(runtime.deps, conn, { full: false });
  await new Promise((r) => setTimeout(r, 500));
  await drained(conn);
  const againPatches = sim.stats.callsByEndpoint[PATCH_PERSON] ?? 0;
  console.log(`second pass with nothing changed: ${again.records} persons read from the saved cursor (the echoes of our own writes), ${again.writesQueued} writes queued, ${againPatches} PATCH calls (target 0) ${againPatches === 0 ? 'met' : 'NOT met'}`);
  if (againPatches > 0) {
    // A PATCH that changes nothing leaves update_time alone: the moved ones are the persons whose values changed.
    const moved = [...sim.store.persons.values()].filter((p) => p.update_time !== updatedAt.get(p.id));
    console.log(`  ${moved.length} persons' values changed, ${moved.filter(sharesEmail).length} of them sharing their email with another person: the first pass's PATCHes moved every update_time, so which record of a shared email is the newest (and gives the lead its company) changed`);
  }

  await closeRuntime(runtime, workers);
  await sandbox.close();
  await store.close();
  limiterRedis.disconnect();
}

await main();
