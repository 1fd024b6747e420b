import type { Lead } from '../canonical/lead.schema.js';
import { buildFeatures, featureEncoder, type Feature } from './features.js';
import { fitLogistic, logit, type LogisticModel, type SparseRow } from './logistic-regression.js';
import { rocAuc } from './metrics.js';
import { seededShuffle, splitRows, type Split } from './split.js';

/**
 * Learn fit-rule weights from outcomes: L2-regularised logistic regression over readable
 * conditions (one value, one bin, or "unknown" of one lead field each), trained on one part of the
 * data, judged on the rest. The penalty is chosen by cross-validation on the training part only,
 * so the held-out rows never influence the model that is reported on them.
 */

export interface LabelledLead {
  /** Where the row came from, for examples in reports (CSV row number or record id). */
  id: string;
  lead: Lead;
  label: boolean;
  /** Position in time (ms or an order number), or null when unknown. */
  order: number | null;
}

export interface FitModelOptions {
  seed?: number;
  trainFraction?: number;
  /** Minimum training leads on each side of a condition; default max(20, 0.5 % of training rows). */
  minSupport?: number;
  numericBins?: number;
  /** Penalties to try; the best mean cross-validated AUC wins (ties: the larger, simpler one). */
  l2Grid?: readonly number[];
  folds?: number;
  /** Name of the order, for the split description. */
  orderName?: string;
}

export interface LearnedRule extends Feature {
  /** Log-odds contribution of the condition. */
  weight: number;
  /** Training leads matching the condition, and how many of them converted. */
  support: number;
  conversions: number;
}

export interface FitResult {
  split: Split<LabelledLead>;
  /** Chosen penalty and the cross-validation that chose it. */
  l2: number;
  /** Folds of the cross-validation, and the mean held-out-fold AUC per penalty tried. */
  folds: number;
  crossValidation: Array<{ l2: number; auc: number }>;
  intercept: number;
  rules: LearnedRule[];
  features: Feature[];
  model: LogisticModel;
  /** Base conversion rate of the training rows. */
  trainBaseRate: number;
  /** AUC of the exact (unrounded) model on the held-out rows. */
  heldOutAuc: number;
  /** Active feature indices of each training lead, in split order. */
  trainRows: SparseRow[];
  /** Log-odds of each training / held-out lead under the exact model, in split order. */
  trainLogits: number[];
  testLogits: number[];
}

export const DEFAULT_L2_GRID = [0.3, 1, 3, 10, 30] as const;

function crossValidate(rows: readonly SparseRow[], labels: readonly boolean[], featureCount: number, l2: number, folds: number, seed: number): number {
  const order = seededShuffle([...rows.keys()], seed);
  const fold = new Int32Array(rows.length);
  order.forEach((row, k) => (fold[row] = k % folds));
  let sum = 0;
  for (let f = 0; f < folds; f++) {
    const trainIdx = [...rows.keys()].filter((i) => fold[i] !== f);
    const testIdx = [...rows.keys()].filter((i) => fold[i] === f);
    const m = fitLogistic(
      trainIdx.map((i) => rows[i]),
      trainIdx.map((i) => labels[i]),
      featureCount,
      { l2 },
    );
    sum += rocAuc(
      testIdx.map((i) => logit(m, rows[i])),
      testIdx.map((i) => labels[i]),
    );
  }
  return sum / folds;
}

/**
 * Drop a feature that holds for exactly the same training leads as an earlier one (a mapping may
 * put one column in two places, e.g. consent.optedOut and attributes.do_not_email): two rules
 * sharing one weight read as two reasons when there is only one. The earlier (canonical) one stays.
 */
function distinctFeatures(features: Feature[], train: readonly LabelledLead[]): Feature[] {
  const encode = featureEncoder(features);
  const rows = train.map((r) => encode(r.lead));
  const members: number[][] = features.map(() => []);
  rows.forEach((row, i) => {
    for (const j of row) members[j].push(i);
  });
  const seen = new Set<string>();
  return features.filter((_, j) => {
    const key = members[j].join(',');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function fitModel(rows: readonly LabelledLead[], options: FitModelOptions = {}): FitResult {
  const seed = options.seed ?? 42;
  const split = splitRows(rows, {
    trainFraction: options.trainFraction ?? 0.7,
    seed,
    order: (r) => r.order,
    orderName: options.orderName,
  });
  const train = split.train;
  const trainLabels = train.map((r) => r.label);
  const positives = trainLabels.filter(Boolean).length;
  if (positives === 0 || positives === train.length) {
    throw new Error(`cannot learn from the training split: ${positives} of ${train.length} leads converted (both outcomes are needed)`);
  }

  const minSupport = options.minSupport ?? Math.max(20, Math.round(train.length * 0.005));
  const features = distinctFeatures(
    buildFeatures(
      train.map((r) => r.lead),
      { minSupport, numericBins: options.numericBins ?? 10 },
    ),
    train,
  );
  const encode = featureEncoder(features);
  const trainRows = train.map((r) => encode(r.lead));
  const testRows = split.test.map((r) => encode(r.lead));

  const folds = options.folds ?? 5;
  const crossValidation = (options.l2Grid ?? DEFAULT_L2_GRID).map((l2) => ({
    l2,
    auc: crossValidate(trainRows, trainLabels, features.length, l2, folds, seed + 1),
  }));
  const best = crossValidation.reduce((a, b) => (b.auc > a.auc || (b.auc === a.auc && b.l2 > a.l2) ? b : a));

  const model = fitLogistic(trainRows, trainLabels, features.length, { l2: best.l2 });
  const support = new Array<number>(features.length).fill(0);
  const conversions = new Array<number>(features.length).fill(0);
  trainRows.forEach((row, i) => {
    for (const j of row) {
      support[j]++;
      if (trainLabels[i]) conversions[j]++;
    }
  });
  const rules = features.map((f, j) => ({ ...f, weight: model.weights[j], support: support[j], conversions: conversions[j] }));
  const testLogits = testRows.map((r) => logit(model, r));
  return {
    split,
    l2: best.l2,
    folds,
    crossValidation,
    intercept: model.intercept,
    rules,
    features,
    model,
    trainBaseRate: positives / train.length,
    heldOutAuc: rocAuc(
      testLogits,
      split.test.map((r) => r.label),
    ),
    trainRows,
    trainLogits: trainRows.map((r) => logit(model, r)),
    testLogits,
  };
}
