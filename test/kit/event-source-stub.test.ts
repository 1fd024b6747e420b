import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { pino } from 'pino';
import { createHubSpotConnector } from '../../connectors/hubspot/index.js';
import { createHubSpotSimulator, type HubSpotSimulator } from '../../connectors/hubspot/simulator/hubspot-simulator.js';
import type { Runtime } from '../../src/app/runtime.js';
import type { Connector, EventPage, SourceEvent } from '../../src/kit/index.js';
import { historyProperties, loadMapping, readProperties, RedisRateLimiter } from '../../src/kit/index.js';
import type { ConnectionRuntime } from '../../src/pipeline/pipeline.types.js';
import { runSync, type SyncOutcome } from '../../src/pipeline/run-sync.js';
import type { Workers } from '../../src/queues/workers.js';
import { createRedis } from '../../src/queues/redis-connection.js';
import type { SqlStore } from '../../src/store/sql-store.js';
import type { StoredLead, Store } from '../../src/store/store.types.js';
import { storeBackends } from '../support/store-backends.js';
import { closeTestRuntime, settlePipeline, startTestRuntime, testPrefix } from '../support/test-runtime.js';

/**
 * "Adding a connector that only reads events needs no change to the kit": an analytics connector
 * written in this file against src/kit alone (an `events` capability; no people, no writes) runs
 * in a real runtime beside the HubSpot sandbox. Its events join the HubSpot contact of the same
 * email, re-score it, and the new score is written back to HubSpot, never to the analytics side.
 */

/** What the stub's poll was asked, so the test can see it resume from its cursor. */
type PollCall = { cursor: unknown; full: boolean };

/**
 * A Mixpanel-like event export over an in-memory list: events in time order, in two pages, each
 * page's cursor the time of its last event. A resumed poll asks again from that time inclusive,
 * as export APIs with second-resolution bounds do, so the boundary event is read a second time.
 */
function analyticsStub(feed: SourceEvent[], calls: PollCall[]): Connector {
  return {
    system: 'mixpanel',
    mappingFile: 'mappings/hubspot.yaml', // required by the contract; no mapping applies to events
    events: {
      async *poll(_ctx, cursor, { full }): AsyncIterable<EventPage> {
        calls.push({ cursor, full });
        const since = full || typeof cursor !== 'string' ? null : cursor;
        const due = feed.filter((e) => since === null || e.at >= since).sort((a, b) => a.at.localeCompare(b.at));
        const half = Math.ceil(due.length / 2);
        let done = 0;
        for (const events of [due.slice(0, half), due.slice(half)]) {
          if (events.length === 0) continue;
          done += events.length;
          yield { events, cursor: events.at(-1)!.at, progress: { done, total: due.length } };
        }
      },
    },
  };
}

/**
 * A marketing-automation-like system: people of its own (here none change) and their activities
 * as events. Its people page moves the 'records' cursor; its events move the 'events' one.
 */
function peopleAndEventsStub(feed: SourceEvent[], peopleCalls: PollCall[], eventCalls: PollCall[]): Connector {
  const events = analyticsStub(feed, eventCalls).events!;
  return {
    system: 'marketo',
    mappingFile: 'mappings/hubspot.yaml',
    people: {
      fetch: async () => [],
      async *poll(_ctx, cursor, { full }) {
        peopleCalls.push({ cursor, full });
        yield { records: [], cursor: 'people-position-1' };
      },
    },
    events,
  };
}

