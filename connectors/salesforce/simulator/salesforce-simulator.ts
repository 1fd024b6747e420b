import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { parse as parseCsv } from 'csv-parse/sync';
import express, { type NextFunction, type Request, type Response } from 'express';
import { makeId } from './simulator-ids.js';
import { DEFAULT_LEAD_STATUSES, describeField, KEY_PREFIX, objectFields, RELATIONSHIPS, type SimField } from './simulator-schema.js';
import { sfDateTime, type SeedData, type SimRecord } from './simulator-seed.js';
import { evaluate, parseSoql, SoqlError, sortKey, type SoqlQuery } from './soql.js';

/**
 * An in-repo Salesforce org for tests, demos and benchmarks, serving what qualify's jsforce
 * client calls, with Salesforce's documented behaviour:
 *  - POST /services/oauth2/token (refresh_token grant; `invalid_grant` once revoked);
 *  - 401 INVALID_SESSION_ID for unknown or expired access tokens;
 *  - `Sforce-Limit-Info: api-usage=N/M` on every counted response; 403 REQUEST_LIMIT_EXCEEDED
 *    once the daily limit is spent;
 *  - GET query?q= (SOQL subset) with nextRecordsUrl paging (2,000 per page unless
 *    `Sforce-Query-Options: batchSize=` asks for fewer, min 200), GET query/{locator};
 *  - GET sobjects/{type}/describe with picklists (Lead Status restricted);
 *  - GET sobjects/{type}/deleted?start=&end= (seconds ignored; 400 INVALID_REPLICATION_DATE for a
 *    window under a minute or a start more than 30 days ago);
 *  - PATCH composite/sobjects: ≤ 200 records, per-record SaveResults, allOrNone, restricted
 *    picklists, converted leads read-only, unknown fields and ids refused per record;
 *  - Bulk API 2.0 ingest: create job, PUT CSV batches, UploadComplete, job info, successful /
 *    failed / unprocessed results, delete.
 */

export interface SimulatorOptions {
  orgId?: string;
  clientId?: string;
  clientSecret?: string;
  refreshToken?: string;
  dailyLimit?: number;
  usedToday?: number;
  /** Default query page size (Salesforce: 2,000). */
  queryBatchSize?: number;
  leadStatuses?: string[];
  /** Custom fields to leave out of describe, e.g. ['Lead.Qualify_Segment__c']. */
  missingFields?: string[];
  /** GET job info calls answered InProgress before a closed job completes. */
  bulkPollsBeforeComplete?: number;
  /** Refresh-token rotation: each refresh returns a new refresh token and retires the one used. */
  rotateRefreshTokens?: boolean;
  /** Objects the integration user can't see (queries answer INVALID_TYPE), e.g. ['CampaignMember']. */
  hiddenObjects?: string[];
  /** Leave the identity URL (`id`) out of the token response, as some proxies do. */
  omitIdentityUrl?: boolean;
  /** The org's clock (the 30-day limit of the deleted-records resource); default the wall clock. */
  now?: () => Date;
  data?: Partial<SeedData>;
}

export interface RecordedCall {
  method: string;
  path: string;
  records?: number;
  /** The query string as sent (e.g. a deleted-records window). */
  query?: string;
}

interface BulkJob {
  id: string;
  object: string;
  operation: string;
  state: 'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Aborted' | 'Failed';
  createdDate: string;
  csv: string[];
  polls: number;
  successful: Array<Record<string, string>>;
  failed: Array<Record<string, string> & { sf__Error: string }>;
  columns: string[];
}

type SaveResult = { id?: string; success: boolean; errors: Array<{ statusCode: string; message: string; fields: string[] }> };

const sfError = (res: Response, status: number, errorCode: string, message: string) => res.status(status).json([{ message, errorCode }]);

