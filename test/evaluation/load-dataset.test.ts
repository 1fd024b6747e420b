import { describe, expect, test } from '@jest/globals';
import { emptyLead } from '../../src/canonical/lead.schema.js';
import { loadDataset, parseLabel } from '../../src/evaluation/load-dataset.js';
import { simulateChange } from '../../src/evaluation/simulate-change.js';
import { loadMapping } from '../../src/mapping/load-mapping.js';
import type { Qualification } from '../../src/qualification/qualification.schema.js';
import { loadScoringModel } from '../../src/qualification/qualify-lead.js';

const DATA = 'test/evaluation/fixtures/demo-leads.csv';
const mapping = loadMapping('test/evaluation/fixtures/demo-leads.mapping.yaml');

describe('parseLabel', () => {
  test('when the outcome is 1/0, yes/no or true/false in any case, then it is read', () => {
    expect(['1', 'yes', 'TRUE', ' Y ', 'true'].map((v) => parseLabel(v, 'won'))).toEqual([true, true, true, true, true]);
    expect(['0', 'No', 'false', 'n'].map((v) => parseLabel(v, 'won'))).toEqual([false, false, false, false]);
  });

  test('when the outcome is anything else, then the row is rejected naming the column', () => {
    expect(() => parseLabel('', 'won')).toThrow(expect.objectContaining({ field: 'won', message: 'expected 1/0, yes/no or true/false, got ""' }));
  });
});

describe('loadDataset', () => {
  test('when the mapping reads the outcome column, then it sees a blank: the answer never reaches a lead', async () => {
    const { rows } = await loadDataset({ file: DATA, mapping, label: 'won', progress: false });
    expect(rows).toHaveLength(400);
    expect(rows.some((r) => r.label)).toBe(true);
    expect(rows.every((r) => r.lead.attributes.peeked_outcome === null)).toBe(true);
  });

  test('when columns are excluded, then the mapping sees them blank, and rows keep their number and id', async () => {
    const { rows, orderName } = await loadDataset({ file: DATA, mapping, label: 'won', exclude: ['colour', 'plan'], progress: false });
    expect(rows.every((r) => r.lead.attributes.colour === null && r.lead.attributes.plan === null)).toBe(true);
    expect(rows[0]).toMatchObject({ row: 1, id: 'L0001', label: false, order: null });
    expect(orderName).toBeNull();
  });

  test('when an order column is named, then each row carries its value as the order', async () => {
    const { rows, orderName } = await loadDataset({ file: DATA, mapping, label: 'won', orderBy: 'visits', progress: false });
    expect(orderName).toBe('column visits');
    expect(rows[0].order).toBe(11);
  });
});

describe('simulateChange', () => {
  const model = loadScoringModel();
  const q = (grade: 'A' | 'B' | 'C' | 'D', stage: Qualification['lifecycle']['stage'], score: number): Qualification =>
    ({
      score: { grade, score, reasons: `r${score}` },
      lifecycle: { stage, since: '2026-01-01T00:00:00.000Z', reason: 'first_seen', setByPerson: false },
      transition: null,
    }) as unknown as Qualification;
  const rows = [1, 2, 3, 4].map((n) => ({ row: n, id: `L${n}`, lead: emptyLead(), label: false, order: null }));

  test('when leads move up, down and sideways, then each direction is counted and examples are ordered by size of move', () => {
    const before = [q('D', 'lead', 10), q('A', 'sql', 90), q('C', 'lead', 30), q('B', 'mql', 50)];
    const after = [q('A', 'sql', 80), q('B', 'mql', 60), q('C', 'recycled', 30), q('B', 'mql', 50)];
    const r = simulateChange(rows, { model, results: before }, { model, results: after });
    expect(r.grades).toMatchObject({ upgraded: 1, downgraded: 1, unchanged: 2, sideways: 0 });
    expect(r.stages).toMatchObject({ upgraded: 1, downgraded: 1, sideways: 1, unchanged: 1 });
    expect(r.stages.counts.lead.sql).toBe(1);
    expect(r.examples.upgraded.map((e) => e.recordId)).toEqual(['L1']);
    expect(r.examples.downgraded).toEqual([
      { row: 2, recordId: 'L2', grade: { from: 'A', to: 'B' }, stage: { from: 'sql', to: 'mql' }, score: { from: 90, to: 60 }, reasons: 'r60' },
    ]);
    expect(r.score).toEqual({ meanBefore: 45, meanAfter: 55, increased: 1, decreased: 1 });
  });
});
