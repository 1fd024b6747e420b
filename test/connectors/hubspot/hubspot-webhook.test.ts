import { describe, expect, test } from '@jest/globals';
import { Signature } from '@hubspot/api-client';
import type { IncomingWebhook } from '../../../src/kit/connector.types.js';
import { decodeSignedUri, HubSpotWebhookReceiver } from '../../../connectors/hubspot/hubspot-webhook.js';
import { connectionRow, webhookEvent } from './hubspot-test-kit.js';

/**
 * Requests are signed with the official SDK's Signature helper (an implementation independent
 * of ours), the way HubSpot signs them: base64 HMAC-SHA256 of method + URL + body + timestamp.
 */

const SECRET = 'c0ffee00-1234-5678-9abc-def012345678';
const URL_ = 'https://qualify.example.com/webhooks/hubspot';
const NOW = Date.parse('2026-11-27T10:00:00Z');

const event = (overrides: Record<string, unknown> = {}) => webhookEvent(NOW, overrides);

function signed(body: unknown, opts: { timestamp?: number; secret?: string; url?: string; signUrl?: string } = {}): IncomingWebhook {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const timestamp = opts.timestamp ?? NOW - 1_000;
  const signature = Signature.getSignature('POST', 'v3', { clientSecret: opts.secret ?? SECRET, requestBody: raw, url: opts.signUrl ?? opts.url ?? URL_, timestamp, signature: '' });
  return {
    method: 'POST',
    url: opts.url ?? URL_,
    headers: { 'content-type': 'application/json', 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': String(timestamp) },
    rawBody: Buffer.from(raw, 'utf8'),
    query: {},
  };
}

const receiver = new HubSpotWebhookReceiver({ clientSecret: SECRET, now: () => NOW });
const connection = connectionRow();

describe('HubSpot webhook receiver: signature v3', () => {
  test('when the request is signed with the app secret, then it is accepted and each event becomes a hint', () => {
    const verdict = receiver.receive(signed([event(), event({ eventId: 1002, objectId: 152, propertyName: 'email', propertyValue: 'ada@acme.io' })]), connection);
    expect(verdict.ok).toBe(true);
    if (!verdict.ok) return;
    expect(verdict.hints.map((h) => h.recordId)).toEqual(['151', '152']);
    expect(verdict.hints[0]).toEqual({
      objectType: 'contact',
      recordId: '151',
      occurredAt: new Date(NOW - 2_000).toISOString(),
      dedupeKey: expect.stringMatching(/^hubspot:\d+:contact\.propertyChange:151:lifecyclestage:\d+:[0-9a-z]+\.[0-9a-z]+$/),
      propertyName: 'lifecyclestage',
      propertyValue: 'marketingqualifiedlead',
      changeSource: 'CRM_UI',
    });
  });

  test('when header names arrive in another case, then the signature is still found', () => {
    const req = signed([event()]);
    req.headers = { 'X-HubSpot-Signature-v3': req.headers['x-hubspot-signature-v3'], 'X-HubSpot-Request-Timestamp': req.headers['x-hubspot-request-timestamp'] };
    expect(receiver.receive(req, connection).ok).toBe(true);
  });

  test('when one byte of the body is changed after signing, then 401 saying the signature does not match', () => {
    const req = signed([event()]);
    req.rawBody = Buffer.from(req.rawBody.toString().replace('marketingqualifiedlead', 'salesqualifiedlead'));
    expect(receiver.receive(req, connection)).toEqual({ ok: false, status: 401, reason: expect.stringContaining('does not match') });
  });

  test('when it is signed with another secret, then 401', () => {
    expect(receiver.receive(signed([event()], { secret: 'someone-else' }), connection)).toMatchObject({ ok: false, status: 401 });
  });

  test('when it was signed for another URL (not QUALIFY_PUBLIC_URL + path), then 401', () => {
    expect(receiver.receive(signed([event()], { signUrl: 'http://10.0.0.5:8080/webhooks/hubspot' }), connection)).toMatchObject({ ok: false, status: 401 });
  });

  test('when the signature header is missing, then 401 naming the header', () => {
    const req = signed([event()]);
    delete req.headers['x-hubspot-signature-v3'];
    expect(receiver.receive(req, connection)).toEqual({ ok: false, status: 401, reason: 'missing X-HubSpot-Signature-v3 header' });
  });

  test('when the timestamp header is missing, then 401 naming the header', () => {
    const req = signed([event()]);
    delete req.headers['x-hubspot-request-timestamp'];
    expect(receiver.receive(req, connection)).toEqual({ ok: false, status: 401, reason: 'missing X-HubSpot-Request-Timestamp header' });
  });

  test('when the timestamp is over 5 minutes old, then 401 for a stale signature, even though the HMAC is right', () => {
    const verdict = receiver.receive(signed([event()], { timestamp: NOW - 5 * 60_000 - 1 }), connection);
    expect(verdict).toEqual({ ok: false, status: 401, reason: expect.stringContaining('stale signature') });
  });

  test('when the timestamp is 4 minutes old, then it is still accepted (HubSpot allows 5)', () => {
    expect(receiver.receive(signed([event()], { timestamp: NOW - 4 * 60_000 }), connection).ok).toBe(true);
  });

  test('when the timestamp lies far in the future, then 401', () => {
    expect(receiver.receive(signed([event()], { timestamp: NOW + 10 * 60_000 }), connection)).toMatchObject({ ok: false, status: 401 });
  });

  test('when a captured request is replayed after the window, then 401; within the window it yields the same dedupe keys', () => {
    const captured = signed([event()]);
    const first = receiver.receive(captured, connection);
    const replayedSoon = receiver.receive(captured, connection);
    const later = new HubSpotWebhookReceiver({ clientSecret: SECRET, now: () => NOW + 6 * 60_000 });
    expect(later.receive(captured, connection)).toMatchObject({ ok: false, status: 401, reason: expect.stringContaining('stale') });
    expect(first.ok && replayedSoon.ok).toBe(true);
    if (first.ok && replayedSoon.ok) expect(replayedSoon.hints.map((h) => h.dedupeKey)).toEqual(first.hints.map((h) => h.dedupeKey));
  });

  test('when the public URL has encoded characters, then they are decoded as HubSpot does before hashing', () => {
    expect(decodeSignedUri('https://q.example.com/webhooks/hubspot?tenant=acme%3Aeu%2C1&x=%40%21%24%27%28%29%2A%3B%2F%3F')).toBe(
      "https://q.example.com/webhooks/hubspot?tenant=acme:eu,1&x=@!$'()*;/?",
    );
    // HubSpot hashes the decoded URL; the request line carries it encoded.
    const req = signed([event()], { url: 'https://q.example.com/webhooks/hubspot?tenant=acme%3Aeu', signUrl: 'https://q.example.com/webhooks/hubspot?tenant=acme:eu' });
    expect(receiver.receive(req, connection).ok).toBe(true);
  });
});

describe('HubSpot webhook receiver: body and dedupe', () => {
  const keys = (body: unknown[]) => {
    const v = receiver.receive(signed(body), connection);
    if (!v.ok) throw new Error(v.reason);
    return v.hints.map((h) => h.dedupeKey);
  };

  test('when HubSpot redelivers an event (new attemptNumber, even a new eventId), then the dedupe key is the same', () => {
    expect(keys([event({ attemptNumber: 3, eventId: 999 })])).toEqual(keys([event()]));
  });

  test('when two events differ in value, property, object, type or time, then their keys differ', () => {
    const base = keys([event()])[0];
    for (const change of [{ propertyValue: 'lead' }, { propertyName: 'hs_lead_status' }, { objectId: 152 }, { subscriptionType: 'contact.creation' }, { occurredAt: NOW - 1_000 }, { portalId: 1 }]) {
      const other = receiver.receive(signed([event(change)]), connectionRow({ accountId: null }));
      expect(other.ok && other.hints[0]!.dedupeKey).not.toBe(base);
    }
  });

  test('when one delivery holds the same event twice, then one hint comes out', () => {
    expect(keys([event(), event({ eventId: 1002, attemptNumber: 1 })])).toHaveLength(1);
  });

  test('when events arrive out of order, then hints come oldest first', () => {
    const v = receiver.receive(signed([event({ occurredAt: NOW - 1_000, objectId: 2 }), event({ occurredAt: NOW - 9_000, objectId: 1 })]), connection);
    expect(v.ok && v.hints.map((h) => h.recordId)).toEqual(['1', '2']);
  });

  test('when an event is an echo of our own write (changeSource INTEGRATION), then the hint keeps what the pipeline needs to recognise it', () => {
    const v = receiver.receive(signed([event({ propertyName: 'qualify_score', propertyValue: '87', changeSource: 'INTEGRATION', sourceId: '54321' })]), connection);
    expect(v.ok && v.hints[0]).toMatchObject({ propertyName: 'qualify_score', propertyValue: '87', changeSource: 'INTEGRATION' });
  });

  test('when events concern another portal or are not contact events, then they yield no hint', () => {
    const v = receiver.receive(signed([event({ portalId: 999 }), event({ subscriptionType: 'company.propertyChange' }), event({ subscriptionType: 'contact.associationChange', objectId: undefined })]), connection);
    expect(v).toEqual({ ok: true, hints: [] });
  });

  test('when the body is not JSON, then 400', () => {
    expect(receiver.receive(signed('not json'), connection)).toEqual({ ok: false, status: 400, reason: 'HubSpot webhook body is not valid JSON' });
  });

  test('when an event lacks a required field, then 400 naming the event and the field', () => {
    const { occurredAt: _dropped, ...broken } = event();
    const v = receiver.receive(signed([event(), broken]), connection);
    expect(v).toEqual({ ok: false, status: 400, reason: expect.stringContaining('body[1].occurredAt') });
  });

  test('when the body is an object instead of an array, then 400', () => {
    expect(receiver.receive(signed(event()), connection)).toMatchObject({ ok: false, status: 400, reason: expect.stringContaining('body') });
  });

  test('when the body is signed but empty, then 400', () => {
    expect(receiver.receive(signed([]), connection)).toMatchObject({ ok: false, status: 400 });
  });
});

describe('HubSpot webhook receiver: deletions and merges', () => {
  const objectEvent = (subscriptionType: string, overrides: Record<string, unknown> = {}) =>
    event({ subscriptionType, propertyName: undefined, propertyValue: undefined, ...overrides });

  test('when contact.deletion and contact.privacyDeletion arrive, then each becomes a deletion hint saying why', () => {
    const verdict = receiver.receive(signed([objectEvent('contact.deletion'), objectEvent('contact.privacyDeletion', { eventId: 1002, objectId: 152 })]), connection);
    if (!verdict.ok) throw new Error(verdict.reason);
    expect(verdict.hints.map((h) => [h.kind, h.deletion, h.recordId])).toEqual([
      ['deletion', 'deleted', '151'],
      ['deletion', 'privacy', '152'],
    ]);
  });

  test('when contact.restore arrives, then it is a change hint (the record is re-read)', () => {
    const verdict = receiver.receive(signed([objectEvent('contact.restore')]), connection);
    if (!verdict.ok) throw new Error(verdict.reason);
    expect(verdict.hints).toHaveLength(1);
    expect(verdict.hints[0]!.kind).toBeUndefined();
  });

  test('when contact.merge arrives, then the merged-away ids become deletions and the survivor a re-read', () => {
    const merge = objectEvent('contact.merge', { objectId: 151, primaryObjectId: 151, mergedObjectIds: [152, '153'], newObjectId: 151, numberOfPropertiesMoved: 4 });
    const verdict = receiver.receive(signed([merge]), connection);
    if (!verdict.ok) throw new Error(verdict.reason);
    expect(verdict.hints.map((h) => [h.kind ?? 'change', h.recordId])).toEqual([
      ['deletion', '152'],
      ['deletion', '153'],
      ['change', '151'],
    ]);
    expect(new Set(verdict.hints.map((h) => h.dedupeKey)).size).toBe(3);
  });

  test('when a merge names a merged-away id that is not a number, then the route refuses it naming the field', () => {
    const merge = objectEvent('contact.merge', { primaryObjectId: 151, mergedObjectIds: ['abc'] });
    expect(receiver.admit(signed([merge]))).toEqual({ ok: false, status: 400, reason: expect.stringContaining('body[0].mergedObjectIds.0') });
  });
});
