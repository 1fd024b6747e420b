import type { Lead, SourceSystem, Stage } from '../canonical/lead.schema.js';
import type { LifecycleState, ScoreResult, Transition } from '../qualification/qualification.schema.js';

/**
 * The store of record. One implementation (src/store/sql-store.ts) runs the same SQL and
 * migrations on PostgreSQL (`pg`, when DATABASE_URL is set) and on embedded PGlite
 * (the zero-setup default, in QUALIFY_DATA_DIR). The pipeline only sees this interface.
 */

export type ConnectionStatus = 'active' | 'paused' | 'parked' | 'needs_reauth';

export interface ConnectionRow {
  id: string; // e.g. "hubspot:default"
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

export interface WriteError {
  id: number;
  connectionId: string;
  recordId: string;
  status: number | null;
  message: string;
  payload: Record<string, unknown>;
  at: string;
}

export interface Store {
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;

  // connections and their cursors
  upsertConnection(c: Pick<ConnectionRow, 'id' | 'system'> & Partial<Pick<ConnectionRow, 'accountId' | 'config'>>): Promise<ConnectionRow>;
  getConnection(id: string): Promise<ConnectionRow | null>;
  listConnections(): Promise<ConnectionRow[]>;
  setConnectionStatus(id: string, status: ConnectionStatus, message: string | null, parkedUntil?: Date | null): Promise<void>;
  getCursor<T = unknown>(connectionId: string, stream: string): Promise<T | null>;
  saveCursor(connectionId: string, stream: string, cursor: unknown): Promise<void>;

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
  listLeads(q: { stage?: Stage; email?: string; limit: number; offset?: number; orderBy?: 'score' | 'updated' }): Promise<StoredLead[]>;
  /** Streams lead ids in pages (for rescore) without holding all in memory. */
  iterateLeadIds(pageSize: number): AsyncIterable<string[]>;
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

  // write ledger: what qualify last wrote to each system record (change and echo detection)
  getLastWritten(connectionId: string, recordId: string): Promise<Record<string, string> | null>;
  getLastWrittenMany(connectionId: string, recordIds: string[]): Promise<Map<string, Record<string, string>>>;
  /** The ledger with the time of each record's last write (to tell a stale read from a later change). */
  getLedgerEntries?(connectionId: string, recordIds: string[]): Promise<Map<string, { properties: Record<string, string>; writtenAt: string }>>;
  saveLastWritten(connectionId: string, entries: Array<{ recordId: string; properties: Record<string, string> }>): Promise<void>;
  recordWriteError(e: Omit<WriteError, 'id' | 'at'>): Promise<void>;
  listWriteErrors(connectionId?: string, limit?: number): Promise<WriteError[]>;
}
