import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import nock from 'nock';
import type { ChangeHint, PollPage } from '../../../src/kit/connector.types.js';
import { HubSpotWebhookReceiver } from '../../../connectors/hubspot/hubspot-webhook.js';
import { createHubSpotSimulator, type HubSpotSimulator } from '../../../connectors/hubspot/simulator/hubspot-simulator.js';
import { RedisRateLimiter } from '../../../src/rate-limit/redis-rate-limiter.js';
import { createStore } from '../../../src/store/sql-store.js';
import type { Store } from '../../../src/store/store.types.js';
import { context, hubspotKit, type Kit } from './hubspot-test-kit.js';
import { setupConnection } from '../../../src/pipeline/setup-connection.js';

/**
 * The connector against the in-repo HubSpot sandbox over real HTTP (no nock here): the same
 * SDK requests, the sandbox's own limits, error bodies, forward-only lifecycle and signed
 * webhooks.
 */

const TOKEN = 'pat-na1-test-token';
const SECRET = 'sandbox-client-secret';

async function collect(pages: AsyncIterable<PollPage>): Promise<PollPage[]> {
  const out: PollPage[] = [];
  for await (const p of pages) out.push(p);
  return out;
}

describe('HubSpot connector against the sandbox', () => {
  let kit: Kit;
  let sim: HubSpotSimulator;
  let baseUrl: string;
  let hookServer: Server;
  let hookUrl: string;
  let limiter: RedisRateLimiter;
  let store: Store;
  const verdicts: Array<{ ok: boolean; hints?: ChangeHint[]; reason?: string }> = [];

  beforeAll(async () => {
    kit = hubspotKit();
    // One limiter namespace for the whole file, as in production: every connector (worker) shares it.
    limiter = new RedisRateLimiter(kit.redis, { prefix: `${process.env.QUALIFY_QUEUE_PREFIX}:rl:sandbox-${Date.now()}` });
    store = await createStore({ inMemory: true });
    const receiver = new HubSpotWebhookReceiver({ clientSecret: SECRET });
    hookServer = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const verdict = receiver.receive(
          { method: req.method ?? 'POST', url: hookUrl, headers: req.headers, rawBody: Buffer.concat(chunks), query: {} },
          context().connection,
        );
        verdicts.push(verdict.ok ? { ok: true, hints: verdict.hints } : { ok: false, reason: verdict.reason });
        res.statusCode = verdict.ok ? 204 : verdict.status;
        res.end();
      });
    });
    await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/webhooks/hubspot`;
    sim = createHubSpotSimulator({
      accessToken: TOKEN,
      portalId: 62515,
      contacts: 300,
      rateLimit: { max: 10, intervalMs: 1000 },
      webhook: { targetUrl: hookUrl, clientSecret: SECRET, delayMs: 10 },
    });
    baseUrl = await sim.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await sim.close();
    await new Promise((r) => hookServer.close(r));
    await store.close();
    await kit.close();
    // The kit loads nock, which patches http on import: undo it so later files start clean.
    nock.restore();
  });

  const connector = () =>
    kit.connector({ accessToken: TOKEN, baseUrl, clientSecret: SECRET, limiter, limits: { burst: { max: 10, windowMs: 1000 }, marginMs: 50 } });

  test('when a full sync runs, then every seeded contact is read exactly once and the search limit is never hit', async () => {
    sim.resetStats();
    const pages = await collect(connector().people.poll(context(), null, { full: true }));
    const ids = pages.flatMap((p) => p.records.map((r) => r.recordId));
    expect(ids).toHaveLength(300);
    expect(new Set(ids)).toEqual(new Set(sim.contactIds()));
    expect(sim.stats.rateLimited).toEqual({ TEN_SECONDLY_ROLLING: 0, DAILY: 0, SECONDLY: 0 });
    expect(pages.at(-1)!.progress).toEqual({ done: 300, total: 300 });
  }, 30_000);

  test('when setup runs and 40 single-contact writes race under the sandbox limit, then properties exist, nothing is refused and no 429 comes back', async () => {
    const c = connector();
    const connection = await store.upsertConnection({ id: 'hubspot:sandbox', system: 'hubspot' });
    await setupConnection(c, context({ store, connection }));
    expect((await store.getConnection('hubspot:sandbox'))?.accountId).toBe('62515');
    sim.resetStats();
    const ids = sim.contactIds().slice(0, 40);
    const outcomes = (await Promise.all(ids.map((id, i) => c.writes.write(context(), [{ objectType: 'contact', recordId: id, properties: { qualify_score: String(i), qualify_grade: 'A' } }])))).flat();
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(sim.getContact(ids[7]!)?.qualify_score).toBe('7');
    expect(sim.stats.rateLimited.TEN_SECONDLY_ROLLING).toBe(0);
    expect(sim.stats.maxCallsInWindow).toBeLessThanOrEqual(10);
  }, 30_000);

  test('when the model moves a customer back to lead, then the sandbox ends at lead (cleared, then set)', async () => {
    const c = connector();
    const id = sim.contactIds()[50]!;
    sim.touchContact(id, { lifecyclestage: 'customer' });
    const [outcome] = await c.writes.write(context(), [{ objectType: 'contact', recordId: id, properties: { lifecyclestage: 'lead' }, current: { lifecyclestage: 'customer' } }]);
    expect(outcome).toMatchObject({ ok: true });
    expect(sim.getContact(id)?.lifecyclestage).toBe('lead');
  });

  test('when a contact changes in HubSpot, then the signed webhook passes our receiver and names the contact', async () => {
    verdicts.length = 0;
    const id = sim.contactIds()[10]!;
    sim.touchContact(id, { jobtitle: 'VP Marketing' });
    await sim.flushWebhooks();
    expect(verdicts.length).toBeGreaterThan(0);
    expect(verdicts.every((v) => v.ok)).toBe(true);
    expect(verdicts.flatMap((v) => v.hints ?? []).some((h) => h.recordId === id && h.propertyName === 'jobtitle' && h.propertyValue === 'VP Marketing')).toBe(true);
  });
});
