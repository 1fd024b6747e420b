import type { ChangeHint } from '../connectors/connector.types.js';
import type { Queues } from './queues.js';

interface Waiting {
  connectionId: string;
  hints: ChangeHint[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for webhook deliveries. Each request still gets its 2xx only after its events
 * are in Redis, but deliveries that arrive while one write is in flight are written together as
 * one job per connection in the next write. Under load this turns N Redis job inserts into about
 * one per round trip; when idle a delivery is written at once, with no added delay.
 */
export class IngestInbox {
  private waiting: Waiting[] = [];
  private flushing = false;

  constructor(
    private readonly queues: Queues,
    private readonly maxHintsPerJob = 5000,
  ) {}

  enqueue(connectionId: string, hints: ChangeHint[]): Promise<void> {
    if (hints.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiting.push({ connectionId, hints, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.waiting.length > 0) {
      const batch = this.waiting;
      this.waiting = [];
      const jobs: Array<{ name: string; data: { connectionId: string; hints: ChangeHint[] } }> = [];
      const open = new Map<string, ChangeHint[]>();
      for (const w of batch) {
        let hints = open.get(w.connectionId);
        if (!hints || hints.length + w.hints.length > this.maxHintsPerJob) {
          hints = [];
          open.set(w.connectionId, hints);
          jobs.push({ name: 'delivery', data: { connectionId: w.connectionId, hints } });
        }
        hints.push(...w.hints);
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
