import { Document, isCollection, isMap, parseDocument, type YAMLMap, type YAMLSeq } from 'yaml';
import { parseScoringModel } from '../scoring/load-scoring-model.js';
import type { ScoringModel } from '../scoring/scoring-model.js';
import type { FitResult, LearnedRule } from './fit-model.js';
import { sigmoid } from './logistic-regression.js';

/**
 * Turn a fitted model into a scoring model file a person can read, review and edit.
 *
 * Weights become whole points on a scorecard scale (by default 10 points double the odds of
 * converting), and the fit transform is the logistic curve with the learned intercept, so fit is
 * "chance of converting, in %". Everything the data can't teach (engagement rules, lifecycle
 * semantics, hard disqualifiers such as competitors) is copied from the baseline model, with its
 * comments; the combined score is fit alone, because fit now carries everything that was learned.
 */

export interface LearnedModelMeta {
  name: string;
  version: number;
  /** Points that double the odds of converting. */
  pointsPerDoubling?: number;
  /** Shares of training leads at or above the A, B and C fit cut-offs. */
  gradeShares?: { A: number; B: number; C: number };
  /** Where it was learned from, for the header: "x-education-leads.csv, label Converted". */
  source: string;
  /** Extra header lines (held-out metrics...). */
  notes?: string[];
  /** Where the file will be written, to name it in the loaded model's source. */
  file?: string;
}

export interface LearnedModelFile {
  yaml: string;
  /** The written text, loaded back through the scoring model's own loader. */
  model: ScoringModel;
  /** Rules kept (non-zero points) and dropped (rounded to 0). */
  kept: number;
  dropped: number;
}

/** Write a small map on one line: `when: { path: x, eq: 1 }` reads like a sentence. */
function inline(node: unknown): void {
  if (isCollection(node)) node.flow = true;
}

