import type { ChangeHint } from '../connectors/connector.types.js';
import type { ConnectionRuntime, PipelineDeps } from './pipeline.types.js';

/**
 * CRMs echo our own writes back as change notifications (HubSpot has no trustworthy "it was you"
 * flag). A notification is an echo when it reports a value we wrote, or are writing right now, to
 * a property we own on that record: such a notification needs no read and causes no write.
 */
export async function isEcho(deps: PipelineDeps, conn: ConnectionRuntime, hint: ChangeHint): Promise<boolean> {
  if (!hint.propertyName || hint.propertyValue === undefined) return false;
  const inFlight = await conn.writes.get(hint.recordId);
  if (inFlight && inFlight.properties[hint.propertyName] === hint.propertyValue) return true;
  const ledger = await deps.store.getLastWritten(conn.id, hint.recordId);
  return !!ledger && hint.propertyName in ledger && ledger[hint.propertyName] === hint.propertyValue;
}
