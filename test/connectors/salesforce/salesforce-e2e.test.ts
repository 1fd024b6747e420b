import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createRuntime, type Runtime } from '../../../src/app/runtime.js';
import type { ConnectionRuntime } from '../../../src/pipeline/pipeline.types.js';
import { runSync } from '../../../src/pipeline/run-sync.js';
import type { Workers } from '../../../src/queues/workers.js';
import type { Store } from '../../../src/store/store.types.js';
import { createRedis } from '../../../src/queues/redis-connection.js';
import { RedisTokenVault } from '../../../connectors/salesforce/index.js';
import { buildOutboundMessage } from '../../../connectors/salesforce/simulator/outbound-message.js';
import { makeId } from '../../../connectors/salesforce/simulator/simulator-ids.js';
import { sfDateTime } from '../../../connectors/salesforce/simulator/simulator-seed.js';
import { freePort } from '../../support/e2e-harness.js';
import { storeBackends } from '../../support/store-backends.js';
import { settlePipeline } from '../../support/test-runtime.js';
import { connectorFor, silentLogger, startOrg, type Org } from './salesforce-test-kit.js';

/** The product on real parts (Redis, store, runtime, workers, HTTP server) against the simulated org. */
describe.each(storeBackends())('Salesforce end to end on %s', (_backend, open) => {
  let store: Store;
  let org: Org;
  let runtime: Runtime;
  let workers: Workers;
  let conn: ConnectionRuntime;
  let publicUrl: string;
  const prefix = `qualify-test-sf-${randomUUID().slice(0, 8)}`;
  const vaultRedis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');

  const settle = (timeoutMs?: number) => settlePipeline(runtime, conn, { timeoutMs });

  beforeAll(async () => {
    store = await open();
    org = await startOrg({ seed: { leads: 250, contacts: 30, seed: 5 } });
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    runtime = await createRuntime({
      redisUrl: process.env.REDIS_URL!,
      queuePrefix: prefix,
      store,
      logger: silentLogger,
      modelFile: 'mappings/scoring.yaml',
      coalesceMs: 20,
      publicUrl,
      connections: [{ id: 'salesforce-e2e', system: 'salesforce', connector: connectorFor(org, {}, { vault: new RedisTokenVault(vaultRedis, prefix) }), pollIntervalMs: 3_600_000 }],
    });
    await runtime.setupConnections();
    workers = runtime.startWorkers();
    await runtime.listen(port);
    conn = runtime.connections.get('salesforce-e2e')!;
  });

  afterAll(async () => {
    await workers.close();
    for (const q of [runtime.queues.ingest, runtime.queues.io, runtime.queues.sync]) await q.obliterate({ force: true }).catch(() => {});
    await runtime.close();
    await org.close();
    vaultRedis.disconnect();
    await store.close();
  });

  it('when the org is synced, then every Lead and Contact is scored and the scores land in Salesforce in collection calls of at most 200', async () => {
    expect((await store.getConnection('salesforce-e2e'))?.accountId).toBe(org.sim.orgId);
    const outcome = await runSync(runtime.deps, conn, { full: false });
    expect(outcome.processed).toBe(280);
    expect(outcome.unmappable).toBe(0);
    await settle();

    const leads = [...org.sim.db.Lead!.values()];
    expect(leads.every((l) => typeof l.Qualify_Score__c === 'number' && typeof l.Qualify_Grade__c === 'string')).toBe(true);
    expect([...org.sim.db.Contact!.values()].every((c) => typeof c.Qualify_Score__c === 'number')).toBe(true);
    const patches = org.sim.callsTo('PATCH', '/composite/sobjects');
    expect(patches.length).toBeGreaterThanOrEqual(2);
    expect(patches.every((c) => (c.records ?? 0) <= 200)).toBe(true);
    expect(await store.listWriteErrors('salesforce-e2e')).toEqual([]);

    // Nothing changed: a second sync writes nothing.
    const before = patches.length;
    await runSync(runtime.deps, conn, { full: false });
    await settle();
    expect(org.sim.callsTo('PATCH', '/composite/sobjects')).toHaveLength(before);
  });

  it('when an Outbound Message reports a Lead that became a CTO, then it is acked, the Lead is re-read and re-scored, and the new score is written back', async () => {
    const lead = [...org.sim.db.Lead!.values()].find((l) => l.Title === 'Student' && !l.IsConverted)!;
    const oldScore = lead.Qualify_Score__c as number;
    org.sim.touch('Lead', lead.Id, { Title: 'CTO', Email: `cto.${lead.Id.toLowerCase()}@northwind-analytics.com`, Website: 'https://www.northwind-analytics.com', NumberOfEmployees: 850 });
    const body = buildOutboundMessage({ organizationId: org.sim.orgId, instanceUrl: org.url, notifications: [{ id: '04l5g00000Gx7QzAAJ', type: 'Lead', fields: { Id: lead.Id, Title: 'CTO' } }] });

    const res = await fetch(`${publicUrl}/webhooks/salesforce`, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', SOAPAction: '""' }, body });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<Ack>true</Ack>');
    await settle();

    const rescored = org.sim.db.Lead!.get(lead.Id)!;
    expect(rescored.Qualify_Score__c).toBeGreaterThan(oldScore);
    const leadId = await store.findLeadIdBySourceRecord('salesforce', lead.Id);
    expect((await store.getLead(leadId!))?.lead.person.seniority).toBe('c_level');
  });

  it("when a Lead becomes sales-ready, then its Status is written as the mapping's SQL value; Leads in stages the mapping leaves out keep the org's value", async () => {
    // The seeded org after the first sync: Leads and MQLs, every Status 'Open - Not Contacted'.
    const stageOf = async (id: string) => (await store.getLead((await store.findLeadIdBySourceRecord('salesforce', id))!))!.lifecycle?.stage;
    const open = [...org.sim.db.Lead!.values()].filter((l) => !l.IsConverted && l.Title !== 'Student');
    const mqls: string[] = [];
    for (const l of open) if ((await stageOf(l.Id)) === 'mql') mqls.push(l.Id);
    expect(mqls.length).toBeGreaterThan(0);
    for (const id of mqls) expect(org.sim.db.Lead!.get(id)!.Status).toBe('Open - Not Contacted');

    // A CTO of a mid-sized company who read the guide, joined the webinar, asked for a demo, met sales twice and called, all this week.
    const lead = open.find((l) => !mqls.includes(l.Id))!;
    const day = 86_400_000;
    const now = Date.now();
    const campaign = { Id: makeId('701', 90), Name: 'Book a demo', Type: 'Demo Request', CreatedDate: sfDateTime(new Date(now - 10 * day)), LastModifiedDate: sfDateTime(new Date(now - 10 * day)), SystemModstamp: sfDateTime(new Date(now - 10 * day)), IsDeleted: false };
    org.sim.db.Campaign!.set(campaign.Id, campaign);
    const at = (d: number) => sfDateTime(new Date(now - d * day));
    // Responses to the demo campaign and to the seeded webinar and content campaigns (Webinar, Content).
    for (const [n, campaignId] of [[9001, campaign.Id], [9002, makeId('701', 1)], [9003, makeId('701', 4)]] as const) {
      org.sim.db.CampaignMember!.set(makeId('00v', n), { Id: makeId('00v', n), CampaignId: campaignId, LeadId: lead.Id, ContactId: null, Status: 'Responded', HasResponded: true, FirstRespondedDate: new Date(now - day).toISOString().slice(0, 10), CreatedDate: at(1), LastModifiedDate: at(1), SystemModstamp: at(1), IsDeleted: false });
    }
    for (const [n, d] of [[9001, 1], [9002, 3]] as const) {
      org.sim.db.Event!.set(makeId('00U', n), { Id: makeId('00U', n), WhoId: lead.Id, Subject: 'Product demo', EventSubtype: 'Event', Type: 'Meeting', StartDateTime: at(d), EndDateTime: at(d), CreatedDate: at(d), LastModifiedDate: at(d), SystemModstamp: at(d), IsDeleted: false });
    }
    org.sim.db.Task!.set(makeId('00T', 9001), { Id: makeId('00T', 9001), WhoId: lead.Id, Subject: 'Call about rollout', TaskSubtype: 'Call', Type: 'Call', Status: 'Completed', ActivityDate: at(1).slice(0, 10), CompletedDateTime: at(1), CreatedDate: at(1), LastModifiedDate: at(1), SystemModstamp: at(1), IsDeleted: false });
    org.sim.touch('Lead', lead.Id, { Title: 'Chief Technology Officer', NumberOfEmployees: 850, Email: `cto.${lead.Id.toLowerCase()}@northwind-analytics.com`, Website: 'https://www.northwind-analytics.com' });
    const body = buildOutboundMessage({ organizationId: org.sim.orgId, instanceUrl: org.url, notifications: [{ id: '04l5g00000Gx7S0AAJ', type: 'Lead', fields: { Id: lead.Id } }] });
    const res = await fetch(`${publicUrl}/webhooks/salesforce`, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', SOAPAction: '""' }, body });
    expect(res.status).toBe(200);
    await settle();

    expect(await stageOf(lead.Id)).toBe('sql');
    expect(org.sim.db.Lead!.get(lead.Id)!.Status).toBe('Working - Contacted');
    // MQL is not in mappings/salesforce.yaml (a new org has no such status): those Leads keep theirs.
    for (const id of mqls) expect(org.sim.db.Lead!.get(id)!.Status).toBe('Open - Not Contacted');
  });

  it('when Salesforce delivers the same Outbound Message twice (it retries until it sees an Ack), then the Lead is read and written once', async () => {
    const lead = [...org.sim.db.Lead!.values()].find((l) => !l.IsConverted && l.Title !== 'CTO' && l.Title !== 'VP of Engineering')!;
    org.sim.touch('Lead', lead.Id, { Title: 'VP of Engineering', NumberOfEmployees: 1200 });
    const body = buildOutboundMessage({ organizationId: org.sim.orgId, instanceUrl: org.url, notifications: [{ id: '04l5g00000Gx7S1AAJ', type: 'Lead', fields: { Id: lead.Id, Title: 'VP of Engineering' } }] });
    const deliver = async () => {
      const res = await fetch(`${publicUrl}/webhooks/salesforce`, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', SOAPAction: '""' }, body });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('<Ack>true</Ack>');
      await settle();
      return { queries: org.sim.callsTo('GET', '/query').length, writes: org.sim.callsTo('PATCH', '/composite/sobjects').length };
    };
    const before = { queries: org.sim.callsTo('GET', '/query').length, writes: org.sim.callsTo('PATCH', '/composite/sobjects').length };
    const first = await deliver();
    expect(first.queries).toBeGreaterThan(before.queries);
    expect(first.writes).toBe(before.writes + 1);
    const again = await deliver();
    expect(again).toEqual(first);
  });

  it('when Salesforce refuses one record of a collection, then the others are written and the refusal is recorded with the record and Salesforce\'s message', async () => {
    const [refused, accepted] = [...org.sim.db.Lead!.values()].filter((l) => !l.IsConverted && l.Title === 'Student').slice(0, 2);
    expect(refused && accepted).toBeTruthy();
    org.sim.failOnWrite.set(refused!.Id, ['FIELD_CUSTOM_VALIDATION_EXCEPTION', 'Qualify fields are locked while the lead is in review']);
    for (const l of [refused!, accepted!]) org.sim.touch('Lead', l.Id, { Title: 'Chief Operating Officer', NumberOfEmployees: 900 });
    const oldScore = accepted!.Qualify_Score__c as number;
    const body = buildOutboundMessage({
      organizationId: org.sim.orgId,
      instanceUrl: org.url,
      notifications: [
        { id: '04l5g00000Gx7S2AAJ', type: 'Lead', fields: { Id: refused!.Id } },
        { id: '04l5g00000Gx7S3AAJ', type: 'Lead', fields: { Id: accepted!.Id } },
      ],
    });
    const res = await fetch(`${publicUrl}/webhooks/salesforce`, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', SOAPAction: '""' }, body });
    expect(res.status).toBe(200);
    await settle();

    expect(org.sim.db.Lead!.get(accepted!.Id)!.Qualify_Score__c).toBeGreaterThan(oldScore);
    const errors = await store.listWriteErrors('salesforce-e2e');
    expect(errors.map((e) => e.recordId)).toEqual([refused!.Id]);
    expect(errors[0]!.message).toContain('FIELD_CUSTOM_VALIDATION_EXCEPTION');
    expect(errors[0]!.message).toContain('Qualify fields are locked while the lead is in review');
    org.sim.failOnWrite.delete(refused!.Id);
  });

  it('when an Outbound Message comes from another org, then it is answered with a SOAP fault (HTTP 500) and nothing is queued', async () => {
    const body = buildOutboundMessage({ organizationId: '00D5g000000ZZZZEAA', notifications: [{ id: '04l5g00000Gx7R9AAJ', type: 'Lead', fields: { Id: [...org.sim.db.Lead!.keys()][0]! } }] });
    const res = await fetch(`${publicUrl}/webhooks/salesforce`, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8' }, body });
    expect(res.status).toBe(500);
    expect(await res.text()).toContain('<faultcode>soapenv:Client</faultcode>');
    expect(await runtime.queues.ingest.getJobCounts('waiting', 'active')).toEqual({ waiting: 0, active: 0 });
  });
});
