import { afterEach, describe, expect, test } from '@jest/globals';
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookEvent } from '../../connectors/hubspot/simulator/hubspot-simulator.js';
import { sdkError, startSandbox, type Harness } from './simulator-harness.js';

/** The sandbox deletes, GDPR-deletes, restores and merges contacts as HubSpot does, and says so by webhook. */

async function startReceiver() {
  const events: WebhookEvent[] = [];
  const app = express();
  app.post('/webhooks/hubspot', express.json(), (req, res) => {
    events.push(...(req.body as WebhookEvent[]));
    res.sendStatus(204);
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/hubspot`,
    events,
    close: () => new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); }),
  };
}

describe('HubSpot sandbox: deleted, restored and merged contacts', () => {
  let h: Harness | undefined;
  let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;
  afterEach(async () => {
    await h?.sim.close();
    await receiver?.close();
  });

  async function setup() {
    receiver = await startReceiver();
    h = await startSandbox({ contacts: 40, seed: 5, webhook: { targetUrl: receiver.url, clientSecret: 'secret', delayMs: 5 } });
    return { h, receiver };
  }

  const batchRead = (h: Harness, ids: string[]) =>
    h.client.crm.contacts.batchApi.read({ inputs: ids.map((id) => ({ id })), properties: ['email', 'jobtitle'], propertiesWithHistory: [] }).then((r) => r.results.map((c) => c.id).sort());
  const searchIds = (h: Harness) => h.client.crm.contacts.searchApi.doSearch({ filterGroups: [], limit: 100, after: '0', sorts: [], properties: ['email'] }).then((r) => r.results.map((c) => c.id));

  test('when a contact is deleted and later restored, then contact.deletion and contact.restore arrive and reads and search follow', async () => {
    const { h, receiver } = await setup();
    const [id, other] = h.sim.contactIds();
    const modifiedBefore = h.sim.getContact(id!)!.lastmodifieddate!;
    h.sim.deleteContact(id!);
    await h.sim.flushWebhooks();
    expect(receiver.events.map((e) => [e.subscriptionType, String(e.objectId)])).toEqual([['contact.deletion', id]]);
    expect(await batchRead(h, [id!, other!])).toEqual([other]);
    expect((await sdkError(h.client.crm.contacts.basicApi.getById(id!))).code).toBe(404);
    expect(await searchIds(h)).not.toContain(id);
    expect(h.sim.contactIds()).not.toContain(id);

    await new Promise((r) => setTimeout(r, 5));
    h.sim.restoreContact(id!);
    await h.sim.flushWebhooks();
    expect(receiver.events.map((e) => e.subscriptionType)).toEqual(['contact.deletion', 'contact.restore']);
    expect(await batchRead(h, [id!])).toEqual([id]);
    expect(await searchIds(h)).toContain(id);
    expect(Date.parse(h.sim.getContact(id!)!.lastmodifieddate!)).toBeGreaterThan(Date.parse(modifiedBefore));
  });

  test('when a contact is permanently deleted for privacy, then contact.privacyDeletion arrives', async () => {
    const { h, receiver } = await setup();
    const id = h.sim.contactIds()[2]!;
    h.sim.deleteContact(id, { privacy: true });
    await h.sim.flushWebhooks();
    expect(receiver.events.map((e) => [e.subscriptionType, String(e.objectId)])).toEqual([['contact.privacyDeletion', id]]);
    expect(await batchRead(h, [id])).toEqual([]);
  });

  test('when two contacts are merged, then contact.merge names the survivor and the merged-away id, which stops existing', async () => {
    const { h, receiver } = await setup();
    const [primary, merged] = [h.sim.contactIds()[3]!, h.sim.contactIds()[4]!];
    h.sim.touchContact(primary, { jobtitle: '' });
    h.sim.touchContact(merged, { jobtitle: 'Head of Data' });
    await h.sim.flushWebhooks();
    receiver.events.length = 0;
    h.sim.mergeContacts(primary, merged);
    await h.sim.flushWebhooks();
    expect(receiver.events).toEqual([
      expect.objectContaining({
        subscriptionType: 'contact.merge', objectId: Number(primary), primaryObjectId: Number(primary), mergedObjectIds: [Number(merged)], newObjectId: Number(primary),
        numberOfPropertiesMoved: expect.any(Number),
      }),
    ]);
    expect(await batchRead(h, [primary, merged])).toEqual([primary]);
    expect(h.sim.getContact(primary)!.jobtitle).toBe('Head of Data');
  });
});
