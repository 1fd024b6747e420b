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
 * Re-scores every stored lead of one workspace with that workspace's current model (after a
 * publish or rollback), page by page, and queues the write-backs of what changed. Shared by
 * `qualify rescore` and the job behind POST /api/rescore (src/queues/rescore-jobs.ts); waiting
 * for the writes to drain is the caller's choice.
 */
export async function rescoreWorkspace(
  deps: PipelineDeps,
  store: Store,
  // Awaited, so a job's progress write lands before the next page (and its failure fails the run).
  opts: { pageSize?: number; onPage?: (done: number) => void | Promise<unknown> } = {},
): Promise<RescoreResult> {
  // What the run scores with (a publish landing mid-run applies from the next page on).
  const model = deps.model(store.workspaceId).versionId;
  let rescored = 0;
  let writesQueued = 0;
  for await (const ids of store.iterateLeadIds(opts.pageSize ?? 500)) {
    writesQueued += await requalifyLeads(deps, ids, store);
    rescored += ids.length;
    await opts.onPage?.(rescored);
  }
  return { rescored, writesQueued, model };
}
