import type { Logger } from 'pino';
import type { EventType, SourceSystem } from '../canonical/lead.schema.js';
import type { ConnectionRow, Store } from '../store/store.types.js';

/**
 * The connector contract, made of capabilities: a system implements only what it has (people
 * source, event source, write target; OAuth and the sandbox are in connector-definition.ts).
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

/** One behaviour event an event source knows about a person (analytics: a page view, a trial login). */
export interface SourceEvent {
  /** Stable id in the source: the same event read twice is stored once. */
  id: string;
  type: EventType;
  /** ISO-8601. */
  at: string;
  /** Who did it, as the source knows them: an email joins the CRM's person, an external id the source's own. */
  person: { email?: string | null; externalId?: string | null };
  /** Free text for the reasons ("pricing page"), optional. */
  detail?: string;
}

export interface EventPage {
  events: SourceEvent[];
  /** Checkpoint to save once this page is stored. */
  cursor: unknown;
  progress?: { done: number; total?: number };
}

/**
 * A system that has people of its own (a CRM, a marketing-automation system): incremental and
 * full reads from a cursor, reads by id for change hints, and optionally a webhook receiver
 * (verify → hints) that also carries deletions and merges as hints.
 */
export interface PeopleSource {
  /** Read full records for change hints (batch reads). */
  fetch(ctx: ConnectorContext, refs: Array<{ objectType: string; recordId: string }>): Promise<RawRecord[]>;
  /** Incremental (or full) read from a saved cursor; yields one page at a time. Deletions ride the pages. */
  poll(ctx: ConnectorContext, cursor: unknown | null, opts: { full: boolean }): AsyncIterable<PollPage>;
  webhook?: WebhookReceiver;
}

/**
 * A system that only knows what people did (analytics: GA4, Mixpanel, a tracking endpoint):
 * read-only, no people of its own to write to. Events are tied to people by email or the
 * source's id, and fold into the same canonical lead as the CRM record of that person.
 */
export interface EventSource {
  poll(ctx: ConnectorContext, cursor: unknown | null, opts: { full: boolean }): AsyncIterable<EventPage>;
}

/**
 * A system qualify writes scores and stages back to, with the vendor's batch size and its rules.
 * The rate-limit profile lives in the connector's client (the shared Redis limiter); a refusal
 * comes back as a RateLimitedError and the worker decides what happens.
 */
export interface WriteTarget {
  /** Most records one write call may carry (HubSpot batch 100, Salesforce collections 200, Pipedrive 1). */
  maxBatch: number;
  /**
   * Optional bulk path (Salesforce Bulk API 2.0): when at least `threshold` writes are pending, the
   * pipeline may pass up to `maxBatch` of them in one write() call, and the connector sends them
   * as one bulk job instead of many small calls. Without it, write() gets at most maxBatch.
   */
  bulk?: { threshold: number; maxBatch: number };
  /**
   * The vendor's rule for the stage field, applied inside write() (HubSpot: lifecycle stage moves
   * forward only, so a move back clears it first). Said here so docs and setup can name it.
   */
  stageRule?: string;
  /** Write one batch; per-record outcomes, never all-or-nothing. */
  write(ctx: ConnectorContext, batch: WriteRequest[]): Promise<WriteOutcome[]>;
}

/**
 * What a connector (connectors/<system>/index.ts) provides: only the capabilities its system has.
 * The pipeline drives them; a connector never touches queues and decides nothing about retries or
 * the connection's status: it throws one of the kit's typed errors and the worker decides.
 */
export interface Connector {
  system: SourceSystem;
  /** Path of the default mapping file, relative to the repository root. */
  mappingFile: string;
  people?: PeopleSource;
  events?: EventSource;
  writes?: WriteTarget;
  /**
   * Idempotent first-connect work (create custom fields, describe, subscribe webhooks, learn the
   * account id). Reports what it found; the caller records the account and the status.
   */
  setup?(ctx: ConnectorContext): Promise<SetupReport | void>;
  /** API budget used today (no vendor call: what the limiter counted or the vendor last reported); null when unknown. */
  budget?(ctx: ConnectorContext): Promise<ApiBudgetUse | null>;
}

/** What setup learned: the account behind the credentials, and what an admin must still do (null: nothing). */
export interface SetupReport {
  accountId?: string | null;
  /** Settings learned about the account (a time zone), kept in the connection row. */
  config?: Record<string, unknown>;
  /** A problem that leaves the connection working (a missing custom field): shown as its status message. */
  problem?: string | null;
}
