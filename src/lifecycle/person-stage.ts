import type { Lead, SourceSystem, Stage } from '../canonical/lead.schema.js';
import type { TransitionReason } from '../qualification/qualification.schema.js';

/**
 * A stage a person set in a connected CRM: opportunity, customer, or a sales rejection
 * (HubSpot `hs_lead_status` UNQUALIFIED maps to canonical `disqualified`).
 *
 * qualify writes subscriber / lead / mql / sql back itself, so a CRM showing one of those is not
 * a person's decision and is ignored here. When systems disagree, the furthest stage wins
 * (customer over opportunity over a rejection), then the system name, so the answer is stable.
 */
export interface PersonStage {
  stage: Stage;
  system: SourceSystem;
  raw: string;
  reason: TransitionReason;
}

const PRECEDENCE: Partial<Record<Stage, number>> = { customer: 3, opportunity: 2, disqualified: 1 };

export function personStageOf(lead: Lead): PersonStage | null {
  let best: PersonStage | null = null;
  const systems = Object.keys(lead.stages).sort() as SourceSystem[];
  for (const system of systems) {
    const read = lead.stages[system];
    const stage = read?.stage ?? null;
    if (read === undefined || stage === null) continue;
    const rank = PRECEDENCE[stage];
    if (rank === undefined) continue;
    if (best === null || rank > PRECEDENCE[best.stage]!) {
      best = { stage, system, raw: read.raw, reason: stage === 'disqualified' ? 'sales_rejected' : 'set_by_person' };
    }
  }
  return best;
}
