import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { fitModel } from '../../src/evaluation/fit-model.js';
import { learnedModelYaml } from '../../src/evaluation/learned-model.js';
import { rocAuc } from '../../src/evaluation/metrics.js';
import { loadScoringModelFile, parseScoringModel } from '../../src/scoring/load-scoring-model.js';
import { scoreLead } from '../../src/scoring/score-lead.js';
import { syntheticLeads } from './synthetic-leads.js';

const baseline = { text: readFileSync('mappings/scoring.yaml', 'utf8'), source: 'mappings/scoring.yaml' };
const leads = syntheticLeads(3000);
const fit = fitModel(leads, { seed: 42 });
const weight = (id: string) => {
  const rule = fit.rules.find((r) => r.id === id);
  if (!rule) throw new Error(`no rule ${id}; have ${fit.rules.map((r) => r.id).join(', ')}`);
  return rule.weight;
};

/** Spearman-free rank check: the share of pairs two score lists order the same way (ties agree with anything). */
function pairAgreement(a: number[], b: number[]): number {
  let agree = 0;
  let total = 0;
  for (let i = 0; i < a.length; i += 7) {
    for (let j = i + 1; j < a.length; j += 5) {
      total++;
      const da = Math.sign(a[i] - a[j]);
      const db = Math.sign(b[i] - b[j]);
      if (da === db || da === 0 || db === 0) agree++;
    }
  }
  return agree / total;
}

describe('fitModel on leads with a known signal', () => {
  test('when plan = pro drives conversion up and plan = free down, then the learned weights have those signs', () => {
    expect(weight('plan.pro')).toBeGreaterThan(0.5);
    expect(weight('plan.free')).toBeLessThan(-0.3);
    expect(weight('plan.pro')).toBeGreaterThan(weight('plan.trial'));
  });

  test('when more visits mean more conversions, then the top visit bin outweighs the bottom one', () => {
    const visitRules = fit.rules.filter((r) => r.when.path === 'attributes.visits' && !r.when.missing);
    expect(visitRules.length).toBeGreaterThanOrEqual(3);
    const lowest = visitRules.find((r) => r.when.gte === undefined)!;
    const highest = visitRules.find((r) => r.when.lt === undefined)!;
    expect(highest.weight - lowest.weight).toBeGreaterThan(1);
  });

  test('when a field is noise, then its weights stay small next to the real signal', () => {
    const noise = fit.rules.filter((r) => r.when.path === 'attributes.colour').map((r) => Math.abs(r.weight));
    expect(Math.max(...noise)).toBeLessThan(0.3);
  });

  test('when judged on the held-out 30 %, then the AUC clearly beats chance', () => {
    expect(fit.split.kind).toBe('time'); // every synthetic lead has an order number
    expect(fit.split.test).toHaveLength(900);
    expect(fit.heldOutAuc).toBeGreaterThan(0.72);
  });

  test('when the data has an order, then it trains on the oldest rows and judges on the newest', () => {
    const maxTrain = Math.max(...fit.split.train.map((r) => r.order!));
    const minTest = Math.min(...fit.split.test.map((r) => r.order!));
    expect(maxTrain).toBeLessThan(minTest);
    expect(fit.split.description).toMatch(/^time-ordered 70\/30/);
  });

  test('when fitted twice with the same seed, then the result is identical', () => {
    const again = fitModel(leads, { seed: 42 });
    expect(again.rules.map((r) => [r.id, r.weight])).toEqual(fit.rules.map((r) => [r.id, r.weight]));
    expect(again.l2).toBe(fit.l2);
  });

  test('when every lead has the same outcome, then it says both outcomes are needed', () => {
    const same = leads.slice(0, 100).map((l) => ({ ...l, label: true }));
    expect(() => fitModel(same)).toThrow(/both outcomes/);
  });
});

describe('learnedModelYaml', () => {
  const written = learnedModelYaml(fit, baseline, { name: 'synthetic-learned', version: 3, source: 'synthetic leads' });
  const at = new Date('2026-06-01T00:00:00Z');

  test('when written, then the text loads through the scoring model loader under its name and version', () => {
    const loaded = parseScoringModel(written.yaml, 'learned.yaml');
    expect(loaded.versionId).toMatch(/^synthetic-learned@3-[0-9a-f]{8}$/);
    expect(loaded.spec.fit.transform).toMatchObject({ type: 'logistic' });
    expect(loaded.spec.combined).toEqual({ fit: 1, engagement: 0 });
    expect(written.kept + written.dropped).toBe(fit.rules.length);
  });

  test('when scored through the written YAML, then held-out leads rank as the fitted model ranked them', () => {
    const scores = fit.split.test.map((r) => scoreLead(r.lead, written.model, at).score);
    expect(pairAgreement(scores, fit.testLogits)).toBeGreaterThan(0.98);
    const labels = fit.split.test.map((r) => r.label);
    expect(Math.abs(rocAuc(scores, labels) - fit.heldOutAuc)).toBeLessThan(0.01);
  });

  test('when a rule is written, then a person sees its support, conversion and points in words', () => {
    expect(written.yaml).toMatch(/# \d+ training leads, \d+\.\d % converted \(log-odds -?\d\.\d{3}\)\n\s+- id: plan\.pro\n\s+label: "Plan: pro"\n\s+when: \{ path: attributes\.plan, eq: pro \}\n\s+points: \d+/);
    expect(written.yaml).toContain('10 points double the');
  });

  test('when grades are cut, then about 20 % of training leads get an A and A > B > C', () => {
    const { grade } = written.model.spec.thresholds;
    expect(grade.A).toBeGreaterThan(grade.B);
    expect(grade.B).toBeGreaterThan(grade.C);
    const grades = fit.split.train.map((r) => scoreLead(r.lead, written.model, at).grade);
    const shareA = grades.filter((g) => g === 'A').length / grades.length;
    expect(shareA).toBeGreaterThanOrEqual(0.19);
    expect(shareA).toBeLessThan(0.3);
  });

  test('when the baseline model is the default, then its lifecycle and engagement rules are kept', () => {
    const base = loadScoringModelFile('mappings/scoring.yaml');
    expect(written.model.spec.lifecycle).toEqual(base.spec.lifecycle);
    expect(written.model.spec.engagement).toEqual(base.spec.engagement);
    expect(written.model.spec.fit.disqualifiers).toEqual(base.spec.fit.disqualifiers);
  });
});
