import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { SimRecord } from '../../connectors/salesforce/simulator/simulator-seed.js';
import { freePort } from '../support/e2e-harness.js';
import { eventually, jsonSummary, startSalesforceQualify, type SalesforceQualify } from '../e2e/salesforce-qualify-process.js';

/**
 * The `qualify` command line configured for Salesforce from the environment only (SALESFORCE_*
 * pointing at the in-repo sandbox, QUALIFY_DEMO=false, no HubSpot token): every command is a real
 * `node bin/qualify.js` process on real Redis (a fresh key prefix) and an embedded PGlite store in
 * a temporary QUALIFY_DATA_DIR, one after the other as an operator would run them.
 */

const LEADS = 90;
const CONTACTS = 30;

interface SyncSummary {
  system: string;
  full: boolean;
  pages: number;
  records: number;
  processed: number;
  unmappable: number;
  writesQueued: number;
  pendingWrites: number;
}

interface StatusReport {
  model: string;
  connections: Array<{ id: string; system: string; accountId: string | null; status: string; statusMessage: string | null; parkedUntil: string | null }>;
}

describe('qualify CLI on Salesforce (PGlite in a temporary data directory)', () => {
  let q: SalesforceQualify;
  /** Every record sent in sObject Collection updates, in order: the fields qualify chose to write. */
  const written: Array<Record<string, unknown>> = [];
  const people = (): SimRecord[] => [...q.sandbox.sim.db.Lead!.values(), ...q.sandbox.sim.db.Contact!.values()];
  const patches = () => q.sandbox.sim.callsTo('PATCH', '/composite/sobjects').length;
  const status = async (): Promise<StatusReport['connections'][number]> => {
    const r = await q.run(['status', '--json']);
    expect(r.code).toBe(0);
    const sf = jsonSummary<StatusReport>(r).connections.find((c) => c.id === 'salesforce-default');
    if (!sf) throw new Error(`no salesforce-default connection in:\n${r.stdout}`);
    return sf;
  };

  beforeAll(async () => {
    q = await startSalesforceQualify({ leads: LEADS, contacts: CONTACTS, store: { dataDir: true } });
    // Watch what reaches the org's collection endpoint (the route calls the method on each request).
    const sim = q.sandbox.sim as unknown as { updateCollection: (req: { body: { records?: unknown[] } }, res: unknown) => unknown };
    const original = sim.updateCollection.bind(sim);
    sim.updateCollection = (req, res) => {
      for (const r of req.body?.records ?? []) {
        const { attributes: _type, id, Id, ...fields } = r as Record<string, unknown>;
        written.push({ Id: Id ?? id, ...fields });
      }
      return original(req, res);
    };
  }, 60_000);
  afterAll(async () => {
    await q?.close();
  }, 120_000);

  test('when `qualify sync salesforce --full` runs in a terminal, then it draws a progress bar on stderr, prints its JSON summary, and every Lead and Contact carries Qualify_* values', async () => {
    const r = await q.run(['sync', 'salesforce', '--full'], { tty: true });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`salesforce .*${LEADS + CONTACTS}/${LEADS + CONTACTS} contacts`));
    const summary = jsonSummary<SyncSummary>(r);
    expect(summary).toMatchObject({ system: 'salesforce', full: true, records: LEADS + CONTACTS, processed: LEADS + CONTACTS, unmappable: 0, pendingWrites: 0 });
    expect(summary.writesQueued).toBe(LEADS + CONTACTS);

    const missing = people().filter((p) => typeof p.Qualify_Score__c !== 'number' || typeof p.Qualify_Grade__c !== 'string' || !String(p.Qualify_Model_Version__c ?? '').startsWith('default@'));
    expect(missing.map((p) => p.Id)).toEqual([]);
    expect(q.sandbox.sim.callsTo('PATCH', '/composite/sobjects').every((c) => (c.records ?? 0) <= 200)).toBe(true);
  }, 120_000);

  test('when the only changes since the saved cursor are qualify’s own writes, then `qualify sync salesforce` reads them back and writes nothing', async () => {
    const before = patches();
    const r = await q.run(['sync', 'salesforce']);
    expect(r.code).toBe(0);
    const summary = jsonSummary<SyncSummary>(r);
    expect(summary.full).toBe(false);
    // Our write-back moved every record's SystemModstamp past the cursor: Salesforce gives no way to tell our edits from others'.
    expect(summary.records).toBe(LEADS + CONTACTS);
    expect(summary.writesQueued).toBe(0);
    expect(patches()).toBe(before);
  }, 120_000);

  test('when three Leads are edited in Salesforce, then the next incremental sync reads exactly those three and writes back the ones whose score changed', async () => {
    const targets = [...q.sandbox.sim.db.Lead!.values()].filter((l) => !l.IsConverted && l.Title !== 'CTO').slice(0, 3);
    const scoresBefore = targets.map((l) => l.Qualify_Score__c as number);
    for (const l of targets) q.sandbox.sim.touch('Lead', l.Id, { Title: 'CTO', NumberOfEmployees: 400, Email: `cto.${l.Id.toLowerCase()}@northwind-analytics.com` });
    const writtenBefore = written.length;

    const summary = jsonSummary<SyncSummary>(await q.run(['sync', 'salesforce']));
    expect(summary.records).toBe(3);
    expect(summary.writesQueued).toBe(3);
    expect(written.slice(writtenBefore).map((w) => w.Id).sort()).toEqual(targets.map((l) => l.Id).sort());
    const scoresAfter = targets.map((l) => q.sandbox.sim.db.Lead!.get(l.Id)!.Qualify_Score__c as number);
    scoresAfter.forEach((s, i) => expect(s).toBeGreaterThan(scoresBefore[i]!));

    // And once more: nothing changed since, nothing read.
    expect(jsonSummary<SyncSummary>(await q.run(['sync', 'salesforce'])).records).toBe(3); // the three echoes of our writes
    expect(jsonSummary<SyncSummary>(await q.run(['sync', 'salesforce'])).records).toBe(0);
  }, 120_000);

  test('when `qualify status` runs, then it shows the Salesforce connection, its org and that it is active', async () => {
    const r = await q.run(['status']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`salesforce-default (salesforce ${q.sandbox.sim.orgId}): active`);
    expect(await status()).toMatchObject({ system: 'salesforce', accountId: q.sandbox.sim.orgId, status: 'active' });
  }, 120_000);

  test('when the model changes and `qualify rescore` runs, then only changed fields are written: the new model version everywhere, new scores only where the score moved', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qualify-model-'));
    try {
      const original = await readFile('mappings/scoring.yaml', 'utf8');
      const modified = original
        .replace(/^version: 1$/m, 'version: 2')
        .replace(/(- id: seniority_c_level\n(?:.*\n){2}\s+points:) 25/, '$1 40');
      expect(modified).not.toBe(original);
      const modelFile = join(dir, 'scoring.yaml');
      await writeFile(modelFile, modified);
      const before = new Map(people().map((p) => [p.Id, { score: p.Qualify_Score__c, version: p.Qualify_Model_Version__c }]));
      const writtenBefore = written.length;

      const r = await q.run(['rescore'], { env: { QUALIFY_MODEL_FILE: modelFile } });
      expect(r.code).toBe(0);
      const summary = jsonSummary<{ rescored: number; model: string; writesQueued: number; pendingWrites: number }>(r);
      expect(summary.model).toMatch(/^default@2-/);
      expect(summary.rescored).toBe(LEADS + CONTACTS); // one canonical lead per person
      expect(summary.pendingWrites).toBe(0);

      const sent = written.slice(writtenBefore);
      expect(sent.every((w) => w.Qualify_Model_Version__c === summary.model)).toBe(true);
      const withScore = sent.filter((w) => 'Qualify_Score__c' in w);
      const versionOnly = sent.filter((w) => Object.keys(w).filter((k) => k !== 'Id').join() === 'Qualify_Model_Version__c');
      const shapes = [...new Set(sent.map((w) => Object.keys(w).sort().join(',')))];
      expect({ withScore: withScore.length > 0, versionOnly: versionOnly.length > 0, shapes }).toEqual({ withScore: true, versionOnly: true, shapes });
      expect(versionOnly.length).toBeGreaterThan(0);
      for (const w of withScore) expect(w.Qualify_Score__c).not.toBe(before.get(String(w.Id))!.score);
      for (const w of versionOnly) expect(q.sandbox.sim.db.Lead!.get(String(w.Id))?.Qualify_Score__c ?? q.sandbox.sim.db.Contact!.get(String(w.Id))?.Qualify_Score__c).toBe(before.get(String(w.Id))!.score);
      expect(people().every((p) => p.Qualify_Model_Version__c === summary.model)).toBe(true);

      // The same model again: nothing changed, nothing written.
      const calls = patches();
      const again = jsonSummary<{ writesQueued: number }>(await q.run(['rescore'], { env: { QUALIFY_MODEL_FILE: modelFile } }));
      expect(again.writesQueued).toBe(0);
      expect(patches()).toBe(calls);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  test('when the org revokes the refresh token, then `qualify sync` stops with a clear message and `qualify status` shows needs_reauth; a new refresh token makes it active again', async () => {
    q.sandbox.sim.revokeRefreshToken();
    q.sandbox.sim.expireSessions();
    const tokenCalls = q.sandbox.sim.tokenCalls;
    const r = await q.run(['sync', 'salesforce']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/re-authori[sz]/i);
    expect(q.sandbox.sim.tokenCalls - tokenCalls).toBe(1); // asked once, not retried
    const sf = await status();
    expect(sf.status).toBe('needs_reauth');
    expect(sf.statusMessage).toMatch(/refresh token|invalid_grant/i);
    expect(sf.statusMessage).toMatch(/re-authori[sz]e/i);
    expect((await q.run(['status'])).stdout).toContain('salesforce-default (salesforce');

    const fresh = q.sandbox.sim.grantNewRefreshToken();
    const again = await q.run(['sync', 'salesforce'], { env: { SALESFORCE_REFRESH_TOKEN: fresh } });
    expect(again.code).toBe(0);
    expect((await status()).status).toBe('active');
  }, 120_000);

  test('when the org has spent qualify’s share of its daily API limit, then `qualify sync` parks the connection until the next day, says so, and a sync while parked makes no call', async () => {
    const sim = q.sandbox.sim;
    sim.usedToday = Math.ceil(sim.dailyLimit * 0.2); // SALESFORCE_DAILY_SHARE defaults to 20 %
    const r = await q.run(['sync', 'salesforce']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/daily API budget reached.*parked until the next day/);
    const sf = await status();
    expect(sf.status).toBe('parked');
    expect(sf.statusMessage).toMatch(/parked until/);
    const tomorrow = new Date();
    tomorrow.setUTCHours(24, 0, 0, 0);
    expect(Math.abs(Date.parse(sf.parkedUntil!) - tomorrow.getTime())).toBeLessThan(60_000);

    const used = sim.usedToday;
    const parked = await q.run(['sync', 'salesforce']);
    expect(parked.code).toBe(1);
    expect(parked.stderr).toMatch(/is parked: daily API budget reached/);
    expect(sim.usedToday).toBe(used);
  }, 120_000);
});

