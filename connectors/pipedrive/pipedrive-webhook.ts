import { createHash, timingSafeEqual } from 'node:crypto';
import type { ChangeHint, ConnectionRow, IncomingWebhook, WebhookReceiver, WebhookVerdict } from '../../src/kit/index.js';
import { PipedriveConfigSchema, type PipedriveConnectionConfig } from './pipedrive-setup.js';
import { WebhookPayloadSchema, type WebhookPayload } from './provider.schema.js';

/**
 * Pipedrive webhooks v2 → change hints. Deliveries are not signed: the subscription carries HTTP
 * Basic credentials, checked on every delivery (timing-safe; 401 otherwise). One event per
 * delivery, `{ meta, data, previous }`:
 *   - create / change → a change hint (the pipeline re-reads the person);
 *   - delete → a deletion hint ('merged' when meta.merged_to_id names the survivor);
 *   - a merge's survivor change (meta.merged_from_id) → a change hint for it, and a deletion of the
 *     merged-away person too, in case its own delete event is lost.
 * Duplicates: the dedupe key is meta.id (the same on every retry). Out of order: occurredAt is
 * meta.timestamp, and the store keeps the newest version.
 *
 * Echoes of qualify's own writes: an API change by the connection's own user (learned at setup)
 * touching only qualify's fields becomes one hint per field with the value it now holds; the
 * pipeline's echo filter (src/pipeline/echo-filter.ts) drops those that match what qualify wrote
 * or is writing. Anything else (a person in the app, another integration, another field) is a change.
 */

const sha = (s: string) => createHash('sha256').update(s).digest();

export function basicAuthMatches(header: string | string[] | undefined, user: string, password: string): boolean {
  const value = Array.isArray(header) ? header[0] : header;
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(value ?? '');
  const given = m ? Buffer.from(m[1]!, 'base64').toString('utf8') : '';
  // Digests have the same length whatever was sent, so the comparison takes the same time.
  return timingSafeEqual(sha(given), sha(`${user}:${password}`)) && m !== null;
}

export function configOf(connection: ConnectionRow): PipedriveConnectionConfig | null {
  const parsed = PipedriveConfigSchema.safeParse(connection.config);
  return parsed.success ? parsed.data : null;
}

function text(value: unknown, options?: Record<string, string>): string {
  if (value === null || value === undefined) return '';
  if (options && (typeof value === 'number' || typeof value === 'string') && options[String(value)] !== undefined) return options[String(value)]!;
  return String(value);
}

/** The hints one event carries, for the connection that takes it. */
export function hintsOf(p: WebhookPayload, config: PipedriveConnectionConfig | null): ChangeHint[] {
  const { meta } = p;
  if (meta.entity !== 'person') return [];
  const base = { objectType: 'person', recordId: meta.entity_id, occurredAt: new Date(meta.timestamp).toISOString(), changeSource: meta.change_source };
  if (meta.action === 'delete') {
    return [{ ...base, kind: 'deletion', deletion: meta.merged_to_id ? 'merged' : 'deleted', dedupeKey: meta.id }];
  }
  const hints: ChangeHint[] = [];
  if (meta.merged_from_id) {
    hints.push({ ...base, recordId: meta.merged_from_id, kind: 'deletion', deletion: 'merged', dedupeKey: `${meta.id}:merged:${meta.merged_from_id}` });
  }
  const echo = config && meta.action === 'change' && meta.change_source === 'api' && meta.user_id === config.userId ? ownFieldChanges(p, config) : null;
  if (echo) hints.push(...echo.map((h) => ({ ...base, ...h, dedupeKey: `${meta.id}:${h.propertyName}` })));
  else hints.push({ ...base, kind: 'change', dedupeKey: meta.id });
  return hints;
}

/** The changed fields as (name, new value) when every change is to one of qualify's own fields; else null. */
function ownFieldChanges(p: WebhookPayload, config: PipedriveConnectionConfig): Array<{ propertyName: string; propertyValue: string }> | null {
  const previous = p.previous ?? {};
  const others = Object.keys(previous).filter((k) => k !== 'update_time' && k !== 'custom_fields');
  const prevCustom = (previous.custom_fields ?? {}) as Record<string, unknown>;
  const keys = Object.keys(prevCustom);
  if (others.length > 0 || keys.length === 0 || !keys.every((k) => k in config.ownedFields)) return null;
  const now = ((p.data ?? {}).custom_fields ?? {}) as Record<string, unknown>;
  return keys.map((k) => ({ propertyName: config.ownedFields[k]!.name, propertyValue: text(now[k], config.ownedFields[k]!.options) }));
}

export class PipedriveWebhookReceiver implements WebhookReceiver {
  constructor(private readonly auth: { user: string; password: string }) {}

  receive(req: IncomingWebhook, connection: ConnectionRow): WebhookVerdict {
    if (!basicAuthMatches(req.headers.authorization, this.auth.user, this.auth.password)) {
      return { ok: false, status: 401, reason: 'missing or wrong HTTP Basic credentials' };
    }
    let json: unknown;
    try {
      json = JSON.parse(req.rawBody.toString('utf8'));
    } catch {
      return { ok: false, status: 400, reason: 'body is not JSON' };
    }
    const parsed = WebhookPayloadSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return { ok: false, status: 400, reason: `not a Pipedrive webhooks v2 event: ${issue.path.join('.') || '(body)'}: ${issue.message}` };
    }
    const config = configOf(connection);
    if (config && parsed.data.meta.company_id !== config.companyId) {
      return { ok: false, status: 403, reason: `event of company ${parsed.data.meta.company_id}, this connection is company ${config.companyId}` };
    }
    return { ok: true, hints: hintsOf(parsed.data, config) };
  }

  /** The company a delivery names, so it goes to the connection of that company. */
  accountOf(rawBody: Buffer): string | null {
    try {
      const id = (JSON.parse(rawBody.toString('utf8')) as { meta?: { company_id?: unknown } }).meta?.company_id;
      return typeof id === 'string' || typeof id === 'number' ? String(id) : null;
    } catch {
      return null;
    }
  }
}
