import type { LifecycleState, ScoreResult } from '../qualification/qualification.schema.js';
import type { Mapping } from './mapping.schema.js';

/**
 * Qualify's results as the source's own fields (the mapping's `outbound` section), ready for a
 * write-back. Scores are written as whole numbers: a CRM shows them to people, and a change in the
 * third decimal must not cause a write. A stage is written only when the mapping maps it (e.g.
 * HubSpot has no "recycled"), and not when a person set it: their value is already in the CRM.
 */
export function outboundProperties(mapping: Mapping, q: { score: ScoreResult; lifecycle: LifecycleState }): Record<string, string> {
  const out: Record<string, string> = {};
  const o = mapping.outbound;
  if (!o) return out;
  const { score } = q;
  const set = (field: string | undefined, value: string) => {
    if (field) out[field] = value;
  };
  set(o.score, String(Math.round(score.score)));
  set(o.fit, String(Math.round(score.fit)));
  set(o.engagement, String(Math.round(score.engagement)));
  set(o.grade, score.grade);
  set(o.band, String(score.band));
  set(o.segment, score.segment);
  set(o.reasons, score.reasons);
  set(o.modelVersion, score.modelVersion);
  set(o.evaluatedAt, score.evaluatedAt);
  if (o.stage && (!q.lifecycle.setByPerson || o.stage.writeWhenSetByPerson)) {
    const value = o.stage.map[q.lifecycle.stage];
    if (value !== undefined) out[o.stage.property] = value;
  }
  return out;
}