export class SalesforceSimulator {
  readonly orgId: string;
  readonly userId = makeId('005', 1);
  readonly clientId: string;
  readonly clientSecret: string | undefined;
  refreshToken: string;
  dailyLimit: number;
  usedToday: number;
  queryBatchSize: number;
  leadStatuses: string[];
  missingFields: Set<string>;
  bulkPollsBeforeComplete: number;
  rotateRefreshTokens: boolean;
  hiddenObjects: Set<string>;
  omitIdentityUrl: boolean;
  now: () => Date;
  /** When each record in the recycle bin was deleted (the delete log). */
  private readonly deletedAt = new Map<string, Date>();
  readonly db: Record<string, Map<string, SimRecord>> = {};
  readonly calls: RecordedCall[] = [];
  tokenCalls = 0;
  /** Per-record failures to inject on writes: record id → [statusCode, message]. */
  readonly failOnWrite = new Map<string, [string, string]>();
  private tokens = new Set<string>();
  private refreshRevoked = false;
  private readonly cursors = new Map<string, { query: SoqlQuery; rows: SimRecord[]; batch: number }>();
  private readonly jobs = new Map<string, BulkJob>();
  private seq = 0;
  private schemaKey = '';
  private readonly schemaCache = new Map<string, { list: SimField[]; byName: Map<string, SimField> }>();
  private baseUrl = 'http://127.0.0.1';
  readonly app: express.Express;

  constructor(opts: SimulatorOptions = {}) {
    this.orgId = opts.orgId ?? makeId('00D', 1);
    this.clientId = opts.clientId ?? 'qualify-client-id';
    this.clientSecret = opts.clientSecret ?? 'qualify-client-secret';
    this.refreshToken = opts.refreshToken ?? 'qualify-refresh-token';
    this.dailyLimit = opts.dailyLimit ?? 100_000;
    this.usedToday = opts.usedToday ?? 0;
    this.queryBatchSize = opts.queryBatchSize ?? 2000;
    this.leadStatuses = opts.leadStatuses ?? DEFAULT_LEAD_STATUSES;
    this.missingFields = new Set(opts.missingFields ?? []);
    this.bulkPollsBeforeComplete = opts.bulkPollsBeforeComplete ?? 1;
    this.rotateRefreshTokens = opts.rotateRefreshTokens ?? false;
    this.hiddenObjects = new Set(opts.hiddenObjects ?? []);
    this.omitIdentityUrl = opts.omitIdentityUrl ?? false;
    this.now = opts.now ?? (() => new Date());
    for (const type of Object.keys(KEY_PREFIX)) this.db[type] = new Map();
    this.db.Organization!.set(this.orgId, { Id: this.orgId, Name: 'Simulated Org', OrganizationType: 'Enterprise Edition', IsSandbox: false, SystemModstamp: sfDateTime(new Date('2026-01-01T00:00:00Z')) });
    if (opts.data) this.load(opts.data);
    this.app = this.buildApp();
  }

  load(data: Partial<SeedData>): void {
    for (const [type, rows] of Object.entries(data)) for (const r of rows ?? []) this.db[type]!.set(r.Id, { ...r });
  }

  fields(type: string): SimField[] {
    return this.schema(type).list;
  }

  /**
   * An object's fields and a case-insensitive index, rebuilt only when the statuses or the missing
   * fields change: a query reads several fields of every row, and building the schema per read made
   * a 20,000-record org take minutes to query.
   */
  private schema(type: string): { list: SimField[]; byName: Map<string, SimField> } {
    const key = `${this.leadStatuses.join('\u0001')}|${[...this.missingFields].join(',')}`;
    if (key !== this.schemaKey) {
      this.schemaKey = key;
      this.schemaCache.clear();
    }
    let entry = this.schemaCache.get(type);
    if (!entry) {
      const list = (objectFields(this.leadStatuses)[type] ?? []).filter((f) => !this.missingFields.has(`${type}.${f.name}`));
      entry = { list, byName: new Map(list.map((f) => [f.name.toLowerCase(), f])) };
      this.schemaCache.set(type, entry);
    }
    return entry;
  }

  private field(type: string, name: string): SimField | undefined {
    return this.schema(type).byName.get(name.toLowerCase());
  }

  /** Every access token issued so far stops working (session timeout). */
  expireSessions(): void {
    this.tokens.clear();
  }

