import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { buildOutboundMessage } from '../../connectors/salesforce/simulator/outbound-message.js';
import type { SimRecord } from '../../connectors/salesforce/simulator/simulator-seed.js';
import { createStore } from '../../src/store/sql-store.js';
import type { Store } from '../../src/store/store.types.js';
import { freePort } from '../support/e2e-harness.js';
import { dropTestSchema, testDatabaseUrl } from '../support/store-backends.js';
import { eventually, jsonSummary, startSalesforceQualify, type QualifyChild, type SalesforceQualify } from './salesforce-qualify-process.js';
import { withPostgres } from './worker-process.js';

/**
 * The running service configured for Salesforce from the environment only, as real processes on
 * PostgreSQL: `qualify server` + `qualify worker` (then `qualify start` after a re-authorisation)
 * receive Outbound Messages from the in-repo Salesforce sandbox, re-score and write back; a
 * revoked refresh token and a spent daily share stop the connection where `qualify status` shows it.
 * PostgreSQL only: the server, the worker and the test read one database at once.
 */

const LEADS = 80;
const CONTACTS = 20;

(withPostgres() ? describe : describe.skip)(`qualify server + worker on Salesforce (PostgreSQL at ${testDatabaseUrl()})`, () => {
  const schema = `qualify_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  let store: Store;
  let q: SalesforceQualify;
  let port: number;
  let children: QualifyChild[] = [];
  let notification = 0;
  /** Leads notified while the connection needed re-authorisation, with their score then. */
  let waiting: Array<{ id: string; score: number }> = [];

  const output = () => children.map((c) => c.output().slice(-20000)).join('\n---\n');
  const post = (body: string, query = '') =>
    fetch(`http://127.0.0.1:${port}/webhooks/salesforce${query}`, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', SOAPAction: '""' }, body });
  const outbound = (lead: SimRecord, organizationId = q.sandbox.sim.orgId) =>
    buildOutboundMessage({
      organizationId,
      instanceUrl: q.sandbox.url,
      notifications: [{ id: `04l5g00000Gx${String(++notification).padStart(3, '0')}AAJ`, type: 'Lead', fields: { Id: lead.Id, Title: String(lead.Title ?? '') } }],
    });
  const connection = async () => (await store.getConnection('salesforce-default'))!;
  const startService = async (args: string[][], extraEnv: Record<string, string> = {}) => {
    children = args.map((a) => q.spawn(a, { PORT: String(port), LOG_LEVEL: 'info', ...extraEnv }));
    await eventually(
      async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null))?.status === 200,
      60_000,
      () => `the server to be ready:\n${output()}`,
    );
  };
  /** A Lead an SDR just upgraded: a CTO at a mid-sized company, which the model scores higher. */
  const upgradeLead = (index: number): SimRecord => {
    const lead = [...q.sandbox.sim.db.Lead!.values()].filter((l) => !l.IsConverted && l.Title !== 'CTO')[index]!;
    return q.sandbox.sim.touch('Lead', lead.Id, { Title: 'CTO', NumberOfEmployees: 400, Email: `cto.${lead.Id.toLowerCase()}@northwind-analytics.com` });
  };

  beforeAll(async () => {
    store = await createStore({ databaseUrl: testDatabaseUrl(), schema });
    const u = new URL(testDatabaseUrl());
    u.searchParams.set('options', `-c search_path=${schema}`);
    q = await startSalesforceQualify({ leads: LEADS, contacts: CONTACTS, store: { databaseUrl: u.toString() } });
    port = await freePort();
    await startService([['server'], ['worker']]);
    const sync = await q.run(['sync', 'salesforce', '--full']);
    expect(sync.code).toBe(0);
    expect(jsonSummary<{ processed: number }>(sync).processed).toBe(LEADS + CONTACTS);
  }, 120_000);

  afterAll(async () => {
    for (const c of children) await c.stop();
    await q?.close();
    await store?.close();
    await dropTestSchema(schema);
  });

  test('when an Outbound Message reports an upgraded Lead, then the server answers the SOAP Ack and the worker re-reads, re-scores and writes it back', async () => {
    const lead = upgradeLead(0);
    const before = lead.Qualify_Score__c as number;
    const res = await post(outbound(lead));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/xml/);
    expect(await res.text()).toMatch(/<notificationsResponse[^>]*>\s*<Ack>true<\/Ack>\s*<\/notificationsResponse>/);
    await eventually(() => (q.sandbox.sim.db.Lead!.get(lead.Id)!.Qualify_Score__c as number) > before, 30_000, () => `a higher score on ${lead.Id} (was ${before})\n${output()}`);
    const leadId = await store.findLeadIdBySourceRecord('salesforce', lead.Id);
    expect((await store.getLead(leadId!))?.lead.person.seniority).toBe('c_level');
  });

  test('when an Outbound Message names another org, then it gets a SOAP fault (HTTP 500) so Salesforce retries, and nothing is read', async () => {
    const lead = upgradeLead(1);
    const queries = q.sandbox.sim.calls.length;
    const res = await post(outbound(lead, '00D5g000000ZZZZEAA'));
    expect(res.status).toBe(500);
    const body = await res.text();
    expect(body).toContain('<soapenv:Fault>');
    expect(body).toContain('<faultcode>soapenv:Client</faultcode>');
    await new Promise((r) => setTimeout(r, 1500));
    expect(q.sandbox.sim.calls.length).toBe(queries);
  });

  test('when the refresh token is revoked, then the connection shows needs_reauth with a clear message, and the worker stops asking for tokens', async () => {
    q.sandbox.sim.revokeRefreshToken();
    q.sandbox.sim.expireSessions();
    const tokenCalls = q.sandbox.sim.tokenCalls;
    const first = upgradeLead(2);
    const res = await post(outbound(first));
    expect(res.status).toBe(200); // queued durably; the read happens in the worker
    await eventually(async () => (await connection()).status === 'needs_reauth', 30_000, () => `needs_reauth\n${output()}`);
    const status = await q.run(['status']);
    expect(status.stdout).toMatch(/salesforce-default \(salesforce 00D\w+\): needs_reauth — .*re-authori[sz]e/i);

    // More notifications arrive; none makes the worker try the refused token again.
    const asked = q.sandbox.sim.tokenCalls;
    expect(asked - tokenCalls).toBe(1);
    const second = upgradeLead(3);
    expect((await post(outbound(second))).status).toBe(200);
    await new Promise((r) => setTimeout(r, 3000));
    expect(q.sandbox.sim.tokenCalls).toBe(asked);
    waiting = [first, second].map((l) => ({ id: l.Id, score: l.Qualify_Score__c as number }));
    expect(waiting.every((w) => q.sandbox.sim.db.Lead!.get(w.id)!.Qualify_Score__c === w.score)).toBe(true);
  }, 60_000);

  test('when a new refresh token is configured and `qualify start` runs, then the connection is active again and catches up', async () => {
    for (const c of children) await c.stop();
    const fresh = q.sandbox.sim.grantNewRefreshToken();
    await startService([['start']], { SALESFORCE_REFRESH_TOKEN: fresh });
    expect((await connection()).status).toBe('active');
    // The notifications accepted while it was paused were kept: they are read and written now.
    await eventually(
      () => waiting.every((w) => (q.sandbox.sim.db.Lead!.get(w.id)!.Qualify_Score__c as number) > w.score),
      30_000,
      () => `higher scores on ${waiting.map((w) => w.id).join(', ')}\n${output()}`,
    );
  }, 60_000);

  test('when the org reaches qualify’s share of its daily API limit, then the connection is parked until the next day and no further call is made', async () => {
    const sim = q.sandbox.sim;
    sim.usedToday = Math.ceil(sim.dailyLimit * 0.2); // SALESFORCE_DAILY_SHARE defaults to 20 %
    expect((await post(outbound(upgradeLead(4)))).status).toBe(200);
    await eventually(async () => (await connection()).status === 'parked', 30_000, () => `parked\n${output()}`);
    const row = await connection();
    expect(row.statusMessage).toMatch(/daily API budget reached; parked until/);
    const tomorrow = new Date();
    tomorrow.setUTCHours(24, 0, 0, 0);
    expect(Math.abs(Date.parse(row.parkedUntil!) - tomorrow.getTime())).toBeLessThan(60_000);
    const status = await q.run(['status']);
    expect(status.stdout).toMatch(/salesforce-default \(salesforce 00D\w+\): parked — daily API budget reached/);

    const used = sim.usedToday;
    expect((await post(outbound(upgradeLead(5)))).status).toBe(200);
    await new Promise((r) => setTimeout(r, 3000));
    expect(sim.usedToday).toBe(used);
  }, 60_000);
});
