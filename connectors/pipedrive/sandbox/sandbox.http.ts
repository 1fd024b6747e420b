import type { Request, Response } from 'express';
import type { z } from 'zod';
import { errorBody, v2ValidationError } from './pipedrive-error.bodies.js';

/** Small HTTP helpers shared by the route files. */

function problemsOf(error: z.ZodError): string[] {
  return error.issues.map((i) => {
    const path = i.path.join('.');
    if (i.code === 'unrecognized_keys') return i.keys.map((k) => `${path ? `${path}.` : ''}${k}: Parameter '${k}' is not allowed for this request`).join('; ');
    return `${path || 'body'}: ${i.message}`;
  });
}

/** Parses with zod; on failure answers v2's 400 { success, error: "Validation failed: ...", code }. */
export function parseV2<S extends z.ZodType>(schema: S, input: unknown, res: Response): z.infer<S> | undefined {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  res.status(400).json(v2ValidationError(problemsOf(parsed.error)));
  return undefined;
}

/** Same for v1 endpoints, whose errors use the { success, error, error_info } envelope. */
export function parseV1<S extends z.ZodType>(schema: S, input: unknown, res: Response): z.infer<S> | undefined {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  res.status(400).json(errorBody(problemsOf(parsed.error).join('; ')));
  return undefined;
}

/** Query values as plain strings (Express hands arrays for repeated parameters; the last one wins). */
export function queryOf(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.query as Record<string, unknown>)) {
    if (k === 'api_token') continue;
    const last = Array.isArray(v) ? v[v.length - 1] : v;
    if (typeof last === 'string') out[k] = last;
  }
  return out;
}

/** Positive integer path id, or undefined (the route then answers 404 like an unknown id). */
export function idParam(req: Request): number | undefined {
  const raw = String(req.params.id ?? '');
  return /^\d+$/.test(raw) ? Number(raw) : undefined;
}
