import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import type { Logger } from 'pino';
import type { SourceSystem, Stage } from '../canonical/lead.schema.js';
import type { Grade, LifecycleState, ScoreResult, Transition } from '../qualification/qualification.schema.js';
import { parseSecretKey, SecretBox } from '../security/secret-box.js';
import * as analytics from './analytics-store.js';
import * as connections from './connection-store.js';
import * as credentials from './credential-store.js';
import { acquireDataDirLock } from './data-dir-lock.js';
import * as deletions from './deletion-store.js';
import * as leads from './lead-store.js';
import { loadMigrations, runMigrations, type Migration } from './migrate.js';
import * as models from './model-store.js';
import { createPgDriver } from './pg-driver.js';
import { createPgliteDriver } from './pglite-driver.js';
import * as qualifications from './qualification-store.js';
import { saveQualifications, type QualificationWrite } from './save-qualifications.js';
import * as sourceRecords from './source-record-store.js';
import type { SourceRecordInput } from './source-record-store.js';
import type { SqlDriver } from './sql-driver.js';
import type {
  ApiKeyRow,
  ConnectionRow,
  ConnectionStats,
  ConnectionStatus,
  GradeConversion,
  ModelVersionRow,
  ScoreBucket,
  SourceRecordDeletion,
  StageFlowRow,
  Store,
  StoredLead,
  UpsertSourceRecordResult,
  Workspace,
  WriteError,
} from './store.types.js';
import * as workspaces from './workspace-store.js';
import * as writeLedger from './write-ledger-store.js';

/**
 * The store of record as one object: createStore opens the database (PostgreSQL or embedded
 * PGlite) and SqlStore is one workspace's view of it. The SQL lives in one file per concern
 * (workspace-, connection-, credential-, source-record-, lead-, deletion-, qualification-,
 * analytics-, model- and write-ledger-store.ts); this file only wires the view's driver,
 * workspace id, logger and secret box into them.
 */

export interface CreateStoreOptions {
  /** PostgreSQL URL; unset or null → embedded PGlite. */
  databaseUrl?: string | null;
  /** PGlite: the qualify data directory (the database lives in `<dataDir>/pgdata`). Default `./.qualify`. */
  dataDir?: string;
  /** PGlite in memory (tests). */
  inMemory?: boolean;
  /** An already started PGlite to use (shared between stores in tests); the store does not close it. */
  pglite?: PGlite;
  /** PostgreSQL schema to work in (created if missing); isolates tests on a shared database. */
  schema?: string;
  logger?: Logger;
  /** Override the migrations folder (tests). */
  migrationsDir?: string;
  /** Skip running migrations at open (a read-only tool that must not change the schema). */
  skipMigrations?: boolean;
  /** Encrypts connection credentials at rest: QUALIFY_SECRET_KEY as configured, or an open SecretBox. Without either, credentials can't be saved or read. */
  secretKey?: string | SecretBox | null;
}

/** Opens the store of record, applying pending migrations before it answers. */
export async function createStore(opts: CreateStoreOptions = {}): Promise<Store> {
  const migrations = loadMigrations(opts.migrationsDir);
  let driver: SqlDriver;
  if (opts.databaseUrl) {
    driver = createPgDriver({ connectionString: opts.databaseUrl, schema: opts.schema, logger: opts.logger });
  } else if (opts.pglite || opts.inMemory) {
    driver = await createPgliteDriver({ instance: opts.pglite, inMemory: true, schema: opts.schema });
  } else {
    const dataDir = opts.dataDir ?? './.qualify';
    const lock = acquireDataDirLock(dataDir);
    try {
      const inner = await createPgliteDriver({ dataDir: join(dataDir, 'pgdata'), schema: opts.schema });
      driver = { ...inner, close: async () => { try { await inner.close(); } finally { lock.release(); } } };
    } catch (err) {
      lock.release();
      throw err;
    }
  }
  const where = describeLocation(opts);
  const box = opts.secretKey instanceof SecretBox ? opts.secretKey : opts.secretKey ? new SecretBox(parseSecretKey(opts.secretKey)) : null;
  const store = new SqlStore(driver, migrations, opts.schema, opts.logger, workspaces.DEFAULT_WORKSPACE, box);
  if (!opts.skipMigrations) {
    try {
      await store.migrate();
    } catch (err) {
      await driver.close().catch(() => undefined);
      throw new Error(`Opening the store (${where}) failed: ${(err as Error).message}`, { cause: err });
    }
  }
  opts.logger?.info({ store: where }, 'store open');
  return store;
}

