import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { ChangeHint, IncomingWebhook, RawRecord, WebhookReceiver, WebhookVerdict } from '../../src/kit/index.js';
import type { ConnectionRow } from '../../src/kit/index.js';
import { child, childrenNamed, escapeXml, isNil, parseXml, XmlError, type XmlElement } from './soap-xml.js';

/**
 * Salesforce Outbound Messages: a workflow rule (or flow) POSTs a SOAP `notifications` envelope
 * with up to 100 `Notification { Id, sObject }` and expects `<Ack>true</Ack>` within 60 s;
 * anything else (including a SOAP fault) is retried with back-off for up to 24 h, in no fixed
 * order, and only the latest field values are sent. So:
 *  - the org id must be the connection's (and the URL's `?secret=` the configured one, if any);
 *  - each Notification Id is the delivery's dedupe key (a retry resends the same Id);
 *  - the sObject's fields ride along as the hint's `record`, typed like the REST API's.
 */

export const OUTBOUND_NAMESPACE = 'http://soap.sforce.com/2005/09/outbound';
const MAX_BODY_BYTES = 1_000_000;

const SalesforceId = z.string().regex(/^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/, 'a 15- or 18-character Salesforce id');

export const OutboundNotificationsSchema = z.object({
  OrganizationId: SalesforceId.refine((id) => id.startsWith('00D'), 'an org id (00D…)'),
  ActionId: SalesforceId,
  SessionId: z.string().nullable(),
  EnterpriseUrl: z.string().min(1),
  PartnerUrl: z.string().min(1),
  Notification: z
    .array(
      z.object({
        Id: SalesforceId,
        sObject: z.object({
          type: z.string().regex(/^[A-Za-z][\w]*$/, 'an sObject type such as Lead'),
          fields: z.record(z.string(), z.string().nullable()).refine((f) => typeof f.Id === 'string' && SalesforceId.safeParse(f.Id).success, {
            message: 'the sObject carries no valid Id',
          }),
        }),
      }),
    )
    .min(1, 'no Notification')
    .max(100, 'more than 100 Notifications'),
});
export type OutboundNotifications = z.infer<typeof OutboundNotificationsSchema>;

/** Fields the REST API returns as numbers; SOAP carries every value as text. */
const NUMERIC_FIELDS = new Set(['NumberOfEmployees', 'AnnualRevenue', 'Qualify_Score__c', 'Qualify_Fit__c', 'Qualify_Engagement__c']);

/** Outbound Message values as the REST API would type them, so one mapping reads both. */
export function typeSoapFields(fields: Record<string, string | null>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (value === null) out[name] = null;
    else if (value === 'true' || value === 'false') out[name] = value === 'true';
    else if (NUMERIC_FIELDS.has(name) && value.trim() !== '' && Number.isFinite(Number(value))) out[name] = Number(value);
    else out[name] = value;
  }
  return out;
}

function text(el: XmlElement | undefined): string | null | undefined {
  if (!el) return undefined;
  return isNil(el) ? null : el.text.trim();
}

/** Envelope → plain object (not yet validated). Throws XmlError or a message for a wrong shape. */
export function readOutboundEnvelope(xml: string): unknown {
  const envelope = parseXml(xml);
  if (envelope.local !== 'Envelope') throw new XmlError(`root element is <${envelope.name}>, not a SOAP Envelope`);
  const notifications = child(child(envelope, 'Body'), 'notifications');
  if (!notifications) throw new XmlError('no <notifications> element in the SOAP Body');
  return {
    OrganizationId: text(child(notifications, 'OrganizationId')),
    ActionId: text(child(notifications, 'ActionId')),
    SessionId: text(child(notifications, 'SessionId')) ?? null,
    EnterpriseUrl: text(child(notifications, 'EnterpriseUrl')),
    PartnerUrl: text(child(notifications, 'PartnerUrl')),
    Notification: childrenNamed(notifications, 'Notification').map((n) => {
      const sObject = child(n, 'sObject');
      const typeAttr = sObject ? Object.entries(sObject.attrs).find(([k]) => k === 'type' || k.endsWith(':type'))?.[1] : undefined;
      const fields: Record<string, string | null> = {};
      for (const f of sObject?.children ?? []) fields[f.local] = isNil(f) ? null : f.text;
      return { Id: text(child(n, 'Id')), sObject: sObject ? { type: typeAttr ? typeAttr.slice(typeAttr.indexOf(':') + 1) : undefined, fields } : undefined };
    }),
  };
}

