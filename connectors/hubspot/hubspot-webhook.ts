import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ChangeHint, DeliveryPart, IncomingWebhook, UnpackedDelivery, WebhookAdmission, WebhookReceiver, WebhookVerdict } from '../../src/kit/index.js';
import type { ConnectionRow } from '../../src/kit/index.js';
import { HubSpotWebhookBodySchema, type HubSpotWebhookEvent } from './provider.schema.js';

/**
 * POST /webhooks/hubspot: verifies the v3 signature, parses the events and turns them into
 * change hints. It never throws for bad input; it returns a verdict.
 *
 * Signature v3 (https://developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/request-validation):
 * base64(HMAC-SHA256(clientSecret, method + decodedUrl + rawBody + timestamp)), where the
 * timestamp (X-HubSpot-Request-Timestamp) is in ms and must be under 5 minutes old, and the URL
 * is the full URL HubSpot called (our public URL, not what a proxy forwarded to us), with the
 * URL-encoded characters HubSpot lists decoded.
 *
 * HubSpot retries deliveries and says `eventId` is not guaranteed unique, so each hint's
 * dedupeKey is built from what the event says happened, not from its delivery.
 *
 * Two ways in: `receive` does everything at once; `admit` (what the route uses) verifies the
 * signature and checks the body's shape, and the body is queued as it came, to be parsed with zod,
 * deduplicated and routed by portal in the ingest worker (`unpack`). A 50-event batch costs the
 * route about a third of what the full parse did, and HubSpot gets its 2xx sooner.
 */

export const SIGNATURE_MAX_AGE_MS = 5 * 60 * 1000;

/**
 * Events that say a contact is gone. contact.deletion: archived (restorable for 90 days; a later
 * contact.restore re-reads it). contact.privacyDeletion: GDPR "permanently delete".
 */
const DELETIONS = new Map<string, NonNullable<ChangeHint['deletion']>>([
  ['contact.deletion', 'deleted'],
  ['contact.privacyDeletion', 'privacy'],
]);

export interface HubSpotWebhookOptions {
  /** The app's client secret (HUBSPOT_CLIENT_SECRET). */
  clientSecret: string;
  /** Clock, for tests. */
  now?: () => number;
}

// The characters HubSpot's validation guide says to decode before hashing the URI.
const DECODED_IN_SIGNED_URI: Record<string, string> = {
  '%3A': ':', '%2F': '/', '%3F': '?', '%40': '@', '%21': '!', '%24': '$',
  '%27': "'", '%28': '(', '%29': ')', '%2A': '*', '%2C': ',', '%3B': ';',
};

export function decodeSignedUri(url: string): string {
  return url.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => DECODED_IN_SIGNED_URI[m.toUpperCase()]!);
}

export function signV3(clientSecret: string, method: string, url: string, rawBody: Buffer | string, timestamp: string): string {
  return createHmac('sha256', clientSecret)
    .update(`${method.toUpperCase()}${decodeSignedUri(url)}`)
    .update(rawBody)
    .update(timestamp)
    .digest('base64');
}

/**
 * Stable across repeated deliveries of one change: (portal, type, object, property, time, value).
 * HubSpot says eventId is not guaranteed unique, so it is not part of it. Built as plain text (the
 * value folded by FNV-1a so a long value keeps the key short): this runs 50 times per request on
 * the webhook's hot path, where a cryptographic hash per event cost a quarter of the request.
 */
export function dedupeKeyOf(e: HubSpotWebhookEvent): string {
  return `hubspot:${e.portalId}:${e.subscriptionType}:${e.objectId ?? ''}:${e.propertyName ?? ''}:${e.occurredAt}:${fnv1a(e.propertyValue ?? '')}`;
}

function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return `${text.length.toString(36)}.${(h >>> 0).toString(36)}`;
}

const NOT_JSON = 'HubSpot webhook body is not valid JSON';

type ParsedBody = { ok: true; events: HubSpotWebhookEvent[] } | { ok: false; reason: string };

function parseBody(text: string): ParsedBody {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: NOT_JSON };
  }
  const parsed = HubSpotWebhookBodySchema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: zodReason(parsed.error.issues[0]!) };
  return { ok: true, events: parsed.data };
}

function zodReason(issue: { path: PropertyKey[]; message: string }): string {
  const path = issue.path.length ? `body[${String(issue.path[0])}]${issue.path.slice(1).map((p) => `.${String(p)}`).join('')}` : 'body';
  return `HubSpot webhook ${path}: ${issue.message}`;
}