  /** The refresh token is revoked (user removed the app, admin revoked it): the token endpoint answers invalid_grant. */
  revokeRefreshToken(): void {
    this.refreshRevoked = true;
  }

  /** The user authorises the app again: a new refresh token works, the revoked one stays refused. */
  grantNewRefreshToken(): string {
    this.refreshToken = `qualify-refresh-${randomBytes(8).toString('hex')}`;
    this.refreshRevoked = false;
    return this.refreshToken;
  }

  issueToken(): string {
    const token = `${this.orgId.slice(0, 15)}!${randomBytes(24).toString('base64url')}`;
    this.tokens.add(token);
    return token;
  }

  /** Simulates another user editing a record (bumps SystemModstamp). */
  touch(type: string, id: string, changes: Record<string, unknown>, at = new Date()): SimRecord {
    const rec = this.db[type]?.get(id);
    if (!rec) throw new Error(`no ${type} ${id}`);
    Object.assign(rec, changes, { LastModifiedDate: sfDateTime(at), SystemModstamp: sfDateTime(at) });
    return rec;
  }

  /** Deletes a record to the recycle bin (queries hide it; the deleted-records resource lists it). */
  deleteRecord(type: string, id: string, at = this.now()): void {
    const rec = this.db[type]?.get(id);
    if (!rec) throw new Error(`no ${type} ${id}`);
    Object.assign(rec, { IsDeleted: true, SystemModstamp: sfDateTime(at) });
    this.deletedAt.set(id, at);
  }

  /** Restores a record from the recycle bin (SystemModstamp moves on; it leaves the delete log). */
  undeleteRecord(type: string, id: string, at = this.now()): SimRecord {
    const rec = this.touch(type, id, { IsDeleted: false }, at);
    this.deletedAt.delete(id);
    return rec;
  }

  /** Converts a Lead into a new Contact (as Lead Convert does: activities and campaign history move to the Contact). */
  convertLead(leadId: string, at = new Date()): SimRecord {
    const lead = this.db.Lead!.get(leadId);
    if (!lead) throw new Error(`no Lead ${leadId}`);
    const contactId = makeId('003', 900_000 + ++this.seq);
    const ts = sfDateTime(at);
    const contact: SimRecord = {
      Id: contactId, AccountId: null, FirstName: lead.FirstName, LastName: lead.LastName, Email: lead.Email, Title: lead.Title, Department: null,
      MailingCountry: lead.Country, LeadSource: lead.LeadSource, HasOptedOutOfEmail: lead.HasOptedOutOfEmail, DoNotCall: lead.DoNotCall,
      EmailBouncedReason: lead.EmailBouncedReason ?? null, IsEmailBounced: lead.IsEmailBounced ?? false, CreatedDate: ts, LastModifiedDate: ts, SystemModstamp: ts, IsDeleted: false,
    };
    this.db.Contact!.set(contactId, contact);
    for (const t of [...this.db.Task!.values(), ...this.db.Event!.values()]) if (t.WhoId === leadId) t.WhoId = contactId;
    for (const m of this.db.CampaignMember!.values()) if (m.LeadId === leadId) m.ContactId = contactId;
    Object.assign(lead, { IsConverted: true, ConvertedContactId: contactId, ConvertedDate: ts.slice(0, 10), Status: 'Closed - Converted', LastModifiedDate: ts, SystemModstamp: ts });
    return contact;
  }

  async listen(port = 0): Promise<{ url: string; close: () => Promise<void> }> {
    const server = this.app.listen(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      server.once('listening', () => resolve());
      server.once('error', reject);
    });
    this.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return {
      url: this.baseUrl,
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  }

