import type { Stage } from '../canonical/lead.schema.js';

/**
 * The lifecycle state machine, written out as data so it can be read (and tested) in one place.
 *
 *   subscriber → lead → mql → sql ─┬─→ opportunity → customer      (people only)
 *        └────────┴──────┴──→ sql  │
 *                 mql, sql ──→ recycled ──→ mql (re-engaged) / sql
 *   any automatic stage ──→ disqualified (a hard disqualifier); back when it no longer matches
 *   any stage ──→ opportunity / customer / disqualified when a person sets it in the CRM
 *
 * The model only moves a lead forward through the funnel, or out of it to recycled or
 * disqualified; it never moves a lead backward (sql → mql) and never out of a stage a person set.
 */
export const AUTOMATIC_TRANSITIONS: Readonly<Record<Stage | 'none', readonly Stage[]>> = {
  none: ['subscriber', 'lead', 'mql', 'sql', 'disqualified'],
  subscriber: ['lead', 'mql', 'sql', 'disqualified'],
  lead: ['mql', 'sql', 'disqualified'],
  mql: ['sql', 'recycled', 'disqualified'],
  sql: ['recycled', 'disqualified'],
  recycled: ['mql', 'sql', 'disqualified'],
  disqualified: ['subscriber', 'lead', 'mql', 'sql'],
  opportunity: [],
  customer: [],
};

/** Stages only a person reaches; read from the CRM, never produced by a score. */
export const PERSON_STAGES: readonly Stage[] = ['customer', 'opportunity', 'disqualified'];

export function isAutomaticTransitionAllowed(from: Stage | null, to: Stage): boolean {
  return AUTOMATIC_TRANSITIONS[from ?? 'none'].includes(to);
}
