import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { pino } from 'pino';
import { createHubSpotConnector } from '../../connectors/hubspot/index.js';
import { createHubSpotSimulator, type HubSpotSimulator } from '../../connectors/hubspot/simulator/hubspot-simulator.js';
import type { Runtime } from '../../src/app/runtime.js';
import { Metrics } from '../../src/metrics/metrics.js';
import { flushWrites } from '../../src/pipeline/flush-writes.js';
import { processRecords } from '../../src/pipeline/process-records.js';
import { createRedis } from '../../src/queues/redis-connection.js';
import { RedisRateLimiter } from '../../src/rate-limit/redis-rate-limiter.js';
import type { Store } from '../../src/store/store.types.js';
import { storeBackends } from '../support/store-backends.js';
import { closeTestRuntime, startTestRuntime, testPrefix } from '../support/test-runtime.js';
import { parsePrometheusText, sampleValue, type Exposition } from './prometheus-text.js';

/**
 * The pipeline's counts on a real runtime against the in-repo HubSpot sandbox over HTTP: the
 * official SDK reads contacts, the pipeline scores them, and write-back goes out through batch
 * update, with the sandbox's own validation refusing a bad picklist value.
 */

const TOKEN = 'pat-na1-metrics-sandbox';
const CONNECTION = 'hubspot-metrics-pipeline';
const logger = pino({ level: 'silent' });

const sum = (e: Exposition, name: string, labels: Record<string, string> = {}) =>
  e.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0);

describe.each(storeBackends())('pipeline metrics on %s', (_backend, openStore) => {
  let store: Store;
  let sim: HubSpotSimulator;
  let runtime: Runtime;
  const limiterRedis = createRedis(process.env.REDIS_URL!);
  const prefix = testPrefix('metrics');
  const scrape = async () => parsePrometheusText(await runtime.metrics.text());

  beforeAll(async () => {
    store = await openStore();
    sim = createHubSpotSimulator({ accessToken: TOKEN, contacts: 20, rateLimit: false, searchPerSecond: false });
    const baseUrl = await sim.listen(0, '127.0.0.1');
    // As bootstrap does: one registry, which the connector reports its calls to and the runtime serves.
    const metrics = new Metrics();
    runtime = await startTestRuntime({
      queuePrefix: prefix,
      store,
      logger,
      coalesceMs: 60_000,
      metrics,
      connections: [
        {
          id: CONNECTION,
          system: 'hubspot',
          mappingFile: 'mappings/hubspot.yaml',
          pollIntervalMs: 3_600_000,
          connector: createHubSpotConnector({
            accessToken: TOKEN,
            baseUrl,
            limiter: new RedisRateLimiter(limiterRedis, { prefix: `${prefix}:rl` }),
            logger,
            metrics: metrics.api(CONNECTION),
          }),
        },
      ],
    });
  });
  afterAll(async () => {
    await closeTestRuntime(runtime);
    await sim.close();
    limiterRedis.disconnect();
    await store.close();
  });

  test('when contacts are scored and their write-back is flushed, then scores, transitions, writes and the write-back histogram count them', async () => {
    const conn = runtime.connections.get(CONNECTION)!;
    await runtime.setupConnections();
    const ids = sim.contactIds().slice(0, 10);
    const records = await conn.connector.people!.fetch(await conn.context(), ids.map((recordId) => ({ objectType: 'contact', recordId })));
    const processed = await processRecords(runtime.deps, conn, records);
    expect(processed.processed).toBe(10);

    const scored = await scrape();
    expect(sum(scored, 'qualify_scores_total')).toBe(10);
    const grades = scored.samples.filter((s) => s.name === 'qualify_scores_total').map((s) => s.labels.grade);
    expect(grades.every((g) => ['A', 'B', 'C', 'D'].includes(g!))).toBe(true);
    // Each new lead enters its first stage: a transition from "none".
    expect(sum(scored, 'qualify_stage_transitions_total', { from: 'none' })).toBe(10);
    expect(sum(scored, 'qualify_writes_total')).toBe(0);

    // One more pending write the sandbox refuses for good: qualify_grade is a picklist of A–D.
    const bad = sim.contactIds()[15]!;
    await conn.writes.put([{ id: bad, payload: { objectType: 'contact', properties: { qualify_grade: 'Z' }, current: {} } }]);
    const queued = await conn.writes.size();
    const flushed = await flushWrites(runtime.deps, conn);
    expect(flushed.failed).toBe(1);

    const after = await scrape();
    expect(sampleValue(after, 'qualify_writes_total', { connection: CONNECTION, outcome: 'written' })).toBe(flushed.written);
    expect(flushed.written).toBe(queued - 1);
    expect(sampleValue(after, 'qualify_writes_total', { connection: CONNECTION, outcome: 'refused' })).toBe(1);
    expect(sampleValue(after, 'qualify_writeback_seconds_count', { connection: CONNECTION })).toBe(flushed.calls);
    expect(sampleValue(after, 'qualify_writeback_seconds_sum', { connection: CONNECTION })).toBeGreaterThan(0);
    expect(sampleValue(after, 'qualify_writeback_seconds_bucket', { connection: CONNECTION, le: '+Inf' })).toBe(flushed.calls);
    // Every request the sandbox answered was counted once, by kind.
    expect(sum(after, 'qualify_api_calls_total', { connection: CONNECTION })).toBe(sim.stats.totalCalls);
    expect(sampleValue(after, 'qualify_api_calls_total', { connection: CONNECTION, kind: 'standard' })).toBeGreaterThan(0);
  });
});