  callsTo(method: string, pathPart: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method && c.path.includes(pathPart));
  }

  private buildApp(): express.Express {
    const app = express();
    app.disable('x-powered-by');

    app.post('/services/oauth2/token', express.urlencoded({ extended: false }), (req, res) => {
      this.tokenCalls++;
      const body = req.body as Record<string, string | undefined>;
      if (body.grant_type !== 'refresh_token') return res.status(400).json({ error: 'unsupported_grant_type', error_description: 'grant type not supported' });
      if (body.client_id !== this.clientId) return res.status(400).json({ error: 'invalid_client_id', error_description: 'client identifier invalid' });
      if (this.clientSecret && body.client_secret !== this.clientSecret) return res.status(400).json({ error: 'invalid_client', error_description: 'invalid client credentials' });
      if (this.refreshRevoked || body.refresh_token !== this.refreshToken) return res.status(400).json({ error: 'invalid_grant', error_description: 'expired access/refresh token' });
      const issuedAt = String(Date.now());
      if (this.rotateRefreshTokens) this.refreshToken = `qualify-refresh-${randomBytes(8).toString('hex')}`;
      return res.json({
        ...(this.rotateRefreshTokens && { refresh_token: this.refreshToken }),
        access_token: this.issueToken(),
        signature: randomBytes(32).toString('base64'),
        scope: 'api refresh_token',
        instance_url: this.baseUrl,
        ...(!this.omitIdentityUrl && { id: `${this.baseUrl}/id/${this.orgId}/${this.userId}` }),
        token_type: 'Bearer',
        issued_at: issuedAt,
      });
    });

    const data = express.Router();
    data.use(express.json({ limit: '50mb', type: ['application/json'] }));
    data.use(express.text({ limit: '150mb', type: ['text/csv'] }));
    data.use((req: Request, res: Response, next: NextFunction) => {
      const auth = req.headers.authorization ?? '';
      const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
      if (!this.tokens.has(token)) return sfError(res, 401, 'INVALID_SESSION_ID', 'Session expired or invalid');
      if (this.usedToday >= this.dailyLimit) {
        res.setHeader('Sforce-Limit-Info', `api-usage=${this.usedToday}/${this.dailyLimit}`);
        return sfError(res, 403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
      }
      this.usedToday++;
      res.setHeader('Sforce-Limit-Info', `api-usage=${this.usedToday}/${this.dailyLimit}`);
      const records = Array.isArray((req.body as { records?: unknown })?.records) ? (req.body as { records: unknown[] }).records.length : undefined;
      const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : undefined;
      this.calls.push({ method: req.method, path: req.path, records, ...(query && { query }) });
      next();
    });

    data.get('/services/data/:version/query', (req, res) => this.query(req, res));
    data.get('/services/data/:version/query/:locator', (req, res) => this.queryMore(req, res));
    data.get('/services/data/:version/sobjects/:type/deleted', (req, res) => this.deleted(req, res));
    data.get('/services/data/:version/sobjects/:type/describe', (req, res) => this.describe(req, res));
    data.patch('/services/data/:version/composite/sobjects', (req, res) => this.updateCollection(req, res));
    data.post('/services/data/:version/jobs/ingest', (req, res) => this.createJob(req, res));
    data.put('/services/data/:version/jobs/ingest/:id/batches', (req, res) => this.uploadJobData(req, res));
    data.patch('/services/data/:version/jobs/ingest/:id', (req, res) => this.closeJob(req, res));
    data.get('/services/data/:version/jobs/ingest/:id', (req, res) => this.jobInfo(req, res));
    data.get('/services/data/:version/jobs/ingest/:id/:result', (req, res) => this.jobResults(req, res));
    data.delete('/services/data/:version/jobs/ingest/:id', (req, res) => {
      this.jobs.delete(String(req.params.id));
      res.status(204).end();
    });
    data.use((req, res) => sfError(res, 404, 'NOT_FOUND', `The requested resource does not exist: ${req.method} ${req.path}`));
    app.use(data);
    return app;
  }

  // ---- deleted records ---------------------------------------------------------------------

  private deleted(req: Request, res: Response) {
    const type = String(req.params.type);
    const table = this.hiddenObjects.has(type) ? undefined : this.db[type];
    if (!table) return sfError(res, 404, 'NOT_FOUND', `The requested resource does not exist: ${req.method} ${req.path}`);
    // Salesforce ignores the seconds of both ends.
    const minute = (v: unknown) => {
      const t = typeof v === 'string' ? Date.parse(v) : NaN;
      return Number.isNaN(t) ? NaN : Math.floor(t / 60_000) * 60_000;
    };
    const start = minute(req.query.start);
    const end = minute(req.query.end);
    if (Number.isNaN(start) || Number.isNaN(end)) return sfError(res, 400, 'INVALID_REPLICATION_DATE', 'start and end must be date-times (YYYY-MM-DDThh:mm:ss+hh:mm)');
    if (end - start < 60_000) return sfError(res, 400, 'INVALID_REPLICATION_DATE', 'startDate must chronologically precede endDate by more than one minute');
    const earliest = this.now().getTime() - 30 * 24 * 3600_000;
    if (start < earliest) return sfError(res, 400, 'INVALID_REPLICATION_DATE', 'startDate cannot be more than 30 days ago');
    const deletedRecords = [...table.values()]
      .filter((r) => r.IsDeleted && this.deletedAt.has(r.Id))
      .map((r) => ({ id: r.Id, at: this.deletedAt.get(r.Id)! }))
      .filter((d) => d.at.getTime() >= start && d.at.getTime() < end)
      .sort((a, b) => a.at.getTime() - b.at.getTime())
      .map((d) => ({ id: d.id, deletedDate: sfDateTime(d.at) }));
    return res.json({ deletedRecords, earliestDateAvailable: sfDateTime(new Date(Math.ceil(earliest / 60_000) * 60_000)), latestDateCovered: sfDateTime(new Date(end)) });
  }

  // ---- query -------------------------------------------------------------------------------

  private query(req: Request, res: Response) {
    const soql = typeof req.query.q === 'string' ? req.query.q : '';
    let q: SoqlQuery;
    try {
      q = parseSoql(soql);
    } catch (err) {
      return sfError(res, 400, 'MALFORMED_QUERY', `${(err as SoqlError).message}`);
    }
    const table = this.hiddenObjects.has(q.object) ? undefined : this.db[q.object];
    if (!table) return sfError(res, 400, 'INVALID_TYPE', `\nSELECT ${q.fields.join(', ')} FROM ${q.object}\n ^\nERROR at Row:1:Column:1\nsObject type '${q.object}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name.`);
    const bad = [...q.fields, ...q.orderBy.map((o) => o.field)].find((f) => !this.knownPath(q.object, f));
    if (bad) return sfError(res, 400, 'INVALID_FIELD', `No such column '${bad}' on entity '${q.object}'.`);
    let rows = [...table.values()].filter((r) => !r.IsDeleted && (!q.where || evaluate(q.where, (f) => this.read(q.object, r, f))));
    if (q.orderBy.length) {
      rows.sort((a, b) => {
        for (const o of q.orderBy) {
          const x = sortKey(this.read(q.object, a, o.field));
          const y = sortKey(this.read(q.object, b, o.field));
          if (x === y) continue;
          if (x === null) return o.nullsLast ? 1 : -1;
          if (y === null) return o.nullsLast ? -1 : 1;
          const c = x < y ? -1 : 1;
          return o.desc ? -c : c;
        }
        return 0;
      });
    }
    if (q.limit !== null) rows = rows.slice(0, q.limit);
    const batchHeader = /batchSize=(\d+)/.exec(String(req.headers['sforce-query-options'] ?? ''));
    const batch = batchHeader ? Math.min(2000, Math.max(200, Number(batchHeader[1]))) : this.queryBatchSize;
    const locator = `01g${randomBytes(6).toString('hex').slice(0, 12)}`;
    this.cursors.set(locator, { query: q, rows, batch });
    return res.json(this.page(String(req.params.version), locator, 0));
  }

  private queryMore(req: Request, res: Response) {
    const [locator, offsetText] = String(req.params.locator).split('-');
    const cursor = this.cursors.get(locator ?? '');
    if (!cursor || !offsetText) return sfError(res, 400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    return res.json(this.page(String(req.params.version), locator!, Number(offsetText)));
  }

  private page(version: string, locator: string, offset: number) {
    const cursor = this.cursors.get(locator)!;
    const slice = cursor.rows.slice(offset, offset + cursor.batch);
    const next = offset + cursor.batch;
    const done = next >= cursor.rows.length;
    if (done) this.cursors.delete(locator);
    return {
      totalSize: cursor.rows.length,
      done,
      ...(done ? {} : { nextRecordsUrl: `/services/data/${version}/query/${locator}-${next}` }),
      records: slice.map((r) => this.project(version, cursor.query.object, r, cursor.query.fields)),
    };
  }

  private knownPath(object: string, path: string): boolean {
    const parts = path.split('.');
    if (parts.length === 1) return !!this.field(object, path);
    const rel = RELATIONSHIPS[object]?.[parts[0]!];
    return !!rel && parts.length === 2 && !!this.field(rel.object, parts[1]!);
  }

  private canonicalName(object: string, name: string): string {
    return this.field(object, name)?.name ?? name;
  }

  private read(object: string, row: SimRecord, path: string): unknown {
    const parts = path.split('.');
    if (parts.length === 1) return row[this.canonicalName(object, path)] ?? null;
    const rel = RELATIONSHIPS[object]![parts[0]!]!;
    const parent = this.db[rel.object]!.get(String(row[rel.field] ?? ''));
    return parent ? (parent[this.canonicalName(rel.object, parts[1]!)] ?? null) : null;
  }

  private project(version: string, object: string, row: SimRecord, fields: string[]) {
    const out: Record<string, unknown> = { attributes: { type: object, url: `/services/data/${version}/sobjects/${object}/${row.Id}` } };
    for (const f of fields) {
      const parts = f.split('.');
      if (parts.length === 1) {
        out[this.canonicalName(object, f)] = row[this.canonicalName(object, f)] ?? null;
        continue;
      }
      const rel = RELATIONSHIPS[object]![parts[0]!]!;
      const parent = this.db[rel.object]!.get(String(row[rel.field] ?? ''));
      if (!parent) {
        out[parts[0]!] = null;
        continue;
      }
      const nested = (out[parts[0]!] as Record<string, unknown> | undefined) ?? { attributes: { type: rel.object, url: `/services/data/${version}/sobjects/${rel.object}/${parent.Id}` } };
      nested[this.canonicalName(rel.object, parts[1]!)] = parent[this.canonicalName(rel.object, parts[1]!)] ?? null;
      out[parts[0]!] = nested;
    }
    return out;
  }

  // ---- describe ----------------------------------------------------------------------------

  private describe(req: Request, res: Response) {
    const type = String(req.params.type);
    if (!this.db[type] || this.hiddenObjects.has(type)) return sfError(res, 404, 'NOT_FOUND', `The requested resource does not exist`);
    return res.json({
      name: type,
      label: type,
      custom: false,
      keyPrefix: KEY_PREFIX[type],
      updateable: true,
      queryable: true,
      fields: this.fields(type).map(describeField),
    });
  }

  // ---- writes ------------------------------------------------------------------------------

  /** Applies one record's changes, or says why not (Salesforce's per-record SaveResult errors). */
  private validateUpdate(input: Record<string, unknown>): { type: string; id: string; changes: Record<string, unknown> } | SaveResult {
    const fail = (statusCode: string, message: string, fields: string[] = []): SaveResult => ({ success: false, errors: [{ statusCode, message, fields }] });
    const type = (input.attributes as { type?: unknown } | undefined)?.type;
    const idKey = Object.keys(input).find((k) => k.toLowerCase() === 'id');
    const id = idKey ? input[idKey] : undefined;
    if (typeof type !== 'string' || !this.db[type]) return fail('INVALID_TYPE', 'sObject type is missing or not supported');
    if (typeof id !== 'string' || !/^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/.test(id)) return fail('MALFORMED_ID', `malformed id ${String(id)}`, ['Id']);
    const rec = this.db[type]!.get(id);
    if (!rec) return fail('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', []);
    if (rec.IsDeleted) return fail('ENTITY_IS_DELETED', 'entity is deleted', []);
    const injected = this.failOnWrite.get(id);
    if (injected) return fail(injected[0], injected[1]);
    if (type === 'Lead' && rec.IsConverted) return fail('CANNOT_UPDATE_CONVERTED_LEAD', 'cannot reference converted lead', []);
    const changes: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(input)) {
      if (key === 'attributes' || key === idKey) continue;
      const field = this.field(type, key);
      if (!field) return fail('INVALID_FIELD', `No such column '${key}' on sobject of type ${type}`, [key]);
      if (field.updateable === false || field.type === 'id') return fail('INVALID_FIELD_FOR_INSERT_UPDATE', `Unable to create/update fields: ${field.name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`, [field.name]);
      if (value === null || value === '') {
        changes[field.name] = null;
        continue;
      }
      if (field.type === 'picklist' && field.restricted && !field.picklist?.includes(String(value))) {
        return fail('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', `${field.label}: bad value for restricted picklist field: ${String(value)}`, [field.name]);
      }
      if (['double', 'int', 'currency'].includes(field.type)) {
        const n = typeof value === 'number' ? value : Number(value);
        if (!Number.isFinite(n)) return fail('INVALID_TYPE_ON_FIELD_IN_RECORD', `${field.label}: value not of required type: ${String(value)}`, [field.name]);
        changes[field.name] = n;
        continue;
      }
      if (field.length && String(value).length > field.length) return fail('STRING_TOO_LONG', `${field.label}: data value too large: ${String(value).slice(0, 40)} (max length=${field.length})`, [field.name]);
      changes[field.name] = value;
    }
    return { type, id, changes };
  }

  private updateCollection(req: Request, res: Response) {
    const body = req.body as { allOrNone?: unknown; records?: unknown };
    if (!body || !Array.isArray(body.records)) return sfError(res, 400, 'JSON_PARSER_ERROR', 'records is required');
    if (body.records.length > 200) return sfError(res, 400, 'EXCEEDED_ID_LIMIT', 'record limit reached. cannot submit more than 200 records into this call');
    const allOrNone = body.allOrNone === true || body.allOrNone === 'true';
    const planned = (body.records as Array<Record<string, unknown>>).map((r) => this.validateUpdate(r ?? {}));
    const anyFailed = planned.some((p) => 'success' in p);
    if (allOrNone && anyFailed) {
      return res.json(planned.map((p) => ('success' in p ? p : { success: false, errors: [{ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK', message: 'Record rolled back because not all records were valid and the request was using AllOrNone header', fields: [] }] })));
    }
    const now = sfDateTime(new Date());
    return res.json(
      planned.map((p): SaveResult => {
        if ('success' in p) return p;
        Object.assign(this.db[p.type]!.get(p.id)!, p.changes, { LastModifiedDate: now, SystemModstamp: now });
        return { id: p.id, success: true, errors: [] };
      }),
    );
  }

  // ---- Bulk API 2.0 ingest -----------------------------------------------------------------

  private jobInfoBody(job: BulkJob, version: string) {
    return {
      id: job.id,
      operation: job.operation,
      object: job.object,
      createdById: this.userId,
      createdDate: job.createdDate,
      systemModstamp: job.createdDate,
      state: job.state,
      concurrencyMode: 'Parallel',
      contentType: 'CSV',
      apiVersion: Number(version.replace(/^v/, '')),
      jobType: 'V2Ingest',
      contentUrl: `services/data/${version}/jobs/ingest/${job.id}/batches`,
      lineEnding: 'LF',
      columnDelimiter: 'COMMA',
      ...(job.state === 'JobComplete' ? { numberRecordsProcessed: job.successful.length + job.failed.length, numberRecordsFailed: job.failed.length } : {}),
    };
  }

  private createJob(req: Request, res: Response) {
    const body = req.body as { object?: unknown; operation?: unknown };
    if (typeof body?.object !== 'string' || !this.db[body.object]) return sfError(res, 400, 'INVALIDJOB', `InvalidJob : Invalid sObject type ${String(body?.object)}`);
    if (body.operation !== 'update') return sfError(res, 400, 'FEATURENOTENABLED', `the simulator supports operation 'update' only, got ${String(body.operation)}`);
    const job: BulkJob = { id: makeId('750', ++this.seq), object: body.object, operation: 'update', state: 'Open', createdDate: sfDateTime(new Date()), csv: [], polls: 0, successful: [], failed: [], columns: [] };
    this.jobs.set(job.id, job);
    return res.json(this.jobInfoBody(job, String(req.params.version)));
  }

  private uploadJobData(req: Request, res: Response) {
    const job = this.jobs.get(String(req.params.id));
    if (!job) return sfError(res, 404, 'NOT_FOUND', 'job not found');
    if (job.state !== 'Open') return sfError(res, 409, 'INVALIDJOBSTATE', `Job is in ${job.state} state; data can be uploaded only to an Open job`);
    if (typeof req.body !== 'string' || !req.body.trim()) return sfError(res, 400, 'INVALIDBATCH', 'no CSV data');
    job.csv.push(req.body);
    return res.status(201).end();
  }

  private closeJob(req: Request, res: Response) {
    const job = this.jobs.get(String(req.params.id));
    if (!job) return sfError(res, 404, 'NOT_FOUND', 'job not found');
    const state = (req.body as { state?: unknown })?.state;
    if (state === 'Aborted') job.state = 'Aborted';
    else if (state === 'UploadComplete' && job.state === 'Open') {
      job.state = 'UploadComplete';
      this.processJob(job);
    } else return sfError(res, 400, 'INVALIDJOBSTATE', `cannot move job from ${job.state} to ${String(state)}`);
    return res.json(this.jobInfoBody(job, String(req.params.version)));
  }

  private processJob(job: BulkJob) {
    const now = sfDateTime(new Date());
    for (const chunk of job.csv) {
      const rows = parseCsv(chunk, { columns: true, skip_empty_lines: true }) as Array<Record<string, string>>;
      for (const row of rows) {
        for (const c of Object.keys(row)) if (!job.columns.includes(c)) job.columns.push(c);
        const input: Record<string, unknown> = { attributes: { type: job.object } };
        for (const [k, v] of Object.entries(row)) input[k] = v === '#N/A' ? null : v;
        const plan = this.validateUpdate(input);
        if ('success' in plan) {
          const e = plan.errors[0]!;
          job.failed.push({ ...row, sf__Id: String(row.Id ?? ''), sf__Error: `${e.statusCode}:${e.message}:${e.fields.join(',')}` });
        } else {
          Object.assign(this.db[plan.type]!.get(plan.id)!, plan.changes, { LastModifiedDate: now, SystemModstamp: now });
          job.successful.push({ ...row, sf__Id: plan.id, sf__Created: 'false' });
        }
      }
    }
  }

  private jobInfo(req: Request, res: Response) {
    const job = this.jobs.get(String(req.params.id));
    if (!job) return sfError(res, 404, 'NOT_FOUND', 'job not found');
    if (job.state === 'UploadComplete' || job.state === 'InProgress') {
      job.polls++;
      job.state = job.polls > this.bulkPollsBeforeComplete ? 'JobComplete' : 'InProgress';
    }
    return res.json(this.jobInfoBody(job, String(req.params.version)));
  }

  private jobResults(req: Request, res: Response) {
    const job = this.jobs.get(String(req.params.id));
    if (!job) return sfError(res, 404, 'NOT_FOUND', 'job not found');
    const kind = String(req.params.result);
    const csvCell = (v: string) => `"${v.replace(/"/g, '""')}"`;
    const render = (head: string[], rows: Array<Record<string, string>>) =>
      [head.map(csvCell).join(','), ...rows.map((r) => head.map((h) => csvCell(r[h] ?? '')).join(','))].join('\n') + '\n';
    res.type('text/csv');
    if (kind === 'successfulResults') return res.send(render(['sf__Id', 'sf__Created', ...job.columns], job.successful));
    if (kind === 'failedResults') return res.send(render(['sf__Id', 'sf__Error', ...job.columns], job.failed));
    if (kind === 'unprocessedrecords') return res.send(render(job.columns, []));
    return sfError(res, 404, 'NOT_FOUND', 'unknown result type');
  }
}
