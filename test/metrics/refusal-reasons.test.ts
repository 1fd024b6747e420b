import { describe, expect, test } from '@jest/globals';
import { HubSpotWebhookReceiver, signV3 } from '../../connectors/hubspot/hubspot-webhook.js';
import { createOutboundReceiver } from '../../connectors/salesforce/salesforce-outbound.js';
import { buildOutboundMessage } from '../../connectors/salesforce/simulator/outbound-message.js';
import type { IncomingWebhook, WebhookVerdict } from '../../src/kit/connector.types.js';
import { refusalReason } from '../../src/metrics/webhook-metrics.js';
import type { ConnectionRow } from '../../src/store/store.types.js';

/**
 * The refusal reason label comes from the real receivers' verdicts (status and message), so a
 * receiver changing its wording must not silently move a refusal to another reason.
 */

const ORG = '00D5g000000ABCDEAA';
const row = (system: 'hubspot' | 'salesforce', accountId: string | null): ConnectionRow => ({
  id: `${system}:default`,
  workspaceId: 'default',
  system,
  accountId,
  status: 'active',
  statusMessage: null,
  parkedUntil: null,
  config: {},
  createdAt: '2026-11-01T00:00:00.000Z',
  updatedAt: '2026-11-01T00:00:00.000Z',
});

function reasonOf(verdict: WebhookVerdict): string {
  if (verdict.ok) throw new Error('expected a refusal');
  return refusalReason(verdict);
}

describe('webhook refusal reasons', () => {
  const url = 'https://qualify.example.com/webhooks/hubspot';
  const hubspot = new HubSpotWebhookReceiver({ clientSecret: 'reason-secret' });
  const hs = (body: string, headers: Record<string, string>): IncomingWebhook => ({ method: 'POST', url, headers, rawBody: Buffer.from(body), query: {} });
  const sign = (body: string, ts: number) => ({ 'x-hubspot-request-timestamp': String(ts), 'x-hubspot-signature-v3': signV3('reason-secret', 'POST', url, body, String(ts)) });

  test('when HubSpot deliveries are refused, then a missing or wrong signature is "signature", an old timestamp "stale", and an unreadable body "malformed"', () => {
    expect(reasonOf(hubspot.receive(hs('[]', {}), row('hubspot', null)))).toBe('signature');
    expect(reasonOf(hubspot.receive(hs('[1]', { ...sign('[2]', Date.now()) }), row('hubspot', null)))).toBe('signature');
    expect(reasonOf(hubspot.receive(hs('[]', sign('[]', Date.now() - 600_000)), row('hubspot', null)))).toBe('stale');
    expect(reasonOf(hubspot.receive(hs('{oops', sign('{oops', Date.now())), row('hubspot', null)))).toBe('malformed');
    expect(reasonOf(hubspot.receive(hs('[{"eventId":"x"}]', sign('[{"eventId":"x"}]', Date.now())), row('hubspot', null)))).toBe('malformed');
  });

  test('when Salesforce Outbound Messages are refused, then a wrong secret is "signature", another org "unknown_connection", an oversized body "too_large" and a non-envelope "malformed"', () => {
    const salesforce = createOutboundReceiver({ secret: 'om-secret' });
    const om = (body: string, secret = 'om-secret'): IncomingWebhook => ({ method: 'POST', url, headers: { 'content-type': 'text/xml' }, rawBody: Buffer.from(body), query: { secret } });
    const message = buildOutboundMessage({ organizationId: '00D5g000000ZZZZEAA', notifications: [{ id: '04l5g00000Gx7QzAAJ', type: 'Lead', fields: { Id: '00Q5g000001AbCdEAF' } }] });
    expect(reasonOf(salesforce.receive(om(message, 'wrong'), row('salesforce', ORG)))).toBe('signature');
    expect(reasonOf(salesforce.receive(om(message), row('salesforce', ORG)))).toBe('unknown_connection');
    expect(reasonOf(salesforce.receive(om('x'.repeat(1_100_000)), row('salesforce', ORG)))).toBe('too_large');
    expect(reasonOf(salesforce.receive(om('<not-soap/>'), row('salesforce', ORG)))).toBe('malformed');
  });
});
