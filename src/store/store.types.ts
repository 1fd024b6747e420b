import type { Lead, SourceSystem, Stage } from '../canonical/lead.schema.js';
import type { Grade, LifecycleState, ScoreResult, Transition } from '../qualification/qualification.schema.js';

/**
 * The store of record. One implementation (src/store/sql-store.ts) runs the same SQL and
 * migrations on PostgreSQL (`pg`, when DATABASE_URL is set) and on embedded PGlite
 * (the zero-setup default, in QUALIFY_DATA_DIR). The pipeline only sees this interface.
 */

export type ConnectionStatus = 'active' | 'paused' | 'parked' | 'needs_reauth';

export interface ConnectionRow {
  /** Unique across workspaces (queues and Redis keys use it), e.g. "hubspot:default". */
  id: string;
  /** The workspace the connection belongs to ('default' for env-configured connections). */
  workspaceId: string;
  system: SourceSystem;
  /** Portal id / org id once known. */
  accountId: string | null;
  status: ConnectionStatus;
  statusMessage: string | null;
  /** When parked (daily budget), until when. */
  parkedUntil: string | null;
  config: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

/** One system's view of a person, as last read. */
export interface SourceRecordRow {
  system: SourceSystem;
  recordId: string;
  leadId: string;
  /** The mapped (partial) canonical lead from this record alone. */
  lead: Lead;
  sourceUpdatedAt: string | null;
  readAt: string;
}

export interface StoredLead {
  id: string;
  email: string | null;
  /** Merged canonical lead over all source records (src/canonical/merge-leads.ts). */
  lead: Lead;
  records: SourceRecordRow[];
  score: ScoreResult | null;
  lifecycle: LifecycleState | null;
  updatedAt: string;
}

export interface UpsertSourceRecordResult {
  leadId: string;
  /** False when the incoming record is older than the stored one (out-of-order delivery): nothing changed. */
  applied: boolean;
  /** The merged lead after the upsert. */
  lead: Lead;
}

/** What deleteSourceRecord did. */
export interface SourceRecordDeletion {
  /**
   * deleted: the record went. newer: the stored record was updated in its source after the
   * deletion happened (re-created or restored since; a late or redelivered deletion): kept.
   * unknown: no such record (never stored, or already deleted): nothing but its ledger to remove.
   */
  outcome: 'deleted' | 'newer' | 'unknown';
  /** The lead the record belonged to (null when unknown). */
  leadId: string | null;
  /** The lead had no other record and went with its events, scores, lifecycle and stage transitions. */
  leadDeleted: boolean;
}

export interface WriteError {
  id: number;
  connectionId: string;
  recordId: string;
  status: number | null;
  message: string;
  payload: Record<string, unknown>;
  at: string;
}

/** A team using this deployment: its connections, scoring models, API keys and leads. */
export interface Workspace {
  id: string;
  name: string;
  createdAt: string;
}

/** An API key as stored: only a SHA-256 hash and a short prefix (to recognise it in lists). */
export interface ApiKeyRow {
  id: string;
  workspaceId: string;
  name: string;
  /** The first characters of the key ('qk_' + a few), safe to show. */
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export type ModelStatus = 'draft' | 'published' | 'retired';

/** One version of a workspace's scoring model (the YAML file as uploaded). */
export interface ModelVersionRow {
  id: string;
  workspaceId: string;
  /** The compiled model's version id (`name@version-<content hash>`). */
  versionId: string;
  name: string;
  /** draft: uploaded, never published; published: went live at least once and not superseded; retired: superseded or rolled back. */
  status: ModelStatus;
  /** The one version scoring this workspace's leads (at most one per workspace). */
  active: boolean;
  yaml: string;
  createdAt: string;
  publishedAt: string | null;
}

export interface ConnectionStats {
  /** Newest cursor save or write-back of the connection (null: never synced). */
  lastSyncAt: string | null;
  cursors: Record<string, unknown>;
  writeErrors: number;
}

export interface ScoreBucket {
  from: number;
  to: number;
  count: number;
}

export interface StageFlowRow {
  /** Start of the period, ISO date (YYYY-MM-DD, UTC). */
  period: string;
  to: Stage;
  count: number;
}

export interface GradeConversion {
  grade: Grade;
  leads: number;
  reachedMql: number;
  reachedSql: number;
  reachedOpportunity: number;
  reachedCustomer: number;
}

/**
 * A Store is a view of ONE workspace (`workspaceId`): every scoped method reads and writes only
 * that workspace's rows, and an id of another workspace behaves like an unknown id. Methods marked
 * "global" see every workspace (operator and routing use).
 */
export interface Store {
  readonly workspaceId: string;
  /** The same database seen as another workspace (no check that it exists: see getWorkspace). */
  forWorkspace(workspaceId: string): Store;
  /** Calls `listener` with a connection's id after its row was created, changed or deleted through any view; returns the unsubscribe. */
  onConnectionChange(listener: (id: string) => void): () => void;

  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;

