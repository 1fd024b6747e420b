import { createHash, createHmac } from 'node:crypto';
import { createRng } from './prng.js';

/**
 * Delivers contact events the way HubSpot's webhooks v3 do: JSON arrays of at most 100
 * events, POSTed with X-HubSpot-Signature-v3 = base64(HMAC-SHA256(secret, method + url +
 * body + timestamp)) and a millisecond X-HubSpot-Request-Timestamp; any non-2xx answer or a
 * reply slower than the timeout is retried with attemptNumber + 1 (HubSpot: 10 retries over
 * 24 h; here compressed). No ordering guarantee; duplicates can be injected for tests.
 */

export interface WebhookEvent {
  eventId: number;
  subscriptionId: number;
  portalId: number;
  appId: number;
  occurredAt: number;
  subscriptionType: 'contact.propertyChange' | 'contact.creation' | 'contact.deletion' | 'contact.privacyDeletion' | 'contact.restore' | 'contact.merge';
  attemptNumber: number;
  objectId: number;
  changeSource: string;
  sourceId?: string;
  propertyName?: string;
  propertyValue?: string;
  changeFlag?: 'CREATED';
  /** contact.merge: the surviving contact, the ids merged into it, the resulting id, how many values moved. */
  primaryObjectId?: number;
  mergedObjectIds?: number[];
  newObjectId?: number;
  numberOfPropertiesMoved?: number;
}

export interface WebhookOptions {
  targetUrl: string;
  clientSecret: string;
  appId?: number;
  /** Events per delivery, at most 100 (HubSpot's cap). */
  batchSize?: number;
  /** How long events are gathered before a delivery. */
  delayMs?: number;
  /** A reply slower than this counts as a failure (HubSpot: 5 s). */
  timeoutMs?: number;
  /** First attempt + retries (HubSpot: 1 + 10). */
  maxAttempts?: number;
  /** Wait before retry n (1-based). Default 100 ms doubling, at most 2 s: HubSpot's 24 h, compressed. */
  retryDelayMs?: (retry: number) => number;
  /** Parallel deliveries (HubSpot: up to 10 per app). */
  concurrency?: number;
  /** Properties with a propertyChange subscription; 'all' by default. */
  properties?: string[] | 'all';
  /** Deliver contact.creation events (default true). */
  creation?: boolean;
  /** Test knob: every nth event is delivered a second time in a later request. */
  duplicateEvery?: number;
  /** Test knob: order of events inside each request. */
  reorder?: 'none' | 'reverse' | 'shuffle';
}

export interface WebhookStats {
  eventsQueued: number;
  requests: number;
  requestsFailed: number;
  retries: number;
  eventsDelivered: number;
  eventsDropped: number;
  duplicatesSent: number;
}

export interface DeliveryRecord {
  at: number;
  attemptNumber: number;
  eventIds: number[];
  status: number | 'timeout' | 'network-error';
}

// HubSpot decodes these escapes in the URI before signing (request-validation docs, v3).
const DECODED: Record<string, string> = {
  '%3A': ':', '%2F': '/', '%3F': '?', '%40': '@', '%21': '!', '%24': '$', '%27': "'", '%28': '(', '%29': ')', '%2A': '*', '%2C': ',', '%3B': ';',
};

export function decodeSignedUri(url: string): string {
  return url.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => DECODED[m.toUpperCase()]!);
}

/** The v3 signature HubSpot sends: base64 HMAC-SHA256 of method + decoded URI + body + timestamp. */
export function signV3(clientSecret: string, method: string, url: string, body: string, timestamp: number | string): string {
  return createHmac('sha256', clientSecret).update(`${method}${decodeSignedUri(url)}${body}${timestamp}`, 'utf8').digest('base64');
}

export class WebhookDispatcher {
  readonly stats: WebhookStats = { eventsQueued: 0, requests: 0, requestsFailed: 0, retries: 0, eventsDelivered: 0, eventsDropped: 0, duplicatesSent: 0 };
  /** The last 1,000 delivery attempts, for tests and debugging. */
  readonly log: DeliveryRecord[] = [];
  /** Pending events from `head` on; taking a batch moves `head` (a splice would copy the whole queue). */
  private queue: WebhookEvent[] = [];
  private head = 0;
  private readonly duplicateIds = new Set<number>();
  private timer: NodeJS.Timeout | null = null;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private active = 0;
  private waiters: Array<() => void> = [];
  private closed = false;
  private enqueued = 0;
  private readonly rng = createRng(0x5eed);
  private readonly opts: Required<Omit<WebhookOptions, 'duplicateEvery'>> & { duplicateEvery: number };

  constructor(options: WebhookOptions, private readonly now: () => number = Date.now) {
    this.opts = {
      appId: 1160452,
      batchSize: 100,
      delayMs: 50,
      timeoutMs: 5000,
      maxAttempts: 11,
      retryDelayMs: (n) => Math.min(2000, 100 * 2 ** (n - 1)),
      concurrency: 10,
      properties: 'all',
      creation: true,
      reorder: 'none',
      ...options,
      duplicateEvery: options.duplicateEvery ?? 0,
    };
    if (this.opts.batchSize < 1 || this.opts.batchSize > 100) throw new Error(`webhook.batchSize must be 1..100, got ${this.opts.batchSize}`);
  }

