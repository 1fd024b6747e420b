import { z } from 'zod';
import type { ApiContext } from './api-context.js';

/**
 * One admin API route, declared once: the same zod schemas validate the request and describe it
 * in the OpenAPI document (src/api/openapi.ts), so the document cannot drift from the code.
 * Handlers are thin: they get parsed input and the caller's workspace, return the JSON body,
 * and throw ApiError for anything that is not a success.
 */

export type Access = 'workspace' | 'operator';

export interface ApiRoute<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  method: 'get' | 'post' | 'delete';
  /** Below /api, Express syntax (`/leads/:id`). */
  path: string;
  summary: string;
  description?: string;
  /** `operator`: only QUALIFY_ADMIN_TOKEN may call it. Default `workspace` (a workspace key or the operator). */
  access?: Access;
  params?: P;
  query?: Q;
  body?: B;
  /** The body may also come as YAML text (`application/yaml`); it reaches the schema as `{ yaml }`. */
  yamlBody?: boolean;
  response: R;
  /** Success status; default 200. */
  status?: number;
  handler(input: { params: z.output<P>; query: z.output<Q>; body: z.output<B> }, ctx: ApiContext): Promise<z.input<R>>;
}

// A route's generic parameters only matter where it is declared; the router and the document
// treat every route alike.
export type AnyApiRoute = ApiRoute<any, any, any, any>;

/** Declares a route with its input types inferred from its schemas. */
export function defineRoute<P extends z.ZodType = z.ZodObject<{}>, Q extends z.ZodType = z.ZodObject<{}>, B extends z.ZodType = z.ZodUndefined, R extends z.ZodType = z.ZodType>(
  route: ApiRoute<P, Q, B, R>,
): AnyApiRoute {
  return route as AnyApiRoute;
}

/** A failure the caller can act on: becomes `{ error, issues? }` with this status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly issues?: Array<{ field: string; message: string }>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Another workspace's id and an unknown id answer the same, so existence never leaks. */
export function notFound(what: string): ApiError {
  return new ApiError(404, `no such ${what}`);
}

/**
 * What a lookup or change in the caller's workspace found, else 404 "no such <what>": a store view
 * sees only its own workspace, so nothing found (null, or false from a delete) is the one answer
 * for both an unknown id and another workspace's.
 */
export async function foundOr404<T>(what: string, result: Promise<T | null | undefined | false>): Promise<Exclude<T, null | undefined | false>> {
  const value = await result;
  if (value === null || value === undefined || value === false) throw notFound(what);
  return value as Exclude<T, null | undefined | false>;
}

/** `:id` in a route's path: any non-empty id (an unknown one is a 404, not a 400). */
export const IdParams = z.object({ id: z.string().min(1) });

export const ErrorSchema = z.object({
  error: z.string(),
  issues: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});

/** `fit.rules[0]` style paths for messages: which field, from which part of the request. */
export function issuesOf(error: z.ZodError, source: 'body' | 'query' | 'params'): Array<{ field: string; message: string }> {
  return error.issues.map((i) => ({ field: i.path.length > 0 ? i.path.join('.') : source, message: i.message }));
}

/** Express `/leads/:id` → OpenAPI `/api/leads/{id}`. */
export function openApiPath(path: string): string {
  return '/api' + path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

export const routeKey = (r: Pick<AnyApiRoute, 'method' | 'path'>): string => `${r.method.toUpperCase()} ${r.path}`;
