import { describe, expect, test } from '@jest/globals';
import {
  averagePrecision,
  baseRate,
  conversionByDecile,
  conversionByGroup,
  countBy,
  precisionRecallAt,
  rocAuc,
  selectionQuality,
  topFraction,
} from '../../src/evaluation/metrics.js';

const T = true;
const F = false;

describe('rocAuc', () => {
  test('when one of four pairs is mis-ordered, then the AUC is 3/4', () => {
    // Pairs (pos, neg): (0.35, 0.1) ok, (0.35, 0.4) wrong, (0.8, 0.1) ok, (0.8, 0.4) ok.
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [F, F, T, T])).toBeCloseTo(0.75, 12);
  });

  test('when a converted and a lost lead share a score, then that pair counts one half', () => {
    expect(rocAuc([1, 1], [T, F])).toBe(0.5);
    // pos 0.5 vs neg 0.5 → ½, pos 0.5 vs neg 0.2 → 1: (½ + 1) / 2.
    expect(rocAuc([0.5, 0.5, 0.2], [T, F, F])).toBe(0.75);
  });

  test('when the ranking is perfect or reversed, then the AUC is 1 or 0', () => {
    expect(rocAuc([3, 2, 1, 0], [T, T, F, F])).toBe(1);
    expect(rocAuc([3, 2, 1, 0], [F, F, T, T])).toBe(0);
  });

  test('when the file order changes, then the AUC does not', () => {
    const scores = [5, 3, 3, 3, 1, 7, 3];
    const labels = [T, F, T, F, F, T, T];
    const perm = [6, 2, 0, 5, 1, 4, 3];
    expect(rocAuc(perm.map((i) => scores[i]), perm.map((i) => labels[i]))).toBe(rocAuc(scores, labels));
  });

  test('when one class is missing, then the AUC is NaN rather than a made-up number', () => {
    expect(rocAuc([1, 2], [T, T])).toBeNaN();
  });

  test('when the arrays differ in length, then it refuses', () => {
    expect(() => rocAuc([1, 2], [T])).toThrow(/same length/);
  });
});

describe('averagePrecision', () => {
  test('when positives sit at ranks 1 and 3, then AP is (1 + 2/3) / 2', () => {
    expect(averagePrecision([0.1, 0.4, 0.35, 0.8], [F, F, T, T])).toBeCloseTo((1 + 2 / 3) / 2, 12);
  });

  test('when all scores are tied, then AP equals the base rate (one threshold only)', () => {
    expect(averagePrecision([1, 1, 1, 1], [T, F, F, F])).toBe(0.25);
  });

  test('when a tie holds a positive and a negative, then both enter together', () => {
    // Thresholds: {0.9: T} → P=1, R=1/2; {0.5: T, F} → P=2/3, R=1.
    expect(averagePrecision([0.9, 0.5, 0.5], [T, T, F])).toBeCloseTo(0.5 * 1 + 0.5 * (2 / 3), 12);
  });
});

