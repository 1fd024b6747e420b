import { z } from 'zod';
import { eventId } from './pipedrive-ids.js';

/**
 * Pipedrive webhooks v2 (pipedrive.readme.io/docs/guide-for-webhooks-v2): one JSON POST per
 * event to each matching subscription, `{ meta, data, previous }`. meta carries action
 * (create/change/delete), entity, entity_id (string), company_id, user_id, webhook_id,
 * webhook_owner_id (strings), id and correlation_id (UUIDs), timestamp, type "general",
 * version "2.0", change_source "app" | "api", is_bulk_edit, attempt, host, permitted_user_ids,
 * and merged_to_id / merged_from_id on the delete / change of a merge. create: data, previous
 * null; change: data + previous holding only the changed fields; delete: data null, previous the
 * last state. Not signed: HTTP Basic auth when the subscription has http_auth_user/password.
 * Any 2xx is success; anything else or no answer within 10 s is retried 3 more times after 3, 30
 * and 150 s (compressed by default, see retryDelaysMs), `attempt` counting up.
 */

export type WebhookAction = 'create' | 'change' | 'delete';
export const EVENT_OBJECTS = ['activity', 'deal', 'lead', 'note', 'organization', 'person', 'pipeline', 'product', 'stage', 'user', '*'] as const;

