import { Router, type Response } from 'express';
import { z } from 'zod';
import { NotFoundError, ValidationError } from './account.store.js';
import { listQuerySchema, page, InvalidCursorError } from './list-query.js';
import { errorBody, notFound, v2ValidationError } from './pipedrive-error.bodies.js';
import { mergeSchema, personCreateSchema, personPatchSchema } from './person-patch.schema.js';
import { personV1, personV2, type PersonViewOptions } from './record-views.js';
import type { SandboxContext } from './sandbox-context.js';
import { idParam, parseV1, parseV2, queryOf } from './sandbox.http.js';

/**
 * Persons: v2 GET list / GET one / POST / PATCH / DELETE and v1 PUT /persons/{id}/merge.
 * Deleted persons are left out of lists and answer 404 (v2 DELETE "marks a person as deleted").
 */

const keyList = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
  .pipe(z.array(z.string()).max(15, 'A maximum of 15 keys is allowed'));

const viewQuery = z.object({
  custom_fields: keyList.optional(),
  include_option_labels: z.enum(['true', 'false']).optional(),
});

const listQuery = listQuerySchema(['id', 'update_time', 'add_time'] as const).extend({
  owner_id: z.coerce.number().int().optional(),
  org_id: z.coerce.number().int().optional(),
  deal_id: z.coerce.number().int().optional(),
  filter_id: z.coerce.number().int().optional(),
}).extend(viewQuery.shape);

function viewOptions(q: z.infer<typeof viewQuery>): PersonViewOptions {
  return { customKeys: q.custom_fields, optionLabels: q.include_option_labels === 'true' };
}

/** Store errors as Pipedrive answers them. */
export function answerStoreError(err: unknown, res: Response, entity = 'Person'): void {
  if (err instanceof NotFoundError) res.status(404).json(notFound(entity));
  else if (err instanceof ValidationError) res.status(400).json(v2ValidationError(err.problems));
  else throw err;
}

export function personsRoutes(ctx: SandboxContext): Router {
  const r = Router();
  const { store } = ctx;
  const origin = () => ({ source: 'api' as const, userId: ctx.userId });

  r.get('/api/v2/persons', (req, res) => {
    const q = parseV2(listQuery, queryOf(req), res);
    if (!q) return;
    const dealPersonIds = q.deal_id === undefined ? null : new Set([...store.deals.values()].filter((d) => d.id === q.deal_id).map((d) => d.person_id));
    const rows = [...store.persons.values()].filter(
      (p) => !p.is_deleted
        && (q.owner_id === undefined || p.owner_id === q.owner_id)
        && (q.org_id === undefined || p.org_id === q.org_id)
        && (!dealPersonIds || dealPersonIds.has(p.id)),
    );
    try {
      const { items, nextCursor } = page(rows, q);
      const opts = viewOptions(q);
      res.json({ success: true, data: items.map((p) => personV2(p, store.catalog, opts)), additional_data: { next_cursor: nextCursor } });
    } catch (err) {
      if (err instanceof InvalidCursorError) res.status(400).json(v2ValidationError([err.message]));
      else throw err;
    }
  });

  r.get('/api/v2/persons/:id', (req, res) => {
    const q = parseV2(viewQuery.passthrough(), queryOf(req), res);
    if (!q) return;
    const id = idParam(req);
    const p = id === undefined ? undefined : store.persons.get(id);
    if (!p || p.is_deleted) return void res.status(404).json(notFound('Person'));
    res.json({ success: true, data: personV2(p, store.catalog, viewOptions(q)) });
  });

  r.post('/api/v2/persons', (req, res) => {
    const body = parseV2(personCreateSchema, req.body, res);
    if (!body) return;
    try {
      const p = store.createPerson(body, origin());
      res.json({ success: true, data: personV2(p, store.catalog) });
    } catch (err) {
      answerStoreError(err, res);
    }
  });

  r.patch('/api/v2/persons/:id', (req, res) => {
    const id = idParam(req);
    if (id === undefined) return void res.status(404).json(notFound('Person'));
    const body = parseV2(personPatchSchema, req.body, res);
    if (!body) return;
    try {
      const p = store.updatePerson(id, body, origin());
      res.json({ success: true, data: personV2(p, store.catalog) });
    } catch (err) {
      answerStoreError(err, res);
    }
  });

  r.delete('/api/v2/persons/:id', (req, res) => {
    const id = idParam(req);
    try {
      if (id === undefined) throw new NotFoundError();
      store.deletePerson(id, origin());
      res.json({ success: true, data: { id } });
    } catch (err) {
      answerStoreError(err, res);
    }
  });

  r.put('/api/v1/persons/:id/merge', (req, res) => {
    const id = idParam(req);
    if (id === undefined) return void res.status(404).json(notFound('Person'));
    const body = parseV1(mergeSchema, req.body, res);
    if (!body) return;
    try {
      const kept = store.mergePersons(id, body.merge_with_id, origin());
      res.json({ success: true, data: personV1(kept, store.catalog, ctx.companyId, { merge_what_id: id }) });
    } catch (err) {
      if (err instanceof NotFoundError) res.status(404).json(notFound('Person'));
      else if (err instanceof ValidationError) res.status(400).json(errorBody(err.message));
      else throw err;
    }
  });

  return r;
}
