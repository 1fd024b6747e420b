import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { SqlStore } from '../../src/store/sql-store.js';
import type { Store } from '../../src/store/store.types.js';
import { storeBackends } from '../support/store-backends.js';
import { newWorkspace } from './workspace-fixtures.js';

/** Draft → publish → rollback: one active version per workspace, and a rollback walks back through what was live. */
describe.each(storeBackends())('scoring model versions on %s', (_backend, open) => {
  let root: Store;
  beforeAll(async () => {
    root = await open();
  });
  afterAll(() => root.close());

  const draft = (ws: Store, n: number) => ws.saveModelDraft({ yaml: `name: m${n}\n`, versionId: `m@${n}-${'0'.repeat(8)}`, name: `m${n}` });

  test('when a draft is saved, then it is listed as a draft, inactive, never published', async () => {
    const ws = await newWorkspace(root, 'drafts');
    const d = await draft(ws, 1);
    expect(d).toMatchObject({ workspaceId: ws.workspaceId, status: 'draft', active: false, publishedAt: null, yaml: 'name: m1\n', versionId: 'm@1-00000000' });
    expect(await ws.activeModel()).toBeNull();
    expect((await ws.listModels()).map((m) => m.id)).toEqual([d.id]);
    expect(await ws.getModel(d.id)).toEqual(d);
  });

  test('when a draft has no YAML, then it is refused', async () => {
    const ws = await newWorkspace(root, 'empty');
    await expect(ws.saveModelDraft({ yaml: '  ', versionId: 'x@1', name: 'x' })).rejects.toThrow(/YAML/);
  });

  test('when versions are published one after another, then exactly one is active and the earlier one is retired', async () => {
    const ws = await newWorkspace(root, 'publish');
    const one = await draft(ws, 1);
    const two = await draft(ws, 2);
    const p1 = await ws.publishModel(one.id);
    expect(p1).toMatchObject({ id: one.id, status: 'published', active: true });
    expect(p1!.publishedAt).not.toBeNull();
    const p2 = await ws.publishModel(two.id);
    expect(p2).toMatchObject({ id: two.id, status: 'published', active: true });
    expect(await ws.getModel(one.id)).toMatchObject({ status: 'retired', active: false });
    expect((await ws.activeModel())!.id).toBe(two.id);
    expect((await ws.listModels()).filter((m) => m.active)).toHaveLength(1);
    // Publishing the active version again changes nothing.
    expect(await ws.publishModel(two.id)).toMatchObject({ id: two.id, active: true });
    expect(await ws.publishModel('no-such-id')).toBeNull();
  });

  test('when rolled back, then the previously active version is active again; a second rollback walks further back, then there is nothing left', async () => {
    const ws = await newWorkspace(root, 'rollback');
    const [one, two, three] = [await draft(ws, 1), await draft(ws, 2), await draft(ws, 3)];
    expect(await ws.rollbackModel()).toBeNull(); // nothing active yet
    await ws.publishModel(one.id);
    expect(await ws.rollbackModel()).toBeNull(); // nothing before the first
    expect((await ws.activeModel())!.id).toBe(one.id);
    await ws.publishModel(two.id);
    await ws.publishModel(three.id);

    expect(await ws.rollbackModel()).toMatchObject({ id: two.id, active: true, status: 'published' });
    expect(await ws.getModel(three.id)).toMatchObject({ active: false, status: 'retired' });
    // Not back to three (it was rolled back), but on to one.
    expect(await ws.rollbackModel()).toMatchObject({ id: one.id, active: true });
    expect(await ws.rollbackModel()).toBeNull();
    expect((await ws.activeModel())!.id).toBe(one.id);

    // A rolled-back version published again is live again, and a rollback from it returns to one.
    await ws.publishModel(three.id);
    expect((await ws.activeModel())!.id).toBe(three.id);
    expect((await ws.rollbackModel())!.id).toBe(one.id);
  });

  test('when two processes publish at the same moment, then still exactly one version is active', async () => {
    const ws = await newWorkspace(root, 'race');
    const drafts = await Promise.all([1, 2, 3, 4].map((n) => draft(ws, n)));
    const other = await open();
    const wsOther = other.forWorkspace(ws.workspaceId);
    await Promise.all(drafts.map((d, i) => (i % 2 ? ws : wsOther).publishModel(d.id)));
    const active = (await ws.listModels()).filter((m) => m.active);
    expect(active).toHaveLength(1);
    await other.close();
  });

  test('when the database is asked directly, then it refuses a second active version of a workspace', async () => {
    const ws = await newWorkspace(root, 'unique');
    const [one, two] = [await draft(ws, 1), await draft(ws, 2)];
    await ws.publishModel(one.id);
    await expect((root as SqlStore).driver.query(`update scoring_models set active = true where id = $1`, [two.id])).rejects.toThrow(/unique|duplicate/i);
  });

  test('when the active versions of all workspaces are listed, then each workspace with one appears once', async () => {
    const x = await newWorkspace(root, 'list-x');
    const y = await newWorkspace(root, 'list-y');
    const dx = await draft(x, 1);
    await x.publishModel(dx.id);
    await draft(y, 1);
    const active = await root.listActiveModels();
    expect(active.filter((m) => m.workspaceId === x.workspaceId).map((m) => m.id)).toEqual([dx.id]);
    expect(active.some((m) => m.workspaceId === y.workspaceId)).toBe(false);
  });
});
