import { describe, expect, it } from '@jest/globals';
import type { IncomingWebhook } from '../../../src/kit/connector.types.js';
import type { ConnectionRow } from '../../../src/store/store.types.js';
import { createOutboundReceiver, readOutboundEnvelope } from '../../../connectors/salesforce/salesforce-outbound.js';
import { buildOutboundMessage } from '../../../connectors/salesforce/simulator/outbound-message.js';
import { parseXml } from '../../../connectors/salesforce/soap-xml.js';
import { createSalesforceConnector } from '../../../connectors/salesforce/index.js';

const ORG = '00D5g000000ABCDEAA';
const connection: ConnectionRow = {
  id: 'salesforce:default',
  workspaceId: 'default',
  system: 'salesforce',
  accountId: ORG,
  status: 'active',
  statusMessage: null,
  parkedUntil: null,
  config: {},
  createdAt: '2026-11-01T00:00:00.000Z',
  updatedAt: '2026-11-01T00:00:00.000Z',
};

function request(body: string, query: Record<string, unknown> = {}): IncomingWebhook {
  return { method: 'POST', url: 'https://qualify.example.com/webhooks/salesforce', headers: { 'content-type': 'text/xml; charset=utf-8' }, rawBody: Buffer.from(body), query };
}

const leadNotification = (id: string, leadId = '00Q5g000001AbCdEAF') => ({
  id,
  type: 'Lead',
  fields: { Id: leadId, Email: 'ada@northwind-analytics.com', Company: 'Northwind & Co <EU>', NumberOfEmployees: 850, HasOptedOutOfEmail: false, Title: null, SystemModstamp: '2026-11-26T10:00:00.000Z' },
});