describe.each(storeBackends())('an events-only connector (analytics stub) beside HubSpot on %s', (_backend, open) => {
  const accessToken = `token-${randomUUID()}`;
  const feed: SourceEvent[] = [];
  const calls: PollCall[] = [];
  const peopleCalls: PollCall[] = [];
  const marketoCalls: PollCall[] = [];
  const t0 = Date.now() - 3 * 3_600_000; // three hours ago: recent enough to count, old enough to be past
  const at = (minutes: number) => new Date(t0 + minutes * 60_000).toISOString();
  const unknownEmail = 'dana.whitfield@acme-robotics.io';
  const anonymousId = 'mp-distinct-7f3a9c';

  let store: Store;
  let sim: HubSpotSimulator;
  let runtime: Runtime;
  let workers: Workers;
  let limiterRedis: ReturnType<typeof createRedis>;
  let hubspot: ConnectionRuntime;
  let analytics: ConnectionRuntime;
  /** The HubSpot contact the analytics events name, and what qualify and HubSpot held before them. */
  let contactId: string;
  let leadId: string;
  let before: StoredLead;
  let contactBefore: Record<string, string | null>;
  let first: SyncOutcome;

  // Every queue of the runtime and HubSpot's pending reads and writes; the analytics connection's
  // pending writes are what a test below asserts on, so they are not waited for here.
  const settle = () => settlePipeline(runtime, hubspot, { timeoutMs: 60_000 });
  const mixpanelEventRows = async () =>
    (await (store as SqlStore).driver.query<{ n: number }>(`select count(*)::int as n from lead_events where source = 'mixpanel'`))[0]!.n;

  beforeAll(async () => {
    store = await open();
    sim = createHubSpotSimulator({ accessToken, contacts: 12, seed: 31 });
    const simUrl = await sim.listen(0);
    const prefix = testPrefix('analytics-stub');
    limiterRedis = createRedis(process.env.REDIS_URL!);
    const mapping = loadMapping('mappings/hubspot.yaml');
    const hubspotConnector = createHubSpotConnector({
      accessToken,
      baseUrl: simUrl,
      limiter: new RedisRateLimiter(limiterRedis, { prefix: `${prefix}:rl` }),
      logger: pino({ level: 'silent' }),
      properties: readProperties(mapping),
      historyProperties: historyProperties(mapping),
      retry: { retries: 2, minTimeoutMs: 50, maxTimeoutMs: 200 },
    });
    runtime = await startTestRuntime({
      store,
      queuePrefix: prefix,
      coalesceMs: 50,
      connections: [
        { id: 'hubspot-sandbox', system: 'hubspot', connector: hubspotConnector, mappingFile: 'mappings/hubspot.yaml', pollIntervalMs: 3_600_000 },
        { id: 'mixpanel-stub', system: 'mixpanel', connector: analyticsStub(feed, calls), pollIntervalMs: 3_600_000 },
        { id: 'marketo-stub', system: 'marketo', connector: peopleAndEventsStub(feed, peopleCalls, marketoCalls), pollIntervalMs: 3_600_000 },
      ],
    });
    await runtime.setupConnections();
    workers = runtime.startWorkers();
    hubspot = runtime.connections.get('hubspot-sandbox')!;
    analytics = runtime.connections.get('mixpanel-stub')!;

    // The HubSpot backfill, written back to the sandbox, as a deployment starts.
    await runSync(runtime.deps, hubspot, { full: true });
    await settle();

    // The contact with the least engagement, so the analytics events have room to raise it.
    const stored = await Promise.all(
      sim.contactIds().map(async (id) => {
        const leadId = (await store.findLeadIdBySourceRecord('hubspot', id))!;
        return { id, leadId, stored: (await store.getLead(leadId))! };
      }),
    );
    const target = stored.filter((c) => c.stored.email && c.stored.score).sort((a, b) => a.stored.score!.engagement - b.stored.score!.engagement)[0]!;
    contactId = target.id;
    leadId = target.leadId;
    before = target.stored;
    contactBefore = sim.getContact(contactId)!;
    expect(contactBefore.qualify_score).toBe(String(Math.round(before.score!.score))); // the backfill's write-back landed

    // Mixpanel knows the email as the browser sent it (upper case, padded): it still joins the contact.
    const email = `  ${before.email!.toUpperCase()} `;
    feed.push(
      { id: 'mp-1001', type: 'page_view', at: at(0), person: { email }, detail: 'Pricing page (/pricing)' },
      { id: 'mp-1002', type: 'page_view', at: at(1), person: { email: unknownEmail }, detail: 'Pricing page (/pricing)' },
      { id: 'mp-1003', type: 'visit', at: at(2), person: { externalId: anonymousId } },
      { id: 'mp-1004', type: 'page_view', at: at(3), person: { email: null, externalId: '  ' }, detail: 'Pricing page (/pricing)' },
      { id: 'mp-1005', type: 'visit', at: at(4), person: { email, externalId: 'mp-distinct-0b12' } },
      { id: 'mp-1006', type: 'demo_request', at: at(5), person: { email: unknownEmail }, detail: 'Request a demo' },
      { id: 'mp-1007', type: 'demo_request', at: at(10), person: { email }, detail: 'Request a demo' },
    );
    first = await runSync(runtime.deps, analytics, { full: false });
    await settle();
  }, 180_000);

  afterAll(async () => {
    await workers?.close();
    if (runtime) await closeTestRuntime(runtime);
    await sim?.close();
    limiterRedis?.disconnect();
  });

  test('when the analytics connection syncs, then runSync returns the counts of its two pages', async () => {
    // Page 1: the contact, the unknown visitor, the anonymous id (3 people) and one event naming nobody;
    // page 2: the contact and the unknown visitor again.
    expect(first).toEqual({ pages: 2, records: 7, processed: 5, stale: 0, unmappable: 1, deleted: 0, writesQueued: expect.any(Number) });
    expect(first.writesQueued).toBeGreaterThanOrEqual(1);
    expect(calls).toEqual([{ cursor: null, full: false }]);
    expect(await store.getCursor(analytics.id, 'events')).toBe(at(10)); // the last event's time
  });

  test('when a HubSpot contact’s email appears in the events, then its lead holds them and its engagement rose', async () => {
    const after = (await store.getLead(leadId))!;
    expect(await store.findLeadIdBySourceRecord('mixpanel', `email:${before.email}`)).toBe(leadId);
    expect(after.records.map((r) => r.system).sort()).toEqual(['hubspot', 'mixpanel']);
    // The source's record of the person is named by its key (the email), whichever page was stored last.
    expect(after.lead.ids).toMatchObject({ hubspot: contactId, mixpanel: `email:${before.email}` });
    expect(after.lead.events.filter((e) => e.source === 'mixpanel')).toEqual([
      { type: 'page_view', at: at(0), source: 'mixpanel', sourceId: 'mp-1001', name: 'Pricing page (/pricing)' },
      { type: 'visit', at: at(4), source: 'mixpanel', sourceId: 'mp-1005' },
      { type: 'demo_request', at: at(10), source: 'mixpanel', sourceId: 'mp-1007', name: 'Request a demo' },
    ]);
    // The HubSpot side of the person is untouched by the merge.
    expect(after.lead.events.filter((e) => e.source === 'hubspot')).toEqual(before.lead.events.filter((e) => e.source === 'hubspot'));
    expect(after.lead.person).toEqual(before.lead.person);

    expect(after.score!.engagement).toBeGreaterThan(before.score!.engagement);
    expect(after.score!.score).toBeGreaterThan(before.score!.score);
    expect(after.score!.contributions).toEqual(expect.arrayContaining([expect.objectContaining({ ruleId: 'demo_request', axis: 'engagement' })]));
    expect(after.score!.reasons).toMatch(/demo request/i);
    expect((await store.scoreHistory(leadId)).length).toBeGreaterThan(1);
  });

  test('when the events re-score a HubSpot contact, then the new score is written back to the sandbox', async () => {
    const after = (await store.getLead(leadId))!;
    const contact = sim.getContact(contactId)!;
    expect(contact.qualify_score).not.toBe(contactBefore.qualify_score);
    expect(contact.qualify_score).toBe(String(Math.round(after.score!.score)));
    expect(contact.qualify_engagement_score).toBe(String(Math.round(after.score!.engagement)));
    expect(Number(contact.qualify_engagement_score)).toBeGreaterThan(Number(contactBefore.qualify_engagement_score));
    expect(contact.qualify_reasons).toBe(after.score!.reasons);
    expect(await hubspot.writes.size()).toBe(0);
  });

  test('when events name an email HubSpot does not have, then they make a lead of their own and HubSpot gets no contact', async () => {
    const id = (await store.findLeadIdBySourceRecord('mixpanel', `email:${unknownEmail}`))!;
    expect(id).not.toBe(leadId);
    const lead = (await store.getLead(id))!;
    expect(lead.email).toBe(unknownEmail);
    expect(lead.records.map((r) => `${r.system}:${r.recordId}`)).toEqual([`mixpanel:email:${unknownEmail}`]);
    expect(lead.lead.events.map((e) => [e.sourceId, e.type])).toEqual([['mp-1002', 'page_view'], ['mp-1006', 'demo_request']]);
    expect(lead.score!.engagement).toBeGreaterThan(0);
    expect(await store.countLeads()).toBe(sim.contactIds().length + 2); // this one and the anonymous id's
    expect(sim.contactIds().some((c) => sim.getContact(c)!.email === unknownEmail)).toBe(false);
  });

  test('when events carry only the analytics id, then they are stored under that id, apart from any contact', async () => {
    const id = (await store.findLeadIdBySourceRecord('mixpanel', `id:${anonymousId}`))!;
    const lead = (await store.getLead(id))!;
    expect(lead.email).toBeNull();
    expect(lead.lead.ids).toEqual({ mixpanel: `id:${anonymousId}` }); // named by its record key, as every event-source record
    expect(lead.lead.events.map((e) => e.sourceId)).toEqual(['mp-1003']);
  });

  test('when an event names no person, then it is counted as unmappable and not stored', async () => {
    expect(first.unmappable).toBe(1);
    const stored = await (store as SqlStore).driver.query<{ source_id: string }>(`select source_id from lead_events where source = 'mixpanel' order by source_id`);
    expect(stored.map((r) => r.source_id)).toEqual(['mp-1001', 'mp-1002', 'mp-1003', 'mp-1005', 'mp-1006', 'mp-1007']);
  });

  test('when the sync runs again from the saved cursor, then it resumes there and stores no event twice', async () => {
    const scoreBefore = (await store.getLead(leadId))!.score!;
    feed.push({ id: 'mp-1008', type: 'page_view', at: at(20), person: { email: before.email }, detail: 'Pricing page (/pricing)' });
    const again = await runSync(runtime.deps, analytics, { full: false });
    await settle();

    // Resumed from the last event's time (inclusive): mp-1007 read again, then the new mp-1008.
    expect(calls.at(-1)).toEqual({ cursor: at(10), full: false });
    expect(again).toMatchObject({ pages: 2, records: 2, processed: 2, stale: 0, unmappable: 0, deleted: 0 });
    expect(await store.getCursor(analytics.id, 'events')).toBe(at(20));
    expect(await mixpanelEventRows()).toBe(7);
    const ids = (await store.getLead(leadId))!.lead.events.filter((e) => e.source === 'mixpanel').map((e) => e.sourceId);
    expect(ids).toEqual(['mp-1001', 'mp-1005', 'mp-1007', 'mp-1008']);
    // One more page view, not a second demo request: the score moved by the page view alone.
    expect((await store.getLead(leadId))!.score!.engagement).toBeLessThanOrEqual(scoreBefore.engagement + 1);

    // A full re-read of everything stores nothing new either.
    const full = await runSync(runtime.deps, analytics, { full: true });
    await settle();
    expect(calls.at(-1)).toEqual({ cursor: null, full: true });
    expect(full).toMatchObject({ pages: 2, records: 8, unmappable: 1 });
    expect(await mixpanelEventRows()).toBe(7);
    expect(await store.countLeads()).toBe(sim.contactIds().length + 2);
  });

  // queueWrites skips connections without `writes`: an analytics record never gets a write-back.
  test('when the analytics connection has no writes capability, then nothing is ever queued to it', async () => {
    expect(analytics.connector.writes).toBeUndefined();
    expect(await analytics.writes.peek(10)).toEqual([]);
  });

  test('when a system has both people and events, then a sync reads its people and then its events, each from its own cursor', async () => {
    peopleCalls.length = 0;
    marketoCalls.length = 0;
    const marketo = runtime.connections.get('marketo-stub')!;
    const firstSync = await runSync(runtime.deps, marketo, { full: false });
    expect(peopleCalls).toEqual([{ cursor: null, full: false }]);
    expect(marketoCalls).toEqual([{ cursor: null, full: false }]);
    expect(firstSync.pages).toBe(3); // one people page, two event pages
    expect(await store.getCursor(marketo.id, 'records')).toBe('people-position-1');
    const lastEvent = [...feed].sort((a, b) => a.at.localeCompare(b.at)).at(-1)!.at;
    expect(await store.getCursor(marketo.id, 'events')).toBe(lastEvent);
    // The next sync resumes each stream where it stopped.
    await runSync(runtime.deps, marketo, { full: false });
    expect(peopleCalls.at(-1)).toEqual({ cursor: 'people-position-1', full: false });
    expect(marketoCalls.at(-1)).toEqual({ cursor: lastEvent, full: false });
  });
});
