import express, { Router, type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import { StoreConflictError, StoreInputError } from '../store/store-errors.js';
import { apiAuth } from './api-auth.middleware.js';
import type { ApiContext, ApiServices } from './api-context.js';
import { ApiError, issuesOf, type AnyApiRoute } from './api-route.js';
import { API_ROUTES } from './api-routes.js';
import { openApiDocument } from './openapi.js';

/** Content types a model upload may use for its YAML text (the first is the registered one). */
const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'];
const BODY_LIMIT = '1mb';

function handle(route: AnyApiRoute): RequestHandler {
  return async (req: Request, res: Response, next) => {
    try {
      const ctx = res.locals.api as ApiContext;
      if (route.access === 'operator' && !ctx.operator) throw new ApiError(403, 'this route needs the operator token (QUALIFY_ADMIN_TOKEN)');
      const parse = (schema: AnyApiRoute['body'], value: unknown, source: 'params' | 'query' | 'body') => {
        if (!schema) return undefined;
        const result = schema.safeParse(value);
        if (!result.success) throw new ApiError(400, `invalid ${source}`, issuesOf(result.error, source));
        return result.data;
      };
      const rawBody = route.yamlBody && typeof req.body === 'string' ? { yaml: req.body } : req.body;
      // A route without params or query still gets an (empty) object; one without a body gets none.
      const input = {
        params: parse(route.params, req.params, 'params') ?? {},
        query: parse(route.query, req.query, 'query') ?? {},
        body: parse(route.body, rawBody, 'body'),
      };
      const body = await route.handler(input, ctx);
      res.status(route.status ?? 200).json(body);
    } catch (err) {
      next(err);
    }
  };
}

/** Errors of /api as `{ error, issues? }`; what is not ours to explain goes on to the app's handler (500). */
const apiErrors: ErrorRequestHandler = (err, _req, res, next) => {
  if (err instanceof ApiError) {
    res.status(err.status).json({ error: err.message, ...(err.issues && { issues: err.issues }) });
  } else if (err instanceof StoreConflictError) {
    res.status(409).json({ error: err.message });
  } else if (err instanceof StoreInputError) {
    res.status(400).json({ error: err.message });
  } else if (err?.type === 'entity.parse.failed') {
    res.status(400).json({ error: `the body is not valid JSON: ${err.message}`, issues: [{ field: 'body', message: err.message }] });
  } else if (err?.type === 'entity.too.large') {
    res.status(413).json({ error: `the body is too large (limit ${BODY_LIMIT})` });
  } else {
    next(err);
  }
};

/**
 * The admin API under /api: the OpenAPI document (no auth), then the caller is identified
 * (api-auth.middleware.ts), then each route of the registry, validated by its own schemas.
 */
export function apiRouter(services: ApiServices, routes: readonly AnyApiRoute[] = API_ROUTES): Router {
  const router = Router();
  let document: unknown;
  router.get('/api/openapi.json', (_req, res) => {
    document ??= openApiDocument(routes);
    res.json(document);
  });
  router.use('/api', apiAuth(services));
  const bodies = [express.json({ limit: BODY_LIMIT }), express.text({ type: YAML_TYPES, limit: BODY_LIMIT })];
  for (const route of routes) router[route.method](`/api${route.path}`, ...bodies, handle(route));
  router.use('/api', (req, res) => {
    res.status(404).json({ error: `no such route: ${req.method} ${req.originalUrl.split('?')[0]} (see /api/openapi.json)` });
  });
  router.use('/api', apiErrors);
  return router;
}
