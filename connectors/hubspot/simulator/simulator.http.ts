import type { Response } from 'express';
import type { z } from 'zod';
import { validationError } from './hubspot-error.bodies.js';

/** Small HTTP helpers shared by the simulator's routes. */

/** Parses a request body with zod; on failure answers HubSpot's 400 naming each bad field. */
export function parseOr400<S extends z.ZodType>(schema: S, body: unknown, res: Response): z.infer<S> | undefined {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  const errors = parsed.error.issues.map((i) => ({
    message: `${i.path.length > 0 ? i.path.join('.') : 'body'}: ${i.message}`,
    code: i.code === 'invalid_type' && i.input === undefined ? 'REQUIRED_FIELD' : 'INVALID_FIELD',
    in: i.path.join('.'),
  }));
  res.status(400).json(validationError(`Invalid input: ${errors.map((e) => e.message).join('; ')}`, { errors }));
  return undefined;
}

/** `properties=a,b` and `properties=a&properties=b` both name a list, as HubSpot accepts. */
export function listParam(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const raw = Array.isArray(value) ? value : [value];
  return raw.flatMap((v) => String(v).split(',')).map((s) => s.trim()).filter(Boolean);
}

/** "POST /crm/v3/objects/contacts/{id}": endpoint key for stats, with ids folded. */
export function endpointKey(method: string, path: string): string {
  const folded = path
    .replace(/\/+$/, '')
    .replace(/\/crm\/v3\/objects\/contacts\/(?!search$|batch\/)[^/]+$/, '/crm/v3/objects/contacts/{contactId}')
    .replace(/\/crm\/v3\/properties\/contacts\/groups\/[^/]+$/, '/crm/v3/properties/contacts/groups/{groupName}')
    .replace(/\/crm\/v3\/properties\/contacts\/(?!groups$)[^/]+$/, '/crm/v3/properties/contacts/{propertyName}');
  return `${method} ${folded}`;
}