/** Where the store lives, for logs and errors: never the password of a database URL. */
function describeLocation(opts: CreateStoreOptions): string {
  const schema = opts.schema ? `, schema ${opts.schema}` : '';
  if (opts.databaseUrl) {
    try {
      const u = new URL(opts.databaseUrl);
      return `PostgreSQL ${u.hostname}:${u.port || 5432}${u.pathname}${schema}`;
    } catch {
      return `PostgreSQL (unparsable DATABASE_URL)${schema}`;
    }
  }
  if (opts.pglite || opts.inMemory) return `embedded PGlite in memory${schema}`;
  return `embedded PGlite in ${join(opts.dataDir ?? './.qualify', 'pgdata')}${schema}`;
}

export type { SourceRecordInput };

/**
 * One workspace's view of the store. Every scoped query carries `workspace_id = <this view>`;
 * ids of another workspace's rows behave like unknown ids. Views made by forWorkspace share the
 * database connection (closing any of them closes it).
 */
export class SqlStore implements Store {
  constructor(
    readonly driver: SqlDriver,
    private readonly migrations: Migration[],
    private readonly schema: string | undefined,
    private readonly logger?: Logger,
    readonly workspaceId: string = workspaces.DEFAULT_WORKSPACE,
    private readonly secretBox: SecretBox | null = null,
    /** Shared by every view: who wants to hear that a connection row changed. */
    private readonly connectionListeners = new Set<(id: string) => void>(),
  ) {}

  onConnectionChange(listener: (id: string) => void): () => void {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }

  /** After a connection row is written: a process caching rows (the runtime) drops its copy. */
  private async changed<T>(id: string, write: Promise<T>): Promise<T> {
    const result = await write;
    for (const listener of this.connectionListeners) listener(id);
    return result;
  }

  forWorkspace(workspaceId: string): Store {
    if (workspaceId === this.workspaceId) return this;
    return new SqlStore(this.driver, this.migrations, this.schema, this.logger, workspaces.assertWorkspaceId(workspaceId), this.secretBox, this.connectionListeners);
  }

  private get ws(): string {
    return this.workspaceId;
  }

  // ── workspaces and API keys ──────────────────────────────────────────────

  createWorkspace(w: { id?: string; name: string }): Promise<Workspace> {
    return workspaces.createWorkspace(this.driver, w);
  }

  getWorkspace(id: string): Promise<Workspace | null> {
    return workspaces.getWorkspace(this.driver, id);
  }

  listWorkspaces(): Promise<Workspace[]> {
    return workspaces.listWorkspaces(this.driver);
  }

  createApiKey(name: string): Promise<{ key: string; apiKey: ApiKeyRow }> {
    return workspaces.createApiKey(this.driver, this.ws, name);
  }

  listApiKeys(): Promise<ApiKeyRow[]> {
    return workspaces.listApiKeys(this.driver, this.ws);
  }

  revokeApiKey(id: string): Promise<boolean> {
    return workspaces.revokeApiKey(this.driver, this.ws, id);
  }

  resolveApiKey(key: string): Promise<ApiKeyRow | null> {
    return workspaces.resolveApiKey(this.driver, key);
  }

  async migrate(): Promise<void> {
    await runMigrations(this.driver, { schema: this.schema, migrations: this.migrations, logger: this.logger });
  }

  async ping(): Promise<void> {
    await this.driver.query('select 1');
  }

  async close(): Promise<void> {
    await this.driver.close();
  }

  // ── connections and cursors ──────────────────────────────────────────────

  upsertConnection(c: Pick<ConnectionRow, 'id' | 'system'> & Partial<Pick<ConnectionRow, 'accountId' | 'config'>>): Promise<ConnectionRow> {
    return this.changed(c.id, connections.upsertConnection(this.driver, this.ws, c));
  }

