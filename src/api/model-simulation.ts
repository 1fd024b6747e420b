import type { Stage } from '../canonical/lead.schema.js';
import type { Grade, Qualification } from '../qualification/qualification.schema.js';
import { qualifyLead } from '../qualification/qualify-lead.js';
import type { ScoringModel } from '../scoring/scoring-model.js';
import type { Store, StoredLead } from '../store/store.types.js';

/**
 * The dry run before publishing a workspace's model: every stored lead of the workspace is
 * qualified with the model scoring it now and with the candidate, at the same instant and from
 * the same stored lifecycle, so only the model differs (not the time since the last score).
 * Reads page by page and keeps counts plus a few examples; writes nothing.
 */

export interface SimulationExample {
  leadId: string;
  email: string | null;
  name: string | null;
  grade: { from: Grade; to: Grade };
  stage: { from: Stage; to: Stage };
  score: { from: number; to: number };
  reasons: { from: string; to: string };
}

export interface WorkspaceSimulation {
  current: string;
  candidate: string;
  at: string;
  leads: number;
  gradeChanges: number;
  stageChanges: number;
  byGrade: { before: Record<Grade, number>; after: Record<Grade, number> };
  byStage: { before: Partial<Record<Stage, number>>; after: Partial<Record<Stage, number>> };
  examples: SimulationExample[];
}

const PAGE = 500;
const grades = (): Record<Grade, number> => ({ A: 0, B: 0, C: 0, D: 0 });

/** Stage moves first (what sales sees), then the biggest score moves. */
const weight = (e: SimulationExample) => (e.stage.from !== e.stage.to ? 1000 : 0) + (e.grade.from !== e.grade.to ? 100 : 0) + Math.abs(e.score.to - e.score.from);

async function page(store: Store, ids: string[]): Promise<StoredLead[]> {
  if (store.getLeads) return store.getLeads(ids);
  return (await Promise.all(ids.map((id) => store.getLead(id)))).filter((l): l is StoredLead => l !== null);
}

export async function simulateWorkspaceModel(store: Store, current: ScoringModel, candidate: ScoringModel, opts: { at: Date; examples?: number }): Promise<WorkspaceSimulation> {
  const maxExamples = opts.examples ?? 10;
  const out: WorkspaceSimulation = {
    current: current.versionId,
    candidate: candidate.versionId,
    at: opts.at.toISOString(),
    leads: 0,
    gradeChanges: 0,
    stageChanges: 0,
    byGrade: { before: grades(), after: grades() },
    byStage: { before: {}, after: {} },
    examples: [],
  };
  const count = (m: Partial<Record<Stage, number>>, s: Stage) => (m[s] = (m[s] ?? 0) + 1);
  for await (const ids of store.iterateLeadIds(PAGE)) {
    for (const l of await page(store, ids)) {
      const run = (model: ScoringModel): Qualification => qualifyLead({ lead: l.lead, model, previous: l.lifecycle, at: opts.at });
      const [b, a] = [run(current), run(candidate)];
      out.leads++;
      out.byGrade.before[b.score.grade]++;
      out.byGrade.after[a.score.grade]++;
      count(out.byStage.before, b.lifecycle.stage);
      count(out.byStage.after, a.lifecycle.stage);
      const gradeMoved = a.score.grade !== b.score.grade;
      const stageMoved = a.lifecycle.stage !== b.lifecycle.stage;
      if (gradeMoved) out.gradeChanges++;
      if (stageMoved) out.stageChanges++;
      if (!gradeMoved && !stageMoved) continue;
      out.examples.push({
        leadId: l.id,
        email: l.email,
        name: [l.lead.person.firstName, l.lead.person.lastName].filter(Boolean).join(' ') || null,
        grade: { from: b.score.grade, to: a.score.grade },
        stage: { from: b.lifecycle.stage, to: a.lifecycle.stage },
        score: { from: b.score.score, to: a.score.score },
        reasons: { from: b.score.reasons, to: a.score.reasons },
      });
      // Bounded memory whatever the workspace size: keep only the most telling moves.
      if (out.examples.length > maxExamples * 4) out.examples = out.examples.sort((x, y) => weight(y) - weight(x)).slice(0, maxExamples);
    }
  }
  out.examples = out.examples.sort((x, y) => weight(y) - weight(x) || x.leadId.localeCompare(y.leadId)).slice(0, maxExamples);
  return out;
}
