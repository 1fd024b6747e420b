import { afterEach, describe, expect, test } from '@jest/globals';
import { Signature } from '@hubspot/api-client';
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookEvent, WebhookOptions } from '../../connectors/hubspot/simulator/hubspot-simulator.js';
import { startSandbox, type Harness } from './simulator-harness.js';

const SECRET = 'client-secret-for-tests';

interface Received {
  url: string;
  raw: string;
  headers: Record<string, string | string[] | undefined>;
  events: WebhookEvent[];
}

/** A receiver standing in for qualify's webhook route; `answer` decides each reply. */
async function startReceiver(answer: (n: number) => { status: number; delayMs?: number } = () => ({ status: 204 })) {
  const received: Received[] = [];
  const app = express();
  app.post('/webhooks/hubspot', express.raw({ type: '*/*' }), async (req, res) => {
    const n = received.length;
    const raw = (req.body as Buffer).toString('utf8');
    received.push({ url: `http://${req.get('host')}${req.originalUrl}`, raw, headers: req.headers, events: JSON.parse(raw) as WebhookEvent[] });
    const { status, delayMs } = answer(n);
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    res.sendStatus(status);
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/hubspot`;
  return {
    url,
    received,
    close: () => new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); }),
  };
}

describe('HubSpot sandbox: webhooks v3', () => {
  let h: Harness | undefined;
  let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;
  afterEach(async () => {
    await h?.sim.close();
    await receiver?.close();
    h = undefined;
    receiver = undefined;
  });

  async function setup(webhook: Partial<WebhookOptions> = {}, answer?: Parameters<typeof startReceiver>[0]) {
    receiver = await startReceiver(answer);
    h = await startSandbox({ contacts: 200, seed: 9, webhook: { targetUrl: receiver.url, clientSecret: SECRET, appId: 777, delayMs: 10, ...webhook } });
    return { h, receiver };
  }

  test('when a user changes a contact, then a signed propertyChange arrives that the SDK Signature.isValid accepts', async () => {
    const { h, receiver } = await setup();
    const id = h.sim.contactIds()[3]!;
    h.sim.touchContact(id, { jobtitle: 'VP Revenue' });
    await h.sim.flushWebhooks();
    expect(receiver.received).toHaveLength(1);
    const [delivery] = receiver.received;
    const timestamp = Number(delivery!.headers['x-hubspot-request-timestamp']);
    expect(Math.abs(Date.now() - timestamp)).toBeLessThan(60_000);
    const valid = Signature.isValid({
      signatureVersion: 'v3', method: 'POST', url: receiver.url, requestBody: delivery!.raw, timestamp, clientSecret: SECRET,
      signature: String(delivery!.headers['x-hubspot-signature-v3']),
    });
    expect(valid).toBe(true);
    const wrongSecret = Signature.isValid({
      signatureVersion: 'v3', method: 'POST', url: receiver.url, requestBody: delivery!.raw, timestamp, clientSecret: 'nope',
      signature: String(delivery!.headers['x-hubspot-signature-v3']),
    });
    expect(wrongSecret).toBe(false);
    expect(delivery!.events).toEqual([
      {
        eventId: expect.any(Number), subscriptionId: expect.any(Number), portalId: 62515, appId: 777, occurredAt: expect.any(Number),
        subscriptionType: 'contact.propertyChange', attemptNumber: 0, objectId: Number(id), changeSource: 'CRM_UI', sourceId: expect.any(String),
        propertyName: 'jobtitle', propertyValue: 'VP Revenue',
      },
    ]);
  });

  test('when the integration writes through the API, then HubSpot echoes the change with changeSource INTEGRATION', async () => {
    const { h, receiver } = await setup();
    const id = h.sim.contactIds()[4]!;
    await h.client.crm.contacts.batchApi.update({ inputs: [{ id, properties: { city: 'Ghent' } }] });
    await h.sim.flushWebhooks();
    const events = receiver.received.flatMap((r) => r.events);
    expect(events).toEqual([expect.objectContaining({ objectId: Number(id), propertyName: 'city', propertyValue: 'Ghent', changeSource: 'INTEGRATION', sourceId: '777' })]);
  });

  test('when a write changes nothing or is a backward lifecycle move, then no event fires', async () => {
    const { h, receiver } = await setup();
    const id = h.sim.contactIds()[5]!;
    h.sim.touchContact(id, { lifecyclestage: 'customer' });
    await h.sim.flushWebhooks();
    const before = receiver.received.length;
    await h.client.crm.contacts.batchApi.update({ inputs: [{ id, properties: { lifecyclestage: 'lead', jobtitle: h.sim.getContact(id)!.jobtitle! } }] });
    await h.sim.flushWebhooks();
    expect(receiver.received.length).toBe(before);
  });

  test('when 150 contacts change, then they arrive in arrays of at most batchSize events', async () => {
    const { h, receiver } = await setup({ batchSize: 100, concurrency: 1 });
    const ids = h.sim.contactIds().slice(0, 150);
    await h.client.crm.contacts.batchApi.update({ inputs: ids.slice(0, 100).map((id) => ({ id, properties: { city: 'Bergen' } })) });
    await h.client.crm.contacts.batchApi.update({ inputs: ids.slice(100).map((id) => ({ id, properties: { city: 'Bergen' } })) });
    await h.sim.flushWebhooks();
    const sizes = receiver.received.map((r) => r.events.length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(100);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(150);
  });

  test('when the receiver fails twice, then the same events are retried with attemptNumber 1 and 2', async () => {
    const { h, receiver } = await setup({ retryDelayMs: () => 20 }, (n) => ({ status: n < 2 ? 500 : 200 }));
    h.sim.touchContact(h.sim.contactIds()[6]!, { jobtitle: 'CTO' });
    await h.sim.flushWebhooks();
    expect(receiver.received.map((r) => r.events[0]!.attemptNumber)).toEqual([0, 1, 2]);
    expect(new Set(receiver.received.map((r) => r.events[0]!.eventId)).size).toBe(1);
    expect(h.sim.webhooks!.stats).toMatchObject({ retries: 2, requestsFailed: 2, eventsDelivered: 1, eventsDropped: 0 });
  });

  test('when the receiver answers too slowly, then the delivery counts as failed and is retried', async () => {
    const { h, receiver } = await setup({ timeoutMs: 100, retryDelayMs: () => 20 }, (n) => ({ status: 200, delayMs: n === 0 ? 400 : 0 }));
    h.sim.touchContact(h.sim.contactIds()[7]!, { jobtitle: 'CFO' });
    await h.sim.flushWebhooks();
    expect(receiver.received.map((r) => r.events[0]!.attemptNumber)).toEqual([0, 1]);
    expect(h.sim.webhooks!.log.map((l) => l.status)).toEqual(['timeout', 200]);
  });

  test('when every attempt fails, then the events are dropped after maxAttempts', async () => {
    const { h, receiver } = await setup({ maxAttempts: 3, retryDelayMs: () => 10 }, () => ({ status: 503 }));
    h.sim.touchContact(h.sim.contactIds()[8]!, { jobtitle: 'COO' });
    await h.sim.flushWebhooks();
    expect(receiver.received).toHaveLength(3);
    expect(h.sim.webhooks!.stats.eventsDropped).toBe(1);
  });

  test('when duplicates are injected, then each event is delivered again in a later request with the same eventId', async () => {
    const { h, receiver } = await setup({ duplicateEvery: 1, concurrency: 1 });
    h.sim.touchContact(h.sim.contactIds()[9]!, { jobtitle: 'Analyst', city: 'Turin' });
    await h.sim.flushWebhooks();
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1]!.events.map((e) => e.eventId).sort()).toEqual(receiver.received[0]!.events.map((e) => e.eventId).sort());
  });

  test('when reordering is asked for, then later changes can arrive before earlier ones', async () => {
    const { h, receiver } = await setup({ reorder: 'reverse' });
    const id = h.sim.contactIds()[10]!;
    h.sim.touchContact(id, { jobtitle: 'first' });
    h.sim.touchContact(id, { jobtitle: 'second' });
    await h.sim.flushWebhooks();
    const values = receiver.received.flatMap((r) => r.events.map((e) => e.propertyValue));
    expect(values).toEqual(['second', 'first']);
  });

  test('when a contact is created, then contact.creation arrives with its propertyChange events', async () => {
    const { h, receiver } = await setup();
    const id = h.sim.createContact({ email: 'new.person@northwind-analytics.com', firstname: 'New' });
    await h.sim.flushWebhooks();
    const events = receiver.received.flatMap((r) => r.events);
    expect(events.find((e) => e.subscriptionType === 'contact.creation')).toMatchObject({ objectId: Number(id), changeFlag: 'CREATED' });
    expect(events.filter((e) => e.subscriptionType === 'contact.propertyChange').map((e) => e.propertyName)).toEqual(expect.arrayContaining(['email', 'firstname']));
  });

  test('when only some properties are subscribed, then changes to others fire nothing', async () => {
    const { h, receiver } = await setup({ properties: ['lifecyclestage'] });
    const id = h.sim.contactIds()[11]!;
    h.sim.touchContact(id, { jobtitle: 'Manager' });
    h.sim.recordConversion(id, 'Request a demo');
    await h.sim.flushWebhooks();
    expect(receiver.received).toHaveLength(0);
  });

  test('when the target URL has escaped characters, then the signature covers the URI decoded as HubSpot documents', async () => {
    receiver = await startReceiver();
    const target = `${receiver.url}?portal=62515%3Aeu&x=a%2Fb`;
    h = await startSandbox({ contacts: 20, webhook: { targetUrl: target, clientSecret: SECRET, delayMs: 5 } });
    h.sim.touchContact(h.sim.contactIds()[0]!, { jobtitle: 'Owner' });
    await h.sim.flushWebhooks();
    const d = receiver.received[0]!;
    const check = (url: string) =>
      Signature.isValid({ signatureVersion: 'v3', method: 'POST', url, requestBody: d.raw, timestamp: Number(d.headers['x-hubspot-request-timestamp']), clientSecret: SECRET, signature: String(d.headers['x-hubspot-signature-v3']) });
    expect(check(`${receiver.url}?portal=62515:eu&x=a/b`)).toBe(true);
    expect(check(target)).toBe(false);
  });

  test('when demo activity runs, then prospects convert and open emails, and the changes arrive as webhooks', async () => {
    const { h, receiver } = await setup();
    const stop = h.sim.startActivity({ intervalMs: 20, changesPerTick: 5 });
    await new Promise((r) => setTimeout(r, 150));
    stop();
    await h.sim.flushWebhooks();
    const events = receiver.received.flatMap((r) => r.events);
    expect(events.length).toBeGreaterThan(5);
    expect(events.some((e) => e.propertyName === 'recent_conversion_event_name' || e.propertyName === 'hs_email_open')).toBe(true);
    expect(events.every((e) => ['FORM', 'EMAIL', 'CRM_UI'].includes(e.changeSource))).toBe(true);
  });

  test('when webhooks are configured after start, then later changes go to the new target', async () => {
    receiver = await startReceiver();
    h = await startSandbox({ contacts: 20 });
    h.sim.touchContact(h.sim.contactIds()[0]!, { jobtitle: 'Before' });
    h.sim.configureWebhooks({ targetUrl: receiver.url, clientSecret: SECRET, delayMs: 5 });
    h.sim.touchContact(h.sim.contactIds()[0]!, { jobtitle: 'After' });
    await h.sim.flushWebhooks();
    expect(receiver.received.flatMap((r) => r.events.map((e) => e.propertyValue))).toEqual(['After']);
  });
});
