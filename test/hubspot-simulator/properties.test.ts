import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { sdkError, startSandbox, type Harness } from './simulator-harness.js';

describe('HubSpot sandbox: properties and property groups', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startSandbox({ contacts: 10 });
  });
  afterAll(async () => {
    await h.sim.close();
  });

  test('when the portal is new, then the qualify_* properties and group are absent', async () => {
    const all = await h.client.crm.properties.coreApi.getAll('contacts');
    expect(all.results.some((p) => p.name.startsWith('qualify_'))).toBe(false);
    expect(all.results.find((p) => p.name === 'lifecyclestage')!.options.map((o) => o.value)).toContain('marketingqualifiedlead');
    expect((await sdkError(h.client.crm.properties.coreApi.getByName('contacts', 'qualify_score'))).code).toBe(404);
  });

  test('when the group and a property are created, then they are listed, and creating them again is a 409', async () => {
    const group = await h.client.crm.properties.groupsApi.create('contacts', { name: 'qualify', label: 'Qualify', displayOrder: -1 });
    expect(group.name).toBe('qualify');
    const again = await sdkError(h.client.crm.properties.groupsApi.create('contacts', { name: 'qualify', label: 'Qualify' }));
    expect(again.code).toBe(409);
    expect(again.body).toMatchObject({ status: 'error', category: 'OBJECT_ALREADY_EXISTS' });

    const created = await h.client.crm.properties.coreApi.create('contacts', {
      name: 'qualify_score', label: 'Qualify score', type: 'number' as never, fieldType: 'number' as never, groupName: 'qualify',
    });
    expect(created).toMatchObject({ name: 'qualify_score', type: 'number', groupName: 'qualify', hubspotDefined: false });
    const dup = await sdkError(h.client.crm.properties.coreApi.create('contacts', { name: 'qualify_score', label: 'x', type: 'number' as never, fieldType: 'number' as never, groupName: 'qualify' }));
    expect(dup.code).toBe(409);
    const groups = await h.client.crm.properties.groupsApi.getAll('contacts');
    expect(groups.results.map((g) => g.name)).toContain('qualify');
  });

  test('when a property is created, then contacts accept writes to it and search can filter on it', async () => {
    const id = h.sim.contactIds()[0]!;
    await h.client.crm.contacts.batchApi.update({ inputs: [{ id, properties: { qualify_score: '87' } }] });
    const page = await h.client.crm.contacts.searchApi.doSearch({
      filterGroups: [{ filters: [{ propertyName: 'qualify_score', operator: 'GTE' as never, value: '80' }] }],
      properties: ['qualify_score'], sorts: [], limit: 10, after: '0',
    });
    expect(page.results.map((r) => [r.id, r.properties.qualify_score])).toEqual([[id, '87']]);
  });

  test('when an enumeration property is created, then only its options can be written', async () => {
    await h.client.crm.properties.coreApi.create('contacts', {
      name: 'qualify_grade', label: 'Grade', type: 'enumeration' as never, fieldType: 'select' as never, groupName: 'qualify',
      options: ['A', 'B', 'C', 'D'].map((v, i) => ({ label: v, value: v, displayOrder: i, hidden: false })),
    });
    const id = h.sim.contactIds()[1]!;
    await h.client.crm.contacts.batchApi.update({ inputs: [{ id, properties: { qualify_grade: 'B' } }] });
    expect(h.sim.getContact(id)!.qualify_grade).toBe('B');
    const err = await sdkError(h.client.crm.contacts.batchApi.update({ inputs: [{ id, properties: { qualify_grade: 'E' } }] }));
    expect(err.code).toBe(400);
    expect(String(err.body.message)).toContain('INVALID_OPTION');
  });

  test('when a property names a group that does not exist or a bad fieldType, then creation is refused with 400', async () => {
    const noGroup = await sdkError(h.client.crm.properties.coreApi.create('contacts', { name: 'qualify_x', label: 'x', type: 'string' as never, fieldType: 'text' as never, groupName: 'nope' }));
    expect(noGroup.code).toBe(400);
    const badField = await sdkError(h.client.crm.properties.coreApi.create('contacts', { name: 'qualify_y', label: 'y', type: 'number' as never, fieldType: 'select' as never, groupName: 'qualify' }));
    expect(badField.code).toBe(400);
  });

  test('when reading account details, then the portal id and time zone come back', async () => {
    const res = await h.client.apiRequest({ method: 'GET', path: '/account-info/v3/details' });
    const body = (await res.json()) as { portalId: number; timeZone: string };
    expect(body.portalId).toBe(62515);
    expect(typeof body.timeZone).toBe('string');
  });
});
