import { describe, expect, test } from '@jest/globals';
import { fitLogistic, logit, sigmoid } from '../../src/evaluation/logistic-regression.js';

const logOdds = (p: number) => Math.log(p / (1 - p));

describe('fitLogistic', () => {
  test('when one binary feature splits the data, then intercept and weight are the two groups\' empirical log-odds', () => {
    // Feature off: 20 leads, 5 convert (25 %). Feature on: 20 leads, 15 convert (75 %).
    const rows: number[][] = [];
    const labels: boolean[] = [];
    for (let i = 0; i < 20; i++) {
      rows.push([]);
      labels.push(i < 5);
      rows.push([0]);
      labels.push(i < 15);
    }
    const m = fitLogistic(rows, labels, 1, { l2: 1e-9 });
    expect(m.intercept).toBeCloseTo(logOdds(0.25), 6);
    expect(m.weights[0]).toBeCloseTo(logOdds(0.75) - logOdds(0.25), 6);
    expect(sigmoid(logit(m, [0]))).toBeCloseTo(0.75, 6);
  });

  test('when the penalty grows, then the weight shrinks towards 0 but keeps its sign', () => {
    const rows = [[0], [0], [0], [], [], []];
    const labels = [true, true, false, false, false, true];
    const weak = fitLogistic(rows, labels, 1, { l2: 0.01 }).weights[0];
    const strong = fitLogistic(rows, labels, 1, { l2: 100 }).weights[0];
    expect(weak).toBeGreaterThan(strong);
    expect(strong).toBeGreaterThan(0);
    expect(strong).toBeLessThan(0.05);
  });

  test('when a feature separates the classes perfectly, then the penalty keeps the fit finite', () => {
    const m = fitLogistic([[0], [0], [], []], [true, true, false, false], 1, { l2: 0.1 });
    expect(Number.isFinite(m.weights[0])).toBe(true);
    expect(m.weights[0]).toBeGreaterThan(1);
  });

  test('when a feature never occurs, then its weight is exactly 0', () => {
    const m = fitLogistic([[0], []], [true, false], 2, { l2: 1 });
    expect(m.weights[1]).toBe(0);
  });

  test('when the penalty is not positive, then it refuses', () => {
    expect(() => fitLogistic([[]], [true], 0, { l2: 0 })).toThrow(/l2/);
  });
});
