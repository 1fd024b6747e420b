import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { loadMapping } from '../mapping/load-mapping.js';
import { defaultScoringModelPath, loadScoringModel } from '../qualification/qualify-lead.js';
import { evaluateModel, qualifyAll, type EvaluationReport } from './evaluate-model.js';
import { fitModel, type FitResult } from './fit-model.js';
import { learnedModelYaml } from './learned-model.js';
import { loadDataset } from './load-dataset.js';
import { formatCsvReport, formatEvaluation, pct } from './format-report.js';
import type { CsvReport } from './read-csv.js';

/**
 * What `qualify evaluate` does, without the command-line parsing: load and map the CSV, then
 * either judge a model on every row, or learn one on a training split and judge it (and the
 * baseline, for comparison) on the held-out rows.
 */

export interface EvaluationRequest {
  data: string;
  label: string;
  mapping: string;
  /** Model to judge, or the baseline for --fit; default mappings/scoring.yaml. */
  model?: string;
  exclude: string[];
  fit: boolean;
  out: string;
  seed: number;
  orderBy?: string;
  /** Fixed evaluation time; default each lead's own update/event time. */
  at?: Date;
  progress?: boolean | 'auto';
}

export interface FitSummary {
  method: string;
  split: string;
  splitKind: 'time' | 'random';
  trainLeads: number;
  heldOutLeads: number;
  l2: number;
  crossValidation: FitResult['crossValidation'];
  candidateRules: number;
  rulesWritten: number;
  /** Held-out AUC of the exact (unrounded) regression, next to the written model's. */
  exactHeldOutAuc: number;
  wrote: string;
  modelVersion: string;
  topRules: Array<{ id: string; label: string; points: number }>;
}

export interface EvaluationOutcome {
  data: string;
  label: string;
  mapping: string;
  excluded: string[];
  csv: CsvReport;
  /** The judged model: on every row, or (with fit) the learned one on the held-out rows. */
  evaluation: EvaluationReport;
  /** With fit: the baseline model on the same held-out rows. */
  baseline?: EvaluationReport;
  fit?: FitSummary;
}

/** A model name from a data file: "x-education-leads.csv" → "x-education-leads-learned". */
function learnedName(data: string): string {
  const stem = basename(data).replace(/\.[^.]*$/, '').toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[-_]+|[-_]+$/g, '');
  return `${stem || 'dataset'}-learned`;
}

