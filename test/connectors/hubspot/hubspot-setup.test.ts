import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import nock from 'nock';
import type { Store } from '../../../src/store/store.types.js';
import { QUALIFY_PROPERTIES } from '../../../connectors/hubspot/hubspot-setup.js';
import { storeBackends } from '../../support/store-backends.js';
import { context, fixture, HUBSPOT, hubspotKit, nockAccount, setupNock, type Kit } from './hubspot-test-kit.js';
import { setupConnection } from '../../../src/pipeline/setup-connection.js';

const property = (name: string, groupName = 'contactinformation') => ({
  name, label: name, type: 'string', fieldType: 'text', groupName, description: '', options: [], displayOrder: -1,
  createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', hidden: false, formField: true, calculated: false, externalOptions: false,
  hasUniqueValue: false, modificationMetadata: { archivable: true, readOnlyDefinition: false, readOnlyValue: false },
});

describe.each(storeBackends())('HubSpot setup on %s', (_backend, open) => {
  let kit: Kit;
  let store: Store;
  beforeAll(async () => {
    setupNock();
    kit = hubspotKit();
    store = await open();
  });
  afterEach(() => nock.cleanAll());
  afterAll(async () => {
    nock.restore();
    await store.close();
    await kit.close();
  });

  test('when a portal is connected for the first time, then the portal id is recorded and the group and all qualify properties are created', async () => {
    const connection = await store.upsertConnection({ id: 'hubspot:first', system: 'hubspot' });
    nockAccount();
    const created: Array<Record<string, unknown>> = [];
    let group: unknown;
    nock(HUBSPOT)
      .post('/crm/v3/properties/contacts/groups', (body) => ((group = body), true))
      .reply(201, { name: 'qualify', label: 'Qualify', displayOrder: -1, archived: false })
      .get('/crm/v3/properties/contacts')
      .query({ archived: 'false' })
      .reply(200, { results: [property('email'), property('lifecyclestage')] })
      .post('/crm/v3/properties/contacts', (body) => (created.push(body), true))
      .times(QUALIFY_PROPERTIES.length)
      .reply(201, (_uri, body) => property((body as { name: string }).name, 'qualify'));

    await setupConnection(kit.connector(), context({ connection, store }));

    const saved = await store.getConnection('hubspot:first');
    expect(saved).toMatchObject({ accountId: '62515', config: { portalId: '62515', timeZone: 'US/Eastern' } });
    expect(group).toEqual({ name: 'qualify', label: 'Qualify', displayOrder: -1 });
    expect(created.map((p) => p.name)).toEqual([
      'qualify_score', 'qualify_fit_score', 'qualify_engagement_score', 'qualify_grade', 'qualify_segment', 'qualify_reasons', 'qualify_model_version',
    ]);
    expect(created.every((p) => p.groupName === 'qualify')).toBe(true);
    expect(created.find((p) => p.name === 'qualify_score')).toMatchObject({ type: 'number', fieldType: 'number' });
    expect(created.find((p) => p.name === 'qualify_reasons')).toMatchObject({ type: 'string', fieldType: 'textarea' });
    expect(created.find((p) => p.name === 'qualify_grade')).toMatchObject({
      type: 'enumeration',
      fieldType: 'select',
      options: ['A', 'B', 'C', 'D'].map((v, i) => ({ label: v, value: v, displayOrder: i, hidden: false })),
    });
  });

  test('when setup runs again (group exists: 409, properties exist), then nothing is created and it succeeds', async () => {
    const connection = await store.upsertConnection({ id: 'hubspot:again', system: 'hubspot' });
    nockAccount();
    const scope = nock(HUBSPOT)
      .post('/crm/v3/properties/contacts/groups')
      .reply(409, fixture('error-409-group-exists.json'))
      .get('/crm/v3/properties/contacts')
      .query(true)
      .reply(200, { results: [property('email'), ...QUALIFY_PROPERTIES.map((p) => property(p.name, 'qualify'))] });
    await setupConnection(kit.connector(), context({ connection, store }));
    expect(scope.isDone()).toBe(true);
    expect((await store.getConnection('hubspot:again'))?.accountId).toBe('62515');
  });

  test('when another worker creates a property between our list and our create (409), then setup still succeeds', async () => {
    const connection = await store.upsertConnection({ id: 'hubspot:race', system: 'hubspot' });
    nockAccount();
    nock(HUBSPOT)
      .post('/crm/v3/properties/contacts/groups').reply(409, fixture('error-409-group-exists.json'))
      .get('/crm/v3/properties/contacts').query(true)
      .reply(200, { results: QUALIFY_PROPERTIES.filter((p) => p.name !== 'qualify_segment').map((p) => property(p.name, 'qualify')) })
      .post('/crm/v3/properties/contacts').reply(409, { status: 'error', message: 'Property named qualify_segment already exists.', category: 'OBJECT_ALREADY_EXISTS', correlationId: 'x' });
    await expect(setupConnection(kit.connector(), context({ connection, store }))).resolves.toBeUndefined();
  });

  test('when the token lacks the schema scope (403), then setup fails with an AuthError naming the scopes', async () => {
    const connection = await store.upsertConnection({ id: 'hubspot:noscope', system: 'hubspot' });
    nockAccount();
    nock(HUBSPOT).post('/crm/v3/properties/contacts/groups').reply(403, fixture('error-403.json'));
    await expect(setupConnection(kit.connector(), context({ connection, store }))).rejects.toThrow(/crm.schemas.contacts.write/);
  });
});