/** Why zod refuses the body (naming the event and field), or null when it accepts it. */
function zodRefusal(json: unknown): string | null {
  const parsed = HubSpotWebhookBodySchema.safeParse(json);
  return parsed.success ? null : zodReason(parsed.error.issues[0]!);
}

const isInt = Number.isSafeInteger;
const optString = (v: unknown): boolean => v === undefined || typeof v === 'string';
const isId = (v: unknown): boolean => (isInt(v) && (v as number) >= 0) || (typeof v === 'string' && /^\d+$/.test(v));
const isOptId = (v: unknown): boolean => v === undefined || isId(v);

/**
 * A cheap, stricter stand-in for HubSpotWebhookBodySchema on the route's hot path: true only for a
 * body the schema accepts (a test checks this on generated bodies), so everything it lets through
 * parses in the worker. False means "ask zod", which then refuses with the field's name, or
 * accepts what this check is too strict for. A loop of typeof checks costs a few microseconds for
 * 50 events, where the zod parse and its allocations cost about a hundred.
 */
export function isEventBatch(json: unknown): boolean {
  if (!Array.isArray(json) || json.length < 1 || json.length > 1000) return false;
  for (const e of json as unknown[]) {
    if (typeof e !== 'object' || e === null || Array.isArray(e)) return false;
    const o = e as Record<string, unknown>;
    if (!isInt(o.eventId) || !isInt(o.subscriptionId) || !isInt(o.portalId)) return false;
    if (o.appId !== undefined && !isInt(o.appId)) return false;
    const at = o.occurredAt;
    if (!isInt(at) || (at as number) < 0 || (at as number) > 8.64e15) return false;
    if (typeof o.subscriptionType !== 'string' || o.subscriptionType.length === 0) return false;
    if (!isInt(o.attemptNumber) || (o.attemptNumber as number) < 0) return false;
    if (!isOptId(o.objectId)) return false;
    // The merge fields (contact.merge only): three property reads per event otherwise.
    if (o.mergedObjectIds !== undefined && (!Array.isArray(o.mergedObjectIds) || !o.mergedObjectIds.every(isId))) return false;
    if (!isOptId(o.primaryObjectId) || !isOptId(o.newObjectId)) return false;
    const v = o.propertyValue;
    if (v !== undefined && typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return false;
    if (!optString(o.propertyName) || !optString(o.changeSource) || !optString(o.sourceId) || !optString(o.changeFlag)) return false;
  }
  return true;
}

function header(headers: IncomingWebhook['headers'], name: string): string | undefined {
  const want = name.toLowerCase();
  // Node lower-cases incoming header names: one property read on the hot path; the loop is for other callers.
  const direct = headers[want];
  if (direct !== undefined) return Array.isArray(direct) ? direct[0] : direct;
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === want) return Array.isArray(v) ? v[0] : v;
  }
  return undefined;
}

export class HubSpotWebhookReceiver implements WebhookReceiver {
  private readonly clientSecret: string;
  private readonly now: () => number;

  constructor(opts: HubSpotWebhookOptions) {
    if (!opts.clientSecret) throw new TypeError('HubSpot webhooks need the app client secret (HUBSPOT_CLIENT_SECRET) to verify signatures');
    this.clientSecret = opts.clientSecret;
    this.now = opts.now ?? Date.now;
  }

  receive(req: IncomingWebhook, connection: ConnectionRow): WebhookVerdict {
    const refused = this.verify(req);
    if (refused) return { ok: false, status: 401, reason: refused };
    const parsed = parseBody(req.rawBody.toString('utf8'));
    if (!parsed.ok) return { ok: false, status: 400, reason: parsed.reason };
    return { ok: true, hints: this.toHints(parsed.events, connection) };
  }