  // workspaces (global)
  /** Throws StoreConflictError (src/store/store-errors.ts) when the id is taken. Id: lower-case letters, digits, '-' (from the name when absent). */
  createWorkspace(w: { id?: string; name: string }): Promise<Workspace>;
  getWorkspace(id: string): Promise<Workspace | null>;
  listWorkspaces(): Promise<Workspace[]>;

  // API keys (scoped; resolveApiKey is global)
  /** `key` ('qk_' + random) is returned this once and stored only as a SHA-256 hash. */
  createApiKey(name: string): Promise<{ key: string; apiKey: ApiKeyRow }>;
  listApiKeys(): Promise<ApiKeyRow[]>;
  revokeApiKey(id: string): Promise<boolean>;
  /** Global: the live (not revoked) key's row, or null; records lastUsedAt. */
  resolveApiKey(key: string): Promise<ApiKeyRow | null>;

  // connections and their cursors
  upsertConnection(c: Pick<ConnectionRow, 'id' | 'system'> & Partial<Pick<ConnectionRow, 'accountId' | 'config'>>): Promise<ConnectionRow>;
  getConnection(id: string): Promise<ConnectionRow | null>;
  listConnections(): Promise<ConnectionRow[]>;
  setConnectionStatus(id: string, status: ConnectionStatus, message: string | null, parkedUntil?: Date | null): Promise<void>;
  getCursor<T = unknown>(connectionId: string, stream: string): Promise<T | null>;
  saveCursor(connectionId: string, stream: string, cursor: unknown): Promise<void>;
  /** Deletes the connection with its credentials, cursors, write ledger and write errors (leads stay). False if not in this workspace. */
  deleteConnection(id: string): Promise<boolean>;
  /** Encrypted at rest (SecretBox, AES-256-GCM); replaces what was saved. Throws for a connection of another workspace. */
  saveCredentials(connectionId: string, value: Record<string, unknown>): Promise<void>;
  getCredentials<T = Record<string, unknown>>(connectionId: string): Promise<T | null>;
  /** Moves this workspace's stored credentials to the current secret key (`qualify secrets reseal`); with dryRun only reports. */
  resealCredentials(opts: { dryRun: boolean }): Promise<import('./credential-store.js').CredentialResealReport>;
  /** Global: the connection with this id in any workspace (a worker routing a job of a connection created elsewhere). */
  locateConnection(id: string): Promise<ConnectionRow | null>;
  /** Global: the connection of that HubSpot portal id / Salesforce org id, in any workspace (the oldest, if several). */
  findConnectionByAccount(system: SourceSystem, accountId: string): Promise<ConnectionRow | null>;
  /** Global: every connection of a system, in any workspace, oldest first (a webhook route that knows none yet looks here). */
  findConnectionsBySystem(system: SourceSystem): Promise<ConnectionRow[]>;
  connectionStats(connectionId: string): Promise<ConnectionStats>;

