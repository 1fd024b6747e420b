import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { ChangeHint } from '../kit/connector.types.js';
import type { DeliveryJob, Queues } from './queues.js';

interface Waiting {
  connectionId: string;
  hints: ChangeHint[];
  body: Buffer | null;
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
 * see WebhookReceiver.admit). Bodies are stored as bytes in a Redis list next to the job, which
 * names it (`bodiesKey`): in the job's JSON each body would be escaped, and its UTF-8 length
 * counted again on the way to Redis, which cost a fifth of the route's CPU. The list is written
 * first and the job second, both before anyone is answered; the worker deletes the list when the
 * job is done. A job holds at most `maxHintsPerJob` hints or `maxBodiesPerJob` bodies.
 */
export class IngestInbox {
  private waiting: Waiting[] = [];
  private flushing = false;

  constructor(
    private readonly queues: Queues,
    private readonly maxHintsPerJob = 5000,
    private readonly maxBodiesPerJob = 100,
  ) {}

  /** The Redis connection the queues were created on (createQueues passes one ioredis instance). */
  private redis(): Redis {
    const connection = this.queues.ingest.opts.connection;
    if (!(connection instanceof Redis)) throw new TypeError('IngestInbox needs queues created on an ioredis connection (createQueues)');
    return connection;
  }

  enqueue(connectionId: string, hints: ChangeHint[]): Promise<void> {
    if (hints.length === 0) return Promise.resolve();
    return this.wait(connectionId, hints, null);
  }

  /** A body the connection's receiver admitted, queued as it came. */
  enqueueBody(connectionId: string, body: Buffer): Promise<void> {
    return this.wait(connectionId, [], body);
  }

  private wait(connectionId: string, hints: ChangeHint[], body: Buffer | null): Promise<void> {
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
      const lists = new Map<DeliveryJob, Buffer[]>();
      const open = new Map<string, DeliveryJob>();
      for (const w of batch) {
        const key = `${w.body === null ? 'h' : 'b'}:${w.connectionId}`;
        let data = open.get(key);
        const full = data && (w.body === null ? data.hints.length + w.hints.length > this.maxHintsPerJob : lists.get(data)!.length >= this.maxBodiesPerJob);
        if (!data || full) {
          data = { connectionId: w.connectionId, hints: [] };
          if (w.body !== null) {
            data.bodiesKey = this.queues.ingest.toKey(`bodies:${randomUUID()}`);
            lists.set(data, []);
          }
          open.set(key, data);
          jobs.push({ name: 'delivery', data });
        }
        if (w.body === null) data.hints.push(...w.hints);
        else lists.get(data)!.push(w.body);
      }
      try {
        // One list or one job (the usual case: one connection) is written with a plain command:
        // an ioredis pipeline copies every BullMQ script onto itself when built, which cost more
        // than the write.
        if (lists.size === 1) {
          const [[data, bodies]] = lists;
          data.bodyCount = bodies.length;
          await this.redis().rpush(data.bodiesKey!, ...bodies);
        } else if (lists.size) {
          const client = this.redis();
          const multi = client.multi();
          for (const [data, bodies] of lists) {
            data.bodyCount = bodies.length;
            multi.rpush(data.bodiesKey!, ...bodies);
          }
          const results = await multi.exec();
          const failed = results?.find(([err]: [Error | null, unknown]) => err);
          if (!results || failed) throw failed?.[0] ?? new Error('Redis did not store the webhook bodies');
        }
        try {
          if (jobs.length === 1) await this.queues.ingest.add(jobs[0]!.name, jobs[0]!.data);
          else await this.queues.ingest.addBulk(jobs);
        } catch (err) {
          // Nobody was told yes: drop the bodies that no job will name (best effort).
          if (lists.size) await this.redis().del(...[...lists.keys()].map((d) => d.bodiesKey!)).catch(() => undefined);
          throw err;
        }
        for (const w of batch) w.resolve();
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    this.flushing = false;
  }
}
