import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { sdkError, startSandbox, type Harness } from './simulator-harness.js';

describe('HubSpot sandbox: batch read and batch update', () => {
  let h: Harness;
  let ids: string[];
  beforeAll(async () => {
    h = await startSandbox({ contacts: 300, seed: 11 });
    ids = h.sim.contactIds();
  });
  afterAll(async () => {
    await h.sim.close();
  });

  test('when batch-reading 100 ids, then all come back; with 101 ids, then HubSpot answers 400', async () => {
    const ok = await h.client.crm.contacts.batchApi.read({ inputs: ids.slice(0, 100).map((id) => ({ id })), properties: ['email'], propertiesWithHistory: [] });
    expect(ok.results).toHaveLength(100);
    const err = await sdkError(h.client.crm.contacts.batchApi.read({ inputs: ids.slice(0, 101).map((id) => ({ id })), properties: ['email'], propertiesWithHistory: [] }));
    expect(err.code).toBe(400);
    expect(err.body.category).toBe('VALIDATION_ERROR');
  });

  test('when propertiesWithHistory is requested, then at most 50 inputs are accepted and histories are newest first', async () => {
    const err = await sdkError(h.client.crm.contacts.batchApi.read({ inputs: ids.slice(0, 51).map((id) => ({ id })), properties: [], propertiesWithHistory: ['lifecyclestage'] }));
    expect(err.code).toBe(400);
    const res = await h.client.crm.contacts.batchApi.read({ inputs: ids.slice(0, 50).map((id) => ({ id })), properties: [], propertiesWithHistory: ['recent_conversion_event_name'] });
    expect(res.results).toHaveLength(50);
    const withHistory = res.results.filter((r) => (r.propertiesWithHistory?.recent_conversion_event_name ?? []).length > 1);
    expect(withHistory.length).toBeGreaterThan(0);
    for (const r of withHistory) {
      const entries = r.propertiesWithHistory!.recent_conversion_event_name!;
      for (let i = 1; i < entries.length; i++) expect(entries[i - 1]!.timestamp.getTime()).toBeGreaterThanOrEqual(entries[i]!.timestamp.getTime());
      expect(entries[0]).toMatchObject({ sourceType: expect.any(String), value: expect.any(String) });
    }
  });

  test('when a batch read names an unknown id, then the known ones come back with a 207 and an OBJECT_NOT_FOUND error', async () => {
    const res = await h.client.crm.contacts.batchApi.read({ inputs: [{ id: ids[0]! }, { id: '999999' }], properties: ['email'], propertiesWithHistory: [] });
    expect(res.results.map((r) => r.id)).toEqual([ids[0]]);
    const withErrors = res as typeof res & { errors?: Array<{ category: string; context: Record<string, string[]> }>; numErrors?: number };
    expect(withErrors.numErrors).toBe(1);
    expect(withErrors.errors?.[0]).toMatchObject({ category: 'OBJECT_NOT_FOUND', context: { ids: ['999999'] } });
  });

  test('when batch-updating 101 inputs, then HubSpot answers 400 and nothing is written', async () => {
    const before = h.sim.stats.recordsWritten;
    const err = await sdkError(h.client.crm.contacts.batchApi.update({ inputs: ids.slice(0, 101).map((id) => ({ id, properties: { jobtitle: 'X' } })) }));
    expect(err.code).toBe(400);
    expect(h.sim.stats.recordsWritten).toBe(before);
    expect(h.sim.getContact(ids[0]!)!.jobtitle).not.toBe('X');
  });

  test('when one id in a batch update is unknown, then the others are written and the SDK gets a 207 with errors[]', async () => {
    const res = await h.client.crm.contacts.batchApi.update({
      inputs: [
        { id: ids[1]!, properties: { jobtitle: 'Head of RevOps' } },
        { id: '424242', properties: { jobtitle: 'Ghost' } },
      ],
    });
    expect(res.results.map((r) => r.id)).toEqual([ids[1]]);
    expect(res.results[0]!.properties.jobtitle).toBe('Head of RevOps');
    const withErrors = res as typeof res & { errors?: Array<{ status: string; category: string; message: string; context: Record<string, string[]> }> };
    expect(withErrors.errors).toHaveLength(1);
    expect(withErrors.errors![0]).toMatchObject({ status: 'error', category: 'OBJECT_NOT_FOUND', context: { ids: ['424242'] } });
    expect(h.sim.getContact(ids[1]!)!.jobtitle).toBe('Head of RevOps');
  });

  test('when a batch update writes a property that does not exist, then the whole batch is refused with PROPERTY_DOESNT_EXIST', async () => {
    const err = await sdkError(
      h.client.crm.contacts.batchApi.update({
        inputs: [
          { id: ids[2]!, properties: { jobtitle: 'Should not land' } },
          { id: ids[3]!, properties: { qualify_score: '87' } },
        ],
      }),
    );
    expect(err.code).toBe(400);
    expect(err.body.category).toBe('VALIDATION_ERROR');
    expect(String(err.body.message)).toMatch(/^Property values were not valid: /);
    const details = JSON.parse(String(err.body.message).replace('Property values were not valid: ', '')) as Array<Record<string, unknown>>;
    expect(details[0]).toMatchObject({ isValid: false, error: 'PROPERTY_DOESNT_EXIST', name: 'qualify_score' });
    expect(h.sim.getContact(ids[2]!)!.jobtitle).not.toBe('Should not land');
  });

  test('when an enumeration gets a value outside its options, then HubSpot answers 400 INVALID_OPTION', async () => {
    const err = await sdkError(h.client.crm.contacts.batchApi.update({ inputs: [{ id: ids[4]!, properties: { hs_lead_status: 'HOT' } }] }));
    expect(err.code).toBe(400);
    expect(String(err.body.message)).toContain('INVALID_OPTION');
    expect(String(err.body.message)).toContain('HOT was not one of the allowed options');
  });

  test('when the same id appears twice in one batch, then HubSpot answers 400', async () => {
    const err = await sdkError(h.client.crm.contacts.batchApi.update({ inputs: [{ id: ids[5]!, properties: { jobtitle: 'A' } }, { id: ids[5]!, properties: { jobtitle: 'B' } }] }));
    expect(err.code).toBe(400);
    expect(String(err.body.message)).toContain('Duplicate IDs');
  });

  test('when a value is written, then lastmodifieddate moves forward and the history gains an entry from the integration', async () => {
    const id = ids[6]!;
    const before = Date.parse(h.sim.getContact(id)!.lastmodifieddate!);
    await h.client.crm.contacts.batchApi.update({ inputs: [{ id, properties: { city: 'Lisbon' } }] });
    const after = await h.client.crm.contacts.batchApi.read({ inputs: [{ id }], properties: ['city'], propertiesWithHistory: ['city'] });
    const contact = after.results[0]!;
    expect(contact.properties.city).toBe('Lisbon');
    expect(Date.parse(contact.properties.lastmodifieddate!)).toBeGreaterThanOrEqual(before);
    expect(contact.updatedAt.getTime()).toBe(Date.parse(contact.properties.lastmodifieddate!));
    expect(contact.propertiesWithHistory!.city![0]).toMatchObject({ value: 'Lisbon', sourceType: 'INTEGRATION' });
  });

  test('when "" is written, then the value is cleared and HAS_PROPERTY no longer matches it', async () => {
    const id = ids.find((x) => h.sim.getContact(x)!.company)!;
    await h.client.crm.contacts.batchApi.update({ inputs: [{ id, properties: { company: '' } }] });
    expect(h.sim.getContact(id)!.company).toBe('');
    const page = await h.client.crm.contacts.searchApi.doSearch({
      filterGroups: [{ filters: [{ propertyName: 'hs_object_id', operator: 'EQ' as never, value: id }, { propertyName: 'company', operator: 'HAS_PROPERTY' as never }] }],
      limit: 10, after: '0', sorts: [], properties: [],
    });
    expect(page.total).toBe(0);
  });

  test('when writing the same value again, then nothing changes and lastmodifieddate stays put', async () => {
    const id = ids[7]!;
    await h.client.crm.contacts.batchApi.update({ inputs: [{ id, properties: { city: 'Porto' } }] });
    const t1 = h.sim.getContact(id)!.lastmodifieddate;
    await new Promise((r) => setTimeout(r, 5));
    await h.client.crm.contacts.batchApi.update({ inputs: [{ id, properties: { city: 'Porto' } }] });
    expect(h.sim.getContact(id)!.lastmodifieddate).toBe(t1);
  });

  test('when a read-only property is written, then HubSpot refuses it', async () => {
    const err = await sdkError(h.client.crm.contacts.batchApi.update({ inputs: [{ id: ids[8]!, properties: { hs_object_id: '1' } }] }));
    expect(err.code).toBe(400);
    expect(String(err.body.message)).toContain('READ_ONLY_VALUE');
  });

  test('when listing contacts, then pages follow paging.next.after and a limit above 100 is refused', async () => {
    const seen: string[] = [];
    let after: string | undefined;
    do {
      const page = await h.client.crm.contacts.basicApi.getPage(100, after, ['email']);
      seen.push(...page.results.map((r) => r.id));
      after = page.paging?.next?.after;
    } while (after);
    expect(seen).toEqual(ids);
    const err = await sdkError(h.client.crm.contacts.basicApi.getPage(101));
    expect(err.code).toBe(400);
  });

  test('when listing with propertiesWithHistory, then at most 50 per page are allowed and a person\'s edit carries updatedByUserId', async () => {
    const err = await sdkError(h.client.crm.contacts.basicApi.getPage(51, undefined, undefined, ['jobtitle']));
    expect(err.code).toBe(400);
    const id = ids[0]!;
    h.sim.touchContact(id, { jobtitle: 'Head of Sales' }, { sourceId: 'userId:31337' });
    const page = await h.client.crm.contacts.basicApi.getPage(50, undefined, undefined, ['jobtitle']);
    const entry = page.results.find((r) => r.id === id)!.propertiesWithHistory!.jobtitle![0]!;
    expect(entry).toMatchObject({ value: 'Head of Sales', sourceType: 'CRM_UI', sourceId: 'userId:31337', updatedByUserId: 31337 });
  });

  test('when getting a contact by id or by email, then the same contact comes back; an unknown id is a 404', async () => {
    const id = ids[9]!;
    const email = h.sim.getContact(id)!.email!;
    const byId = await h.client.crm.contacts.basicApi.getById(id, ['email']);
    const byEmail = await h.client.crm.contacts.basicApi.getById(email, ['email'], undefined, undefined, undefined, 'email');
    expect(byEmail.id).toBe(byId.id);
    const err = await sdkError(h.client.crm.contacts.basicApi.getById('777777'));
    expect(err.code).toBe(404);
  });

  test('when batch-upserting by email, then known emails are updated and unknown ones created, each flagged new or not', async () => {
    const known = h.sim.getContact(ids[20]!)!.email!;
    const res = await h.client.crm.contacts.batchApi.upsert({
      inputs: [
        { id: known, idProperty: 'email', properties: { city: 'Leuven' } },
        { id: 'brand.new@kestrelrobotics.com', idProperty: 'email', properties: { firstname: 'Brand', jobtitle: 'CTO' } },
      ],
    });
    const byEmail = Object.fromEntries(res.results.map((r) => [r.id, r._new]));
    expect(byEmail[ids[20]!]).toBe(false);
    const created = res.results.find((r) => r._new)!; // the SDK maps the wire field "new" to _new
    expect(h.sim.getContact(created.id)).toMatchObject({ email: 'brand.new@kestrelrobotics.com', jobtitle: 'CTO', lifecyclestage: 'lead' });
    expect(h.sim.getContact(ids[20]!)!.city).toBe('Leuven');
    const nonUnique = await sdkError(h.client.crm.contacts.batchApi.upsert({ inputs: [{ id: 'x', idProperty: 'firstname', properties: {} }] }));
    expect(nonUnique.code).toBe(400);
  });

  test('when batch-creating a contact whose email exists, then HubSpot answers 409 CONFLICT naming the existing id', async () => {
    const email = h.sim.getContact(ids[21]!)!.email!;
    const err = await sdkError(h.client.crm.contacts.batchApi.create({ inputs: [{ properties: { email }, associations: [] }] }));
    expect(err.code).toBe(409);
    expect(err.body).toMatchObject({ category: 'CONFLICT', message: `Contact already exists. Existing ID: ${ids[21]}` });
    const ok = await h.client.crm.contacts.batchApi.create({ inputs: [{ properties: { email: 'fresh@fjordanalytics.no' }, associations: [] }] });
    expect(ok.results[0]!.properties.email).toBe('fresh@fjordanalytics.no');
  });

  test('when the token is missing or wrong, then every endpoint answers 401 INVALID_AUTHENTICATION', async () => {
    const { Client } = await import('@hubspot/api-client');
    const bad = new Client({ accessToken: 'wrong', basePath: h.baseUrl, numberOfApiCallRetries: 0 });
    const err = await sdkError(bad.crm.contacts.basicApi.getPage(1));
    expect(err.code).toBe(401);
    expect(err.body.category).toBe('INVALID_AUTHENTICATION');
  });
});
