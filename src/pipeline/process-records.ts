import type { Lead, SourceSystem } from '../canonical/lead.schema.js';
import type { RawRecord } from '../kit/connector.types.js';
import { mapRecord, outboundProperties } from '../mapping/apply-mapping.js';
import { qualifyLead } from '../qualification/qualify-lead.js';
import type { Qualification, ScoreResult } from '../qualification/qualification.schema.js';
import type { Store, StoredLead, UpsertSourceRecordResult } from '../store/store.types.js';
import { currentOutboundValues } from './current-values.js';
import type { ConnectionRuntime, PendingWrite, PipelineDeps } from './pipeline.types.js';

export interface ProcessOutcome {
  processed: number;
  /** Older than what the store already holds (out-of-order delivery): ignored. */
  stale: number;
  /** Could not be mapped: logged with the reason, counted, never silently dropped. */
  unmappable: number;
  writesQueued: number;
}

type SourceInput = { system: SourceSystem; recordId: string; lead: Lead; sourceUpdatedAt: string | null };

/**
 * The story of one batch of records read from a connection: map each into the canonical lead,
 * store them (merging with the same person's records in other systems), re-qualify the merged
 * leads, and queue a write-back wherever the result differs from what the CRM holds. Works a
 * whole page at a time: a few store round trips per batch, not per record.
 */
export async function processRecords(deps: PipelineDeps, conn: ConnectionRuntime, records: RawRecord[]): Promise<ProcessOutcome> {
  const { outcome, touched } = await storeRecords(deps, conn, records);
  outcome.writesQueued = await requalifyLeads(deps, touched, conn.store);
  return outcome;
}

/**
 * The first half of processRecords: map and store the records; returns the leads they touched,
 * to be re-qualified (requalifyLeads). A sync stores the next page while this one is re-qualified.
 */
export async function storeRecords(deps: PipelineDeps, conn: ConnectionRuntime, records: RawRecord[]): Promise<{ outcome: ProcessOutcome; touched: string[] }> {
  const outcome: ProcessOutcome = { processed: 0, stale: 0, unmappable: 0, writesQueued: 0 };
  const inputs: SourceInput[] = [];
  // A version no newer than the record's deletion in the source (read before it, stored after) stays deleted.
  const deleted = (await conn.deletions?.deletedSince(records)) ?? new Set<string>();
  for (const record of records) {
    if (deleted.has(record.recordId)) {
      outcome.stale++;
      continue;
    }
    try {
      const mapped = mapRecord(conn.mapping, record.raw, { system: conn.system });
      inputs.push({ system: conn.system, recordId: mapped.recordId, lead: mapped.lead, sourceUpdatedAt: mapped.sourceUpdatedAt ?? record.updatedAt });
    } catch (err) {
      outcome.unmappable++;
      deps.logger.warn({ connection: conn.id, recordId: record.recordId, err: (err as Error).message }, 'record could not be mapped; skipped');
    }
  }
  const results = await upsertAll(conn.store, inputs);
  const touched = new Set<string>();
  for (const r of results) {
    if (!r.applied) outcome.stale++;
    else {
      outcome.processed++;
      touched.add(r.leadId);
    }
  }
  return { outcome, touched: [...touched] };
}

export async function upsertAll(store: Store, inputs: SourceInput[]): Promise<UpsertSourceRecordResult[]> {
  if (inputs.length === 0) return [];
  if (store.upsertSourceRecords) return store.upsertSourceRecords(inputs);
  const out: UpsertSourceRecordResult[] = [];
  for (const i of inputs) out.push(await store.upsertSourceRecord(i));
  return out;
}

/** Re-scores one stored lead and queues the write-backs it needs. Returns how many records got a write queued. */
export function requalifyLead(deps: PipelineDeps, leadId: string, store: Store = deps.store): Promise<number> {
  return requalifyLeads(deps, [leadId], store);
}

/**
 * Re-scores stored leads of one workspace (`store` is its view; default the deps' store) with
 * that workspace's current model, records what changed (score history, stage transitions with
 * reasons) and queues write-backs to the workspace's connections. Returns how many records got a
 * write queued.
 */
