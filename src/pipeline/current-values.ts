import type { Lead } from '../canonical/lead.schema.js';
import type { Mapping } from '../mapping/mapping.schema.js';

/**
 * The values a source record held, when read, for the fields qualify writes. Today that is the
 * stage field (e.g. HubSpot `lifecyclestage`): the connector needs it to honour forward-only
 * rules, and a value already there needs no write. qualify's own score fields are tracked in the
 * write ledger instead.
 */
export function currentOutboundValues(mapping: Mapping, recordLead: Lead): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  const stage = mapping.outbound?.stage;
  if (stage) out[stage.property] = recordLead.stages[mapping.system]?.raw ?? null;
  return out;
}