describe('conversion tables', () => {
  const scores = Array.from({ length: 20 }, (_, i) => 20 - i); // 20, 19, …, 1
  const labels = scores.map((s) => s > 16 || s === 10); // top 4 convert, plus one in the middle

  test('when 20 leads are split into deciles, then each holds 2 and the top decile carries the lift', () => {
    const rows = conversionByDecile(scores, labels);
    expect(rows).toHaveLength(10);
    expect(rows.map((r) => r.count)).toEqual(Array(10).fill(2));
    expect(rows[0]).toEqual({ group: '1', count: 2, conversions: 2, rate: 1, lift: 4, minScore: 19, maxScore: 20 });
    expect(rows[1].conversions).toBe(2);
    expect(rows[5]).toMatchObject({ group: '6', conversions: 1, rate: 0.5, lift: 2, minScore: 9, maxScore: 10 });
    expect(rows.slice(2).reduce((n, r) => n + r.conversions, 0)).toBe(1);
  });

  test('when n is not a multiple of 10, then the first deciles take the extra leads', () => {
    const rows = conversionByDecile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], Array(12).fill(F));
    expect(rows.map((r) => r.count)).toEqual([2, 2, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(rows[0].maxScore).toBe(12);
  });

  test('when a tie straddles a decile boundary, then its conversions are shared pro rata, whatever the file order', () => {
    // Four tied leads, two converted, cut into two halves: each half expects one conversion.
    const a = conversionByDecile([5, 5, 5, 5], [T, T, F, F], 2);
    const b = conversionByDecile([5, 5, 5, 5], [F, F, T, T], 2);
    expect(a.map((r) => r.conversions)).toEqual([1, 1]);
    expect(b).toEqual(a);
    // Top lead alone, then a tie of three (one converted) split 1 | 2.
    const c = conversionByDecile([9, 1, 1, 1], [T, F, T, F], 2);
    expect(c[0].conversions).toBeCloseTo(1 + 1 / 3, 12);
    expect(c[1].conversions).toBeCloseTo(2 / 3, 12);
    expect(c[0]).toMatchObject({ count: 2, minScore: 1, maxScore: 9 });
  });

  test('when grouped by grade, then rates and lift are per group in the given order', () => {
    const rows = conversionByGroup(['B', 'A', 'A', 'C', 'B'], [2, 5, 4, 0, 1], [F, T, T, F, T], ['A', 'B', 'C', 'D']);
    expect(rows.map((r) => [r.group, r.count, r.conversions])).toEqual([
      ['A', 2, 2],
      ['B', 2, 1],
      ['C', 1, 0],
    ]);
    expect(rows[0].lift).toBeCloseTo(1 / 0.6, 12);
  });

  test('when the base rate is asked, then it is positives over all', () => {
    expect(baseRate([T, F, F, F])).toBe(0.25);
    expect(baseRate([])).toBeNaN();
  });
});

describe('selections', () => {
  test('when leads at or above a threshold are selected, then precision and recall follow', () => {
    expect(precisionRecallAt([10, 20, 30, 40, 50], [F, T, F, T, T], 30)).toEqual({
      selected: 3,
      truePositives: 2,
      precision: 2 / 3,
      recall: 2 / 3,
    });
  });

  test('when nothing is selected, then precision is NaN and recall 0', () => {
    const q = selectionQuality([F, F], [T, F]);
    expect(q.precision).toBeNaN();
    expect(q.recall).toBe(0);
  });

  test('when the top 20 % of 10 leads are taken, then exactly 2 leads are judged', () => {
    const top = topFraction([1, 9, 3, 8, 2, 4, 5, 6, 7, 0], [F, T, F, F, F, F, T, F, F, T], 0.2);
    expect(top).toMatchObject({ selected: 2, truePositives: 1, precision: 0.5, recall: 1 / 3 });
    expect(top.lift).toBeCloseTo(0.5 / 0.3, 12);
  });

  test('when the top 20 % cut through a tie, then the tie counts at its own conversion rate', () => {
    // 10 leads: one at 9 (converted), then nine tied at 1 with 3 converted; the top 2 = the 9 + 1/9 of the tie.
    const labels = [T, T, T, T, F, F, F, F, F, F];
    const top = topFraction([9, 1, 1, 1, 1, 1, 1, 1, 1, 1], labels, 0.2);
    expect(top.selected).toBe(2);
    expect(top.truePositives).toBeCloseTo(1 + 3 / 9, 12);
    expect(top.precision).toBeCloseTo((1 + 1 / 3) / 2, 12);
    expect(top.recall).toBeCloseTo((1 + 1 / 3) / 4, 12);
  });

  test('when counting stages, then listed stages appear even with zero leads', () => {
    expect(countBy(['mql', 'lead', 'mql', 'zzz'], ['lead', 'mql', 'sql'])).toEqual([
      { value: 'lead', count: 1 },
      { value: 'mql', count: 2 },
      { value: 'sql', count: 0 },
      { value: 'zzz', count: 1 },
    ]);
  });
});
