import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import type { Logger } from 'pino';
import { z } from 'zod';
import {
  EngagementEventSchema,
  LeadSchema,
  type EngagementEvent,
  SourceSystemSchema,
  StageSchema,
  type Lead,
  type SourceSystem,
  type Stage,
} from '../canonical/lead.schema.js';
import { mergeLeads } from '../canonical/merge-leads.js';
import {
  LifecycleStateSchema,
  ScoreResultSchema,
  type LifecycleState,
  type ScoreResult,
  type Transition,
} from '../qualification/qualification.schema.js';
import { parseSecretKey, SecretBox } from '../security/secret-box.js';
import * as analytics from './analytics-store.js';
import * as connections from './connection-store.js';
import * as credentials from './credential-store.js';
import { loadMigrations, runMigrations, type Migration } from './migrate.js';
import * as models from './model-store.js';
import * as qualifications from './qualification-store.js';
import * as workspaces from './workspace-store.js';
import * as writeLedger from './write-ledger-store.js';
import { createPgDriver } from './pg-driver.js';
import { acquireDataDirLock } from './data-dir-lock.js';
import { createPgliteDriver } from './pglite-driver.js';
import { parseRow, toIso, toIsoOrNull } from './row-parse.js';
import { saveQualifications, type QualificationWrite } from './save-qualifications.js';
import type { SqlDriver, SqlExecutor, SqlRow } from './sql-driver.js';
import type {
  ApiKeyRow,
  ConnectionRow,
  ConnectionStats,
  ConnectionStatus,
  GradeConversion,
  ModelVersionRow,
  ScoreBucket,
  SourceRecordDeletion,
  SourceRecordRow,
  StageFlowRow,
  Store,
  StoredLead,
  UpsertSourceRecordResult,
  Workspace,
  WriteError,
} from './store.types.js';
import { GradeSchema, type Grade } from '../qualification/qualification.schema.js';

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

const IsoOrNullSchema = z.iso.datetime({ offset: true }).nullable();

/** Records per transaction in a batch upsert: bounds lock count and statement size. */
const UPSERT_CHUNK = 200;

export type SourceRecordInput = Parameters<Store['upsertSourceRecord']>[0];
type ParsedRecordInput = { system: SourceSystem; recordId: string; lead: Lead; sourceUpdatedAt: string | null; email: string | null };

const recordKey = (system: string, id: string) => `${system}\u0000${id}`;

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** Time, then source and id by code unit (as mergeLeads orders them; SQL text order depends on the collation). */
function compareEvents(a: EngagementEvent, b: EngagementEvent): number {
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return Date.parse(a.at) - Date.parse(b.at) || cmp(a.source, b.source) || cmp(a.sourceId, b.sourceId);
}

/** Trimmed, lower-cased; the merge key across systems. */
function normaliseEmail(email: string | null | undefined): string | null {
  const e = email?.trim().toLowerCase();
  return e ? e : null;
}

interface LeadJoinRow extends SqlRow {
  id: string;
  email: string | null;
  lead: unknown;
  updated_at: Date;
  score: unknown;
  lifecycle: unknown;
}

interface SourceRecordDbRow extends SqlRow {
  system: string;
  record_id: string;
  lead_id: string;
  lead: unknown;
  source_updated_at: Date | null;
  source_updated_text: string | null;
  read_at: Date;
}

