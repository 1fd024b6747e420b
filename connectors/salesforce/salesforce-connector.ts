import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Connector, ConnectorContext, PeopleSource, WriteTarget } from '../../src/kit/index.js';
import { AuthError } from '../../src/kit/index.js';
import { loadMapping } from '../../src/kit/index.js';
import type { ApiCallMetrics } from '../../src/kit/index.js';
import type { Mapping } from '../../src/kit/index.js';
import { readPaths } from '../../src/kit/index.js';
import { SalesforceSession } from './salesforce-auth.js';
import type { ApiUsage } from './salesforce-budget.js';
import type { SalesforceConfig } from './salesforce-config.schema.js';
import { checkOutboundSetup, DescribeCache, SalesforceSetupError, type SetupProblem } from './salesforce-describe.js';
import { createOutboundReceiver, sameOrg } from './salesforce-outbound.js';
import { ENGAGEMENT_KEYS, fetchRecords, pollRecords, type ReadContext } from './salesforce-poll.js';
import { MemoryTokenVault, type TokenVault } from './salesforce-token-vault.js';
import { queryAll } from './salesforce-soql.js';
import { MAX_COLLECTION, writeRecords } from './salesforce-write.js';

/**
 * The Salesforce connector: Leads and Contacts in (incremental SOQL, Outbound Messages, reads by
 * id), qualify's scores and Lead Status out (sObject Collections, Bulk API 2.0 above a size),
 * through jsforce 3 on the OAuth 2.0 refresh-token flow. See README.md in this folder.
 */

export const SALESFORCE_MAPPING_FILE = 'mappings/salesforce.yaml';
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface SalesforceConnectorOptions {
  config: SalesforceConfig;
  /** Shared session store: RedisTokenVault for several workers; default in-process only. */
  vault?: TokenVault;
  /** The loaded mapping; default mappings/salesforce.yaml. */
  mapping?: Mapping;
  mappingFile?: string;
  /** The metrics hook of a connection (API calls, REQUEST_LIMIT_EXCEEDED, budget refusals). */
  metrics?: (connectionId: string) => ApiCallMetrics;
  /** The clock deletion windows end at (tests); default the wall clock. */
  now?: () => Date;
}

/** Records in one Bulk API 2.0 write (one CSV upload stays far below the 100 MB per-job limit). */
export const MAX_BULK_WRITE = 10_000;

export interface SalesforceConnector extends Connector {
  people: PeopleSource;
  writes: WriteTarget & { bulk: { threshold: number; maxBatch: number } };
  /** Setup problems (missing fields with their metadata, picklist values) without throwing. */
  setupReport(ctx: ConnectorContext): Promise<SetupProblem[]>;
  /** The org's API usage as last reported by Sforce-Limit-Info, and calls sent by this process. */
  apiUsage(connectionId?: string): { usage: ApiUsage | null; calls: number };
  /** The session of a connection (tests, diagnostics). */
  session(connectionId: string): SalesforceSession | undefined;
}

interface Runtime extends ReadContext {
  session: SalesforceSession;
}

