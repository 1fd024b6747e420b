import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { defaultScoringModelPath } from '../../src/qualification/qualify-lead.js';
import type { Store } from '../../src/store/store.types.js';
import { storeBackends } from '../support/store-backends.js';
import { as, generousModelYaml, makeWorkspace, personLead, rescoreAndWait, startApiKit, storeLead, type ApiKit, type TestWorkspace } from './api-test-kit.js';

describe.each(storeBackends())('scoring model draft → simulate → publish → rollback on %s', (_backend, open) => {
  let store: Store;
  let kit: ApiKit;
  let ws: TestWorkspace;
  const ids: string[] = [];

  beforeAll(async () => {
    store = await open();
    kit = await startApiKit(store);
    ws = await makeWorkspace(store, 'models');
    const people = [
      { first: 'Ada', last: 'Brook', title: 'Marketing Coordinator', company: 'Brook Ltd' },
      { first: 'Ben', last: 'Carr', title: 'Analyst', company: 'Carr GmbH' },
      { first: 'Cleo', last: 'Dunn', title: 'Office Manager', company: 'Dunn & Co' },
      { first: 'Dev', last: 'Ekwu', title: 'VP Engineering', company: 'Ekwu Systems', events: [{ type: 'demo_request' as const, daysAgo: 1 }] },
    ];
    for (const p of people) ids.push(await storeLead(ws.store, personLead({ ...p, email: `${p.first.toLowerCase()}.${randomUUID().slice(0, 6)}@${p.company.split(' ')[0]!.toLowerCase()}-corp.com` })));
  }, 60_000);
  afterAll(async () => {
    await kit.close();
    await store.close();
  });

  const api = () => as(kit.app, ws.key);
  const grades = async () => Promise.all(ids.map(async (id) => (await ws.store.getLead(id))!.score!));
  const activeVersion = async () => (await api().get('/api/models/active').expect(200)).body.versionId as string;

  test('when a model change is simulated, published and rolled back, then simulation writes nothing and the pipeline scores with the active version', async () => {
    const rescore = async () => {
      const { job } = await rescoreAndWait(kit.app, ws.key);
      expect(job.state).toBe('completed');
      return job.result!;
    };
    const fileModel = (await rescore()).model;
    expect(fileModel).toMatch(/^default@1-/);
    const before = await grades();
    expect(before.filter((s) => s.grade === 'A').length).toBeLessThan(ids.length);
    const historyBefore = await Promise.all(ids.map((id) => ws.store.scoreHistory(id)));

    // The file model's text as the workspace's first published version, then a generous draft.
    const baseline = (await api().post('/api/models').set('content-type', 'application/yaml').send(readFileSync(defaultScoringModelPath(), 'utf8')).expect(201)).body.model;
    expect(baseline.versionId).toBe(fileModel);
    await api().post(`/api/models/${baseline.id}/publish`).expect(200);
    const draft = (await api().post('/api/models').set('content-type', 'application/yaml').send(generousModelYaml(2)).expect(201)).body.model;

    const sim = (await api().post(`/api/models/${draft.id}/simulate`).expect(200)).body;
    expect(sim).toMatchObject({ current: fileModel, candidate: draft.versionId, leads: ids.length });
    const movedToA = before.filter((s) => s.grade !== 'A').length;
    expect(sim.gradeChanges).toBe(movedToA);
    expect(sim.byGrade.before.A).toBe(ids.length - movedToA);
    expect(sim.byGrade.after.A).toBe(ids.length);
    expect(sim.examples.map((e: { leadId: string }) => e.leadId)).toEqual(expect.arrayContaining(ids.filter((_, i) => before[i]!.grade !== 'A')));
    const example = sim.examples.find((e: { leadId: string }) => e.leadId === ids[0]);
    expect(example).toMatchObject({ grade: { from: before[0]!.grade, to: 'A' }, score: { from: before[0]!.score }, reasons: { from: before[0]!.reasons, to: expect.any(String) } });
    // A dry run: nothing stored changed, and the pipeline still scores with the published baseline.
    expect(await Promise.all(ids.map((id) => ws.store.scoreHistory(id)))).toEqual(historyBefore);
    expect(await activeVersion()).toBe(fileModel);

    await api().post(`/api/models/${draft.id}/publish`).expect(200);
    // The pipeline scores with it from the next call on, not after its periodic re-read.
    expect(await activeVersion()).toBe(draft.versionId);
    expect((await rescore()).model).toBe(draft.versionId);
    const after = await grades();
    expect(after.map((s) => s.modelVersion)).toEqual(ids.map(() => draft.versionId));
    expect(after.map((s) => s.grade)).toEqual(ids.map(() => 'A'));

    const rolled = await api().post('/api/models/rollback').expect(200);
    expect(rolled.body.model).toMatchObject({ id: baseline.id, active: true });
    const models = (await api().get('/api/models').expect(200)).body.models;
    expect(models.find((m: { id: string }) => m.id === draft.id)).toMatchObject({ status: 'retired', active: false });
    expect(await activeVersion()).toBe(fileModel);
    await rescore();
    const back = await grades();
    expect(back.map((s) => s.grade)).toEqual(before.map((s) => s.grade));
    expect(back.map((s) => s.modelVersion)).toEqual(ids.map(() => fileModel));
  });
});