describe('qualify start on Salesforce with a refresh token the org refuses', () => {
  let q: SalesforceQualify;

  beforeAll(async () => {
    q = await startSalesforceQualify({ leads: 20, contacts: 5, store: { dataDir: true }, env: { SALESFORCE_REFRESH_TOKEN: 'a-token-the-org-revoked' } });
  }, 60_000);
  afterAll(async () => {
    await q?.close();
  }, 120_000);

  test('when the token is refused at start-up, then the service keeps running and healthy, says what to do, asks the token endpoint once, and `qualify status` shows needs_reauth', async () => {
    const port = await freePort();
    const service = q.spawn(['start'], { PORT: String(port) });
    await eventually(async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null))?.status === 200, 60_000, () => service.output());
    expect(service.output()).toMatch(/salesforce-default set-up failed: .*invalid_grant.*Re-authorise the connection\. The service runs on/);
    await new Promise((r) => setTimeout(r, 2000));
    expect(service.child.exitCode).toBeNull();
    expect(q.sandbox.sim.tokenCalls).toBe(1);
    await service.stop();

    const r = await q.run(['status']);
    expect(r.stdout).toMatch(/salesforce-default \(salesforce\): needs_reauth — authorisation failed: Salesforce refused the refresh token \(invalid_grant/);
  }, 90_000);
});