function isoOrNull(value: unknown): string | null {
  if (typeof value !== 'string' || !value) return null;
  const t = Date.parse(value.replace(/\+0000$/, 'Z'));
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

/** Org ids compare on their case-sensitive 15-character form (18-character ids add a checksum). */
export function sameOrg(a: string, b: string): boolean {
  return a.slice(0, 15) === b.slice(0, 15);
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Decides whether a notification's sObject may stand in for the record. An Outbound Message
 * carries only the fields its admin picked and no engagement, so processing it as the record
 * would blank everything else; when it is incomplete the hint goes without it and the pipeline
 * re-reads the full record (with Tasks, Events and campaign responses).
 */
export type CarryRecord = (objectType: string, fieldNames: string[]) => boolean;

export function notificationsToHints(msg: OutboundNotifications, receivedAt = new Date(), carry: CarryRecord = () => true): ChangeHint[] {
  return msg.Notification.map((n) => {
    const raw = typeSoapFields(n.sObject.fields);
    const updatedAt = isoOrNull(raw.SystemModstamp) ?? isoOrNull(raw.LastModifiedDate);
    const recordId = n.sObject.fields.Id!;
    const record: RawRecord = { objectType: n.sObject.type, recordId, updatedAt, raw: { attributes: { type: n.sObject.type }, ...raw } };
    return {
      objectType: n.sObject.type,
      recordId,
      occurredAt: updatedAt ?? receivedAt.toISOString(),
      dedupeKey: n.Id,
      changeSource: `outbound-message:${msg.ActionId}`,
      ...(carry(n.sObject.type, Object.keys(n.sObject.fields)) && { record }),
    };
  });
}

export interface OutboundReceiverOptions {
  /** Expected `?secret=` value on the endpoint URL; unset = not required. */
  secret?: string;
  /** Org id to expect when the connection row does not know it yet (SALESFORCE_ORG_ID). */
  orgId?: string;
  /** When a notification's fields may be processed as the record (default: always). */
  carryRecord?: CarryRecord;
}

export function ackEnvelope(): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">' +
    '<soapenv:Body>' +
    `<notificationsResponse xmlns="${OUTBOUND_NAMESPACE}"><Ack>true</Ack></notificationsResponse>` +
    '</soapenv:Body></soapenv:Envelope>'
  );
}

export function faultEnvelope(faultcode: 'soapenv:Client' | 'soapenv:Server', reason: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">' +
    '<soapenv:Body><soapenv:Fault>' +
    `<faultcode>${faultcode}</faultcode><faultstring>${escapeXml(reason)}</faultstring>` +
    '</soapenv:Fault></soapenv:Body></soapenv:Envelope>'
  );
}

/** The envelope's org id, found without parsing it (any namespace prefix). */
const ORG_ID_IN_ENVELOPE = /<(?:[\w.-]+:)?OrganizationId>\s*([A-Za-z0-9]{15,18})\s*<\//;

export function createOutboundReceiver(opts: OutboundReceiverOptions = {}): WebhookReceiver {
  return {
    // Lets the route hand the message to the connection of the org it names, in any workspace;
    // that connection's receiver then checks everything (secret, envelope, org) as usual.
    accountOf(rawBody: Buffer): string | null {
      return ORG_ID_IN_ENVELOPE.exec(rawBody.toString('utf8'))?.[1] ?? null;
    },
    receive(req: IncomingWebhook, connection: ConnectionRow): WebhookVerdict {
      if (opts.secret) {
        const given = req.query.secret;
        if (typeof given !== 'string' || !safeEqual(given, opts.secret)) {
          return { ok: false, status: 401, reason: 'Salesforce Outbound Message refused: missing or wrong ?secret= on the endpoint URL' };
        }
      }
      if (req.rawBody.length > MAX_BODY_BYTES) return { ok: false, status: 400, reason: 'Salesforce Outbound Message refused: body larger than 1 MB' };
      let candidate: unknown;
      try {
        candidate = readOutboundEnvelope(req.rawBody.toString('utf8'));
      } catch (err) {
        return { ok: false, status: 400, reason: `Salesforce Outbound Message refused: body is not a notifications SOAP envelope (${(err as Error).message})` };
      }
      const parsed = OutboundNotificationsSchema.safeParse(candidate);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(envelope)'}: ${i.message}`).join('; ');
        return { ok: false, status: 400, reason: `Salesforce Outbound Message refused: ${issues}` };
      }
      const expected = connection.accountId ?? opts.orgId ?? null;
      if (!expected) {
        return { ok: false, status: 403, reason: `Salesforce Outbound Message refused: connection ${connection.id} does not know its org id yet (run setup or set SALESFORCE_ORG_ID)` };
      }
      if (!sameOrg(parsed.data.OrganizationId, expected)) {
        return { ok: false, status: 403, reason: `Salesforce Outbound Message refused: OrganizationId ${parsed.data.OrganizationId} is not the connected org` };
      }
      return { ok: true, hints: notificationsToHints(parsed.data, new Date(), opts.carryRecord) };
    },
    acknowledge() {
      return { status: 200, contentType: 'text/xml; charset=utf-8', body: ackEnvelope() };
    },
    refuse(status: number, reason: string) {
      // SOAP 1.1 answers faults with HTTP 500; Salesforce then retries the message (up to 24 h).
      return { status: 500, contentType: 'text/xml; charset=utf-8', body: faultEnvelope(status >= 500 ? 'soapenv:Server' : 'soapenv:Client', reason) };
    },
  };
}
