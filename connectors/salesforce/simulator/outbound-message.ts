import { escapeXml } from '../soap-xml.js';

/**
 * Builds the SOAP body Salesforce POSTs for an Outbound Message (workflow `notifications` call),
 * for tests and the demo: the envelope, the org/action ids, session and API URLs, and each
 * Notification's sObject with the fields chosen for the message (xsi:nil for empty ones).
 */

export interface OutboundNotificationInput {
  /** Notification id (04l…): the same for every retry of one delivery. */
  id: string;
  type: string;
  fields: Record<string, string | number | boolean | null>;
}

export interface OutboundMessageInput {
  organizationId: string;
  actionId?: string;
  sessionId?: string | null;
  instanceUrl?: string;
  apiVersion?: string;
  notifications: OutboundNotificationInput[];
}

function fieldXml(name: string, value: string | number | boolean | null): string {
  if (value === null) return `<sf:${name} xsi:nil="true"/>`;
  return `<sf:${name}>${escapeXml(String(value))}</sf:${name}>`;
}

export function buildOutboundMessage(input: OutboundMessageInput): string {
  const base = input.instanceUrl ?? 'https://example.my.salesforce.com';
  const version = input.apiVersion ?? '62.0';
  const org = input.organizationId;
  const session = input.sessionId === undefined || input.sessionId === null ? '<SessionId xsi:nil="true"/>' : `<SessionId>${escapeXml(input.sessionId)}</SessionId>`;
  const notifications = input.notifications
    .map(
      (n) =>
        `<Notification><Id>${escapeXml(n.id)}</Id>` +
        `<sObject xsi:type="sf:${n.type}" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">` +
        Object.entries(n.fields)
          .map(([k, v]) => fieldXml(k, v))
          .join('') +
        `</sObject></Notification>`,
    )
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n' +
    ' <soapenv:Body>\n' +
    '  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">\n' +
    `   <OrganizationId>${escapeXml(org)}</OrganizationId>\n` +
    `   <ActionId>${escapeXml(input.actionId ?? '04k5g000000CaRkAAK')}</ActionId>\n` +
    `   ${session}\n` +
    `   <EnterpriseUrl>${escapeXml(`${base}/services/Soap/c/${version}/${org.slice(0, 15)}`)}</EnterpriseUrl>\n` +
    `   <PartnerUrl>${escapeXml(`${base}/services/Soap/u/${version}/${org.slice(0, 15)}`)}</PartnerUrl>\n` +
    `   ${notifications}\n` +
    '  </notifications>\n' +
    ' </soapenv:Body>\n' +
    '</soapenv:Envelope>\n'
  );
}
