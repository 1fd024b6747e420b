import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Lead } from '../canonical/lead.schema.js';
import { classifyLead } from '../lifecycle/classify-lead.js';
import { loadScoringModelFile } from '../scoring/load-scoring-model.js';
import { scoreLead } from '../scoring/score-lead.js';
import type { ScoringModel } from '../scoring/scoring-model.js';
import type { LifecycleState, Qualification } from './qualification.schema.js';

export type { ScoringModel } from '../scoring/scoring-model.js';
export { ScoringModelError, parseScoringModel } from '../scoring/load-scoring-model.js';

/**
 * The one call the pipeline makes: score a lead and classify its lifecycle stage.
 * Pure and synchronous; `at` is the evaluation time (decay is computed up to it), so storing
 * `at` with the result is enough to replay it.
 */
export function qualifyLead(input: { lead: Lead; model: ScoringModel; previous: LifecycleState | null; at: Date }): Qualification {
  const score = scoreLead(input.lead, input.model, input.at);
  const { lifecycle, transition } = classifyLead(input.lead, score, input.previous, input.model, input.at);
  return { score, lifecycle, transition };
}

/** The repository root: the nearest folder above this file that holds mappings/scoring.yaml. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'mappings', 'scoring.yaml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find mappings/scoring.yaml above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

/** The default model file, resolved from the repository root (not the current directory). */
export function defaultScoringModelPath(): string {
  return join(repoRoot(), 'mappings', 'scoring.yaml');
}

/**
 * Load, validate and compile a scoring model. Without a file: the default `mappings/scoring.yaml`.
 * A relative `file` is taken from the current directory (as a user typing `--model` expects).
 * Throws ScoringModelError naming the file, line, path and what was expected.
 */
export function loadScoringModel(file?: string): ScoringModel {
  return loadScoringModelFile(file ?? defaultScoringModelPath());
}
