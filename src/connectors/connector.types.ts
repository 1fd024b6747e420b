import type { Logger } from 'pino';
import type { SourceSystem } from '../canonical/lead.schema.js';
import type { ConnectionRow, Store } from '../store/store.types.js';

/**
 * What every connector (connectors/<system>/index.ts) provides. The pipeline drives these;
 * a connector never touches queues, and decides nothing about retries: it throws one of the
 * typed errors in src/errors and the worker decides (retry, rate-limit, park, or stop).
 */

export interface ConnectorContext {
  connection: ConnectionRow;
  store: Store;
  logger: Logger;
  /** Aborted on shutdown: long polls stop at the next page boundary. */
  signal?: AbortSignal;
}

/** One record as the vendor's API returned it (validated by the connector's provider schema). */
export interface RawRecord {
  objectType: string; // "contact", "Lead", "Contact"
  recordId: string;
  /** ISO-8601 last-modified time in the source, for ordering out-of-order updates. */
  updatedAt: string | null;
  raw: unknown;
}

/**
 * A push notification says "this record changed" (the record itself is (re)read before scoring),
 * or "this record no longer exists" (kind 'deletion': the pipeline removes it from the store).
 */
export interface ChangeHint {
  /** Absent: 'change'. */
  kind?: 'change' | 'deletion';
  /** For a deletion, why it went (logged): deleted (restorable), privacy (GDPR, permanent), merged into another record. */
  deletion?: 'deleted' | 'privacy' | 'merged';
  objectType: string;
  recordId: string;
  occurredAt: string;
  /** Stable id of this delivery's event: repeated deliveries produce the same key. */
  dedupeKey: string;
  propertyName?: string;
  propertyValue?: string;
  changeSource?: string;
  /** Some channels (Salesforce Outbound Messages) carry the record itself. */
  record?: RawRecord;
}

export interface IncomingWebhook {
  method: string;
  /** Full public URL the vendor called (QUALIFY_PUBLIC_URL + path + query). */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
  query: Record<string, unknown>;
}

export type WebhookVerdict =
  | { ok: true; hints: ChangeHint[] }
  | { ok: false; status: 400 | 401 | 403; reason: string };

/** The route's cheap answer: the signature holds and the body has the right shape, so queue it as it came. */
export type WebhookAdmission = { ok: true; body: string } | { ok: false; status: 400 | 401 | 403; reason: string };

/** One account's share of a queued body (HubSpot: one portal's events), parsed with zod in the ingest worker. */
export interface DeliveryPart {
  accountId: string;
  /** The change hints for the connection that takes this account (events of other accounts are not its). */
  hints(connection: ConnectionRow): ChangeHint[];
}

export type UnpackedDelivery = { ok: true; parts: DeliveryPart[] } | { ok: false; reason: string };

export interface WebhookReceiver {
  /** Verify the signature and parse the body (zod). Never throws for bad input: returns a verdict. */
  receive(req: IncomingWebhook, connection: ConnectionRow): WebhookVerdict;
  /**
   * Fast path for busy channels (HubSpot batches): verify the signature and check the body's
   * shape without building hints, and hand back the body to queue as it came. The full zod parse,
   * dedupe and routing by account then happen in the ingest worker through `unpack`. A receiver
   * with `admit` must have `unpack`, and must refuse here every body `receive` would refuse.
   */
  admit?(req: IncomingWebhook): WebhookAdmission;
  /** Worker side of `admit`: the queued body parsed (zod) and split by account. Never throws for bad input. */
  unpack?(body: string): UnpackedDelivery;
  /** The account (Salesforce org id) a delivery names, read cheaply before parsing, to pick the connection that takes it. */
  accountOf?(rawBody: Buffer): string | null;
  /** Body to answer with once hints are durably queued (e.g. a SOAP Ack); default empty 204/200. */
  acknowledge?(hints: ChangeHint[]): { status: number; contentType: string; body: string };
  /** Body to answer with when refusing (e.g. a SOAP fault). */
  refuse?(status: number, reason: string): { status: number; contentType: string; body: string };
}

export interface PollPage {
  records: RawRecord[];
  /** Records the source says no longer exist (deletion hints), removed before this page's records are stored. */
  deletions?: ChangeHint[];
  /** Checkpoint to save once this page is processed. */
  cursor: unknown;
  /** For the progress bar. */
  progress?: { done: number; total?: number };
}

export interface WriteRequest {
  objectType: string;
  recordId: string;
  /** Source field name → value ("" clears). Computed from the mapping's outbound section. */
  properties: Record<string, string>;
  /** Values the record holds now, as last read (e.g. lifecyclestage), so the connector can honour
   *  vendor rules such as HubSpot's forward-only lifecycle stage (clear, then set). */
  current?: Record<string, string | null>;
}

export type WriteOutcome =
  | { recordId: string; ok: true; written: Record<string, string> }
  | { recordId: string; ok: false; permanent: boolean; status: number | null; message: string };

/** The vendor API budget of a connection today, for the admin API and the dashboard. */
export interface ApiBudgetUse {
  /** Calls counted against the budget (Salesforce: the org's usage in its rolling 24 h, every integration included). */
  usedToday: number;
  /** The most qualify lets itself use (null: no budget configured). */
  limit: number | null;
  /** usedToday / limit, 0–1 (null without a limit). */
  share: number | null;
}

export interface Connector {
  system: SourceSystem;
  /** Path of the default mapping file, relative to the repository root. */
  mappingFile: string;
  /** Most records one write call may carry (HubSpot batch 100, Salesforce collections 200). */
  maxWriteBatch: number;
  /**
   * Optional bulk path (Salesforce Bulk API 2.0): when at least `threshold` writes are pending, the
   * pipeline may pass up to `maxBatch` of them in one write() call, and the connector sends them
   * as one bulk job instead of many small calls. Without it, write() gets at most maxWriteBatch.
   */
  bulkWrite?: { threshold: number; maxBatch: number };
  webhook?: WebhookReceiver;
  /** Idempotent first-connect work: create custom properties, describe fields, record the account id. */
  ensureSetup(ctx: ConnectorContext): Promise<void>;
  /** Read full records for change hints (batch reads). */
  fetch(ctx: ConnectorContext, refs: Array<{ objectType: string; recordId: string }>): Promise<RawRecord[]>;
  /** Incremental (or full) read from a saved cursor; yields one page at a time. */
  poll(ctx: ConnectorContext, cursor: unknown | null, opts: { full: boolean }): AsyncIterable<PollPage>;
  /** Write one batch (≤ maxWriteBatch, or ≤ bulkWrite.maxBatch); per-record outcomes, never all-or-nothing. */
  write(ctx: ConnectorContext, batch: WriteRequest[]): Promise<WriteOutcome[]>;
  /** API budget used today (no vendor call: what the limiter counted or the vendor last reported); null when unknown. */
  budget?(ctx: ConnectorContext): Promise<ApiBudgetUse | null>;
}
