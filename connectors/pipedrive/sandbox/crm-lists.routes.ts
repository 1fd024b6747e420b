import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { ListQuery } from './list-query.js';
import { InvalidCursorError, listQuerySchema, page } from './list-query.js';
import { notFound, v2ValidationError } from './pipedrive-error.bodies.js';
import { activityV2, dealV2, organizationV2 } from './record-views.js';
import type { SandboxContext } from './sandbox-context.js';
import { idParam, parseV2, queryOf } from './sandbox.http.js';

/**
 * Read-only v2 lists around persons: organizations (standard name, address, industry,
 * employee_count, annual_revenue, website), activities (person_id, type, done, due_date,
 * subject) and deals (person_id, status, value, stage_id). Same cursor and updated_since rules
 * as persons (list-query.ts); deleted records are left out.
 */

const boolParam = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const orgQuery = listQuerySchema(['id', 'update_time', 'add_time'] as const).extend({
  owner_id: z.coerce.number().int().optional(),
  filter_id: z.coerce.number().int().optional(),
});
const activityQuery = listQuerySchema(['id', 'update_time', 'add_time', 'due_date'] as const).extend({
  owner_id: z.coerce.number().int().optional(),
  deal_id: z.coerce.number().int().optional(),
  person_id: z.coerce.number().int().optional(),
  org_id: z.coerce.number().int().optional(),
  done: boolParam.optional(),
  filter_id: z.coerce.number().int().optional(),
});
const dealQuery = listQuerySchema(['id', 'update_time', 'add_time'] as const).extend({
  owner_id: z.coerce.number().int().optional(),
  person_id: z.coerce.number().int().optional(),
  org_id: z.coerce.number().int().optional(),
  pipeline_id: z.coerce.number().int().optional(),
  stage_id: z.coerce.number().int().optional(),
  status: z.enum(['open', 'won', 'lost', 'deleted']).optional(),
  filter_id: z.coerce.number().int().optional(),
});

function answerPage<T extends { id: number; update_time: number; add_time: number }>(
  res: Response, rows: T[], q: ListQuery, view: (r: T) => Record<string, unknown>,
): void {
  try {
    const { items, nextCursor } = page(rows, q);
    res.json({ success: true, data: items.map(view), additional_data: { next_cursor: nextCursor } });
  } catch (err) {
    if (err instanceof InvalidCursorError) res.status(400).json(v2ValidationError([err.message]));
    else throw err;
  }
}

function getOne<T extends { is_deleted: boolean }>(map: Map<number, T>, entity: string, view: (r: T) => Record<string, unknown>) {
  return (req: Request, res: Response) => {
    const id = idParam(req);
    const rec = id === undefined ? undefined : map.get(id);
    if (!rec || rec.is_deleted) return void res.status(404).json(notFound(entity));
    res.json({ success: true, data: view(rec) });
  };
}

export function crmListsRoutes(ctx: SandboxContext): Router {
  const r = Router();
  const { store } = ctx;

  r.get('/api/v2/organizations', (req, res) => {
    const q = parseV2(orgQuery, queryOf(req), res);
    if (!q) return;
    const rows = [...store.organizations.values()].filter((o) => !o.is_deleted && (q.owner_id === undefined || o.owner_id === q.owner_id));
    answerPage(res, rows, q, organizationV2);
  });
  r.get('/api/v2/organizations/:id', getOne(store.organizations, 'Organization', organizationV2));

  r.get('/api/v2/activities', (req, res) => {
    const q = parseV2(activityQuery, queryOf(req), res);
    if (!q) return;
    const rows = [...store.activities.values()].filter(
      (a) => !a.is_deleted
        && (q.owner_id === undefined || a.owner_id === q.owner_id)
        && (q.deal_id === undefined || a.deal_id === q.deal_id)
        && (q.person_id === undefined || a.person_id === q.person_id)
        && (q.org_id === undefined || a.org_id === q.org_id)
        && (q.done === undefined || a.done === q.done),
    );
    answerPage(res, rows, q, activityV2);
  });
  r.get('/api/v2/activities/:id', getOne(store.activities, 'Activity', activityV2));

  r.get('/api/v2/deals', (req, res) => {
    const q = parseV2(dealQuery, queryOf(req), res);
    if (!q) return;
    // "If omitted, all not deleted deals are returned. If set to deleted, deals that have been deleted up to 30 days ago."
    const rows = [...store.deals.values()].filter(
      (d) => (q.status === 'deleted' ? d.is_deleted : !d.is_deleted && (q.status === undefined || d.status === q.status))
        && (q.owner_id === undefined || d.owner_id === q.owner_id)
        && (q.person_id === undefined || d.person_id === q.person_id)
        && (q.org_id === undefined || d.org_id === q.org_id)
        && (q.pipeline_id === undefined || d.pipeline_id === q.pipeline_id)
        && (q.stage_id === undefined || d.stage_id === q.stage_id),
    );
    answerPage(res, rows, q, dealV2);
  });
  r.get('/api/v2/deals/:id', getOne(store.deals, 'Deal', dealV2));

  return r;
}
