import { Router } from 'express';
import { z } from 'zod';
import { errorBody, notFound, propertyValidationError, validationError } from './hubspot-error.bodies.js';
import { SearchRequestSchema } from './search.schema.js';
import { listParam, parseOr400 } from './simulator.http.js';
import { apiSource, type SimulatorState } from './simulator.state.js';

/**
 * CRM v3 contacts: list, get, create, update, search, batch read/update/create/upsert, with
 * HubSpot's limits (100 inputs per batch, 50 with history, 200 per search page, 10,000
 * search results) and its partial-failure rule (unknown ids → 207 with errors[]).
 */

const BATCH_MAX = 100;
const BATCH_WITH_HISTORY_MAX = 50;
const LIST_MAX = 100;

const idSchema = z.union([z.string().min(1), z.number()]).transform(String);
const valueSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const BatchReadSchema = z.object({
  inputs: z.array(z.object({ id: idSchema })),
  properties: z.array(z.string()).default([]),
  propertiesWithHistory: z.array(z.string()).default([]),
  idProperty: z.string().optional(),
});

const BatchUpdateSchema = z.object({
  inputs: z.array(
    z.object({
      id: idSchema,
      properties: z.record(z.string(), valueSchema),
      idProperty: z.string().optional(),
      objectWriteTraceId: z.string().optional(),
    }),
  ),
});

const SingleWriteSchema = z.object({ properties: z.record(z.string(), valueSchema) });

const BatchCreateSchema = z.object({
  inputs: z.array(z.object({ properties: z.record(z.string(), valueSchema), objectWriteTraceId: z.string().optional() })),
});

const BatchUpsertSchema = z.object({
  inputs: z.array(
    z.object({
      id: idSchema,
      idProperty: z.string().default('email'),
      properties: z.record(z.string(), valueSchema),
      objectWriteTraceId: z.string().optional(),
    }),
  ),
});

function notFoundError(verb: 'get' | 'update', ids: string[]) {
  return {
    status: 'error',
    category: 'OBJECT_NOT_FOUND',
    message: `Could not ${verb} some CONTACT objects, they may be deleted or not exist. Check that ids are valid.`,
    context: { ids },
    errors: [],
    links: {},
  };
}