export function createSalesforceConnector(opts: SalesforceConnectorOptions): SalesforceConnector {
  const mappingFile = opts.mappingFile ?? SALESFORCE_MAPPING_FILE;
  const vault = opts.vault ?? new MemoryTokenVault();
  let mapping: Mapping | null = opts.mapping ?? null;
  const runtimes = new Map<string, Runtime>();

  const getMapping = (): Mapping => (mapping ??= loadMapping(resolve(REPO_ROOT, mappingFile)));

  const runtime = (ctx: ConnectorContext): Runtime => {
    let rt = runtimes.get(ctx.connection.id);
    if (!rt) {
      const session = new SalesforceSession({ connectionId: ctx.connection.id, config: opts.config, vault, store: ctx.store, logger: ctx.logger, metrics: opts.metrics?.(ctx.connection.id) });
      rt = { session, describe: new DescribeCache(session), mapping: getMapping(), conversions: new Map(), selected: new Map(), unavailable: new Set(), now: opts.now };
      runtimes.set(ctx.connection.id, rt);
    }
    rt.session.attach(ctx.store, ctx.logger);
    rt.logger = ctx.logger;
    return rt;
  };

  /**
   * An Outbound Message's sObject is processed as the record only when it holds every field qualify
   * selects for that object and the mapping reads no engagement (which never rides along);
   * otherwise the pipeline re-reads the record.
   */
  const carryRecord = (objectType: string, fieldNames: string[]): boolean => {
    const m = getMapping();
    const readsEngagement = readPaths(m.spec).some((p) => ENGAGEMENT_KEYS.includes(p.split('.')[0]!));
    if (readsEngagement) return false;
    const selected = [...runtimes.values()].find((rt) => rt.selected.has(objectType))?.selected.get(objectType);
    const have = new Set(fieldNames.map((f) => f.toLowerCase()));
    return !!selected && selected.every((f) => !f.includes('.') && have.has(f.toLowerCase()));
  };

  const setupProblems = async (ctx: ConnectorContext): Promise<SetupProblem[]> => {
    const rt = runtime(ctx);
    rt.describe.clear(); // setup looks at the org as it is now
    const [lead, contact] = [await rt.describe.get('Lead'), await rt.describe.get('Contact')];
    return checkOutboundSetup(getMapping(), { Lead: lead, Contact: contact });
  };

  return {
    system: 'salesforce',
    mappingFile,

    async setup(ctx) {
      const rt = runtime(ctx);
      const problems = await setupProblems(ctx);
      // The token response's identity URL names the org; without it, ask the org itself.
      const orgId = rt.session.orgId ?? (await queryAll(rt.session, 'SELECT Id FROM Organization LIMIT 1', 'Organization'))[0]?.Id?.toString() ?? null;
      if (opts.config.orgId && orgId && !sameOrg(opts.config.orgId, orgId)) {
        throw new AuthError('salesforce', `SALESFORCE_ORG_ID is ${opts.config.orgId} but the refresh token belongs to org ${orgId}`);
      }
      // Stage values the org doesn't have are refused here, before any write (the mapping must change).
      const picklist = problems.filter((p) => p.problem === 'picklist_value');
      if (picklist.length > 0) {
        const err = new SalesforceSetupError(mappingFile, picklist);
        ctx.logger.error({ connection: ctx.connection.id, problems: picklist }, err.message);
        throw err;
      }
      // Missing custom fields are reported (log and `qualify status`) with what an admin must create;
      // reading and scoring go on, and writes to an object without a field fail per record, saying so.
      const fields = problems.filter((p) => p.problem !== 'picklist_value');
      const report = fields.length > 0 ? new SalesforceSetupError(mappingFile, fields).message : null;
      if (report) ctx.logger.error({ connection: ctx.connection.id, problems: fields }, report);
      else ctx.logger.info({ connection: ctx.connection.id, org: orgId }, 'Salesforce setup checked: custom fields and Lead Status values present');
      return { accountId: orgId ?? opts.config.orgId ?? null, problem: report };
    },

    people: {
      webhook: createOutboundReceiver({ secret: opts.config.outboundSecret, orgId: opts.config.orgId, carryRecord }),
      fetch: async (ctx, refs) => fetchRecords(runtime(ctx), refs),
      poll: (ctx, cursor, pollOpts) => pollRecords(runtime(ctx), ctx, cursor, pollOpts),
    },

    writes: {
      maxBatch: MAX_COLLECTION,
      bulk: { threshold: opts.config.bulkThreshold, maxBatch: Math.max(MAX_BULK_WRITE, opts.config.bulkThreshold) },
      stageRule: 'Lead Status takes only values of the org\'s picklist (checked at setup); MQLs keep the org\'s value',
      async write(ctx, batch) {
        const rt = runtime(ctx);
        return writeRecords(
          {
            ...rt,
            bulkThreshold: opts.config.bulkThreshold,
            bulkPoll: { intervalMs: opts.config.bulkPollIntervalMs, timeoutMs: opts.config.bulkPollTimeoutMs },
            logger: ctx.logger,
          },
          batch,
        );
      },
    },

    // What the org last reported in Sforce-Limit-Info to this process (null before its first call).
    async budget(ctx) {
      const rt = runtimes.get(ctx.connection.id);
      const usage = rt?.session.budget.usage;
      if (!usage) return null;
      const limit = rt.session.budget.ceiling(usage.limit);
      return { usedToday: usage.used, limit, share: limit > 0 ? usage.used / limit : null };
    },

    setupReport: setupProblems,

    apiUsage(connectionId) {
      const rt = connectionId ? runtimes.get(connectionId) : [...runtimes.values()][0];
      return { usage: rt?.session.budget.usage ?? null, calls: rt?.session.budget.calls ?? 0 };
    },

    session(connectionId) {
      return runtimes.get(connectionId)?.session;
    },
  };
}

export { salesforceConfigFromApp, salesforceConfigFromEnv, salesforceConfigured, type SalesforceConfig, type SalesforceSettings } from './salesforce-config.schema.js';
export { MemoryTokenVault, RedisTokenVault, type TokenVault } from './salesforce-token-vault.js';
export { SalesforceSetupError, type SetupProblem } from './salesforce-describe.js';