describe('qualify sync on Salesforce when the org runs out of API calls during the write-back', () => {
  let q: SalesforceQualify;

  beforeAll(async () => {
    q = await startSalesforceQualify({ leads: 20, contacts: 5, store: { dataDir: true } });
    // The org's allowance runs out just as the first write arrives: Salesforce answers it (and
    // every call after it) with REQUEST_LIMIT_EXCEEDED, as the sandbox does at its daily limit.
    const sim = q.sandbox.sim as unknown as { usedToday: number; dailyLimit: number; updateCollection: (req: unknown, res: { setHeader(n: string, v: string): void; status(n: number): { json(b: unknown): unknown } }) => unknown };
    sim.updateCollection = (_req, res) => {
      sim.usedToday = sim.dailyLimit;
      res.setHeader('Sforce-Limit-Info', `api-usage=${sim.usedToday}/${sim.dailyLimit}`);
      return res.status(403).json([{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
    };
  }, 60_000);
  afterAll(async () => {
    await q?.close();
  }, 60_000);

  test('when the write-back is parked, then `qualify sync` stops waiting for it, prints its summary with the writes left pending and says why', async () => {
    const started = Date.now();
    const r = await q.run(['sync', 'salesforce', '--full'], { timeoutMs: 100_000 });
    expect(Date.now() - started).toBeLessThan(60_000); // not the 10 minutes it would wait for writes that can't go out today
    expect(r.code).toBe(0);
    const summary = jsonSummary<SyncSummary>(r);
    expect(summary.processed).toBe(25);
    expect(summary.pendingWrites).toBe(25);
    expect(r.stderr).toMatch(/write-back parked: .*REQUEST_LIMIT_EXCEEDED|write-back parked: daily API budget reached/);
    const status = await q.run(['status']);
    expect(status.stdout).toMatch(/salesforce-default \(salesforce 00D\w+\): parked — /);
  }, 120_000);
});
