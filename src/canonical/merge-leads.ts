import type { EngagementEvent, Lead, SourceSystem } from './lead.schema.js';
import { emptyLead } from './lead.schema.js';

export interface LeadRecord {
  system: SourceSystem;
  lead: Lead;
  /** When the source last modified the record; null = unknown, treated as the oldest. */
  sourceUpdatedAt: string | null;
}

/**
 * Merges the records of one person (same email) from several systems into one canonical lead.
 *
 * - ids, stages: union per system (a system seen twice: the newer record's value);
 * - every scalar field (email, names, title, company fields, each BANT signal, attributes): the
 *   newest non-null value wins; the email flags travel with the email they describe;
 * - consent flags: OR (one system knowing the person opted out is enough);
 * - events: union, deduplicated by (source, sourceId), sorted by time; for a duplicate the newer
 *   record's copy wins (an aggregate counter such as page views is re-read with a higher count);
 * - sourceUpdatedAt: the newest.
 *
 * Deterministic: the result depends on the records, not on their order in the array (ties in
 * sourceUpdatedAt are broken by system name, then by record id).
 */
export function mergeLeads(records: LeadRecord[]): Lead {
  const merged = emptyLead();
  if (records.length === 0) return merged;

  // Oldest first, so a later assignment is a newer value.
  const ordered = [...records].sort(compareRecords);

  for (const { lead } of ordered) {
    if (lead.email !== null) {
      merged.email = lead.email;
      merged.emailValid = lead.emailValid;
      merged.emailFreeMail = lead.emailFreeMail;
      merged.emailDisposable = lead.emailDisposable;
    }
    Object.assign(merged.ids, lead.ids);
    assignNonNull(merged.person, lead.person);
    assignNonNull(merged.company, lead.company);
    assignNonNull(merged.bant, lead.bant);
    assignNonNull(merged.attributes, lead.attributes);
    for (const [key, value] of Object.entries(lead.attributes)) {
      if (!(key in merged.attributes)) merged.attributes[key] = value;
    }
    merged.consent.optedOut ||= lead.consent.optedOut;
    merged.consent.bounced ||= lead.consent.bounced;
    merged.consent.doNotCall ||= lead.consent.doNotCall;
    Object.assign(merged.stages, structuredClone(lead.stages));
  }

  const events = new Map<string, EngagementEvent>();
  for (const { lead } of ordered) {
    for (const e of lead.events) events.set(`${e.source}\u0000${e.sourceId}`, { ...e });
  }
  merged.events = [...events.values()].sort(compareEvents);

  const newest = ordered.map((r) => r.sourceUpdatedAt ?? r.lead.sourceUpdatedAt).filter((t): t is string => t !== null);
  merged.sourceUpdatedAt = newest.length ? newest.reduce((a, b) => (Date.parse(b) >= Date.parse(a) ? b : a)) : null;
  merged.attributes = sortKeys(merged.attributes);
  merged.ids = sortKeys(merged.ids);
  merged.stages = sortKeys(merged.stages);
  return merged;
}

function assignNonNull<T extends object>(target: T, source: T): void {
  for (const [key, value] of Object.entries(source)) {
    if (value !== null && value !== undefined) (target as Record<string, unknown>)[key] = structuredClone(value);
  }
}

function time(t: string | null): number {
  if (t === null) return Number.NEGATIVE_INFINITY;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? Number.NEGATIVE_INFINITY : ms;
}

function compareRecords(a: LeadRecord, b: LeadRecord): number {
  return (
    time(a.sourceUpdatedAt) - time(b.sourceUpdatedAt) ||
    compareText(a.system, b.system) ||
    compareText(JSON.stringify(a.lead.ids), JSON.stringify(b.lead.ids)) ||
    compareText(JSON.stringify(a.lead), JSON.stringify(b.lead))
  );
}

function compareEvents(a: EngagementEvent, b: EngagementEvent): number {
  return Date.parse(a.at) - Date.parse(b.at) || compareText(a.source, b.source) || compareText(a.sourceId, b.sourceId);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortKeys<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => compareText(a, b))) as T;
}