  // leads: records of one person (same email) merge into one canonical lead; events dedupe on (source, sourceId)
  upsertSourceRecord(input: { system: SourceSystem; recordId: string; lead: Lead; sourceUpdatedAt: string | null }): Promise<UpsertSourceRecordResult>;
  /**
   * Many records at once, same rules as one at a time applied in input order (a later copy of a
   * record in the batch is its next delivery); results in input order. A few statements per chunk
   * instead of several per record: use it for backfills and webhook batches.
   */
  upsertSourceRecords?(inputs: Array<{ system: SourceSystem; recordId: string; lead: Lead; sourceUpdatedAt: string | null }>): Promise<UpsertSourceRecordResult[]>;
  getLead(leadId: string): Promise<StoredLead | null>;
  /** Several leads in one round trip; unknown ids are left out; order follows `leadIds`. */
  getLeads?(leadIds: string[]): Promise<StoredLead[]>;
  findLeadIdBySourceRecord(system: SourceSystem, recordId: string): Promise<string | null>;
  /**
   * The source deleted a record (HubSpot contact deleted, GDPR-deleted or merged away): removes it
   * unless the stored copy was updated in its source after `occurredAt` (ISO-8601). A lead left
   * without records goes entirely (events, scores, lifecycle, stage transitions); otherwise only
   * the events that came from this record go and the lead is merged again from what is left
   * (re-qualifying it is the caller's job). The connection's write ledger and write errors of the
   * record go too, except when the deletion is older than the stored record. Idempotent.
   */
  deleteSourceRecord(input: { system: SourceSystem; recordId: string; connectionId: string; occurredAt: string }): Promise<SourceRecordDeletion>;
  listLeads(q: { stage?: Stage; grade?: Grade; email?: string; limit: number; offset?: number; orderBy?: 'score' | 'updated' }): Promise<StoredLead[]>;
  /** Streams lead ids in pages (for rescore) without holding all in memory, in id order; `after`: start after that id (a resumed rescore). */
  iterateLeadIds(pageSize: number, after?: string): AsyncIterable<string[]>;
  countLeads(): Promise<number>;

  // scores and the stage audit trail
  recordScore(leadId: string, score: ScoreResult): Promise<void>;
  scoreHistory(leadId: string): Promise<ScoreResult[]>;
  saveLifecycle(leadId: string, state: LifecycleState, transition: Transition | null): Promise<void>;
  transitions(leadId: string): Promise<Transition[]>;
  /**
   * Many leads' new scores and lifecycles in one transaction (same rules as recordScore and
   * saveLifecycle one at a time). Use it for pages of a sync, webhook batches and rescoring.
   */
  saveQualifications?(items: Array<{ leadId: string; score: ScoreResult | null; lifecycle: { state: LifecycleState; transition: Transition | null } | null }>): Promise<void>;
  funnel(): Promise<Record<Stage, number>>;

  // analytics (scoped)
  /** Leads by their current score's grade (every grade present, 0 when none). */
  gradeDistribution(): Promise<Record<Grade, number>>;
  /** Current combined scores in buckets [from, to) of `bucketWidth` over 0–100 (the last bucket includes 100). */
  scoreHistogram(bucketWidth: number): Promise<ScoreBucket[]>;
  /** Stage transitions since `since`, counted per period (UTC day, ISO week starting Monday, month) and target stage. */
  stageFlow(q: { since: Date; bucket: 'day' | 'week' | 'month' }): Promise<StageFlowRow[]>;
  /**
   * By current grade (every grade, 0 when none): how many leads, and how many ever reached each
   * stage or a later one on the way to a sale (mql → sql → opportunity → customer), per their
   * stage transitions and current stage.
   */
  conversionByGrade(): Promise<GradeConversion[]>;

  // scoring models (scoped)
  saveModelDraft(m: { yaml: string; versionId: string; name: string }): Promise<ModelVersionRow>;
  /** Newest first. */
  listModels(): Promise<ModelVersionRow[]>;
  getModel(id: string): Promise<ModelVersionRow | null>;
  /** Makes the version the workspace's one active version (the previous active one is retired). Null if not in this workspace. */
  publishModel(id: string): Promise<ModelVersionRow | null>;
  /** Re-activates the version that was active before the current one (the current one is retired); null when there is none. */
  rollbackModel(): Promise<ModelVersionRow | null>;
  activeModel(): Promise<ModelVersionRow | null>;
  /** Global: the active version of every workspace that has one (the runtime's model refresh). */
  listActiveModels(): Promise<ModelVersionRow[]>;

  // write ledger: what qualify last wrote to each system record (change and echo detection)
  getLastWritten(connectionId: string, recordId: string): Promise<Record<string, string> | null>;
  getLastWrittenMany(connectionId: string, recordIds: string[]): Promise<Map<string, Record<string, string>>>;
  /** The ledger with the time of each record's last write (to tell a stale read from a later change). */
  getLedgerEntries?(connectionId: string, recordIds: string[]): Promise<Map<string, { properties: Record<string, string>; writtenAt: string }>>;
  saveLastWritten(connectionId: string, entries: Array<{ recordId: string; properties: Record<string, string> }>): Promise<void>;
  recordWriteError(e: Omit<WriteError, 'id' | 'at'>): Promise<void>;
  listWriteErrors(connectionId?: string, limit?: number): Promise<WriteError[]>;
}