  /**
   * The route's path: the same refusals as `receive` (401 signature, 400 JSON or shape, with the
   * same messages), without building hints. A body that passes the cheap shape check is one zod
   * accepts; one that fails it goes through zod here, so a 400 still names the field.
   */
  admit(req: IncomingWebhook): WebhookAdmission {
    const refused = this.verify(req);
    if (refused) return { ok: false, status: 401, reason: refused };
    const body = req.rawBody.toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return { ok: false, status: 400, reason: NOT_JSON };
    }
    if (!isEventBatch(json)) {
      const invalid = zodRefusal(json);
      if (invalid) return { ok: false, status: 400, reason: invalid };
    }
    return { ok: true, body };
  }

  /** In the ingest worker: a body `admit` let through, parsed with zod and split by portal. */
  unpack(body: string): UnpackedDelivery {
    const parsed = parseBody(body);
    if (!parsed.ok) return parsed;
    const byPortal = new Map<string, HubSpotWebhookEvent[]>();
    for (const e of parsed.events) {
      const portal = String(e.portalId);
      const events = byPortal.get(portal);
      if (events) events.push(e);
      else byPortal.set(portal, [e]);
    }
    const parts: DeliveryPart[] = [];
    for (const [accountId, events] of byPortal) parts.push({ accountId, hints: (connection) => this.toHints(events, connection) });
    return { ok: true, parts };
  }

  /** Returns why the request is refused, or null when the signature holds. */
  private verify(req: IncomingWebhook): string | null {
    const signature = header(req.headers, 'x-hubspot-signature-v3');
    const timestamp = header(req.headers, 'x-hubspot-request-timestamp');
    if (!signature) return 'missing X-HubSpot-Signature-v3 header';
    if (!timestamp) return 'missing X-HubSpot-Request-Timestamp header';
    if (!/^\d+$/.test(timestamp)) return 'X-HubSpot-Request-Timestamp is not a millisecond timestamp';
    const age = this.now() - Number(timestamp);
    if (Math.abs(age) > SIGNATURE_MAX_AGE_MS) {
      return `stale signature: X-HubSpot-Request-Timestamp is ${Math.round(age / 1000)} s from now (allowed: 300 s); replayed or delayed request`;
    }
    const expected = Buffer.from(signV3(this.clientSecret, req.method, req.url, req.rawBody, timestamp), 'base64');
    const given = Buffer.from(signature, 'base64');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return 'X-HubSpot-Signature-v3 does not match the request (wrong secret, altered body, or a URL other than QUALIFY_PUBLIC_URL + path)';
    }
    return null;
  }

  private toHints(events: HubSpotWebhookEvent[], connection: ConnectionRow): ChangeHint[] {
    const hints: ChangeHint[] = [];
    const seen = new Set<string>();
    const add = (hint: ChangeHint) => {
      if (seen.has(hint.dedupeKey)) return;
      seen.add(hint.dedupeKey);
      hints.push(hint);
    };
    for (const e of events) {
      // Another portal's events (a public app installed elsewhere) are not this connection's.
      if (connection.accountId && String(e.portalId) !== connection.accountId) continue;
      // We subscribe to contacts; association changes carry no objectId of their own.
      if (!e.subscriptionType.startsWith('contact.') || e.objectId === undefined) continue;
      const dedupeKey = dedupeKeyOf(e);
      const occurredAt = new Date(e.occurredAt).toISOString();
      const deletion = DELETIONS.get(e.subscriptionType);
      if (deletion) {
        add({ kind: 'deletion', deletion, objectType: 'contact', recordId: e.objectId, occurredAt, dedupeKey });
        continue;
      }
      if (e.subscriptionType === 'contact.merge') {
        // The merged-away ids stop existing; the survivor holds the merged values: re-read it.
        const survivor = e.newObjectId ?? e.primaryObjectId ?? e.objectId;
        const gone = new Set([...(e.mergedObjectIds ?? []), e.primaryObjectId ?? survivor, e.objectId]);
        gone.delete(survivor);
        for (const id of gone) add({ kind: 'deletion', deletion: 'merged', objectType: 'contact', recordId: id, occurredAt, dedupeKey: `${dedupeKey}:gone:${id}` });
        add({ objectType: 'contact', recordId: survivor, occurredAt, dedupeKey: `${dedupeKey}:survivor:${survivor}` });
        continue;
      }
      add({
        objectType: 'contact',
        recordId: e.objectId,
        occurredAt,
        dedupeKey,
        ...(e.propertyName !== undefined && { propertyName: e.propertyName }),
        ...(e.propertyValue !== undefined && { propertyValue: e.propertyValue }),
        ...(e.changeSource !== undefined && { changeSource: e.changeSource }),
      });
    }
    // HubSpot gives no order guarantee; downstream compares occurredAt, but oldest-first helps.
    return hints.sort((a, b) => (a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : 0));
  }
}
