import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { StoreConflictError, StoreInputError } from '../../src/store/store-errors.js';
import type { Store } from '../../src/store/store.types.js';
import { storeBackends } from '../support/store-backends.js';
import { event, lead, lifecycle, newWorkspace, score, transition, uniqueWorkspaceId } from './workspace-fixtures.js';

/**
 * One database, two teams: every scoped method of one workspace's view must neither see nor
 * change the other's rows, even when both hold the same HubSpot record id and the same person.
 */
describe.each(storeBackends())('workspace isolation on %s', (_backend, open) => {
  let root: Store;
  let a: Store;
  let b: Store;
  beforeAll(async () => {
    root = await open();
    a = await newWorkspace(root, 'Acme');
    b = await newWorkspace(root, 'Bolt');
  });
  afterAll(() => root.close());

  test('when the store is opened, then it is the default workspace view and the default workspace exists', async () => {
    expect(root.workspaceId).toBe('default');
    expect(await root.getWorkspace('default')).toMatchObject({ id: 'default' });
    expect(a.workspaceId).not.toBe(b.workspaceId);
  });

  test('when a workspace id is taken or malformed, then creating it is refused with a typed error', async () => {
    await expect(root.createWorkspace({ id: a.workspaceId, name: 'again' })).rejects.toBeInstanceOf(StoreConflictError);
    await expect(root.createWorkspace({ id: 'Not Valid!', name: 'x' })).rejects.toBeInstanceOf(StoreInputError);
    expect(() => root.forWorkspace('../etc')).toThrow(StoreInputError);
  });

  test('when no id is given, then one is made from the name, and a taken one gets a suffix', async () => {
    const name = `Team ${randomUUID().slice(0, 6)}`;
    const first = await root.createWorkspace({ name });
    const second = await root.createWorkspace({ name });
    expect(first.id).toBe(name.toLowerCase().replace(/ /g, '-'));
    expect(second.id).toMatch(new RegExp(`^${first.id}-[0-9a-f]{6}$`));
    expect((await root.listWorkspaces()).map((w) => w.id)).toEqual(expect.arrayContaining(['default', first.id, second.id]));
  });

  test('when two workspaces store the same HubSpot record id and the same email, then they stay two separate leads', async () => {
    const email = `same.${randomUUID().slice(0, 8)}@acme.com`;
    const inA = await a.upsertSourceRecord({ system: 'hubspot', recordId: '501', lead: lead('hubspot', '501', { email, jobTitle: 'CEO' }), sourceUpdatedAt: '2026-03-01T10:00:00.000Z' });
    const inB = await b.upsertSourceRecord({ system: 'hubspot', recordId: '501', lead: lead('hubspot', '501', { email, jobTitle: 'Intern' }), sourceUpdatedAt: '2026-01-01T10:00:00.000Z' });
    expect(inA.applied).toBe(true);
    // Older than A's copy, but A's copy is not B's record: it applies.
    expect(inB.applied).toBe(true);
    expect(inB.leadId).not.toBe(inA.leadId);
    expect((await a.getLead(inA.leadId))!.lead.person.jobTitle).toBe('CEO');
    expect((await b.getLead(inB.leadId))!.lead.person.jobTitle).toBe('Intern');
    expect(await a.findLeadIdBySourceRecord('hubspot', '501')).toBe(inA.leadId);
    expect(await b.findLeadIdBySourceRecord('hubspot', '501')).toBe(inB.leadId);
    expect((await a.listLeads({ email, limit: 10 })).map((l) => l.id)).toEqual([inA.leadId]);
    expect((await b.listLeads({ email, limit: 10 })).map((l) => l.id)).toEqual([inB.leadId]);
    expect(await root.findLeadIdBySourceRecord('hubspot', '501')).toBeNull();
  });

  test("when both workspaces read the same event, then each keeps it (one workspace's events never dedupe the other's)", async () => {
    const ev = event('hubspot', `conv-${randomUUID()}`, '2026-03-02T09:00:00.000Z');
    const inA = await a.upsertSourceRecord({ system: 'hubspot', recordId: '777', lead: lead('hubspot', '777', { events: [ev] }), sourceUpdatedAt: null });
    const inB = await b.upsertSourceRecord({ system: 'hubspot', recordId: '777', lead: lead('hubspot', '777', { events: [ev] }), sourceUpdatedAt: null });
    expect((await a.getLead(inA.leadId))!.lead.events.map((e) => e.sourceId)).toEqual([ev.sourceId]);
    expect((await b.getLead(inB.leadId))!.lead.events.map((e) => e.sourceId)).toEqual([ev.sourceId]);
    // And within one workspace the event still counts once when read again.
    await a.upsertSourceRecord({ system: 'hubspot', recordId: '777', lead: lead('hubspot', '777', { events: [ev] }), sourceUpdatedAt: null });
    expect((await a.getLead(inA.leadId))!.lead.events).toHaveLength(1);
  });

  test("when one workspace asks for, scores or lists the other's leads, then it sees nothing and changes nothing", async () => {
    const { leadId } = await a.upsertSourceRecord({ system: 'hubspot', recordId: `x-${randomUUID()}`, lead: lead('hubspot', 'x', { email: `p.${randomUUID().slice(0, 8)}@a.com` }), sourceUpdatedAt: null });
    await a.saveQualifications!([{ leadId, score: score(80, 'A'), lifecycle: { state: lifecycle('mql', '2026-03-01T10:00:00.000Z'), transition: transition('lead', 'mql', '2026-03-01T10:00:00.000Z') } }]);
    expect(await b.getLead(leadId)).toBeNull();
    expect(await b.getLeads!([leadId])).toEqual([]);
    expect(await b.scoreHistory(leadId)).toEqual([]);
    expect(await b.transitions(leadId)).toEqual([]);
    expect((await b.listLeads({ limit: 1000 })).some((l) => l.id === leadId)).toBe(false);
    await expect(b.recordScore(leadId, score(10, 'D'))).rejects.toThrow(/Unknown lead/);
    await expect(b.saveLifecycle(leadId, lifecycle('customer', '2026-03-03T10:00:00.000Z'), null)).rejects.toThrow(/Unknown lead/);
    await expect(b.saveQualifications!([{ leadId, score: score(10, 'D', '2026-03-04T10:00:00.000Z'), lifecycle: null }])).rejects.toThrow(/Unknown lead/);
    const stored = await a.getLead(leadId);
    expect(stored!.score!.grade).toBe('A');
    expect(stored!.lifecycle!.stage).toBe('mql');
    expect(await a.scoreHistory(leadId)).toHaveLength(1);
    const idsOfB: string[] = [];
    for await (const page of b.iterateLeadIds(100)) idsOfB.push(...page);
    expect(idsOfB).not.toContain(leadId);
    expect((await a.funnel()).mql).toBeGreaterThanOrEqual(1);
    expect((await b.funnel()).mql).toBe(0);
    expect(await b.countLeads()).toBe(idsOfB.length);
  });

  test("when one workspace reads, changes or deletes the other's connection, then it is as if the connection did not exist", async () => {
    const id = `hubspot-${randomUUID().slice(0, 8)}`;
    const row = await a.upsertConnection({ id, system: 'hubspot', accountId: '4242' });
    expect(row.workspaceId).toBe(a.workspaceId);
    await a.saveCursor(id, 'records', { after: 5 });
    await a.saveLastWritten(id, [{ recordId: '1', properties: { qualify_score: '80' } }]);
    await a.recordWriteError({ connectionId: id, recordId: '1', status: 400, message: 'bad', payload: {} });
    await a.saveCredentials(id, { kind: 'oauth', accessToken: 'tok' });

    expect(await b.getConnection(id)).toBeNull();
    expect((await b.listConnections()).map((c) => c.id)).not.toContain(id);
    await expect(b.setConnectionStatus(id, 'paused', 'by b')).rejects.toThrow(/Unknown connection/);
    await expect(b.upsertConnection({ id, system: 'hubspot', accountId: '1' })).rejects.toBeInstanceOf(StoreConflictError);
    await expect(b.saveCursor(id, 'records', { after: 999 })).rejects.toBeInstanceOf(StoreConflictError);
    await expect(b.saveCredentials(id, { accessToken: 'stolen' })).rejects.toThrow(/Unknown connection/);
    await b.saveLastWritten(id, [{ recordId: '1', properties: { qualify_score: '0' } }]);
    expect(await b.getCursor(id, 'records')).toBeNull();
    expect(await b.getLastWritten(id, '1')).toBeNull();
    expect(await b.getCredentials(id)).toBeNull();
    expect(await b.listWriteErrors(id)).toEqual([]);
    expect(await b.connectionStats(id)).toEqual({ lastSyncAt: null, cursors: {}, writeErrors: 0 });
    expect(await b.deleteConnection(id)).toBe(false);

    // A's connection is untouched by all of that.
    expect(await a.getConnection(id)).toMatchObject({ id, status: 'active', accountId: '4242' });
    expect(await a.getCursor(id, 'records')).toEqual({ after: 5 });
    expect(await a.getLastWritten(id, '1')).toEqual({ qualify_score: '80' });
    expect(await a.getCredentials(id)).toEqual({ kind: 'oauth', accessToken: 'tok' });
    const stats = await a.connectionStats(id);
    expect(stats).toMatchObject({ cursors: { records: { after: 5 } }, writeErrors: 1 });
    expect(stats.lastSyncAt).not.toBeNull();

    // Routing is global: a webhook of portal 4242 finds A's connection from any view.
    expect(await b.findConnectionByAccount('hubspot', '4242')).toMatchObject({ id, workspaceId: a.workspaceId });
    expect(await b.locateConnection(id)).toMatchObject({ id, workspaceId: a.workspaceId });

    expect(await a.deleteConnection(id)).toBe(true);
    expect(await a.getConnection(id)).toBeNull();
    expect(await a.getCursor(id, 'records')).toBeNull();
    expect(await a.getLastWritten(id, '1')).toBeNull();
    expect(await a.getCredentials(id)).toBeNull();
    expect(await a.listWriteErrors(id)).toEqual([]);
    expect(await root.findConnectionByAccount('hubspot', '4242')).toBeNull();
  });

  test("when one workspace lists, publishes or rolls back models, then the other's models are out of reach", async () => {
    const draft = await a.saveModelDraft({ yaml: 'name: a\n', versionId: 'a@1-aaaa', name: 'a' });
    expect(await b.getModel(draft.id)).toBeNull();
    expect(await b.listModels()).toEqual([]);
    expect(await b.publishModel(draft.id)).toBeNull();
    expect(await b.activeModel()).toBeNull();
    expect((await a.getModel(draft.id))!.status).toBe('draft');
    await a.publishModel(draft.id);
    expect(await b.activeModel()).toBeNull();
    expect(await b.rollbackModel()).toBeNull();
    expect((await a.activeModel())!.id).toBe(draft.id);
  });

  test("when one workspace lists or revokes API keys, then the other's keys are out of reach, and a key resolves to its own workspace", async () => {
    const { key, apiKey } = await a.createApiKey('ci');
    expect(key).toMatch(/^qk_[A-Za-z0-9_-]{43}$/);
    expect(key.startsWith(apiKey.prefix)).toBe(true);
    expect(await b.listApiKeys()).toEqual([]);
    expect(await b.revokeApiKey(apiKey.id)).toBe(false);
    const resolved = await b.resolveApiKey(key);
    expect(resolved).toMatchObject({ id: apiKey.id, workspaceId: a.workspaceId, revokedAt: null });
    expect(resolved!.lastUsedAt).not.toBeNull();
    expect(await root.resolveApiKey(key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A'))).toBeNull();
    expect(await root.resolveApiKey('not-a-key')).toBeNull();
    expect(await a.revokeApiKey(apiKey.id)).toBe(true);
    expect(await root.resolveApiKey(key)).toBeNull();
    expect((await a.listApiKeys())[0]!.revokedAt).not.toBeNull();
  });

  test('when a key is made for a workspace that does not exist, then it is refused', async () => {
    await expect(root.forWorkspace(uniqueWorkspaceId('ghost')).createApiKey('x')).rejects.toThrow(/Unknown workspace/);
  });
});