  getConnection(id: string): Promise<ConnectionRow | null> {
    return connections.getConnection(this.driver, this.ws, id);
  }

  listConnections(): Promise<ConnectionRow[]> {
    return connections.listConnections(this.driver, this.ws);
  }

  setConnectionStatus(id: string, status: ConnectionStatus, message: string | null, parkedUntil?: Date | null): Promise<void> {
    return this.changed(id, connections.setConnectionStatus(this.driver, this.ws, id, status, message, parkedUntil));
  }

  getCursor<T = unknown>(connectionId: string, stream: string): Promise<T | null> {
    return connections.getCursor<T>(this.driver, this.ws, connectionId, stream);
  }

  saveCursor(connectionId: string, stream: string, cursor: unknown): Promise<void> {
    return connections.saveCursor(this.driver, this.ws, connectionId, stream, cursor);
  }

  deleteConnection(id: string): Promise<boolean> {
    return this.changed(id, connections.deleteConnection(this.driver, this.ws, id));
  }

  saveCredentials(connectionId: string, value: Record<string, unknown>): Promise<void> {
    return credentials.saveCredentials(this.driver, this.secretBox, this.ws, connectionId, value);
  }

  getCredentials<T = Record<string, unknown>>(connectionId: string): Promise<T | null> {
    return credentials.getCredentials<T>(this.driver, this.secretBox, this.ws, connectionId);
  }

  resealCredentials(opts: { dryRun: boolean }): Promise<credentials.CredentialResealReport> {
    return credentials.resealCredentials(this.driver, this.secretBox, this.ws, opts);
  }

  locateConnection(id: string): Promise<ConnectionRow | null> {
    return connections.locateConnection(this.driver, id);
  }

  findConnectionByAccount(system: SourceSystem, accountId: string): Promise<ConnectionRow | null> {
    return connections.findConnectionByAccount(this.driver, system, accountId);
  }

  findConnectionsBySystem(system: SourceSystem): Promise<ConnectionRow[]> {
    return connections.findConnectionsBySystem(this.driver, system);
  }

  connectionStats(connectionId: string): Promise<ConnectionStats> {
    return connections.connectionStats(this.driver, this.ws, connectionId);
  }

  // ── leads ────────────────────────────────────────────────────────────────

  upsertSourceRecord(input: SourceRecordInput): Promise<UpsertSourceRecordResult> {
    return sourceRecords.upsertSourceRecord(this.driver, this.ws, this.logger, input);
  }

  upsertSourceRecords(inputs: SourceRecordInput[]): Promise<UpsertSourceRecordResult[]> {
    return sourceRecords.upsertSourceRecords(this.driver, this.ws, this.logger, inputs);
  }

  getLead(leadId: string): Promise<StoredLead | null> {
    return leads.getLead(this.driver, this.ws, leadId);
  }

  getLeads(leadIds: string[]): Promise<StoredLead[]> {
    return leads.getLeads(this.driver, this.ws, leadIds);
  }

  findLeadIdBySourceRecord(system: SourceSystem, recordId: string): Promise<string | null> {
    return leads.findLeadIdBySourceRecord(this.driver, this.ws, system, recordId);
  }

  deleteSourceRecord(input: { system: SourceSystem; recordId: string; connectionId: string; occurredAt: string }): Promise<SourceRecordDeletion> {
    return deletions.deleteSourceRecord(this.driver, this.ws, this.logger, input);
  }

  listLeads(q: { stage?: Stage; grade?: Grade; email?: string; limit: number; offset?: number; orderBy?: 'score' | 'updated' }): Promise<StoredLead[]> {
    return leads.listLeads(this.driver, this.ws, q);
  }

  iterateLeadIds(pageSize: number, after?: string): AsyncIterable<string[]> {
    return leads.iterateLeadIds(this.driver, this.ws, pageSize, after);
  }

  countLeads(): Promise<number> {
    return leads.countLeads(this.driver, this.ws);
  }

  // ── scores and the stage audit trail ─────────────────────────────────────