describe('Salesforce Outbound Messages', () => {
  const receiver = createOutboundReceiver();

  it('when a notifications envelope from the connected org arrives, then each Notification becomes a hint carrying its typed record, and the answer is the SOAP Ack', () => {
    const body = buildOutboundMessage({ organizationId: ORG, notifications: [leadNotification('04l5g00000Gx7QzAAJ'), { id: '04l5g00000Gx7R0AAJ', type: 'Contact', fields: { Id: '0035g00000XyZaBAAV', Email: 'grace@contosohealth.com' } }] });
    const verdict = receiver.receive(request(body), connection);
    expect(verdict.ok).toBe(true);
    if (!verdict.ok) return;
    expect(verdict.hints.map((h) => [h.objectType, h.recordId, h.dedupeKey])).toEqual([
      ['Lead', '00Q5g000001AbCdEAF', '04l5g00000Gx7QzAAJ'],
      ['Contact', '0035g00000XyZaBAAV', '04l5g00000Gx7R0AAJ'],
    ]);
    const raw = verdict.hints[0]!.record!.raw as Record<string, unknown>;
    expect(raw).toMatchObject({ Company: 'Northwind & Co <EU>', NumberOfEmployees: 850, HasOptedOutOfEmail: false, Title: null });
    expect(verdict.hints[0]!.record!.updatedAt).toBe('2026-11-26T10:00:00.000Z');
    expect(verdict.hints[0]!.occurredAt).toBe('2026-11-26T10:00:00.000Z');

    const ack = receiver.acknowledge!(verdict.hints);
    expect(ack.status).toBe(200);
    expect(ack.contentType).toMatch(/^text\/xml/);
    const doc = parseXml(ack.body);
    const response = doc.children[0]!.children[0]!;
    expect(response.local).toBe('notificationsResponse');
    expect(response.attrs.xmlns).toBe('http://soap.sforce.com/2005/09/outbound');
    expect(response.children[0]!.local).toBe('Ack');
    expect(response.children[0]!.text).toBe('true');
  });

  it('when Salesforce retries a delivery, then both deliveries carry the same dedupe keys', () => {
    const body = buildOutboundMessage({ organizationId: ORG, notifications: [leadNotification('04l5g00000Gx7QzAAJ')] });
    const first = receiver.receive(request(body), connection);
    const retry = receiver.receive(request(body), connection);
    if (!first.ok || !retry.ok) throw new Error('expected both deliveries to be accepted');
    expect(retry.hints.map((h) => h.dedupeKey)).toEqual(first.hints.map((h) => h.dedupeKey));
  });

  it('when the OrganizationId is another org, then the message is refused and answered with a SOAP fault over HTTP 500', () => {
    const body = buildOutboundMessage({ organizationId: '00D5g000000ZZZZEAA', notifications: [leadNotification('04l5g00000Gx7QzAAJ')] });
    const verdict = receiver.receive(request(body), connection);
    expect(verdict).toMatchObject({ ok: false, status: 403 });
    if (verdict.ok) return;
    expect(verdict.reason).toContain('00D5g000000ZZZZEAA');
    const fault = receiver.refuse!(verdict.status, verdict.reason);
    expect(fault.status).toBe(500);
    const envelope = parseXml(fault.body);
    const faultEl = envelope.children[0]!.children[0]!;
    expect(faultEl.local).toBe('Fault');
    expect(faultEl.children.find((c) => c.local === 'faultcode')!.text).toBe('soapenv:Client');
    expect(faultEl.children.find((c) => c.local === 'faultstring')!.text).toContain('not the connected org');
  });

  it('when the 15-character form of the connected org id is stored, then the 18-character OrganizationId still matches', () => {
    const body = buildOutboundMessage({ organizationId: ORG, notifications: [leadNotification('04l5g00000Gx7QzAAJ')] });
    expect(receiver.receive(request(body), { ...connection, accountId: ORG.slice(0, 15) }).ok).toBe(true);
  });

  it('when a shared secret is configured, then a message without it or with a wrong one is refused and the right one is accepted', () => {
    const guarded = createOutboundReceiver({ secret: 's3cret-value' });
    const body = buildOutboundMessage({ organizationId: ORG, notifications: [leadNotification('04l5g00000Gx7QzAAJ')] });
    expect(guarded.receive(request(body), connection)).toMatchObject({ ok: false, status: 401 });
    expect(guarded.receive(request(body, { secret: 'wrong-value!' }), connection)).toMatchObject({ ok: false, status: 401 });
    expect(guarded.receive(request(body, { secret: 's3cret-value' }), connection).ok).toBe(true);
  });

  it('when the body declares a DOCTYPE or entities, then it is refused without expanding anything', () => {
    const body = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>&e;</soapenv:Body></soapenv:Envelope>`;
    const verdict = receiver.receive(request(body), connection);
    expect(verdict).toMatchObject({ ok: false, status: 400 });
    if (!verdict.ok) expect(verdict.reason).toContain('DOCTYPE');
  });

  it('when a message has more than 100 notifications, a notification without an Id, or is not SOAP at all, then it is refused naming the problem', () => {
    const many = buildOutboundMessage({ organizationId: ORG, notifications: Array.from({ length: 101 }, (_, i) => leadNotification(`04l5g00000Gx${String(i).padStart(4, '0')}AAJ`)) });
    const tooMany = receiver.receive(request(many), connection);
    expect(tooMany).toMatchObject({ ok: false, status: 400 });
    if (!tooMany.ok) expect(tooMany.reason).toContain('more than 100');

    const noId = buildOutboundMessage({ organizationId: ORG, notifications: [{ id: '04l5g00000Gx7QzAAJ', type: 'Lead', fields: { Email: 'x@y.com' } }] });
    const missing = receiver.receive(request(noId), connection);
    expect(missing).toMatchObject({ ok: false, status: 400 });
    if (!missing.ok) expect(missing.reason).toContain('Notification.0.sObject.fields');

    expect(receiver.receive(request('{"not":"xml"}'), connection)).toMatchObject({ ok: false, status: 400 });
    expect(receiver.receive(request('<a><b></a></b>'), connection)).toMatchObject({ ok: false, status: 400 });
  });

  it('when another SOAP stack sends the envelope with other prefixes, CDATA and character references, then it reads the same', () => {
    const body = `<?xml version="1.0" encoding="UTF-8"?>
<!-- sent by a proxy -->
<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <S:Body>
    <out:notifications xmlns:out="http://soap.sforce.com/2005/09/outbound">
      <out:OrganizationId>${ORG}</out:OrganizationId>
      <out:ActionId>04k5g000000CaRkAAK</out:ActionId>
      <out:SessionId xsi:nil="true"/>
      <out:EnterpriseUrl>https://x.my.salesforce.com/services/Soap/c/62.0/00D5g000000ABCD</out:EnterpriseUrl>
      <out:PartnerUrl>https://x.my.salesforce.com/services/Soap/u/62.0/00D5g000000ABCD</out:PartnerUrl>
      <out:Notification>
        <out:Id>04l5g00000Gx7QzAAJ</out:Id>
        <out:sObject xsi:type="sf:Lead" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">
          <sf:Id>00Q5g000001AbCdEAF</sf:Id>
          <sf:Company><![CDATA[Fabrikam <Retail> & Sons]]></sf:Company>
          <sf:LastName>M&#252;ller &#x26; Co</sf:LastName>
        </out:sObject>
      </out:Notification>
    </out:notifications>
  </S:Body>
</S:Envelope>`;
    const parsed = readOutboundEnvelope(body) as { SessionId: unknown; Notification: Array<{ sObject: { type: string; fields: Record<string, string> } }> };
    expect(parsed.SessionId).toBeNull();
    expect(parsed.Notification[0]!.sObject).toEqual({ type: 'Lead', fields: { Id: '00Q5g000001AbCdEAF', Company: 'Fabrikam <Retail> & Sons', LastName: 'Müller & Co' } });
    expect(receiver.receive(request(body), connection).ok).toBe(true);
  });

  it('when the connector receives a message for the shipped mapping, then the hints carry no record, so the pipeline re-reads the full Lead with its engagement instead of blanking it', () => {
    const connector = createSalesforceConnector({
      config: { loginUrl: 'https://login.salesforce.com', clientId: 'c', refreshToken: 'r', instanceUrl: 'https://acme.my.salesforce.com', apiVersion: '62.0', bulkThreshold: 2000, dailyBudgetShare: 0.2, bulkPollIntervalMs: 1000, bulkPollTimeoutMs: 60_000 },
    });
    const body = buildOutboundMessage({ organizationId: ORG, notifications: [leadNotification('04l5g00000Gx7QzAAJ')] });
    const verdict = connector.people.webhook!.receive(request(body), connection);
    if (!verdict.ok) throw new Error(verdict.reason);
    expect(verdict.hints).toHaveLength(1);
    expect(verdict.hints[0]).toMatchObject({ objectType: 'Lead', recordId: '00Q5g000001AbCdEAF', dedupeKey: '04l5g00000Gx7QzAAJ' });
    expect(verdict.hints[0]!.record).toBeUndefined();
  });
});
