import type { Store } from '../store/store.types.js';
import type { PipelineDeps } from './pipeline.types.js';
import { requalifyLeads } from './process-records.js';

export interface RescoreResult {
  rescored: number;
  writesQueued: number;
  /** The model version the leads were scored with. */
  model: string;
}

/**
 * How far a rescore got: leads are walked in id order, so the last id done is enough to go on
 * from there without skipping a lead or scoring one twice. The counts carry over, so the result
 * of a resumed run still counts every lead once.
 */
export interface RescoreCursor {
  /** The last lead id re-scored. */
  after: string;
  rescored: number;
  writesQueued: number;
}

/**
 * Re-scores every stored lead of one workspace with that workspace's current model (after a
 * publish or rollback), page by page, and queues the write-backs of what changed. Shared by
 * `qualify rescore` and the job behind POST /api/rescore (src/queues/rescore-jobs.ts); waiting
 * for the writes to drain is the caller's choice.
 *
 * `from` resumes a run after its last saved cursor; `shouldStop`, asked before each page, lets a
 * closing worker stop between pages: the run then returns null, and the cursor last passed to
 * `onPage` says where to go on.
 */
export async function rescoreWorkspace(
  deps: PipelineDeps,
  store: Store,
  // Awaited, so a job's progress write lands before the next page (and its failure fails the run).
  opts: { pageSize?: number; from?: RescoreCursor; onPage?: (cursor: RescoreCursor) => void | Promise<unknown>; shouldStop?: () => boolean } = {},
): Promise<RescoreResult | null> {
  // What the run scores with (a publish landing mid-run applies from the next page on).
  const model = deps.model(store.workspaceId).versionId;
  let cursor: RescoreCursor = opts.from ?? { after: '', rescored: 0, writesQueued: 0 };
  for await (const ids of store.iterateLeadIds(opts.pageSize ?? 500, cursor.after)) {
    if (opts.shouldStop?.()) return null;
    const writes = await requalifyLeads(deps, ids, store);
    cursor = { after: ids[ids.length - 1]!, rescored: cursor.rescored + ids.length, writesQueued: cursor.writesQueued + writes };
    await opts.onPage?.(cursor);
  }
  return { rescored: cursor.rescored, writesQueued: cursor.writesQueued, model };
}
