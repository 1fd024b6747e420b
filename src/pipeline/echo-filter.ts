import type { ChangeHint } from '../kit/connector.types.js';
import type { ConnectionRuntime, PipelineDeps } from './pipeline.types.js';

/**
 * CRMs echo our own writes back as change notifications (HubSpot has no trustworthy "it was you"
 * flag). A notification is an echo when it reports a value we wrote, or are writing right now, to
 * a property we own on that record: such a notification needs no read and causes no write.
 * Looks up the ledger and the in-flight writes for a whole delivery at once.
 */
export async function echoFilter(deps: PipelineDeps, conn: ConnectionRuntime, hints: ChangeHint[]): Promise<(h: ChangeHint) => boolean> {
  const candidates = hints.filter((h) => h.propertyName && h.propertyValue !== undefined);
  if (candidates.length === 0) return () => false;
  const ids = [...new Set(candidates.map((h) => h.recordId))];
  const [ledger, inFlight] = await Promise.all([conn.store.getLastWrittenMany(conn.id, ids), conn.writes.getMany(ids)]);
  return (h) => {
    if (!h.propertyName || h.propertyValue === undefined) return false;
    const pending = inFlight.get(h.recordId)?.properties;
    if (pending && pending[h.propertyName] === h.propertyValue) return true;
    const written = ledger.get(h.recordId);
    return !!written && h.propertyName in written && written[h.propertyName] === h.propertyValue;
  };
}
