/**
 * L2-regularised logistic regression over binary features, fitted by Newton's method.
 *
 * Why this and not something fancier: each learned weight is a log-odds contribution of one
 * readable condition ("Lead Origin is Lead Add Form"), so it turns straight into points a person
 * can review. Newton's method is deterministic (no learning rate, no shuffling) and, with every
 * feature 0/1 and only a dozen active per lead, the Hessian costs n·k² per step, not n·p².
 */

/** A lead as the indices of its active (= 1) features. */
export type SparseRow = readonly number[];

export interface LogisticModel {
  intercept: number;
  weights: Float64Array;
  /** Newton steps taken. */
  iterations: number;
}

export interface FitOptions {
  /** L2 penalty λ on the weights (the intercept is not penalised): minimises −loglik + λ/2·‖w‖². */
  l2: number;
  maxIterations?: number;
  /** Stop when the largest change of any coefficient is below this. */
  tolerance?: number;
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

export function logit(model: LogisticModel, row: SparseRow): number {
  let z = model.intercept;
  for (const j of row) z += model.weights[j];
  return z;
}

/**
 * Solve A x = b for symmetric positive-definite A (row-major, size m×m) by Cholesky.
 * A is positive definite here because the L2 term adds λ to every weight's diagonal and
 * the intercept's diagonal is Σ p(1−p) > 0.
 */
function solveSpd(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const l = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * m + j];
      for (let k = 0; k < j; k++) sum -= l[i * m + k] * l[j * m + k];
      if (i === j) {
        // A tiny jitter keeps a numerically singular system (an unpenalised, always-off column) solvable.
        l[i * m + i] = Math.sqrt(Math.max(sum, 1e-12));
      } else {
        l[i * m + j] = sum / l[j * m + j];
      }
    }
  }
  const y = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let sum = b[i];
    for (let k = 0; k < i; k++) sum -= l[i * m + k] * y[k];
    y[i] = sum / l[i * m + i];
  }
  const x = new Float64Array(m);
  for (let i = m - 1; i >= 0; i--) {
    let sum = y[i];
    for (let k = i + 1; k < m; k++) sum -= l[k * m + i] * x[k];
    x[i] = sum / l[i * m + i];
  }
  return x;
}

/**
 * Fit on `rows` (sparse binary features, `featureCount` columns) and boolean outcomes.
 * Coefficient 0 of the Newton system is the intercept, 1..p the weights.
 */
export function fitLogistic(rows: readonly SparseRow[], labels: readonly boolean[], featureCount: number, options: FitOptions): LogisticModel {
  if (rows.length !== labels.length) throw new RangeError('rows and labels must have the same length');
  if (!(options.l2 > 0)) throw new RangeError(`l2 must be > 0, got ${options.l2}`);
  const maxIterations = options.maxIterations ?? 50;
  const tolerance = options.tolerance ?? 1e-8;
  const m = featureCount + 1;
  const beta = new Float64Array(m);

  // Start the intercept at the base log-odds: fewer steps, and a sane answer for empty feature sets.
  const positives = labels.filter(Boolean).length;
  const rate = Math.min(Math.max(positives / Math.max(rows.length, 1), 1e-6), 1 - 1e-6);
  beta[0] = Math.log(rate / (1 - rate));

  let iterations = 0;
  for (; iterations < maxIterations; ) {
    iterations++;
    const gradient = new Float64Array(m);
    const hessian = new Float64Array(m * m);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      let z = beta[0];
      for (const j of row) z += beta[j + 1];
      const p = sigmoid(z);
      const residual = (labels[i] ? 1 : 0) - p;
      const w = p * (1 - p);
      gradient[0] += residual;
      hessian[0] += w;
      for (const j of row) {
        const a = j + 1;
        gradient[a] += residual;
        hessian[a] += w; // (0, a)
        hessian[a * m] += w; // (a, 0)
        for (const k of row) hessian[a * m + k + 1] += w;
      }
    }
    for (let a = 1; a < m; a++) {
      gradient[a] -= options.l2 * beta[a];
      hessian[a * m + a] += options.l2;
    }
    const step = solveSpd(hessian, gradient, m);
    let largest = 0;
    for (let a = 0; a < m; a++) {
      beta[a] += step[a];
      largest = Math.max(largest, Math.abs(step[a]));
    }
    if (largest < tolerance) break;
  }
  return { intercept: beta[0], weights: beta.slice(1), iterations };
}
