import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Store } from '../../../src/store/store.types.js';
import { storeBackends } from '../../support/store-backends.js';
import { connectorFor, contextFor, drain, startOrg, type Org } from './salesforce-test-kit.js';

describe.each(storeBackends())('Salesforce polling on %s', (_backend, open) => {
  let store: Store;
  let org: Org;

  beforeAll(async () => {
    store = await open();
    // Pages of 25 records (Salesforce's minimum is 200; the simulator allows less to keep tests small).
    org = await startOrg({ seed: { leads: 60, contacts: 40, seed: 7 }, queryBatchSize: 25 });
  });
  afterAll(async () => {
    await org.close();
    await store.close();
  });

  it('when a sync is interrupted after two pages, then a new connector instance resumes from the saved cursor and every Lead and Contact is read exactly once', async () => {
    const ctx = await contextFor(store, 'salesforce:resume');
    const save = (c: unknown) => store.saveCursor(ctx.connection.id, 'records', c);

    const first = connectorFor(org);
    // The first page holds the deletions since Salesforce's 30 days (none), then two pages of people.
    const before = await drain(first.people.poll(ctx, null, { full: false }), save, 3);
    expect(before).toHaveLength(3);

    // "Restart": a fresh connector (new session, new caches) from the stored cursor only.
    const second = connectorFor(org);
    const after = await drain(second.people.poll(ctx, await store.getCursor(ctx.connection.id, 'records'), { full: false }), save);

    const people = [...before, ...after].flat().filter((r) => r.objectType === 'Lead' || r.objectType === 'Contact');
    const ids = people.map((r) => r.recordId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => id.startsWith('00Q'))).toHaveLength(60);
    expect(ids.filter((id) => id.startsWith('003'))).toHaveLength(40);
    // Paging went through nextRecordsUrl (queryMore), not one big page.
    expect(org.sim.callsTo('GET', '/query/01g').length).toBeGreaterThan(0);
  });

  it('when records share one SystemModstamp across a page boundary, then the Id tie-break neither skips nor repeats them', async () => {
    const ctx = await contextFor(store, 'salesforce:ties');
    const leads = [...org.sim.db.Lead!.values()].sort((a, b) => (a.Id < b.Id ? -1 : 1));
    const stamp = new Date('2026-11-26T12:00:00Z');
    for (const l of leads.slice(0, 30)) org.sim.touch('Lead', l.Id, {}, stamp);
    const save = (c: unknown) => store.saveCursor(ctx.connection.id, 'records', c);
    const pages = await drain(connectorFor(org).people.poll(ctx, null, { full: false }), save);
    const leadIds = pages.flat().filter((r) => r.objectType === 'Lead').map((r) => r.recordId);
    expect(new Set(leadIds).size).toBe(60);
    expect(leadIds).toHaveLength(60);

    // Nothing changed since: the next incremental run reads no person again.
    const again = await drain(connectorFor(org).people.poll(ctx, await store.getCursor(ctx.connection.id, 'records'), { full: false }), save);
    expect(again.flat()).toHaveLength(0);
  });

  it('when a Lead changes after a sync, then the next incremental run reads just that Lead, with its engagement attached', async () => {
    const ctx = await contextFor(store, 'salesforce:incremental');
    const save = (c: unknown) => store.saveCursor(ctx.connection.id, 'records', c);
    await drain(connectorFor(org).people.poll(ctx, null, { full: false }), save);

    const lead = [...org.sim.db.Lead!.values()].find((l) => [...org.sim.db.Task!.values()].some((t) => t.WhoId === l.Id))!;
    org.sim.touch('Lead', lead.Id, { Title: 'Chief Technology Officer' }, new Date(Date.now() + 60_000));
    const pages = await drain(connectorFor(org).people.poll(ctx, await store.getCursor(ctx.connection.id, 'records'), { full: false }), save);
    const records = pages.flat();
    expect(records.map((r) => r.recordId)).toEqual([lead.Id]);
    const raw = records[0]!.raw as { Title: string; Tasks: Array<{ WhoId: string }> };
    expect(raw.Title).toBe('Chief Technology Officer');
    expect(raw.Tasks.length).toBeGreaterThan(0);
    expect(raw.Tasks.every((t) => t.WhoId === lead.Id)).toBe(true);
  });

  it('when a call is logged on a Lead that did not change itself, then the Task stream re-reads that Lead', async () => {
    const ctx = await contextFor(store, 'salesforce:activity');
    const save = (c: unknown) => store.saveCursor(ctx.connection.id, 'records', c);
    await drain(connectorFor(org).people.poll(ctx, null, { full: false }), save);

    const lead = [...org.sim.db.Lead!.values()][5]!;
    const at = new Date(Math.floor(Date.now() / 1000) * 1000 + 120_000).toISOString().replace('Z', '+0000');
    org.sim.load({ Task: [{ Id: '00T5g0000099999AAA', WhoId: lead.Id, Subject: 'Call back', TaskSubtype: 'Call', Type: 'Call', Status: 'Completed', CreatedDate: at, LastModifiedDate: at, SystemModstamp: at, IsDeleted: false }] });
    const pages = await drain(connectorFor(org).people.poll(ctx, await store.getCursor(ctx.connection.id, 'records'), { full: false }), save);
    const records = pages.flat();
    expect(records.map((r) => r.recordId)).toEqual([lead.Id]);
    expect((records[0]!.raw as { Tasks: Array<{ Id: string }> }).Tasks.map((t) => t.Id)).toContain('00T5g0000099999AAA');
  });

  it('when a Lead has been converted, then its Contact is read with it and carries the moved activities', async () => {
    const ctx = await contextFor(store, 'salesforce:converted');
    const lead = [...org.sim.db.Lead!.values()].find((l) => !l.IsConverted && [...org.sim.db.Task!.values()].some((t) => t.WhoId === l.Id))!;
    const contact = org.sim.convertLead(lead.Id, new Date(Date.now() + 180_000));
    const records = await connectorFor(org).people.fetch(ctx, [{ objectType: 'Lead', recordId: lead.Id }]);
    expect(records.map((r) => `${r.objectType}:${r.recordId}`)).toEqual([`Lead:${lead.Id}`, `Contact:${contact.Id}`]);
    const raw = records[1]!.raw as { Email: string; Tasks: unknown[] };
    expect(raw.Email).toBe(lead.Email);
    expect(raw.Tasks.length).toBeGreaterThan(0);
  });

  it('when the integration user cannot see CampaignMember, then people are still read, with their Tasks and Events, and the sync completes', async () => {
    const restricted = await startOrg({ seed: { leads: 20, contacts: 5, seed: 9 }, hiddenObjects: ['CampaignMember'] });
    try {
      const ctx = await contextFor(store, 'salesforce:restricted');
      const pages = await drain(connectorFor(restricted).people.poll(ctx, null, { full: false }), (c) => store.saveCursor(ctx.connection.id, 'records', c));
      const records = pages.flat();
      expect(records.filter((r) => r.objectType === 'Lead')).toHaveLength(20);
      const withTasks = records.filter((r) => (r.raw as { Tasks: unknown[] }).Tasks.length > 0);
      expect(withTasks.length).toBeGreaterThan(0);
      expect(records.every((r) => (r.raw as { CampaignMembers: unknown[] }).CampaignMembers.length === 0)).toBe(true);
    } finally {
      await restricted.close();
    }
  });
});
