import type { ChangeHint } from '../connectors/connector.types.js';
import type { DeliveryJob, Queues } from './queues.js';

interface Waiting {
  connectionId: string;
  hints: ChangeHint[];
  body: string | null;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for webhook deliveries. Each request still gets its 2xx only after its delivery
 * is in Redis, but deliveries that arrive while one write is in flight are written together as
 * one job per connection in the next write. Under load this turns N Redis job inserts into about
 * one per round trip; when idle a delivery is written at once, with no added delay.
 *
 * A delivery is either hints (parsed at the route) or a body as it came (parsed in the worker;
 * see WebhookReceiver.admit). A job holds at most `maxHintsPerJob` hints or `maxBodiesPerJob`
 * bodies, so one job stays small enough to retry and to read in the queue dashboard.
 */
export class IngestInbox {
  private waiting: Waiting[] = [];
  private flushing = false;

  constructor(
    private readonly queues: Queues,
    private readonly maxHintsPerJob = 5000,
    private readonly maxBodiesPerJob = 100,
  ) {}

  enqueue(connectionId: string, hints: ChangeHint[]): Promise<void> {
    if (hints.length === 0) return Promise.resolve();
    return this.wait(connectionId, hints, null);
  }

  /** A body the connection's receiver admitted, queued as it came. */
  enqueueBody(connectionId: string, body: string): Promise<void> {
    return this.wait(connectionId, [], body);
  }

  private wait(connectionId: string, hints: ChangeHint[], body: string | null): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ connectionId, hints, body, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.waiting.length > 0) {
      const batch = this.waiting;
      this.waiting = [];
      const jobs: Array<{ name: string; data: DeliveryJob }> = [];
      const open = new Map<string, DeliveryJob>();
      for (const w of batch) {
        const key = `${w.body === null ? 'h' : 'b'}:${w.connectionId}`;
        let data = open.get(key);
        const full = data && (w.body === null ? data.hints.length + w.hints.length > this.maxHintsPerJob : data.bodies!.length >= this.maxBodiesPerJob);
        if (!data || full) {
          data = w.body === null ? { connectionId: w.connectionId, hints: [] } : { connectionId: w.connectionId, hints: [], bodies: [] };
          open.set(key, data);
          jobs.push({ name: 'delivery', data });
        }
        if (w.body === null) data.hints.push(...w.hints);
        else data.bodies!.push(w.body);
      }
      try {
        await this.queues.ingest.addBulk(jobs);
        for (const w of batch) w.resolve();
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    this.flushing = false;
  }
}
