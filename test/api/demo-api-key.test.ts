import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { DEMO_KEY_NAME, issueDemoApiKey } from '../../src/api/demo-api-key.js';
import type { Store } from '../../src/store/store.types.js';
import { storeBackends } from '../support/store-backends.js';
import { startApiKit, type ApiKit } from './api-test-kit.js';

describe.each(storeBackends())('demo mode API key on %s', (_backend, open) => {
  let store: Store;
  let kit: ApiKit;
  beforeAll(async () => {
    store = await open();
    // Demo mode runs without QUALIFY_ADMIN_TOKEN.
    kit = await startApiKit(store, { adminToken: null });
  });
  afterAll(async () => {
    await kit.close();
    await store.close();
  });

  test('when demo mode starts twice, then only the key printed last opens the default workspace', async () => {
    const first = await issueDemoApiKey(store);
    const firstAnswer = await request(kit.app).get('/api/workspace').set('authorization', `Bearer ${first}`).expect(200);
    expect(firstAnswer.body.workspace.id).toBe('default');
    const second = await issueDemoApiKey(store);
    expect(second).not.toBe(first);
    await request(kit.app).get('/api/workspace').set('authorization', `Bearer ${first}`).expect(401);
    await request(kit.app).get('/api/leads').set('authorization', `Bearer ${second}`).expect(200);
    const live = (await store.listApiKeys()).filter((k) => k.name === DEMO_KEY_NAME && !k.revokedAt);
    expect(live).toHaveLength(1);
  });
});
