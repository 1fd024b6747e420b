import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startSandbox, type Harness } from './simulator-harness.js';

describe('HubSpot sandbox: lifecycle stage only moves forward', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startSandbox({ contacts: 50, seed: 5 });
  });
  afterAll(async () => {
    await h.sim.close();
  });

  const stageOf = (id: string) => h.sim.getContact(id)!.lifecyclestage;
  /** A contact a salesperson already moved to customer in the CRM (a different one per test). */
  let used = 0;
  const customer = () => {
    const id = h.sim.contactIds()[10 + used++]!;
    h.sim.touchContact(id, { lifecyclestage: 'customer' });
    return id;
  };
  const write = (id: string, lifecyclestage: string) => h.client.crm.contacts.batchApi.update({ inputs: [{ id, properties: { lifecyclestage } }] });

  test('when a contact moves lead → marketingqualifiedlead → salesqualifiedlead, then each forward write lands', async () => {
    const id = h.sim.contactIds().find((x) => stageOf(x) === 'lead')!;
    await write(id, 'marketingqualifiedlead');
    expect(stageOf(id)).toBe('marketingqualifiedlead');
    const res = await write(id, 'salesqualifiedlead');
    expect(res.results[0]!.properties.lifecyclestage).toBe('salesqualifiedlead');
  });

  test('when an earlier stage is written, then HubSpot answers 200 and silently keeps the current stage', async () => {
    const id = customer();
    const current = stageOf(id);
    const res = await write(id, 'marketingqualifiedlead');
    expect(res.results[0]!.properties.lifecyclestage).toBe(current);
    expect(stageOf(id)).toBe(current);
    const hist = await h.client.crm.contacts.batchApi.read({ inputs: [{ id }], properties: [], propertiesWithHistory: ['lifecyclestage'] });
    expect(hist.results[0]!.propertiesWithHistory!.lifecyclestage![0]!.value).toBe(current);
  });

  test('when the stage is cleared with "" and then set, then the earlier stage lands (the documented way back)', async () => {
    const id = customer();
    await write(id, '');
    expect(stageOf(id)).toBe('');
    await write(id, 'lead');
    expect(stageOf(id)).toBe('lead');
    const hist = await h.client.crm.contacts.batchApi.read({ inputs: [{ id }], properties: [], propertiesWithHistory: ['lifecyclestage'] });
    expect(hist.results[0]!.propertiesWithHistory!.lifecyclestage!.slice(0, 2).map((e) => e.value)).toEqual(['lead', '']);
  });

  test('when a backward stage is written together with other properties, then the others still land', async () => {
    const id = customer();
    const current = stageOf(id);
    await h.client.crm.contacts.batchApi.update({ inputs: [{ id, properties: { lifecyclestage: 'subscriber', jobtitle: 'Buyer' } }] });
    expect(stageOf(id)).toBe(current);
    expect(h.sim.getContact(id)!.jobtitle).toBe('Buyer');
  });

  test('when a person moves the stage back in the CRM, then it lands: the forward-only rule binds integrations', async () => {
    const id = customer();
    h.sim.touchContact(id, { lifecyclestage: 'lead' });
    expect(stageOf(id)).toBe('lead');
  });
});
