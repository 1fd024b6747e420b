import type { RawRecord } from '../connectors/connector.types.js';
import { mapRecord, outboundProperties } from '../mapping/apply-mapping.js';
import { qualifyLead } from '../qualification/qualify-lead.js';
import type { ScoreResult } from '../qualification/qualification.schema.js';
import type { StoredLead } from '../store/store.types.js';
import { currentOutboundValues } from './current-values.js';
import type { ConnectionRuntime, PipelineDeps } from './pipeline.types.js';

export interface ProcessOutcome {
  processed: number;
  /** Older than what the store already holds (out-of-order delivery): ignored. */
  stale: number;
  /** Could not be mapped: logged with the reason, counted, never silently dropped. */
  unmappable: number;
  writesQueued: number;
}

/**
 * The story of one batch of records read from a connection: map each into the canonical lead,
 * store it (merging with the same person's records in other systems), re-qualify the merged lead,
 * and queue a write-back wherever the result differs from what the CRM holds.
 */
export async function processRecords(deps: PipelineDeps, conn: ConnectionRuntime, records: RawRecord[]): Promise<ProcessOutcome> {
  const outcome: ProcessOutcome = { processed: 0, stale: 0, unmappable: 0, writesQueued: 0 };
  const touchedLeads = new Set<string>();
  for (const record of records) {
    let mapped;
    try {
      mapped = mapRecord(conn.mapping, record.raw, { system: conn.system });
    } catch (err) {
      outcome.unmappable++;
      deps.logger.warn({ connection: conn.id, recordId: record.recordId, err: (err as Error).message }, 'record could not be mapped; skipped');
      continue;
    }
    const result = await deps.store.upsertSourceRecord({
      system: conn.system,
      recordId: mapped.recordId,
      lead: mapped.lead,
      sourceUpdatedAt: mapped.sourceUpdatedAt ?? record.updatedAt,
    });
    if (!result.applied) {
      outcome.stale++;
      continue;
    }
    touchedLeads.add(result.leadId);
    outcome.processed++;
  }
  const flush = new Set<string>();
  for (const leadId of touchedLeads) outcome.writesQueued += await requalify(deps, leadId, flush);
  for (const id of flush) await deps.scheduleWriteFlush(id);
  return outcome;
}

/** Re-scores one stored lead and queues the write-backs it needs. Returns how many records got a write queued. */
export async function requalifyLead(deps: PipelineDeps, leadId: string): Promise<number> {
  const flush = new Set<string>();
  const queued = await requalify(deps, leadId, flush);
  for (const id of flush) await deps.scheduleWriteFlush(id);
  return queued;
}

/** Collects the connections that need a flush in `flush`, so a batch schedules each only once. */
async function requalify(deps: PipelineDeps, leadId: string, flush: Set<string>): Promise<number> {
  const stored = await deps.store.getLead(leadId);
  if (!stored) return 0;
  const model = deps.model();
  const q = qualifyLead({ lead: stored.lead, model, previous: stored.lifecycle, at: deps.now() });
  if (!sameScore(stored.score, q.score)) await deps.store.recordScore(leadId, q.score);
  if (q.transition || !stored.lifecycle || stored.lifecycle.stage !== q.lifecycle.stage) {
    await deps.store.saveLifecycle(leadId, q.lifecycle, q.transition);
    if (q.transition) deps.logger.info({ leadId, from: q.transition.from, to: q.transition.to, reason: q.transition.reason }, 'stage changed');
  }
  return queueWrites(deps, stored, q, flush);
}

async function queueWrites(deps: PipelineDeps, stored: StoredLead, q: ReturnType<typeof qualifyLead>, flush: Set<string>): Promise<number> {
  let queued = 0;
  for (const record of stored.records) {
    const conn = deps.connectionForSystem(record.system);
    if (!conn) continue;
    const desired = outboundProperties(conn.mapping, { score: q.score, lifecycle: q.lifecycle });
    const current = currentOutboundValues(conn.mapping, record.lead);
    const ledger = (await deps.store.getLastWritten(conn.id, record.recordId)) ?? {};
    const pending = (await conn.writes.get(record.recordId))?.properties ?? {};
    const changes: Record<string, string> = {};
    for (const [field, value] of Object.entries(desired)) {
      // What the record will hold once pending writes land, else what it held when read, else what we last wrote.
      const holds = field in pending ? pending[field] : current[field] != null ? current[field] : ledger[field];
      if (holds !== value) changes[field] = value;
    }
    if (Object.keys(changes).length === 0) continue;
    await conn.writes.put([
      { id: record.recordId, payload: { objectType: conn.mapping.objectType, properties: { ...pending, ...changes }, current } },
    ]);
    flush.add(conn.id);
    queued++;
  }
  return queued;
}

function sameScore(a: ScoreResult | null, b: ScoreResult): boolean {
  return (
    !!a &&
    a.modelVersion === b.modelVersion &&
    a.score === b.score &&
    a.fit === b.fit &&
    a.engagement === b.engagement &&
    a.grade === b.grade &&
    a.segment === b.segment &&
    a.reasons === b.reasons &&
    a.disqualifiedBy === b.disqualifiedBy
  );
}
