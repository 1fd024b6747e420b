import { z } from 'zod';

/**
 * Every JSON document read back from the store is validated: a corrupt or hand-edited row fails
 * loudly, naming the table, the row and the field, instead of flowing on into scoring.
 */
export class StoreCorruptionError extends Error {
  constructor(
    readonly table: string,
    readonly rowId: string,
    detail: string,
  ) {
    super(`Corrupt row in ${table} (${rowId}): ${detail}`);
    this.name = 'StoreCorruptionError';
  }
}

/** A JSON object of any values: a connection's config, a write error's payload. */
export const JsonObjectSchema = z.record(z.string(), z.unknown());

export function parseRow<S extends z.ZodType>(schema: S, value: unknown, table: string, rowId: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const detail = result.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(document)'}: ${i.message}`)
    .join('; ');
  throw new StoreCorruptionError(table, rowId, detail);
}

/** timestamptz comes back as a Date from both drivers; strings are accepted for safety. */
export function toIso(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string') return new Date(value).toISOString();
  throw new Error(`Expected a timestamp, got ${typeof value}`);
}

export function toIsoOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : toIso(value);
}