export function contactsRoutes(state: SimulatorState): Router {
  const r = Router();
  const base = '/crm/v3/objects/contacts';

  r.get(base, (req, res) => {
    const limit = req.query.limit === undefined ? 10 : Number(req.query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > LIST_MAX) {
      res.status(400).json(validationError(`limit must be an integer between 1 and ${LIST_MAX}, got ${String(req.query.limit)}`));
      return;
    }
    const history = listParam(req.query.propertiesWithHistory);
    if (history && history.length > 0 && limit > BATCH_WITH_HISTORY_MAX) {
      res.status(400).json(validationError(`limit must be at most ${BATCH_WITH_HISTORY_MAX} when propertiesWithHistory is requested, got ${limit}`));
      return;
    }
    const results = [];
    if (req.query.archived !== 'true') {
      const after = req.query.after === undefined ? state.store.firstId : Number(req.query.after);
      if (!Number.isInteger(after)) {
        res.status(400).json(validationError(`Invalid paging cursor after=${String(req.query.after)}`));
        return;
      }
      const start = Math.max(0, after - state.store.firstId);
      const end = Math.min(state.store.size, start + limit);
      const props = listParam(req.query.properties);
      for (let i = start; i < end; i++) results.push(state.toObject(i, props, history));
      if (end < state.store.size) {
        const next = state.store.idOf(end);
        res.json({ results, paging: { next: { after: next, link: `${req.protocol}://${req.get('host')}${base}?after=${next}` } } });
        return;
      }
    }
    res.json({ results });
  });

  r.post(base, (req, res) => {
    const body = parseOr400(SingleWriteSchema, req.body, res);
    if (!body) return;
    const checked = state.validate(body.properties);
    if (!checked.ok) {
      state.stats.validationErrors++;
      res.status(400).json(propertyValidationError(checked.results));
      return;
    }
    const email = checked.values.email;
    if (email) {
      const existing = state.store.indexOfEmail(email);
      if (existing >= 0) {
        res.status(409).json(errorBody('CONFLICT', `Contact already exists. Existing ID: ${state.store.idOf(existing)}`));
        return;
      }
    }
    state.stats.writeCalls++;
    state.stats.recordsWritten++;
    const index = state.create(checked.values, apiSource(state.appId));
    res.status(201).json(state.toObject(index, Object.keys(checked.values)));
  });

  r.post(`${base}/search`, (req, res) => {
    const body = parseOr400(SearchRequestSchema, req.body, res);
    if (!body) return;
    const out = state.search.run(body, state.searchLagMs > 0 ? state.now() - state.searchLagMs : undefined);
    if (!out.ok) {
      state.stats.validationErrors++;
      res.status(400).json(validationError(out.message));
      return;
    }
    const results = out.indexes.map((i) => state.toObject(i, body.properties, undefined, out.asOf));
    res.json(out.nextAfter === null ? { total: out.total, results } : { total: out.total, results, paging: { next: { after: out.nextAfter } } });
  });

  r.post(`${base}/batch/read`, (req, res) => {
    const body = parseOr400(BatchReadSchema, req.body, res);
    if (!body) return;
    const max = body.propertiesWithHistory.length > 0 ? BATCH_WITH_HISTORY_MAX : BATCH_MAX;
    if (body.inputs.length > max) {
      res.status(400).json(
        validationError(`Too many inputs: ${body.inputs.length}. Batch read accepts at most ${max} inputs${max === BATCH_WITH_HISTORY_MAX ? ' when propertiesWithHistory is requested' : ''}.`),
      );
      return;
    }
    const startedAt = new Date(state.now()).toISOString();
    const results = [];
    const missing: string[] = [];
    const seen = new Set<number>();
    for (const input of body.inputs) {
      const index = state.resolve(input.id, body.idProperty);
      if (index < 0) missing.push(input.id);
      else if (!seen.has(index)) {
        seen.add(index);
        results.push(state.toObject(index, body.properties, body.propertiesWithHistory));
      }
    }
    const completedAt = new Date(state.now()).toISOString();
    if (missing.length > 0) {
      res.status(207).json({ status: 'COMPLETE', results, numErrors: 1, errors: [notFoundError('get', missing)], startedAt, completedAt });
      return;
    }
    res.json({ status: 'COMPLETE', results, startedAt, completedAt });
  });

  r.post(`${base}/batch/update`, (req, res) => {
    const body = parseOr400(BatchUpdateSchema, req.body, res);
    if (!body) return;
    if (body.inputs.length > BATCH_MAX) {
      res.status(400).json(validationError(`Too many inputs: ${body.inputs.length}. Batch update accepts at most ${BATCH_MAX} inputs.`));
      return;
    }
    const ids = body.inputs.map((i) => i.id);
    const dups = [...new Set(ids.filter((id, k) => ids.indexOf(id) !== k))];
    if (dups.length > 0) {
      res.status(400).json(validationError(`Duplicate IDs found in batch input: [${dups.join(', ')}]. IDs must be unique`));
      return;
    }
    // Validation is all-or-nothing: one bad value refuses the whole batch, as HubSpot does.
    const checked = [];
    const invalid = [];
    for (const input of body.inputs) {
      const c = state.validate(input.properties);
      if (c.ok) checked.push({ input, values: c.values });
      else invalid.push(...c.results);
    }
    if (invalid.length > 0) {
      state.stats.validationErrors++;
      res.status(400).json(propertyValidationError(invalid));
      return;
    }
    const startedAt = new Date(state.now()).toISOString();
    state.stats.writeCalls++;
    const results = [];
    const missing: string[] = [];
    for (const { input, values } of checked) {
      const index = state.resolve(input.id, input.idProperty);
      if (index < 0) {
        missing.push(input.id);
        continue;
      }
      state.write(index, values, apiSource(state.appId));
      state.stats.recordsWritten++;
      const obj = state.toObject(index, Object.keys(values));
      results.push(input.objectWriteTraceId ? { ...obj, objectWriteTraceId: input.objectWriteTraceId } : obj);
    }
    const completedAt = new Date(state.now()).toISOString();
    if (missing.length > 0) {
      res.status(207).json({ status: 'COMPLETE', results, numErrors: 1, errors: [notFoundError('update', missing)], startedAt, completedAt });
      return;
    }
    res.json({ status: 'COMPLETE', results, startedAt, completedAt });
  });

  r.post(`${base}/batch/create`, (req, res) => {
    const body = parseOr400(BatchCreateSchema, req.body, res);
    if (!body) return;
    if (body.inputs.length > BATCH_MAX) {
      res.status(400).json(validationError(`Too many inputs: ${body.inputs.length}. Batch create accepts at most ${BATCH_MAX} inputs.`));
      return;
    }
    const checked = body.inputs.map((input) => ({ input, check: state.validate(input.properties) }));
    const invalid = checked.flatMap((c) => (c.check.ok ? [] : c.check.results));
    if (invalid.length > 0) {
      state.stats.validationErrors++;
      res.status(400).json(propertyValidationError(invalid));
      return;
    }
    const emails = checked.map((c) => (c.check.ok ? (c.check.values.email ?? '').toLowerCase() : '')).filter(Boolean);
    for (const email of emails) {
      const existing = state.store.indexOfEmail(email);
      if (existing >= 0) {
        res.status(409).json(errorBody('CONFLICT', `Contact already exists. Existing ID: ${state.store.idOf(existing)}`));
        return;
      }
    }
    if (new Set(emails).size !== emails.length) {
      res.status(400).json(validationError('Duplicate emails found in batch input; each contact needs a unique email'));
      return;
    }
    const startedAt = new Date(state.now()).toISOString();
    state.stats.writeCalls++;
    const results = checked.map(({ input, check }) => {
      const values = check.ok ? check.values : {};
      const index = state.create(values, apiSource(state.appId));
      state.stats.recordsWritten++;
      const obj = state.toObject(index, Object.keys(values));
      return input.objectWriteTraceId ? { ...obj, objectWriteTraceId: input.objectWriteTraceId } : obj;
    });
    res.status(201).json({ status: 'COMPLETE', results, startedAt, completedAt: new Date(state.now()).toISOString() });
  });

  r.post(`${base}/batch/upsert`, (req, res) => {
    const body = parseOr400(BatchUpsertSchema, req.body, res);
    if (!body) return;
    if (body.inputs.length > BATCH_MAX) {
      res.status(400).json(validationError(`Too many inputs: ${body.inputs.length}. Batch upsert accepts at most ${BATCH_MAX} inputs.`));
      return;
    }
    const nonUnique = body.inputs.find((i) => i.idProperty !== 'email');
    if (nonUnique) {
      res.status(400).json(validationError(`Unable to perform update/upsert by non-unique 0-1 property ${nonUnique.idProperty}`));
      return;
    }
    const keys = body.inputs.map((i) => i.id.toLowerCase());
    const dups = [...new Set(keys.filter((k, n) => keys.indexOf(k) !== n))];
    if (dups.length > 0) {
      res.status(400).json(validationError(`Duplicate IDs found in batch input: [${dups.join(', ')}]. IDs must be unique`));
      return;
    }
    const checked = body.inputs.map((input) => ({ input, check: state.validate(input.properties) }));
    const invalid = checked.flatMap((c) => (c.check.ok ? [] : c.check.results));
    if (invalid.length > 0) {
      state.stats.validationErrors++;
      res.status(400).json(propertyValidationError(invalid));
      return;
    }
    const startedAt = new Date(state.now()).toISOString();
    state.stats.writeCalls++;
    const results = checked.map(({ input, check }) => {
      const values = check.ok ? check.values : {};
      let index = state.store.indexOfEmail(input.id);
      const created = index < 0;
      if (created) index = state.create({ ...values, email: input.id }, apiSource(state.appId));
      else state.write(index, values, apiSource(state.appId));
      state.stats.recordsWritten++;
      const obj = state.toObject(index, Object.keys(values));
      return { ...obj, new: created, ...(input.objectWriteTraceId ? { objectWriteTraceId: input.objectWriteTraceId } : {}) };
    });
    res.json({ status: 'COMPLETE', results, startedAt, completedAt: new Date(state.now()).toISOString() });
  });

  r.get(`${base}/:contactId`, (req, res) => {
    const index = state.resolve(req.params.contactId, typeof req.query.idProperty === 'string' ? req.query.idProperty : undefined);
    if (index < 0 || req.query.archived === 'true') {
      res.status(404).json(notFound());
      return;
    }
    res.json(state.toObject(index, listParam(req.query.properties), listParam(req.query.propertiesWithHistory)));
  });

  r.patch(`${base}/:contactId`, (req, res) => {
    const body = parseOr400(SingleWriteSchema, req.body, res);
    if (!body) return;
    const index = state.resolve(req.params.contactId, typeof req.query.idProperty === 'string' ? req.query.idProperty : undefined);
    if (index < 0) {
      res.status(404).json(notFound());
      return;
    }
    const checked = state.validate(body.properties);
    if (!checked.ok) {
      state.stats.validationErrors++;
      res.status(400).json(propertyValidationError(checked.results));
      return;
    }
    state.stats.writeCalls++;
    state.stats.recordsWritten++;
    state.write(index, checked.values, apiSource(state.appId));
    res.json(state.toObject(index, Object.keys(checked.values)));
  });

  return r;
}