const LEAD_SELECT = `
  select l.id, l.email, l.lead, l.updated_at, s.result as score, lc.state as lifecycle
  from leads l
  left join scores s on s.id = l.score_id
  left join lead_lifecycle lc on lc.lead_id = l.id`;

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
  ) {}

  forWorkspace(workspaceId: string): Store {
    if (workspaceId === this.workspaceId) return this;
    return new SqlStore(this.driver, this.migrations, this.schema, this.logger, workspaces.assertWorkspaceId(workspaceId), this.secretBox);
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
    return connections.upsertConnection(this.driver, this.ws, c);
  }

  getConnection(id: string): Promise<ConnectionRow | null> {
    return connections.getConnection(this.driver, this.ws, id);
  }

  listConnections(): Promise<ConnectionRow[]> {
    return connections.listConnections(this.driver, this.ws);
  }

  setConnectionStatus(id: string, status: ConnectionStatus, message: string | null, parkedUntil?: Date | null): Promise<void> {
    return connections.setConnectionStatus(this.driver, this.ws, id, status, message, parkedUntil);
  }

  getCursor<T = unknown>(connectionId: string, stream: string): Promise<T | null> {
    return connections.getCursor<T>(this.driver, this.ws, connectionId, stream);
  }

  saveCursor(connectionId: string, stream: string, cursor: unknown): Promise<void> {
    return connections.saveCursor(this.driver, this.ws, connectionId, stream, cursor);
  }

  deleteConnection(id: string): Promise<boolean> {
    return connections.deleteConnection(this.driver, this.ws, id);
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

  async upsertSourceRecord(input: SourceRecordInput): Promise<UpsertSourceRecordResult> {
    const [result] = await this.upsertSourceRecords([input]);
    return result;
  }

  /**
   * Stores many source records with a handful of statements per chunk instead of several per
   * record (backfills). Same rules as one at a time, applied in input order: a later copy of the
   * same record in the batch counts as the next delivery. Each result carries its lead as merged
   * after the whole chunk.
   */
  async upsertSourceRecords(inputs: SourceRecordInput[]): Promise<UpsertSourceRecordResult[]> {
    const parsed = inputs.map((input) => {
      const what = `upsertSourceRecord input (${input.system} record ${input.recordId})`;
      const system = parseRow(SourceSystemSchema, input.system, what, 'system');
      const lead = parseRow(LeadSchema, input.lead, what, 'lead');
      const sourceUpdatedAt = parseRow(IsoOrNullSchema, input.sourceUpdatedAt, what, 'sourceUpdatedAt');
      return { system, recordId: input.recordId, lead, sourceUpdatedAt, email: normaliseEmail(lead.email) };
    });
    const results: UpsertSourceRecordResult[] = [];
    for (let i = 0; i < parsed.length; i += UPSERT_CHUNK) {
      const chunk = parsed.slice(i, i + UPSERT_CHUNK);
      results.push(...(await this.driver.transaction((tx) => this.upsertChunk(tx, chunk))));
    }
    return results;
  }

  private async upsertChunk(tx: SqlExecutor, chunk: ParsedRecordInput[]): Promise<UpsertSourceRecordResult[]> {
    // Serialise every writer of these records and of these people (emails). Locks are taken in
    // hash order, the same in every transaction, so two writers can never wait on each other in a cycle.
    const keys = new Set<string>();
    for (const r of chunk) {
      keys.add(`record:${this.ws}:${r.system}:${r.recordId}`);
      if (r.email) keys.add(`email:${this.ws}:${r.email}`);
    }
    await tx.query(
      `select count(pg_advisory_xact_lock(h))::int as n
       from (select distinct hashtextextended(k, 0) as h from unnest($1::text[]) as k order by h) as locks`,
      [[...keys]],
    );

    const stored = await tx.query<{ system: string; record_id: string; lead_id: string; source_updated_at: Date | null }>(
      `select system, record_id, lead_id, source_updated_at from source_records
       where workspace_id = $3 and (system, record_id) in (select * from unnest($1::text[], $2::text[]))`,
      [chunk.map((r) => r.system), chunk.map((r) => r.recordId), this.ws],
    );
    const recordState = new Map(stored.map((r) => [recordKey(r.system, r.record_id), { leadId: r.lead_id, updatedAt: r.source_updated_at }]));
    const emails = [...new Set(chunk.map((r) => r.email).filter((e): e is string => e !== null))];
    const owners = emails.length
      ? await tx.query<{ id: string; email: string }>(`select id, email from leads where workspace_id = $2 and email = any($1::text[])`, [emails, this.ws])
      : [];
    const leadByEmail = new Map(owners.map((o) => [o.email, o.id]));

    // Decide in input order, in memory: which records apply, and which lead each belongs to.
    const decisions: Array<{ leadId: string; applied: boolean }> = [];
    const newLeads = new Map<string, { id: string; email: string | null; lead: Lead }>();
    const recordWrites = new Map<string, ParsedRecordInput & { leadId: string }>();
    const eventWrites = new Map<string, { leadId: string; event: EngagementEvent }>();
    for (const r of chunk) {
      const key = recordKey(r.system, r.recordId);
      const current = recordState.get(key);
      const incomingAt = r.sourceUpdatedAt === null ? null : new Date(r.sourceUpdatedAt);
      if (current?.updatedAt && incomingAt && current.updatedAt > incomingAt) {
        // Out-of-order delivery: the stored version is newer, so this one must not overwrite it.
        decisions.push({ leadId: current.leadId, applied: false });
        continue;
      }
      let leadId = current?.leadId ?? (r.email ? leadByEmail.get(r.email) : undefined);
      if (!leadId) {
        leadId = randomUUID();
        newLeads.set(leadId, { id: leadId, email: r.email, lead: r.lead });
        if (r.email) leadByEmail.set(r.email, leadId);
      }
      recordState.set(key, { leadId, updatedAt: incomingAt });
      recordWrites.set(key, { ...r, leadId });
      // One event row per (source, sourceId), however often it is read; the latest copy wins
      // (an aggregate counter such as page views grows between reads).
      for (const event of r.lead.events) eventWrites.set(recordKey(event.source, event.sourceId), { leadId, event });
      decisions.push({ leadId, applied: true });
    }

    const affected = [...new Set([...recordWrites.values()].map((w) => w.leadId))].sort();
    // A lead created in this chunk has nothing stored yet: its merged document is known from the
    // chunk alone, so it is inserted once, complete, instead of inserted, read back and updated.
    const fresh = await this.mergeNewLeads(tx, newLeads, recordWrites, eventWrites);
    if (newLeads.size) {
      await tx.query(
        `insert into leads (id, email, lead, workspace_id)
         select e->>'id', e->>'email', e->'lead', $2 from jsonb_array_elements($1::jsonb) as e`,
        [JSON.stringify([...newLeads.values()].map((l) => ({ ...l, lead: fresh.get(l.id) ?? l.lead }))), this.ws],
      );
    }
    const toMerge = affected.filter((id) => !fresh.has(id));
    // Row locks on the leads: records of one person reached through different keys merge one writer at a time.
    const locked = toMerge.length
      ? await tx.query<{ id: string; email: string | null }>(`select id, email from leads where id = any($1::text[]) and workspace_id = $2 order by id for update`, [toMerge, this.ws])
      : [];
    if (recordWrites.size) {
      await tx.query(
        `insert into source_records (workspace_id, system, record_id, lead_id, lead, source_updated_at, source_updated_text, read_at)
         select $2, e->>'system', e->>'recordId', e->>'leadId', e->'lead', (e->>'sourceUpdatedAt')::timestamptz, e->>'sourceUpdatedAt', now()
         from jsonb_array_elements($1::jsonb) as e
         on conflict (workspace_id, system, record_id) do update set
           lead = excluded.lead,
           source_updated_at = excluded.source_updated_at,
           source_updated_text = excluded.source_updated_text,
           read_at = now()`,
        [JSON.stringify([...recordWrites.values()].map(({ system, recordId, leadId, lead, sourceUpdatedAt }) => ({ system, recordId, leadId, lead, sourceUpdatedAt }))), this.ws],
      );
    }
    if (eventWrites.size) {
      await tx.query(
        `insert into lead_events (workspace_id, lead_id, source, source_id, type, at, event)
         select $2, e->>'leadId', e->'event'->>'source', e->'event'->>'sourceId', e->'event'->>'type', (e->'event'->>'at')::timestamptz, e->'event'
         from jsonb_array_elements($1::jsonb) as e
         on conflict (workspace_id, source, source_id) do update set type = excluded.type, at = excluded.at, event = excluded.event
           where lead_events.lead_id = excluded.lead_id`,
        // Sorted, so two writers inserting the same events always meet them in the same order.
        [JSON.stringify([...eventWrites].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, w]) => w)), this.ws],
      );
    }

    const merged = await this.mergeStored(tx, toMerge);
    await this.updateMergedLeads(tx, locked, merged);
    for (const [id, lead] of fresh) merged.set(id, lead);

    // Leads only touched by stale deliveries: answer with what is stored.
    const untouched = [...new Set(decisions.filter((d) => !merged.has(d.leadId)).map((d) => d.leadId))];
    if (untouched.length) {
      const rows = await tx.query<{ id: string; lead: unknown }>(`select id, lead from leads where id = any($1::text[]) and workspace_id = $2`, [untouched, this.ws]);
      for (const row of rows) merged.set(row.id, parseRow(LeadSchema, row.lead, 'leads', row.id));
    }
    return decisions.map((d) => ({ leadId: d.leadId, applied: d.applied, lead: structuredClone(merged.get(d.leadId)!) }));
  }

  /**
   * Merged documents of the leads created in this chunk, from the chunk's own records and events.
   * An event another lead already owns stays with that lead, as the insert will leave it there.
   * A lead whose merge key would change within the chunk is left out: the general path handles it.
   */
  private async mergeNewLeads(
    tx: SqlExecutor,
    newLeads: Map<string, { id: string; email: string | null; lead: Lead }>,
    recordWrites: Map<string, ParsedRecordInput & { leadId: string }>,
    eventWrites: Map<string, { leadId: string; event: EngagementEvent }>,
  ): Promise<Map<string, Lead>> {
    const fresh = new Map<string, Lead>();
    if (newLeads.size === 0) return fresh;
    const events = [...eventWrites.values()].filter((w) => newLeads.has(w.leadId));
    const owned = new Set<string>();
    if (events.length) {
      const rows = await tx.query<{ source: string; source_id: string }>(
        `select source, source_id from lead_events
         where workspace_id = $3 and (source, source_id) in (select * from unnest($1::text[], $2::text[]))`,
        [events.map((w) => w.event.source), events.map((w) => w.event.sourceId), this.ws],
      );
      for (const r of rows) owned.add(recordKey(r.source, r.source_id));
    }
    const recordsByLead = groupBy([...recordWrites.values()].filter((w) => newLeads.has(w.leadId)), (w) => w.leadId);
    const eventsByLead = groupBy(events.filter((w) => !owned.has(recordKey(w.event.source, w.event.sourceId))), (w) => w.leadId);
    for (const created of newLeads.values()) {
      const lead = mergeLeads((recordsByLead.get(created.id) ?? []).map((r) => ({ system: r.system, lead: r.lead, sourceUpdatedAt: r.sourceUpdatedAt })));
      lead.events = (eventsByLead.get(created.id) ?? []).map((w) => w.event).sort(compareEvents);
      const parsed = parseRow(LeadSchema, lead, 'mergeLeads result for lead', created.id);
      if (normaliseEmail(parsed.email) === created.email) fresh.set(created.id, parsed);
    }
    return fresh;
  }

  /** The canonical lead of each given lead, from all its source records and every event ever seen for it. */
  private async mergeStored(tx: SqlExecutor, leadIds: string[]): Promise<Map<string, Lead>> {
    const merged = new Map<string, Lead>();
    if (leadIds.length === 0) return merged;
    const records = await tx.query<SourceRecordDbRow>(
      `select * from source_records where lead_id = any($1::text[]) order by read_at, system, record_id`,
      [leadIds],
    );
    // Events accumulate: a source may show only recent history on the next read, but what was seen once stays.
    const events = await tx.query<{ id: string; lead_id: string; event: unknown }>(
      `select id, lead_id, event from lead_events where lead_id = any($1::text[]) order by at, source, source_id`,
      [leadIds],
    );
    const recordsByLead = groupBy(records, (r) => r.lead_id);
    const eventsByLead = groupBy(events, (e) => e.lead_id);
    for (const leadId of leadIds) {
      const lead = mergeLeads(
        (recordsByLead.get(leadId) ?? []).map((r) => {
          const row = this.toSourceRecord(r);
          return { system: row.system, lead: row.lead, sourceUpdatedAt: row.sourceUpdatedAt };
        }),
      );
      lead.events = (eventsByLead.get(leadId) ?? [])
        .map((e) => parseRow(EngagementEventSchema, e.event, 'lead_events', String(e.id)))
        .sort(compareEvents);
      merged.set(leadId, parseRow(LeadSchema, lead, 'mergeLeads result for lead', leadId));
    }
    return merged;
  }

  /**
   * Stores the merged documents. The email column is the merge key: it follows the merged lead,
   * unless another lead already owns that address (two records of one person that disagree).
   */
  private async updateMergedLeads(tx: SqlExecutor, locked: Array<{ id: string; email: string | null }>, merged: Map<string, Lead>): Promise<void> {
    if (locked.length === 0) return;
    const wanted = new Map<string, string>();
    for (const row of locked) {
      const email = normaliseEmail(merged.get(row.id)?.email);
      if (email && email !== row.email) wanted.set(row.id, email);
    }
    const claimed = new Map<string, string>(); // email → lead id, among this chunk and the table
    if (wanted.size) {
      const taken = await tx.query<{ id: string; email: string }>(`select id, email from leads where workspace_id = $2 and email = any($1::text[])`, [
        [...new Set(wanted.values())],
        this.ws,
      ]);
      for (const t of taken) claimed.set(t.email, t.id);
    }
    const updates = locked.map((row) => {
      let email = row.email;
      const next = wanted.get(row.id);
      if (next) {
        const owner = claimed.get(next);
        if (owner && owner !== row.id) {
          this.logger?.warn({ leadId: row.id, otherLeadId: owner }, 'merged email belongs to another lead; keeping the merge key');
        } else {
          email = next;
          claimed.set(next, row.id);
          if (row.email) claimed.delete(row.email);
        }
      }
      return { id: row.id, email, lead: merged.get(row.id) };
    });
    await tx.query(
      `update leads as l set lead = e->'lead', email = e->>'email', updated_at = now()
       from jsonb_array_elements($1::jsonb) as e where l.id = e->>'id' and l.workspace_id = $2`,
      [JSON.stringify(updates), this.ws],
    );
  }

  async getLead(leadId: string): Promise<StoredLead | null> {
    const rows = await this.driver.query<LeadJoinRow>(`${LEAD_SELECT} where l.workspace_id = $1 and l.id = $2`, [this.ws, leadId]);
    const [lead] = await this.hydrate(rows);
    return lead ?? null;
  }

  async getLeads(leadIds: string[]): Promise<StoredLead[]> {
    if (leadIds.length === 0) return [];
    const rows = await this.driver.query<LeadJoinRow>(`${LEAD_SELECT} where l.workspace_id = $1 and l.id = any($2::text[])`, [this.ws, [...new Set(leadIds)]]);
    const byId = new Map((await this.hydrate(rows)).map((l) => [l.id, l]));
    return leadIds.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : []));
  }

  async findLeadIdBySourceRecord(system: SourceSystem, recordId: string): Promise<string | null> {
    const [row] = await this.driver.query<{ lead_id: string }>(
      `select lead_id from source_records where workspace_id = $3 and system = $1 and record_id = $2`,
      [system, recordId, this.ws],
    );
    return row?.lead_id ?? null;
  }

  async deleteSourceRecord(input: { system: SourceSystem; recordId: string; connectionId: string; occurredAt: string }): Promise<SourceRecordDeletion> {
    const what = `deleteSourceRecord input (${input.system} record ${input.recordId})`;
    const system = parseRow(SourceSystemSchema, input.system, what, 'system');
    const occurredAt = new Date(parseRow(z.iso.datetime({ offset: true }), input.occurredAt, what, 'occurredAt'));
    return this.driver.transaction(async (tx) => {
      // The same lock as an upsert of this record: a deletion and a re-read never interleave.
      await tx.query(`select pg_advisory_xact_lock(hashtextextended($1, 0))`, [`record:${this.ws}:${system}:${input.recordId}`]);
      const [stored] = await tx.query<{ lead_id: string; source_updated_at: Date | null; lead: unknown }>(
        `select lead_id, source_updated_at, lead from source_records where workspace_id = $1 and system = $2 and record_id = $3`,
        [this.ws, system, input.recordId],
      );
      // Re-created or restored after the deletion happened: the deletion is out of date.
      if (stored?.source_updated_at && stored.source_updated_at > occurredAt) return { outcome: 'newer', leadId: stored.lead_id, leadDeleted: false };
      for (const table of ['write_ledger', 'write_errors']) {
        await tx.query(`delete from ${table} where workspace_id = $1 and connection_id = $2 and record_id = $3`, [this.ws, input.connectionId, input.recordId]);
      }
      if (!stored) return { outcome: 'unknown', leadId: null, leadDeleted: false };
      const leadId = stored.lead_id;
      // The lead row is the lock of its merge (as in upsertChunk), taken before its records change.
      const locked = await tx.query<{ id: string; email: string | null }>(`select id, email from leads where id = $1 and workspace_id = $2 for update`, [leadId, this.ws]);
      await tx.query(`delete from source_records where workspace_id = $1 and system = $2 and record_id = $3`, [this.ws, system, input.recordId]);
      const others = await tx.query<{ system: string }>(`select system from source_records where workspace_id = $1 and lead_id = $2`, [this.ws, leadId]);
      if (others.length === 0) {
        // Events, scores, lifecycle and transitions go with the lead (foreign keys, on delete cascade).
        await tx.query(`delete from leads where id = $1 and workspace_id = $2`, [leadId, this.ws]);
        return { outcome: 'deleted', leadId, leadDeleted: true };
      }
      // The events this record brought: those its last read held, those named after it, and every
      // event of its system when no other record of that system is left with the lead.
      const doc = LeadSchema.safeParse(stored.lead);
      const ownEvents = doc.success ? doc.data.events.filter((e) => e.source === system).map((e) => e.sourceId) : [];
      await tx.query(
        `delete from lead_events where workspace_id = $1 and lead_id = $2 and source = $3
           and ($4::boolean or starts_with(source_id, $5) or source_id = any($6::text[]))`,
        [this.ws, leadId, system, !others.some((o) => o.system === system), `${input.recordId}:`, ownEvents],
      );
      const merged = await this.mergeStored(tx, [leadId]);
      await this.updateMergedLeads(tx, locked, merged);
      return { outcome: 'deleted', leadId, leadDeleted: false };
    });
  }

  async listLeads(q: { stage?: Stage; grade?: Grade; email?: string; limit: number; offset?: number; orderBy?: 'score' | 'updated' }): Promise<StoredLead[]> {
    const params: Array<string | number> = [this.ws];
    const where: string[] = ['l.workspace_id = $1'];
    if (q.grade) {
      params.push(GradeSchema.parse(q.grade));
      where.push(`s.grade = $${params.length}`);
    }
    if (q.stage) {
      params.push(StageSchema.parse(q.stage));
      where.push(`lc.stage = $${params.length}`);
    }
    if (q.email !== undefined) {
      params.push(normaliseEmail(q.email) ?? '');
      where.push(`l.email = $${params.length}`);
    }
    const order = q.orderBy === 'score' ? `s.score desc nulls last, l.updated_at desc, l.id` : `l.updated_at desc, l.id`;
    params.push(q.limit, q.offset ?? 0);
    const rows = await this.driver.query<LeadJoinRow>(
      `${LEAD_SELECT} where ${where.join(' and ')}
       order by ${order} limit $${params.length - 1} offset $${params.length}`,
      params,
    );
    return this.hydrate(rows);
  }

  async *iterateLeadIds(pageSize: number, after = ''): AsyncIterable<string[]> {
    // Keyset paging on the primary key: constant cost per page, never the whole table in memory,
    // and leads added while iterating after the cursor are still visited.
    for (;;) {
      const rows = await this.driver.query<{ id: string }>(`select id from leads where workspace_id = $3 and id > $1 order by id limit $2`, [
        after,
        pageSize,
        this.ws,
      ]);
      if (rows.length === 0) return;
      yield rows.map((r) => r.id);
      if (rows.length < pageSize) return;
      after = rows[rows.length - 1].id;
    }
  }

  async countLeads(): Promise<number> {
    const [row] = await this.driver.query<{ n: number }>(`select count(*)::int as n from leads where workspace_id = $1`, [this.ws]);
    return Number(row.n);
  }

  /** Joins the per-lead pieces with one query each, whatever the number of leads. */
  private async hydrate(rows: LeadJoinRow[]): Promise<StoredLead[]> {
    if (rows.length === 0) return [];
    const recordRows = await this.driver.query<SourceRecordDbRow>(
      `select * from source_records where lead_id = any($1::text[]) order by read_at, system, record_id`,
      [rows.map((r) => r.id)],
    );
    const recordsByLead = new Map<string, SourceRecordRow[]>();
    for (const r of recordRows) {
      const list = recordsByLead.get(r.lead_id) ?? [];
      list.push(this.toSourceRecord(r));
      recordsByLead.set(r.lead_id, list);
    }
    return rows.map((r) => ({
      id: r.id,
      email: r.email,
      lead: parseRow(LeadSchema, r.lead, 'leads', r.id),
      records: recordsByLead.get(r.id) ?? [],
      score: r.score == null ? null : parseRow(ScoreResultSchema, r.score, 'scores', `lead ${r.id}`),
      lifecycle: r.lifecycle == null ? null : parseRow(LifecycleStateSchema, r.lifecycle, 'lead_lifecycle', r.id),
      updatedAt: toIso(r.updated_at),
    }));
  }

  private toSourceRecord(r: SourceRecordDbRow): SourceRecordRow {
    const id = `${r.system}:${r.record_id}`;
    return {
      system: parseRow(SourceSystemSchema, r.system, 'source_records', id),
      recordId: r.record_id,
      leadId: r.lead_id,
      lead: parseRow(LeadSchema, r.lead, 'source_records', id),
      sourceUpdatedAt: r.source_updated_text ?? toIsoOrNull(r.source_updated_at),
      readAt: toIso(r.read_at),
    };
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