export const addWebhookSchema = z.object({
  subscription_url: z.string().url('invalid or non-reachable URL').refine((u) => /^https?:\/\//.test(u), 'invalid or non-reachable URL'),
  event_action: z.enum(['create', 'change', 'delete', '*']),
  event_object: z.enum(EVENT_OBJECTS),
  name: z.string().min(1).max(255),
  user_id: z.number().int().optional(),
  http_auth_user: z.string().nullable().optional(),
  http_auth_password: z.string().nullable().optional(),
  version: z.enum(['1.0', '2.0']).default('2.0'),
});

export interface WebhookSubscription {
  id: number;
  company_id: number;
  owner_id: number;
  user_id: number;
  event_action: string;
  event_object: string;
  subscription_url: string;
  version: string;
  is_active: 0 | 1;
  add_time: string;
  remove_time: string | null;
  type: 'general';
  http_auth_user: string | null;
  http_auth_password: string | null;
  remove_reason: string | null;
  last_delivery_time: string | null;
  last_http_status: number | null;
  admin_id: number;
  name: string;
}

export interface ChangeEvent {
  action: WebhookAction;
  entity: 'person';
  entityId: number;
  data: Record<string, unknown> | null;
  previous: Record<string, unknown> | null;
  changeSource: 'app' | 'api';
  userId: number;
  timestamp: number;
  mergedToId?: number;
  mergedFromId?: number;
}

export interface WebhookPayload {
  meta: Record<string, unknown> & { action: WebhookAction; entity: string; entity_id: string; id: string; attempt: number };
  data: Record<string, unknown> | null;
  previous: Record<string, unknown> | null;
}

export interface DeliveryRecord {
  webhookId: number;
  eventId: string;
  action: WebhookAction;
  entityId: number;
  attempt: number;
  /** HTTP status, or 'timeout' / 'network-error'. */
  status: number | 'timeout' | 'network-error';
  duplicate: boolean;
  at: number;
}

export interface WebhookDeliveryOptions {
  /** Waits before retries 1..3 (Pipedrive: 3 s, 30 s, 150 s; default compressed 100×: 30, 300, 1500 ms). */
  retryDelaysMs?: [number, number, number];
  /** No answer within this counts as a failure (Pipedrive: 10 s). */
  timeoutMs?: number;
  /** Events gathered before one round of deliveries (lets `reorder` act on several events). */
  batchWindowMs?: number;
  /** Test knob: every nth event is delivered a second time, in a later request. */
  duplicateEvery?: number;
  /** Test knob: order of the events of one round (Pipedrive promises no order). */
  reorder?: 'none' | 'reverse' | 'shuffle';
}

interface Job {
  sub: WebhookSubscription;
  payload: WebhookPayload;
  duplicate: boolean;
}

export class WebhookDispatcher {
  readonly deliveries: DeliveryRecord[] = [];
  private opts: Required<WebhookDeliveryOptions>;
  private pending: Job[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private busy = 0;
  private waiters: Array<() => void> = [];
  private eventCount = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly account: { companyId: number; host: string; permittedUserIds: () => number[]; now: () => number },
    private readonly subscriptions: () => WebhookSubscription[],
    opts: WebhookDeliveryOptions = {},
  ) {
    this.opts = { retryDelaysMs: [30, 300, 1500], timeoutMs: 10_000, batchWindowMs: 5, duplicateEvery: 0, reorder: 'none', ...opts };
  }

  configure(opts: WebhookDeliveryOptions): void {
    this.opts = { ...this.opts, ...opts };
  }

  private matches(sub: WebhookSubscription, e: ChangeEvent): boolean {
    return sub.is_active === 1 && sub.version === '2.0'
      && (sub.event_action === '*' || sub.event_action === e.action)
      && (sub.event_object === '*' || sub.event_object === e.entity);
  }

  publish(e: ChangeEvent): void {
    if (this.closed) return;
    const correlation = eventId();
    for (const sub of this.subscriptions()) {
      if (!this.matches(sub, e)) continue;
      const meta: WebhookPayload['meta'] = {
        action: e.action,
        entity: e.entity,
        company_id: String(this.account.companyId),
        correlation_id: correlation,
        entity_id: String(e.entityId),
        id: eventId(),
        is_bulk_edit: false,
        timestamp: new Date(e.timestamp).toISOString(),
        type: 'general',
        user_id: String(e.userId),
        version: '2.0',
        webhook_id: String(sub.id),
        webhook_owner_id: String(sub.owner_id),
        change_source: e.changeSource,
        attempt: 1,
        host: this.account.host,
        permitted_user_ids: this.account.permittedUserIds().map(String),
      };
      if (e.mergedToId !== undefined) meta.merged_to_id = String(e.mergedToId);
      if (e.mergedFromId !== undefined) meta.merged_from_id = String(e.mergedFromId);
      this.pending.push({ sub, payload: { meta, data: e.data, previous: e.previous }, duplicate: false });
    }
    if (this.pending.length && !this.flushTimer) {
      this.busy++;
      this.flushTimer = setTimeout(() => void this.flush(), this.opts.batchWindowMs);
    }
  }

  private async flush(): Promise<void> {
    this.flushTimer = null;
    let round = this.pending;
    this.pending = [];
    if (this.opts.reorder === 'reverse') round = round.reverse();
    if (this.opts.reorder === 'shuffle') round = round.map((j) => [Math.random(), j] as const).sort((a, b) => a[0] - b[0]).map(([, j]) => j);
    const dupes: Job[] = [];
    for (const job of round) {
      this.eventCount++;
      if (this.opts.duplicateEvery > 0 && this.eventCount % this.opts.duplicateEvery === 0) dupes.push({ ...job, duplicate: true });
    }
    for (const job of [...round, ...dupes]) await this.send(job, 1);
    this.done();
  }

  private async send(job: Job, attempt: number): Promise<void> {
    if (this.closed) return;
    const body = JSON.stringify({ ...job.payload, meta: { ...job.payload.meta, attempt } });
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (job.sub.http_auth_user) {
      headers.authorization = `Basic ${Buffer.from(`${job.sub.http_auth_user}:${job.sub.http_auth_password ?? ''}`).toString('base64')}`;
    }
    let status: DeliveryRecord['status'];
    try {
      const res = await fetch(job.sub.subscription_url, { method: 'POST', headers, body, signal: AbortSignal.timeout(this.opts.timeoutMs) });
      await res.arrayBuffer().catch(() => undefined);
      status = res.status;
    } catch (err) {
      status = (err as Error).name === 'TimeoutError' ? 'timeout' : 'network-error';
    }
    const now = this.account.now();
    this.deliveries.push({
      webhookId: job.sub.id, eventId: job.payload.meta.id, action: job.payload.meta.action,
      entityId: Number(job.payload.meta.entity_id), attempt, status, duplicate: job.duplicate, at: now,
    });
    job.sub.last_delivery_time = new Date(now).toISOString();
    job.sub.last_http_status = typeof status === 'number' ? status : null;
    const ok = typeof status === 'number' && status >= 200 && status < 300;
    if (!ok && attempt <= this.opts.retryDelaysMs.length && !this.closed) {
      this.busy++;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        void this.send(job, attempt + 1).finally(() => this.done());
      }, this.opts.retryDelaysMs[attempt - 1]);
      this.timers.add(timer);
    }
  }

  private done(): void {
    this.busy--;
    if (this.busy === 0) for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves once every event published so far is delivered or out of retries. */
  settled(): Promise<void> {
    return this.busy === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.busy = 0;
    for (const w of this.waiters.splice(0)) w();
  }
}