export async function requalifyLeads(deps: PipelineDeps, leadIds: string[], store: Store = deps.store): Promise<number> {
  if (leadIds.length === 0) return 0;
  const stored = store.getLeads
    ? await store.getLeads(leadIds)
    : ((await Promise.all(leadIds.map((id) => store.getLead(id)))).filter(Boolean) as StoredLead[]);
  const model = deps.model(store.workspaceId);
  const at = deps.now();
  const qualified: Array<{ lead: StoredLead; q: Qualification }> = [];
  const saves: Parameters<NonNullable<Store['saveQualifications']>>[0] = [];
  for (const lead of stored) {
    const q = qualifyLead({ lead: lead.lead, model, previous: lead.lifecycle, at });
    qualified.push({ lead, q });
    const score = sameScore(lead.score, q.score) ? null : q.score;
    const moved = q.transition || !lead.lifecycle || lead.lifecycle.stage !== q.lifecycle.stage;
    if (score || moved) saves.push({ leadId: lead.id, score, lifecycle: moved ? { state: q.lifecycle, transition: q.transition } : null });
    if (q.transition) deps.logger.info({ leadId: lead.id, from: q.transition.from, to: q.transition.to, reason: q.transition.reason }, 'stage changed');
  }
  if (store.saveQualifications) await store.saveQualifications(saves);
  else {
    for (const s of saves) {
      if (s.score) await store.recordScore(s.leadId, s.score);
      if (s.lifecycle) await store.saveLifecycle(s.leadId, s.lifecycle.state, s.lifecycle.transition);
    }
  }
  deps.metrics?.qualificationsSaved(saves);
  return queueWrites(deps, store, qualified);
}

/** For every system record of these leads: what qualify should hold there, minus what it holds. */
async function queueWrites(deps: PipelineDeps, store: Store, qualified: Array<{ lead: StoredLead; q: Qualification }>): Promise<number> {
  // Only the workspace's own connections: a lead never reaches another workspace's CRM.
  const connectionOf = (system: SourceSystem) => deps.connections.forSystem(system, store.workspaceId);
  const byConnection = new Map<
    ConnectionRuntime,
    Array<{ recordId: string; desired: Record<string, string>; current: Record<string, string | null>; readVersion: string | null }>
  >();
  for (const { lead, q } of qualified) {
    for (const record of lead.records) {
      const conn = connectionOf(record.system);
      if (!conn?.connector.writes) continue; // a read-only source (analytics) is never written to
      const list = byConnection.get(conn) ?? [];
      list.push({
        recordId: record.recordId,
        desired: outboundProperties(conn.mapping, { score: q.score, lifecycle: q.lifecycle }),
        current: currentOutboundValues(conn.mapping, record.lead),
        readVersion: record.sourceUpdatedAt,
      });
      byConnection.set(conn, list);
    }
  }
  let queued = 0;
  for (const [conn, items] of byConnection) {
    const ids = items.map((i) => i.recordId);
    // Pending first, then the ledger: a flush saves the ledger before it removes the pending item,
    // so in this order a write landing in between is seen in one or the other. Read together, a
    // record could miss both (old ledger, item already gone) and be written again for nothing.
    const pending = await conn.writes.getMany(ids);
    const ledger = await ledgerEntries(conn.store, conn.id, ids);
    const puts: Array<{ id: string; payload: PendingWrite }> = [];
    for (const item of items) {
      const inFlight = pending.get(item.recordId)?.properties ?? {};
      const entry = ledger.get(item.recordId);
      const written = entry?.properties ?? {};
      // A record version no newer than our last write to it was read before that write landed: for
      // the fields we wrote, the ledger is the truth. A newer version (a person changed it since) wins.
      const staleRead = !!entry && (item.readVersion === null || Date.parse(item.readVersion) <= Date.parse(entry.writtenAt));
      const changes: Record<string, string> = {};
      for (const [field, value] of Object.entries(item.desired)) {
        // What the record will hold once pending writes land; else what we wrote, when the read
        // predates that write; else what it held when read; else what we last wrote.
        const holds =
          field in inFlight
            ? inFlight[field]
            : staleRead && field in written
              ? written[field]
              : item.current[field] != null
                ? item.current[field]
                : written[field];
        if (holds !== value) changes[field] = value;
      }
      if (Object.keys(changes).length === 0) continue;
      puts.push({ id: item.recordId, payload: { objectType: conn.mapping.objectType, properties: { ...inFlight, ...changes }, current: item.current } });
    }
    if (puts.length === 0) continue;
    await conn.writes.put(puts);
    await deps.scheduleWriteFlush(conn.id);
    queued += puts.length;
  }
  return queued;
}

async function ledgerEntries(store: Store, connectionId: string, ids: string[]) {
  if (store.getLedgerEntries) return store.getLedgerEntries(connectionId, ids);
  const plain = await store.getLastWrittenMany(connectionId, ids);
  // Without write times, treat every ledger entry as newer than the read (the side that never rewrites).
  return new Map([...plain].map(([id, properties]) => [id, { properties, writtenAt: new Date(8.64e15).toISOString() }]));
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
