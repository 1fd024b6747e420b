import { Router } from 'express';
import { z } from 'zod';
import { errorBody } from './pipedrive-error.bodies.js';
import { createFieldSchema } from './person-fields.catalog.js';
import type { SandboxContext } from './sandbox-context.js';
import { parseV1, queryOf } from './sandbox.http.js';

/**
 * v1 GET /personFields (start/limit paging, additional_data.pagination as in the Responses
 * guide) and POST /personFields (name + field_type required, options for enum/set; answers 200
 * with the field, whose key is a fresh 40-hex hash: openapi-v1.yaml addPersonField).
 */

const pagingQuery = z.object({
  start: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(100),
}).passthrough();

export function personFieldsRoutes(ctx: SandboxContext): Router {
  const r = Router();
  const { catalog } = ctx.store;

  r.get('/api/v1/personFields', (req, res) => {
    const q = parseV1(pagingQuery, queryOf(req), res);
    if (!q) return;
    const all = catalog.all();
    const data = all.slice(q.start, q.start + q.limit);
    const more = q.start + q.limit < all.length;
    res.json({
      success: true,
      data,
      additional_data: { pagination: { start: q.start, limit: q.limit, more_items_in_collection: more, ...(more ? { next_start: q.start + q.limit } : {}) } },
    });
  });

  r.post('/api/v1/personFields', (req, res) => {
    const body = parseV1(createFieldSchema, req.body, res);
    if (!body) return;
    try {
      res.json({ success: true, data: catalog.create(body) });
    } catch (err) {
      res.status(400).json(errorBody((err as Error).message));
    }
  });

  return r;
}
