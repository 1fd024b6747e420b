import type { Queue } from 'bullmq';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Queues } from '../queues/queues.js';
import type { ApiCallMetrics, PipelineMetrics } from './metric-hooks.js';

/** Why a webhook delivery was refused: a small fixed set, so the label never grows with input. */
export const REFUSAL_REASONS = ['signature', 'stale', 'malformed', 'too_large', 'unknown_connection', 'rate_limited'] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** Every state BullMQ counts, listed so each queue reports the same series (zeros included). */
export const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed'] as const;

/** A scrape must answer even when Redis does not: the job counts give up after this long. */
const JOB_COUNT_TIMEOUT_MS = 2000;

/** Vendor policy names and call kinds become labels: anything unexpected is folded into "other". */
function label(value: string): string {
  return /^[A-Za-z][A-Za-z0-9_-]{0,39}$/.test(value) ? value : 'other';
}

/**
 * qualify's Prometheus metrics. Each runtime owns one registry (never prom-client's global one),
 * so tests and several runtimes in one process never register a metric twice or read each
 * other's counts.
 */
export class Metrics implements PipelineMetrics {
  readonly registry = new Registry();
  private readonly webhooksReceived: Counter<'system'>;
  private readonly webhooksRefused: Counter<'system' | 'reason'>;
  private readonly apiCalls: Counter<'connection' | 'kind'>;
  private readonly apiRateLimited: Counter<'connection' | 'policy'>;
  private readonly writebackSeconds: Histogram<'connection'>;
  private readonly writes: Counter<'connection' | 'outcome'>;
  private readonly scores: Counter<'grade'>;
  private readonly deletions: Counter<'connection' | 'reason'>;
  private readonly transitions: Counter<'from' | 'to'>;
  /** Bound children of the webhook counter: the hot path pays one Map lookup and an add. */
  private readonly receivedBySystem = new Map<string, Counter.Internal>();
  private queues: Queues | undefined;
  /** The job-count read in flight, shared by the two gauges that report it. */
  private countsRead: Promise<Array<[string, Record<string, number>]> | null> | undefined;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.webhooksReceived = new Counter({
      name: 'qualify_webhooks_received_total',
      help: 'Webhook deliveries received, refused ones included, by source system (a path naming no known system is not counted).',
      labelNames: ['system'],
      registers,
    });
    this.webhooksRefused = new Counter({
      name: 'qualify_webhooks_refused_total',
      help: `Webhook deliveries refused, by reason: ${REFUSAL_REASONS.join(', ')}.`,
      labelNames: ['system', 'reason'],
      registers,
    });
    this.apiCalls = new Counter({
      name: 'qualify_api_calls_total',
      help: 'HTTP requests sent to a CRM, by connection and kind (standard, search, rest, bulk).',
      labelNames: ['connection', 'kind'],
      registers,
    });
    this.apiRateLimited = new Counter({
      name: 'qualify_api_rate_limited_total',
      help: "CRM calls refused for a rate limit, by connection and policy (the vendor's policy or error code, or qualify_daily_budget when qualify's own budget stopped the call).",
      labelNames: ['connection', 'policy'],
      registers,
    });
    this.writebackSeconds = new Histogram({
      name: 'qualify_writeback_seconds',
      help: 'Duration of one write-back batch: the CRM call plus recording its outcome.',
      labelNames: ['connection'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    this.writes = new Counter({
      name: 'qualify_writes_total',
      help: 'Records written back, by connection and outcome (written, or refused by the CRM for good).',
      labelNames: ['connection', 'outcome'],
      registers,
    });
    this.deletions = new Counter({
      name: 'qualify_records_deleted_total',
      help: 'Source records removed because their CRM deleted them, by connection and reason (deleted, privacy, merged).',
      labelNames: ['connection', 'reason'],
      registers,
    });
    this.scores = new Counter({ name: 'qualify_scores_total', help: 'New scores recorded by the pipeline, by grade.', labelNames: ['grade'], registers });
    this.transitions = new Counter({
      name: 'qualify_stage_transitions_total',
      help: 'Lifecycle stage transitions recorded, by from and to stage (from="none" for a first stage).',
      labelNames: ['from', 'to'],
      registers,
    });
    // Both gauges read the same job counts: one read per scrape, shared (the registry collects in parallel).
    const queuesUp = new Gauge({
      name: 'qualify_jobs_scrape_ok',
      help: '1 when the job counts were read from Redis at this scrape, 0 when Redis did not answer in time.',
      registers,
      collect: async () => {
        queuesUp.set((await this.jobCounts()) ? 1 : 0);
      },
    });
    const jobs: Gauge<'queue' | 'state'> = new Gauge({
      name: 'qualify_jobs',
      help: 'Jobs per BullMQ queue and state, read from Redis at scrape time.',
      labelNames: ['queue', 'state'],
      registers,
      collect: async () => {
        jobs.reset();
        for (const [queue, counts] of (await this.jobCounts()) ?? []) {
          for (const state of JOB_STATES) jobs.set({ queue, state }, counts[state] ?? 0);
        }
      },
    });
  }

  /** The job counts of every watched queue, or null when Redis did not answer; one read shared by concurrent callers. */
  private jobCounts(): Promise<Array<[string, Record<string, number>]> | null> {
    const queues = this.queues;
    if (!queues) return Promise.resolve(null);
    if (!this.countsRead) {
      const read = readJobCounts(queues.all());
      this.countsRead = read;
      void read.finally(() => {
        if (this.countsRead === read) this.countsRead = undefined;
      });
    }
    return this.countsRead;
  }

  /** The queues whose job counts `qualify_jobs` reports. */
  watchQueues(queues: Queues): void {
    this.queues = queues;
  }

  webhookReceived(system: string): void {
    let child = this.receivedBySystem.get(system);
    if (!child) {
      child = this.webhooksReceived.labels(system);
      this.receivedBySystem.set(system, child);
    }
    child.inc();
  }

  webhookRefused(system: string, reason: RefusalReason): void {
    this.webhooksRefused.inc({ system, reason });
  }

  /** The hook a connector reports its calls to, bound to one connection. */
  api(connectionId: string): ApiCallMetrics {
    return {
      called: (kind) => this.apiCalls.inc({ connection: connectionId, kind: label(kind) }),
      rateLimited: (policy) => this.apiRateLimited.inc({ connection: connectionId, policy: label(policy) }),
    };
  }

  writeBatch(connectionId: string, seconds: number, outcome: { written: number; refused: number }): void {
    this.writebackSeconds.observe({ connection: connectionId }, seconds);
    if (outcome.written) this.writes.inc({ connection: connectionId, outcome: 'written' }, outcome.written);
    if (outcome.refused) this.writes.inc({ connection: connectionId, outcome: 'refused' }, outcome.refused);
  }

  recordsDeleted(connectionId: string, reason: string, count: number): void {
    this.deletions.inc({ connection: connectionId, reason }, count);
  }

  qualificationsSaved(saves: Parameters<PipelineMetrics['qualificationsSaved']>[0]): void {
    for (const s of saves) {
      if (s.score) this.scores.inc({ grade: s.score.grade });
      const t = s.lifecycle?.transition;
      if (t) this.transitions.inc({ from: t.from ?? 'none', to: t.to });
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of every metric (job counts are read now). */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}

async function readJobCounts(queues: Queue[]): Promise<Array<[string, Record<string, number>]> | null> {
  try {
    const counts = await withTimeout(Promise.all(queues.map((q) => q.getJobCounts(...JOB_STATES))), JOB_COUNT_TIMEOUT_MS);
    return queues.map((q, i) => [q.name, counts[i]!]);
  } catch {
    return null;
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
