import { emptyLead, type Lead } from '../canonical/lead.schema.js';
import { normalizeEmail } from '../canonical/normalize-email.js';
import type { SourceEvent } from '../kit/connector.types.js';
import { upsertAll, type ProcessOutcome } from './process-records.js';
import type { ConnectionRuntime, PipelineDeps } from './pipeline.types.js';

/**
 * Stores one page of an event source's events (analytics: no people of its own). The events of
 * one person become that source's record of the person: an email joins the CRM's person in the
 * store's merge, an external id alone keeps them apart until an email names them. Events are
 * keyed by (source, id), so a re-read (GA4's late events) counts once; the record carries no
 * version time, so an older page never hides a newer one's events.
 */
export async function storeEvents(deps: PipelineDeps, conn: ConnectionRuntime, events: SourceEvent[]): Promise<{ outcome: ProcessOutcome; touched: string[] }> {
  const outcome: ProcessOutcome = { processed: 0, stale: 0, unmappable: 0, writesQueued: 0 };
  const people = new Map<string, { email: string | null; events: SourceEvent[] }>();
  for (const event of events) {
    const email = normalizeEmail(event.person.email).email;
    const externalId = event.person.externalId?.trim() || null;
    const key = email ? `email:${email}` : externalId ? `id:${externalId}` : null;
    if (!key) {
      outcome.unmappable++;
      deps.logger.warn({ connection: conn.id, eventId: event.id }, 'event names no person (no email, no id); skipped');
      continue;
    }
    const person = people.get(key) ?? { email, events: [] };
    person.events.push(event);
    people.set(key, person);
  }
  const inputs = [...people.entries()].map(([key, p]) => ({ system: conn.system, recordId: key, lead: leadOf(conn, key, p), sourceUpdatedAt: null }));
  const touched = new Set<string>();
  for (const r of await upsertAll(conn.store, inputs)) {
    if (!r.applied) outcome.stale++;
    else {
      outcome.processed++;
      touched.add(r.leadId);
    }
  }
  return { outcome, touched: [...touched] };
}

function leadOf(conn: ConnectionRuntime, key: string, p: { email: string | null; events: SourceEvent[] }): Lead {
  const lead = emptyLead();
  const email = normalizeEmail(p.email);
  Object.assign(lead, { email: email.email, emailValid: email.valid, emailFreeMail: email.freeMail, emailDisposable: email.disposable });
  // The record's own key, the same on every page: a page's record replaces the last one stored, and
  // pages may be stored in either order, so an id only some pages carry would come and go.
  lead.ids = { [conn.system]: key };
  lead.events = p.events
    .map((e) => ({ type: e.type, at: e.at, source: conn.system, sourceId: e.id, ...(e.detail && { name: e.detail }) }))
    .sort((a, b) => a.at.localeCompare(b.at));
  return lead;
}