  get appId(): number {
    return this.opts.appId;
  }

  subscribes(event: Pick<WebhookEvent, 'subscriptionType' | 'propertyName'>): boolean {
    if (event.subscriptionType === 'contact.creation') return this.opts.creation;
    if (event.subscriptionType !== 'contact.propertyChange') return true; // deletion, privacyDeletion, restore, merge
    const props = this.opts.properties;
    return props === 'all' || props.includes(event.propertyName ?? '');
  }

  enqueue(events: WebhookEvent[]): void {
    if (this.closed) return;
    for (const e of events) {
      this.queue.push(e);
      this.stats.eventsQueued++;
      this.enqueued++;
      if (this.opts.duplicateEvery > 0 && this.enqueued % this.opts.duplicateEvery === 0) this.duplicateIds.add(e.eventId);
    }
    if (!this.timer && this.pending() > 0) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.pump();
      }, this.opts.delayMs);
    }
  }

  private pump(): void {
    while (!this.closed && this.active < this.opts.concurrency && this.pending() > 0) {
      const batch = this.queue.slice(this.head, this.head + this.opts.batchSize);
      this.head += batch.length;
      if (this.head > 10_000 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      if (this.opts.reorder === 'reverse') batch.reverse();
      if (this.opts.reorder === 'shuffle') {
        for (let i = batch.length - 1; i > 0; i--) {
          const j = Math.floor(this.rng.next() * (i + 1));
          [batch[i], batch[j]] = [batch[j]!, batch[i]!];
        }
      }
      this.active++;
      void this.attempt(batch, 0);
    }
    this.checkIdle();
  }

  /** POSTs one request and reports its status ('timeout' / 'network-error' when none). */
  async post(events: WebhookEvent[]): Promise<number | 'timeout' | 'network-error'> {
    const body = JSON.stringify(events);
    const timestamp = this.now();
    this.stats.requests++;
    try {
      const res = await fetch(this.opts.targetUrl, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'HubSpot Connect 2.0 (http://dev.hubspot.com/) (namespace: webhooks-nio-http-client) - WebhooksExecutorDaemon-executor',
          'X-HubSpot-Signature': createHash('sha256').update(this.opts.clientSecret + body).digest('hex'),
          'X-HubSpot-Signature-Version': 'v1',
          'X-HubSpot-Signature-v3': signV3(this.opts.clientSecret, 'POST', this.opts.targetUrl, body, timestamp),
          'X-HubSpot-Request-Timestamp': String(timestamp),
        },
        body,
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      return res.status;
    } catch (err) {
      return (err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError' ? 'timeout' : 'network-error';
    }
  }

  private async attempt(batch: WebhookEvent[], attemptNumber: number): Promise<void> {
    const events = batch.map((e) => ({ ...e, attemptNumber }));
    const status = await this.post(events);
    if (this.closed) return;
    this.log.push({ at: this.now(), attemptNumber, eventIds: events.map((e) => e.eventId), status });
    if (this.log.length > 1000) this.log.shift();
    const ok = typeof status === 'number' && status >= 200 && status < 300;
    if (ok) {
      this.stats.eventsDelivered += events.length;
      const dups = batch.filter((e) => this.duplicateIds.delete(e.eventId));
      if (dups.length > 0) {
        this.stats.duplicatesSent += dups.length;
        this.queue.push(...dups);
        this.enqueueTimer();
      }
      this.active--;
      this.pump();
      return;
    }
    this.stats.requestsFailed++;
    if (attemptNumber + 1 >= this.opts.maxAttempts || this.closed) {
      this.stats.eventsDropped += events.length;
      this.active--;
      this.pump();
      return;
    }
    this.stats.retries++;
    const t = setTimeout(() => {
      this.retryTimers.delete(t);
      void this.attempt(batch, attemptNumber + 1);
    }, this.opts.retryDelayMs(attemptNumber + 1));
    this.retryTimers.add(t);
  }

  /** Events waiting for a delivery slot. */
  pending(): number {
    return this.queue.length - this.head;
  }

  private enqueueTimer(): void {
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.pump();
      }, this.opts.delayMs);
    }
  }

  private checkIdle(): void {
    if (this.pending() === 0 && this.active === 0 && !this.timer) {
      const w = this.waiters;
      this.waiters = [];
      for (const resolve of w) resolve();
    }
  }

  /** Resolves once every queued event was delivered or dropped (retries included). */
  idle(): Promise<void> {
    if (this.pending() === 0 && this.active === 0 && !this.timer) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Stops timers and drops whatever is still queued. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    this.stats.eventsDropped += this.pending();
    this.queue = [];
    this.head = 0;
    this.active = 0;
    this.checkIdle();
  }
}