export async function runEvaluation(req: EvaluationRequest): Promise<EvaluationOutcome> {
  const mapping = loadMapping(req.mapping);
  const model = loadScoringModel(req.model);
  const dataset = await loadDataset({
    file: req.data,
    mapping,
    label: req.label,
    exclude: req.exclude,
    orderBy: req.orderBy,
    progress: req.progress,
  });
  if (dataset.rows.length === 0) throw new Error(`${req.data}: no row could be mapped (${dataset.report.rejected} rejected)`);
  const base = { data: req.data, label: req.label, mapping: req.mapping, excluded: req.exclude, csv: dataset.report };

  if (!req.fit) {
    const results = qualifyAll(dataset.rows, model, req.at);
    return { ...base, evaluation: evaluateModel(dataset.rows, model, results) };
  }

  const fit = fitModel(dataset.rows, { seed: req.seed, orderName: dataset.orderName ?? undefined });
  const baselineFile = req.model ?? defaultScoringModelPath();
  const baseline = { text: readFileSync(baselineFile, 'utf8'), source: req.model ?? 'mappings/scoring.yaml' };
  const meta = {
    name: learnedName(req.data),
    version: 1,
    source: `${basename(req.data)} (label ${req.label}${req.exclude.length > 0 ? `, without ${req.exclude.join(', ')}` : ''})`,
    file: req.out,
  };
  const draft = learnedModelYaml(fit, baseline, meta);
  const heldOut = fit.split.test;
  const fallback = req.at ?? new Date();
  const evaluation = evaluateModel(heldOut, draft.model, qualifyAll(heldOut, draft.model, req.at, fallback));
  const baselineReport = evaluateModel(heldOut, model, qualifyAll(heldOut, model, req.at, fallback));

  // Same rules, now with the held-out result in the header (comments don't change the version id).
  const written = learnedModelYaml(fit, baseline, {
    ...meta,
    notes: [
      `Held-out (${heldOut.length} leads): ROC-AUC ${evaluation.rocAuc.toFixed(3)}, PR-AUC ${evaluation.prAuc.toFixed(3)},`,
      `top 20 % by score convert at ${pct(evaluation.top20.precision)} (base rate ${pct(evaluation.baseRate)}).`,
    ],
  });
  mkdirSync(dirname(req.out), { recursive: true });
  writeFileSync(req.out, written.yaml);

  const pointsOf = new Map(written.model.spec.fit.rules.map((r) => [r.id, r.points]));
  const topRules = [...pointsOf.entries()]
    .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]) || (a[0] < b[0] ? -1 : 1))
    .slice(0, 10)
    .map(([id, points]) => ({ id, label: written.model.compiled.fitRules.find((r) => r.id === id)!.label, points }));

  return {
    ...base,
    evaluation,
    baseline: baselineReport,
    fit: {
      method: `L2-regularised logistic regression (Newton), penalty chosen by ${fit.folds}-fold cross-validation on the training rows`,
      split: fit.split.description,
      splitKind: fit.split.kind,
      trainLeads: fit.split.train.length,
      heldOutLeads: heldOut.length,
      l2: fit.l2,
      crossValidation: fit.crossValidation,
      candidateRules: fit.rules.length,
      rulesWritten: written.kept,
      exactHeldOutAuc: fit.heldOutAuc,
      wrote: req.out,
      modelVersion: written.model.versionId,
      topRules,
    },
  };
}

export function formatOutcome(o: EvaluationOutcome): string {
  const lines = [
    `qualify evaluate: ${o.data} (label ${o.label}), mapping ${o.mapping}${o.excluded.length > 0 ? `, excluding ${o.excluded.join(', ')}` : ''}`,
    ...formatCsvReport(o.csv),
  ];
  if (o.fit) {
    const f = o.fit;
    lines.push(
      '',
      `learned: ${f.method}`,
      `  split: ${f.split}; ${f.trainLeads} training leads, ${f.heldOutLeads} held out`,
      `  penalty λ = ${f.l2} (cross-validated AUC ${f.crossValidation.map((c) => `${c.l2}: ${c.auc.toFixed(4)}`).join(', ')})`,
      `  ${f.rulesWritten} of ${f.candidateRules} candidate rules written (the rest rounded to 0 points); exact regression held-out AUC ${f.exactHeldOutAuc.toFixed(4)}`,
      `  wrote ${f.wrote} (${f.modelVersion})`,
      '  strongest rules (points; 10 points double the odds):',
      ...f.topRules.map((r) => `    ${`${r.points > 0 ? '+' : ''}${r.points}`.padStart(4)}  ${r.label}`),
      '',
      `held-out results (${f.heldOutLeads} leads the model never saw):`,
    );
  }
  lines.push('', ...formatEvaluation(o.evaluation));
  if (o.baseline) {
    const b = o.baseline;
    lines.push(
      '',
      `baseline ${b.model.versionId} on the same held-out leads: ROC-AUC ${b.rocAuc.toFixed(3)}, PR-AUC ${b.prAuc.toFixed(3)}, top 20 % convert at ${pct(b.top20.precision)}`,
    );
  }
  if (o.fit) {
    lines.push('', `top 20 % by score convert at ${pct(o.evaluation.top20.precision)} (held-out ROC-AUC ${o.evaluation.rocAuc.toFixed(3)})`);
  }
  return lines.join('\n');
}
