import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { emptyLead } from '../../src/canonical/lead.schema.js';
import type { LifecycleState, ScoreResult, Transition } from '../../src/qualification/qualification.schema.js';
import type { Store } from '../../src/store/store.types.js';
import { storeBackends } from '../support/store-backends.js';

function score(evaluatedAt: string, value: number): ScoreResult {
  return {
    modelVersion: 'default@1-abcd1234',
    fit: value,
    engagement: value / 2,
    score: value,
    grade: value >= 75 ? 'A' : 'C',
    band: value >= 75 ? 1 : 3,
    segment: value >= 75 ? 'A1' : 'C3',
    disqualifiedBy: null,
    contributions: [{ ruleId: 'title.vp', label: 'VP-level title', axis: 'fit', points: 20 }],
    reasons: '+ VP-level title',
    evaluatedAt,
  };
}
const state = (stage: LifecycleState['stage'], since: string): LifecycleState => ({ stage, since, reason: 'marketing_interest', setByPerson: false });
const move = (from: Transition['from'], to: Transition['to'], at: string): Transition => ({
  from,
  to,
  reason: 'marketing_interest',
  detail: 'downloaded a whitepaper',
  at,
  modelVersion: 'default@1-abcd1234',
});

async function newLead(store: Store): Promise<string> {
  const l = emptyLead();
  l.email = `batch.${randomUUID().slice(0, 8)}@acme-corp.com`;
  const id = randomUUID();
  l.ids = { hubspot: id };
  return (await store.upsertSourceRecord({ system: 'hubspot', recordId: id, lead: l, sourceUpdatedAt: '2026-01-01T00:00:00Z' })).leadId;
}

describe.each(storeBackends())('saveQualifications on %s', (_backend, open) => {
  let store: Store;
  beforeAll(async () => {
    store = await open();
  });
  afterAll(() => store.close());

  test('when many leads are saved in one batch, then each has its score history, current score, stage and audit trail', async () => {
    const a = await newLead(store);
    const b = await newLead(store);
    await store.saveQualifications!([
      { leadId: a, score: score('2026-06-01T10:00:00Z', 80), lifecycle: { state: state('mql', '2026-06-01T10:00:00Z'), transition: move(null, 'mql', '2026-06-01T10:00:00Z') } },
      { leadId: b, score: score('2026-06-01T10:00:00Z', 40), lifecycle: null },
    ]);
    await store.saveQualifications!([{ leadId: a, score: score('2026-06-02T10:00:00Z', 90), lifecycle: { state: state('sql', '2026-06-02T10:00:00Z'), transition: move('mql', 'sql', '2026-06-02T10:00:00Z') } }]);

    const leadA = (await store.getLead(a))!;
    expect(leadA.score!.score).toBe(90);
    expect(leadA.lifecycle!.stage).toBe('sql');
    expect((await store.scoreHistory(a)).map((s) => s.score)).toEqual([80, 90]);
    expect((await store.transitions(a)).map((t) => `${t.from}→${t.to}`)).toEqual(['null→mql', 'mql→sql']);
    const leadB = (await store.getLead(b))!;
    expect(leadB.score!.score).toBe(40);
    expect(leadB.lifecycle).toBeNull();
  });

  test('when an older score arrives after a newer one, then the lead keeps pointing at the newer', async () => {
    const a = await newLead(store);
    await store.saveQualifications!([{ leadId: a, score: score('2026-06-03T10:00:00Z', 70), lifecycle: null }]);
    await store.saveQualifications!([{ leadId: a, score: score('2026-06-01T10:00:00Z', 10), lifecycle: null }]);
    expect((await store.getLead(a))!.score!.score).toBe(70);
    expect(await store.scoreHistory(a)).toHaveLength(2);
  });

  test('when two workers record the same stage move, then the audit trail holds it once', async () => {
    const a = await newLead(store);
    const item = { leadId: a, score: null, lifecycle: { state: state('mql', '2026-06-01T10:00:00Z'), transition: move('lead', 'mql', '2026-06-01T10:00:00Z') } };
    await store.saveQualifications!([item]);
    await store.saveQualifications!([item]);
    expect(await store.transitions(a)).toHaveLength(1);
  });
});

describe.each(storeBackends())('saveQualifications with repeats on %s', (_backend, open) => {
  let store: Store;
  beforeAll(async () => {
    store = await open();
  });
  afterAll(() => store.close());

  test('when one batch holds the same lead twice, then the later entry wins and the batch still lands', async () => {
    const a = await newLead(store);
    await store.saveQualifications!([
      { leadId: a, score: score('2026-06-01T10:00:00Z', 50), lifecycle: { state: state('mql', '2026-06-01T10:00:00Z'), transition: move(null, 'mql', '2026-06-01T10:00:00Z') } },
      { leadId: a, score: score('2026-06-02T10:00:00Z', 90), lifecycle: { state: state('sql', '2026-06-02T10:00:00Z'), transition: move(null, 'sql', '2026-06-02T10:00:00Z') } },
    ]);
    const lead = (await store.getLead(a))!;
    expect(lead.score!.score).toBe(90);
    expect(lead.lifecycle!.stage).toBe('sql');
  });
});
