import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Grade, Transition } from '../../src/qualification/qualification.schema.js';
import type { Stage } from '../../src/canonical/lead.schema.js';
import type { Store } from '../../src/store/store.types.js';
import { storeBackends } from '../support/store-backends.js';
import { lead, lifecycle, newWorkspace, score, transition } from './workspace-fixtures.js';

/**
 * The funnel numbers on a seeded set whose answers are known by hand:
 *
 *   lead  grade score  path (transitions, time)
 *   L1    A     95     lead(03-02) → mql(03-03) → sql(03-10) → opportunity(04-01)
 *   L2    A     81     lead(03-02) → mql(03-03)
 *   L3    B     64     lead(03-02) → mql(03-04) → lead(03-20)      (fell back: still "reached MQL")
 *   L4    C     40     lead(03-02)
 *   L5    D     10     lead(03-05) → customer(03-06)               (set by a person: reached everything)
 *   L6    —     —      lead(03-06), never scored                   (no grade: not in grade numbers)
 *
 * A second workspace holds a lead of its own that must not show anywhere.
 */
describe.each(storeBackends())('funnel analytics on %s', (_backend, open) => {
  let root: Store;
  let ws: Store;
  beforeAll(async () => {
    root = await open();
    ws = await newWorkspace(root, 'funnel');
    const other = await newWorkspace(root, 'noise');
    const seed: Array<{ grade: Grade | null; value: number; path: Array<[Stage, string]> }> = [
      { grade: 'A', value: 95, path: [['lead', '03-02'], ['mql', '03-03'], ['sql', '03-10'], ['opportunity', '04-01']] },
      { grade: 'A', value: 81, path: [['lead', '03-02'], ['mql', '03-03']] },
      { grade: 'B', value: 64, path: [['lead', '03-02'], ['mql', '03-04'], ['lead', '03-20']] },
      { grade: 'C', value: 40, path: [['lead', '03-02']] },
      { grade: 'D', value: 10, path: [['lead', '03-05'], ['customer', '03-06']] },
      { grade: null, value: 0, path: [['lead', '03-06']] },
    ];
    for (const s of seed) await seedLead(ws, s.grade, s.value, s.path);
    await seedLead(other, 'A', 100, [['lead', '03-02'], ['customer', '03-03']]);
  });
  afterAll(() => root.close());

  async function seedLead(store: Store, grade: Grade | null, value: number, path: Array<[Stage, string]>): Promise<void> {
    const { leadId } = await store.upsertSourceRecord({
      system: 'hubspot',
      recordId: randomUUID(),
      lead: lead('hubspot', 'r', { email: `${randomUUID().slice(0, 8)}@seed.com` }),
      sourceUpdatedAt: null,
    });
    if (grade) await store.recordScore(leadId, score(value, grade));
    let from: Stage | null = null;
    for (const [stage, day] of path) {
      const at = `2026-${day}T12:00:00.000Z`;
      const t: Transition = transition(from, stage, at);
      await store.saveLifecycle(leadId, lifecycle(stage, at), t);
      from = stage;
    }
  }

  test('when the funnel is asked for, then it counts leads by their current stage in this workspace only', async () => {
    expect(await ws.funnel()).toEqual({ subscriber: 0, lead: 3, mql: 1, sql: 0, opportunity: 1, customer: 1, recycled: 0, disqualified: 0 });
  });

  test('when grades are asked for, then every grade is present and unscored leads are left out', async () => {
    expect(await ws.gradeDistribution()).toEqual({ A: 2, B: 1, C: 1, D: 1 });
  });

  test('when scores are bucketed, then each bucket counts [from, to) and 100 falls in the last one', async () => {
    const buckets = await ws.scoreHistogram(25);
    expect(buckets).toEqual([
      { from: 0, to: 25, count: 1 },
      { from: 25, to: 50, count: 1 },
      { from: 50, to: 75, count: 1 },
      { from: 75, to: 100, count: 2 },
    ]);
    const uneven = await ws.scoreHistogram(30);
    expect(uneven.map((b) => [b.from, b.to])).toEqual([[0, 30], [30, 60], [60, 90], [90, 100]]);
    expect(uneven.map((b) => b.count)).toEqual([1, 1, 2, 1]);
    await expect(ws.scoreHistogram(0)).rejects.toThrow(/bucket width/);
  });

  test('when stage flow is asked per week since a date, then transitions are counted per ISO week (Monday) and target stage', async () => {
    const flow = await ws.stageFlow({ since: new Date('2026-03-03T00:00:00.000Z'), bucket: 'week' });
    // 2026-03-02 is a Monday: 03-03..03-06 fall in that week, 03-10 in the next, 03-20 in 03-16's, 04-01 in 03-30's.
    expect(flow).toEqual([
      { period: '2026-03-02', to: 'customer', count: 1 },
      { period: '2026-03-02', to: 'lead', count: 2 },
      { period: '2026-03-02', to: 'mql', count: 3 },
      { period: '2026-03-09', to: 'sql', count: 1 },
      { period: '2026-03-16', to: 'lead', count: 1 },
      { period: '2026-03-30', to: 'opportunity', count: 1 },
    ]);
  });

  test('when stage flow is asked per month, then periods are the first of each month', async () => {
    const flow = await ws.stageFlow({ since: new Date('2026-01-01T00:00:00.000Z'), bucket: 'month' });
    expect(flow.filter((f) => f.period === '2026-04-01')).toEqual([{ period: '2026-04-01', to: 'opportunity', count: 1 }]);
    expect(flow.find((f) => f.period === '2026-03-01' && f.to === 'lead')!.count).toBe(7);
  });

  test('when conversion by grade is asked for, then each grade counts leads that ever reached each stage or a later one', async () => {
    expect(await ws.conversionByGrade()).toEqual([
      { grade: 'A', leads: 2, reachedMql: 2, reachedSql: 1, reachedOpportunity: 1, reachedCustomer: 0 },
      { grade: 'B', leads: 1, reachedMql: 1, reachedSql: 0, reachedOpportunity: 0, reachedCustomer: 0 },
      { grade: 'C', leads: 1, reachedMql: 0, reachedSql: 0, reachedOpportunity: 0, reachedCustomer: 0 },
      { grade: 'D', leads: 1, reachedMql: 1, reachedSql: 1, reachedOpportunity: 1, reachedCustomer: 1 },
    ]);
  });

  test('when leads are listed by grade, then only that grade of this workspace comes back', async () => {
    const a = await ws.listLeads({ grade: 'A', limit: 10, orderBy: 'score' });
    expect(a.map((l) => l.score!.score)).toEqual([95, 81]);
    expect((await ws.listLeads({ grade: 'B', stage: 'lead', limit: 10 })).map((l) => l.score!.score)).toEqual([64]);
  });
});
