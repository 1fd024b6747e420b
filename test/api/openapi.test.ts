import { describe, expect, test } from '@jest/globals';
import express from 'express';
import { pino } from 'pino';
import request from 'supertest';
import { apiRouter } from '../../src/api/api-router.js';
import { API_ROUTES } from '../../src/api/api-routes.js';
import { openApiPath } from '../../src/api/api-route.js';
import type { PipelineDeps } from '../../src/pipeline/pipeline.types.js';
import type { Queues } from '../../src/queues/queues.js';
import type { Store } from '../../src/store/store.types.js';

/**
 * The document needs no store or key: an app with the API router alone serves it. (Every other
 * route needs a caller, and the auth middleware refuses before touching the store.)
 */
const app = express().use(apiRouter({ store: {} as Store, pipeline: {} as PipelineDeps, queues: {} as Pick<Queues, 'rescore'>, logger: pino({ level: 'silent' }) }));

type Operation = { operationId: string; summary: string; parameters: Array<{ name: string; in: string; required: boolean; schema: Record<string, unknown> }>; requestBody?: { content: Record<string, { schema: Record<string, unknown> }> }; responses: Record<string, unknown> };

describe('OpenAPI document', () => {
  test('when /api/openapi.json is fetched, then it is OpenAPI 3.1 JSON listing every route of the registry, and nothing else', async () => {
    const res = await request(app).get('/api/openapi.json').expect('content-type', /json/).expect(200);
    const doc = JSON.parse(res.text);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.bearer).toEqual({ type: 'http', scheme: 'bearer' });
    const listed = Object.entries(doc.paths as Record<string, Record<string, Operation>>).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(listed.sort()).toEqual(API_ROUTES.map((r) => `${r.method.toUpperCase()} ${openApiPath(r.path)}`).sort());
    const ids = Object.values(doc.paths as Record<string, Record<string, Operation>>).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain('postWorkspacesIdApiKeys');
    expect(ids.every((id) => /^[a-z]+[A-Za-z0-9]*$/.test(id))).toBe(true);
  });

  test('when the document refers to a schema, then the reference resolves inside the document', async () => {
    const doc = (await request(app).get('/api/openapi.json')).body;
    const refs: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) {
          if (k === '$ref' && typeof v === 'string') refs.push(v);
          else walk(v);
        }
      }
    };
    walk(doc);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(ref.startsWith('#/')).toBe(true);
      const target = ref.slice(2).split('/').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
      expect({ ref, found: target !== undefined }).toEqual({ ref, found: true });
    }
  });

  test('when a route takes a body, path ids or a query, then the document carries their schemas from the same zod schemas', async () => {
    const doc = (await request(app).get('/api/openapi.json')).body;
    const leads: Operation = doc.paths['/api/leads'].get;
    const stage = leads.parameters.find((p) => p.name === 'stage')!;
    expect(stage).toMatchObject({ in: 'query', required: false });
    expect(stage.schema.enum).toEqual(['subscriber', 'lead', 'mql', 'sql', 'opportunity', 'customer', 'recycled', 'disqualified']);
    expect(leads.parameters.find((p) => p.name === 'limit')).toMatchObject({ required: false, schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } });

    const one: Operation = doc.paths['/api/leads/{id}'].get;
    expect(one.parameters).toEqual([expect.objectContaining({ name: 'id', in: 'path', required: true }), { $ref: '#/components/parameters/Workspace' }]);
    expect(doc.components.parameters.Workspace).toMatchObject({ name: 'X-Qualify-Workspace', in: 'header', required: false });
    expect(one.responses['404']).toBeDefined();

    const upload: Operation = doc.paths['/api/models'].post;
    expect(upload.requestBody!.content['application/json']!.schema).toMatchObject({ type: 'object', required: ['yaml'], properties: { yaml: { type: 'string' } } });
    expect(upload.requestBody!.content['application/yaml']).toBeDefined();

    const create: Operation = doc.paths['/api/workspaces'].post;
    expect(create.requestBody!.content['application/json']!.schema).toMatchObject({ required: ['name'] });
    expect(create.responses['201']).toBeDefined();
    expect(create.responses['403']).toBeDefined();

    // Every route with input documents its 400; every route its 401.
    for (const r of API_ROUTES) {
      const op: Operation = doc.paths[openApiPath(r.path)][r.method];
      expect(op.responses['401']).toBeDefined();
      if (r.body || r.query || r.params) expect(op.responses['400']).toBeDefined();
    }
  });

  test('when the request does not match the documented schema, then the same schema refuses it with 400 naming the field', async () => {
    // The auth middleware runs before validation, so validation is shown with a real key in
    // test/api/api-routes.test.ts; here: the document and the validator share one object.
    const upload = API_ROUTES.find((r) => r.method === 'post' && r.path === '/models')!;
    expect(upload.body!.safeParse({ yaml: '' }).success).toBe(false);
    expect(upload.body!.safeParse({ yaml: 'name: x' }).success).toBe(true);
  });
});