/** Set a top-level key with a comment on the line above it (on the value, a flow map would move to its own line). */
function setWithComment(doc: Document, key: string, value: unknown, comment: string): void {
  const keyNode = doc.createNode(key);
  keyNode.commentBefore = comment;
  (doc.contents as YAMLMap).items.push(doc.createPair(keyNode, value));
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const round2 = (x: number) => Math.round(x * 100) / 100;

/** The fit value at or above which `share` of the values lie (the share may be exceeded by ties). */
function cutForTopShare(sortedDesc: readonly number[], share: number): number {
  const k = Math.max(1, Math.ceil(share * sortedDesc.length));
  return sortedDesc[Math.min(k, sortedDesc.length) - 1];
}

function rulePoints(rule: LearnedRule, pointsPerUnit: number): number {
  return Math.round(rule.weight * pointsPerUnit);
}

/**
 * Build the YAML text and load it back (so what is written is known to be a valid model).
 * `baseline` is the text of the model whose engagement and lifecycle sections are kept.
 */
export function learnedModelYaml(fit: FitResult, baseline: { text: string; source: string }, meta: LearnedModelMeta): LearnedModelFile {
  const pointsPerDoubling = meta.pointsPerDoubling ?? 10;
  const pointsPerUnit = Number((pointsPerDoubling / Math.LN2).toFixed(6));
  const shares = meta.gradeShares ?? { A: 0.2, B: 0.5, C: 0.8 };
  const base = parseDocument(baseline.text);
  const baseModel = parseScoringModel(baseline.text, baseline.source);

  const kept = fit.rules.map((r) => ({ rule: r, points: rulePoints(r, pointsPerUnit) })).filter((r) => r.points !== 0);
  const intercept = Number(fit.intercept.toFixed(6));

  // Fit of every training lead under the rounded points: the grade and stage cut-offs are taken
  // from it, as shares of training leads (rank-based bands survive drift better than probabilities).
  const index = new Map(fit.features.map((f, j) => [f.id, j]));
  const pointsByFeature = new Float64Array(fit.features.length);
  for (const k of kept) pointsByFeature[index.get(k.rule.id)!] = k.points;
  const fits = fit.trainRows
    .map((row) => {
      let raw = 0;
      for (const j of row) raw += pointsByFeature[j];
      return round2(100 * sigmoid(intercept + raw / pointsPerUnit));
    })
    .sort((a, b) => b - a);
  const floor1 = (x: number) => Math.floor(x * 10) / 10;
  const gradeA = floor1(cutForTopShare(fits, shares.A));
  let gradeB = floor1(cutForTopShare(fits, shares.B));
  let gradeC = floor1(cutForTopShare(fits, shares.C));
  // Ties can make cut-offs equal; the model format needs A > B > C.
  if (gradeB >= gradeA) gradeB = round2(gradeA - 0.1);
  if (gradeC >= gradeB) gradeC = round2(gradeB - 0.1);
  const baseThresholds = baseModel.spec.thresholds;

  const doc = new Document({});
  doc.commentBefore = [
    ` Learned scoring model: ${meta.name}, version ${meta.version}.`,
    ` Learned by \`qualify evaluate --fit\` from ${meta.source}.`,
    ` Method: L2-regularised logistic regression (λ = ${fit.l2}, chosen by ${fit.folds}-fold cross-validation on the training leads)`,
    ` on ${fit.split.train.length} training leads; ${fit.split.description}.`,
    ...(meta.notes ?? []).map((n) => ` ${n}`),
    '',
    ` How to read it: each fit rule's points are the learned log-odds × ${pointsPerUnit} (${pointsPerDoubling} points double the`,
    ` odds of converting). fit = 100 / (1 + e^-(intercept + points / ${pointsPerUnit})) is the chance of converting in %.`,
    ` The comment above each rule: how many training leads it matched and how many of those converted.`,
    ` ${fit.rules.length - kept.length} candidate rules rounded to 0 points and are left out.`,
    ` Engagement, lifecycle and disqualifiers are kept from ${baseline.source}; the combined score is fit alone.`,
    ' Edit freely, then bump `version`; run `qualify simulate` before publishing. Format: src/scoring/README.md.',
  ].join('\n');

  doc.set('name', meta.name);
  doc.set('version', meta.version);
  doc.set('description', `Learned from ${meta.source}.`);

  const rules = doc.createNode(
    kept.map(({ rule, points }) => ({ id: rule.id, label: rule.label, when: rule.when, points })),
  ) as YAMLSeq<YAMLMap>;
  rules.items.forEach((item, i) => {
    const { rule } = kept[i];
    item.commentBefore = ` ${rule.support} training leads, ${rule.support === 0 ? '-' : pct(rule.conversions / rule.support)} converted (log-odds ${rule.weight.toFixed(3)})`;
    inline(item.get('when', true));
  });
  const fitNode = doc.createNode({
    transform: { type: 'logistic', intercept, pointsPerUnit },
    disqualifiers: [],
    rules: [],
  }) as YAMLMap;
  inline(fitNode.get('transform', true));
  const baseFit = base.get('fit', true);
  const disqualifiers = isMap(baseFit) ? baseFit.get('disqualifiers', true) : undefined;
  if (disqualifiers) fitNode.set('disqualifiers', disqualifiers);
  fitNode.set('rules', rules);
  doc.set('fit', fitNode);

  doc.set('engagement', base.get('engagement', true));
  const combined = doc.createNode({ fit: 1, engagement: 0 }) as YAMLMap;
  combined.flow = true;
  setWithComment(doc, 'combined', combined, ' The learned fit already ranks leads; engagement still sets the band (1–4) and drives MQL by interest.');

  const thresholds = doc.createNode({
    grade: { A: gradeA, B: gradeB, C: gradeC },
    band: baseThresholds.band,
    mql: { on: 'score', enter: gradeB, exit: round2(Math.max(0, gradeB - 10)), minDwellDays: baseThresholds.mql.minDwellDays },
    sql: { on: 'score', enter: gradeA, exit: gradeB, minDwellDays: baseThresholds.sql.minDwellDays },
  }) as YAMLMap;
  for (const key of ['grade', 'band', 'mql', 'sql']) inline(thresholds.get(key, true));
  setWithComment(doc, 'thresholds', thresholds, ` Cut-offs from the training leads' fit: A = top ${pct(shares.A)}, B = top ${pct(shares.B)}, C = top ${pct(shares.C)}; MQL at B, SQL at A.`);
  doc.set('lifecycle', base.get('lifecycle', true));

  const yaml = doc.toString({ lineWidth: 0 });
  const model = parseScoringModel(yaml, meta.file ?? `<learned ${meta.name}>`);
  return { yaml, model, kept: kept.length, dropped: fit.rules.length - kept.length };
}
