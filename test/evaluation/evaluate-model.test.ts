import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { emptyLead } from '../../src/canonical/lead.schema.js';
import { evaluateModel, evaluationTime, qualifyAll } from '../../src/evaluation/evaluate-model.js';
import { rocAuc } from '../../src/evaluation/metrics.js';
import { parseScoringModel } from '../../src/scoring/load-scoring-model.js';
import { syntheticLeads } from './synthetic-leads.js';

// The default model plus "pro plan: +70 fit". These leads have no email (−10) and no events, so a
// pro lead scores fit 60 (grade A), combined (60 + 0) / 2 = 30; everyone else fit 0, combined 0.
const model = parseScoringModel(
  readFileSync('mappings/scoring.yaml', 'utf8').replace(
    /^ {4}- id: business_email$/m,
    ['    - id: pro_plan', '      when: { path: attributes.plan, eq: pro }', '      points: 70', '    - id: business_email'].join('\n'),
  ),
  'pro-plan.yaml',
);
const rows = syntheticLeads(500, 3).map((r) => ({ ...r, lead: { ...r.lead, events: [] } }));
const at = new Date('2026-03-01T00:00:00Z');
const report = evaluateModel(rows, model, qualifyAll(rows, model, at));
const isPro = rows.map((r) => r.lead.attributes.plan === 'pro');
const labels = rows.map((r) => r.label);

describe('evaluateModel', () => {
  test('when the model only tells pro leads apart, then its AUC is that of the pro indicator', () => {
    expect(report.rocAuc).toBeCloseTo(rocAuc(isPro.map(Number), labels), 12);
    expect(report.leads).toBe(500);
    expect(report.conversions).toBe(labels.filter(Boolean).length);
  });

  test('when grades are tabled, then grade A holds exactly the pro leads and D the rest', () => {
    const proCount = isPro.filter(Boolean).length;
    const proWins = rows.filter((r, i) => isPro[i] && r.label).length;
    expect(report.grades.map((g) => [g.group, g.count, g.conversions])).toEqual([
      ['A', proCount, proWins],
      ['D', 500 - proCount, labels.filter(Boolean).length - proWins],
    ]);
  });

  test('when thresholds are judged, then selection follows the number each threshold reads', () => {
    // SQL enters at combined score 75: nobody reaches it. MQL reads engagement (35): nobody either.
    expect(report.thresholds.map((t) => [t.stage, t.on, t.enter, t.selected])).toEqual([
      ['mql', 'engagement', 35, 0],
      ['sql', 'score', 75, 0],
    ]);
    expect(report.stages.reduce((n, s) => n + s.count, 0)).toBe(500);
  });

  test('when a lead has no time of its own, then its newest event or the fallback is the evaluation time', () => {
    const fallback = new Date('2030-01-01T00:00:00Z');
    expect(evaluationTime(emptyLead(), fallback)).toBe(fallback);
    const lead = {
      ...emptyLead(),
      events: [
        { type: 'visit' as const, at: '2024-01-01T00:00:00Z', source: 'csv' as const, sourceId: 'a' },
        { type: 'visit' as const, at: '2024-02-01T00:00:00Z', source: 'csv' as const, sourceId: 'b' },
      ],
    };
    expect(evaluationTime(lead, fallback).toISOString()).toBe('2024-02-01T00:00:00.000Z');
    expect(evaluationTime({ ...lead, sourceUpdatedAt: '2025-05-05T00:00:00Z' }, fallback).toISOString()).toBe('2025-05-05T00:00:00.000Z');
  });
});
