import type { ChangeHint } from '../kit/connector.types.js';
import { requalifyLeads } from './process-records.js';
import type { ConnectionRuntime, PipelineDeps } from './pipeline.types.js';

export interface DeleteOutcome {
  /** Records removed from the store. */
  deleted: number;
  /** Deletions older than the stored record (re-created or restored since): ignored. */
  stale: number;
  /** Leads that went entirely (no record left in any system). */
  leadsDeleted: number;
}

/**
 * The source says these records no longer exist (HubSpot contact deleted, GDPR-deleted, merged
 * away): each goes from the store with its write ledger and write errors, and a write-back still
 * pending for it is dropped (it would only 404). A lead left without records goes entirely; a lead
 * the person still has in another system is merged again and re-qualified. Hints are applied in
 * order, so a restore after a deletion (a change hint, re-read later) brings the record back.
 */
export async function deleteRecords(deps: PipelineDeps, conn: ConnectionRuntime, hints: ChangeHint[]): Promise<DeleteOutcome> {
  const outcome: DeleteOutcome = { deleted: 0, stale: 0, leadsDeleted: 0 };
  const requalify = new Set<string>();
  // Remembered before the store forgets the records: a read in flight, stored after this, finds the mark.
  await conn.deletions?.mark(hints.map((h) => ({ recordId: h.recordId, deletedAt: h.occurredAt })));
  for (const hint of hints) {
    const result = await conn.store.deleteSourceRecord({ system: conn.system, recordId: hint.recordId, connectionId: conn.id, occurredAt: hint.occurredAt });
    if (result.outcome === 'newer') {
      outcome.stale++;
      deps.logger.info({ connection: conn.id, recordId: hint.recordId, occurredAt: hint.occurredAt }, 'deletion older than the stored record; ignored');
      continue;
    }
    await conn.writes.remove([hint.recordId]);
    if (result.outcome === 'unknown') continue;
    outcome.deleted++;
    deps.metrics?.recordsDeleted?.(conn.id, hint.deletion ?? 'deleted', 1);
    if (result.leadDeleted) {
      outcome.leadsDeleted++;
      requalify.delete(result.leadId!);
    } else requalify.add(result.leadId!);
    // Ids only: the person's email or name must not outlive a privacy deletion in the logs.
    deps.logger.info(
      { connection: conn.id, recordId: hint.recordId, leadId: result.leadId, reason: hint.deletion ?? 'deleted', leadDeleted: result.leadDeleted },
      hint.deletion === 'privacy' ? 'GDPR deletion: source record and its personal data removed' : 'source record deleted',
    );
  }
  if (requalify.size) await requalifyLeads(deps, [...requalify], conn.store);
  return outcome;
}
