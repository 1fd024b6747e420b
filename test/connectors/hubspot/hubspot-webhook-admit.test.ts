import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import type { IncomingWebhook } from '../../../src/kit/connector.types.js';
import { HubSpotWebhookReceiver, isEventBatch, signV3 } from '../../../connectors/hubspot/hubspot-webhook.js';
import { HubSpotWebhookBodySchema } from '../../../connectors/hubspot/provider.schema.js';
import { connectionRow, PORTAL_ID, webhookEvent } from './hubspot-test-kit.js';

/**
 * The route's fast path (`admit`, then `unpack` in the ingest worker) must refuse what `receive`
 * refuses, with the same status and message, and must end in the same hints for what it accepts.
 */

const SECRET = 'admit-test-secret';
const URL_ = 'https://qualify.example.com/webhooks/hubspot';
const NOW = Date.parse('2026-11-27T10:00:00Z');
const receiver = new HubSpotWebhookReceiver({ clientSecret: SECRET, now: () => NOW });

// A job-title change, without the optional sourceId.
const event = (overrides: Record<string, unknown> = {}) => webhookEvent(NOW, { propertyName: 'jobtitle', propertyValue: 'CTO', sourceId: undefined, ...overrides });

function signed(raw: string, opts: { timestamp?: number; signedBody?: string } = {}): IncomingWebhook {
  const timestamp = String(opts.timestamp ?? NOW - 1_000);
  return {
    method: 'POST',
    url: URL_,
    headers: { 'x-hubspot-signature-v3': signV3(SECRET, 'POST', URL_, opts.signedBody ?? raw, timestamp), 'x-hubspot-request-timestamp': timestamp },
    rawBody: Buffer.from(raw, 'utf8'),
    query: {},
  };
}

describe('HubSpot webhook fast path: admit at the route, unpack in the worker', () => {
  const refusals: Array<[string, IncomingWebhook]> = [
    ['an altered body', signed(JSON.stringify([event({ propertyValue: 'CEO' })]), { signedBody: JSON.stringify([event()]) })],
    ['a stale timestamp', signed(JSON.stringify([event()]), { timestamp: NOW - 6 * 60_000 })],
    ['a body that is not JSON', signed('[{"eventId": 1,')],
    ['an object instead of an array', signed(JSON.stringify(event()))],
    ['an empty batch', signed('[]')],
    ['an event without occurredAt', signed(JSON.stringify([event(), { ...event(), occurredAt: undefined }]))],
    ['a non-integer eventId', signed(JSON.stringify([event({ eventId: 1.5 })]))],
    ['a null propertyValue', signed(JSON.stringify([event({ propertyValue: null })]))],
    ['an objectId that is not digits', signed(JSON.stringify([event({ objectId: 'abc' })]))],
  ];

  test.each(refusals)('when the delivery has %s, then admit refuses it exactly as receive does', (_what, req) => {
    const full = receiver.receive(req, connectionRow());
    expect(full.ok).toBe(false);
    expect(receiver.admit(req)).toEqual(full);
  });

  test('when a signed batch is admitted, then the queued body is the signed text and unpack gives the hints receive gives', () => {
    const raw = JSON.stringify([event({ objectId: 152, occurredAt: NOW - 1_000 }), event(), event()]); // a duplicate inside the batch too
    const admission = receiver.admit(signed(raw));
    expect(admission).toEqual({ ok: true, body: raw });
    const unpacked = receiver.unpack(raw);
    expect(unpacked.ok).toBe(true);
    if (!unpacked.ok) return;
    expect(unpacked.parts.map((p) => p.accountId)).toEqual([String(PORTAL_ID)]);
    const full = receiver.receive(signed(raw), connectionRow());
    expect(full.ok && unpacked.parts[0]!.hints(connectionRow())).toEqual(full.ok && full.hints);
  });

  test('when a batch carries events of two portals, then unpack splits them and each connection keeps only its own', () => {
    const other = PORTAL_ID + 1;
    const raw = JSON.stringify([event({ objectId: 1 }), event({ portalId: other, objectId: 2 }), event({ objectId: 3 })]);
    const unpacked = receiver.unpack(raw);
    if (!unpacked.ok) throw new Error(unpacked.reason);
    const byAccount = new Map(unpacked.parts.map((p) => [p.accountId, p]));
    expect([...byAccount.keys()].sort()).toEqual([String(PORTAL_ID), String(other)].sort());
    expect(byAccount.get(String(PORTAL_ID))!.hints(connectionRow()).map((h) => h.recordId)).toEqual(['1', '3']);
    expect(byAccount.get(String(other))!.hints(connectionRow({ accountId: String(other) })).map((h) => h.recordId)).toEqual(['2']);
    // Handed to a connection of another portal (no connection for this one), the events are dropped as before.
    expect(byAccount.get(String(other))!.hints(connectionRow()).map((h) => h.recordId)).toEqual([]);
  });

  test('when a queued body does not parse, then unpack says why, naming the event and the field', () => {
    expect(receiver.unpack('[{"eventId":1}]')).toEqual({ ok: false, reason: expect.stringContaining('body[0].subscriptionId') });
    expect(receiver.unpack('nope')).toEqual({ ok: false, reason: 'HubSpot webhook body is not valid JSON' });
  });

  test('when the cheap shape check accepts a body, then zod accepts it too (generated bodies)', () => {
    const value = fc.oneof(fc.constant(undefined), fc.constant(null), fc.integer(), fc.double(), fc.string(), fc.boolean(), fc.stringMatching(/^\d{1,5}$/), fc.constant(-1), fc.constant(9e15));
    const generatedEvent = fc.record(
      {
        eventId: value,
        subscriptionId: value,
        portalId: value,
        appId: value,
        occurredAt: value,
        subscriptionType: value,
        attemptNumber: value,
        objectId: value,
        propertyName: value,
        propertyValue: value,
        changeSource: value,
        sourceId: value,
        changeFlag: value,
      },
      { requiredKeys: [] },
    );
    // Mostly-valid events with one field drawn at random, so both answers of the check are exercised.
    const nearlyValid = fc.tuple(fc.constantFrom(...Object.keys(event()), 'sourceId', 'changeFlag'), value).map(([k, v]) => {
      const e = event();
      if (v === undefined) delete e[k];
      else e[k] = v;
      return e;
    });
    let accepted = 0;
    fc.assert(
      fc.property(fc.array(fc.oneof(generatedEvent, nearlyValid, fc.constant(event())), { minLength: 0, maxLength: 4 }), (batch) => {
        const json = JSON.parse(JSON.stringify(batch)) as unknown; // as it arrives: no undefined, no -0
        if (isEventBatch(json)) {
          accepted++;
          expect(HubSpotWebhookBodySchema.safeParse(json).success).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
    expect(accepted).toBeGreaterThan(100);
  });

  test('when HubSpot sends an ordinary batch, then the cheap check accepts it (zod is not needed on the route)', () => {
    const batch = Array.from({ length: 50 }, (_, i) => event({ eventId: i, objectId: 1000 + i, propertyValue: i % 2 ? 42 : `v${i}` }));
    expect(isEventBatch(JSON.parse(JSON.stringify(batch)))).toBe(true);
    expect(isEventBatch(JSON.parse(JSON.stringify([event({ subscriptionType: 'contact.creation', propertyName: undefined, propertyValue: undefined })])))).toBe(true);
  });
});