  recordScore(leadId: string, score: ScoreResult): Promise<void> {
    return qualifications.recordScore(this.driver, this.ws, leadId, score);
  }

  /** Oldest first. */
  scoreHistory(leadId: string): Promise<ScoreResult[]> {
    return qualifications.scoreHistory(this.driver, this.ws, leadId);
  }

  saveLifecycle(leadId: string, state: LifecycleState, transition: Transition | null): Promise<void> {
    return qualifications.saveLifecycle(this.driver, this.ws, this.logger, leadId, state, transition);
  }

  async saveQualifications(items: QualificationWrite[]): Promise<void> {
    if (items.length === 0) return;
    await this.driver.transaction((tx) => saveQualifications(tx, items, this.logger ?? undefined, this.ws));
  }

  /** Oldest first: the audit trail in the order it happened. */
  transitions(leadId: string): Promise<Transition[]> {
    return qualifications.transitions(this.driver, this.ws, leadId);
  }

  funnel(): Promise<Record<Stage, number>> {
    return qualifications.funnel(this.driver, this.ws);
  }

  // ── analytics ────────────────────────────────────────────────────────────

  gradeDistribution(): Promise<Record<Grade, number>> {
    return analytics.gradeDistribution(this.driver, this.ws);
  }

  scoreHistogram(bucketWidth: number): Promise<ScoreBucket[]> {
    return analytics.scoreHistogram(this.driver, this.ws, bucketWidth);
  }

  stageFlow(q: { since: Date; bucket: 'day' | 'week' | 'month' }): Promise<StageFlowRow[]> {
    return analytics.stageFlow(this.driver, this.ws, q);
  }

  conversionByGrade(): Promise<GradeConversion[]> {
    return analytics.conversionByGrade(this.driver, this.ws);
  }

  // ── scoring models ───────────────────────────────────────────────────────

  saveModelDraft(m: { yaml: string; versionId: string; name: string }): Promise<ModelVersionRow> {
    return models.saveModelDraft(this.driver, this.ws, m);
  }

  listModels(): Promise<ModelVersionRow[]> {
    return models.listModels(this.driver, this.ws);
  }

  getModel(id: string): Promise<ModelVersionRow | null> {
    return models.getModel(this.driver, this.ws, id);
  }

  publishModel(id: string): Promise<ModelVersionRow | null> {
    return models.publishModel(this.driver, this.ws, id);
  }

  rollbackModel(): Promise<ModelVersionRow | null> {
    return models.rollbackModel(this.driver, this.ws);
  }

  activeModel(): Promise<ModelVersionRow | null> {
    return models.activeModel(this.driver, this.ws);
  }

  listActiveModels(): Promise<ModelVersionRow[]> {
    return models.listActiveModels(this.driver);
  }

  // ── write ledger and write errors ────────────────────────────────────────

  getLastWritten(connectionId: string, recordId: string): Promise<Record<string, string> | null> {
    return writeLedger.getLastWritten(this.driver, this.ws, connectionId, recordId);
  }

  getLastWrittenMany(connectionId: string, recordIds: string[]): Promise<Map<string, Record<string, string>>> {
    return writeLedger.getLastWrittenMany(this.driver, this.ws, connectionId, recordIds);
  }

  getLedgerEntries(connectionId: string, recordIds: string[]): Promise<Map<string, { properties: Record<string, string>; writtenAt: string }>> {
    return writeLedger.getLedgerEntries(this.driver, this.ws, connectionId, recordIds);
  }

  saveLastWritten(connectionId: string, entries: Array<{ recordId: string; properties: Record<string, string> }>): Promise<void> {
    return writeLedger.saveLastWritten(this.driver, this.ws, connectionId, entries);
  }

  recordWriteError(e: Omit<WriteError, 'id' | 'at'>): Promise<void> {
    return writeLedger.recordWriteError(this.driver, this.ws, e);
  }

  /** Newest first. */
  listWriteErrors(connectionId?: string, limit?: number): Promise<WriteError[]> {
    return writeLedger.listWriteErrors(this.driver, this.ws, connectionId, limit);
  }
}
