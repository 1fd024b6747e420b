import { z } from 'zod';

/**
 * The v2 list conventions shared by GET /persons, /organizations, /activities and /deals
 * (openapi-v2.yaml): `limit` (default 100, at most 500), an opaque `cursor`, `updated_since`
 * (update_time ≥) and `updated_until` (update_time <) in RFC 3339, `sort_by` / `sort_direction`,
 * `ids` (≤ 100, comma separated). The answer carries `additional_data.next_cursor`, null on the
 * last page. The cursor is keyset-based like the spec's example (base64 of
 * {"field":"id","fieldValue":7,"sortDirection":"asc","id":7}): it names the last item returned,
 * so records changed while paging move instead of shifting page boundaries.
 */

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

const rfc3339 = z
  .string()
  .regex(RFC3339, 'Must be an RFC3339 date-time, e.g. 2025-01-01T10:20:00Z')
  .transform((s) => Date.parse(s));

const idList = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^\d+$/, 'Must be a comma separated list of integers').transform(Number)).max(100, 'At most 100 ids are allowed'));

export function listQuerySchema<F extends readonly [string, ...string[]]>(sortFields: F) {
  return z.object({
    limit: z.coerce.number().int('Must be an integer').min(1, 'Must be at least 1').max(500, 'Must be less than or equal to 500').default(100),
    cursor: z.string().min(1).optional(),
    updated_since: rfc3339.optional(),
    updated_until: rfc3339.optional(),
    sort_by: z.enum(sortFields).default(sortFields[0] as F[number]),
    sort_direction: z.enum(['asc', 'desc']).default('asc'),
    ids: idList.optional(),
  });
}

export interface ListQuery {
  limit: number;
  cursor?: string;
  updated_since?: number;
  updated_until?: number;
  sort_by: string;
  sort_direction: 'asc' | 'desc';
  ids?: number[];
}

interface CursorState {
  field: string;
  fieldValue: number | string | null;
  sortDirection: 'asc' | 'desc';
  id: number;
}

const cursorSchema = z.object({
  field: z.string(),
  fieldValue: z.union([z.number(), z.string(), z.null()]),
  sortDirection: z.enum(['asc', 'desc']),
  id: z.number().int(),
});

export class InvalidCursorError extends Error {}

type Sortable = { id: number; update_time: number; add_time: number };

/** Sort key of a record: epoch ms for times (the cursor renders them as RFC 3339), the raw value otherwise. */
function sortValue(r: Sortable, field: string): number | string | null {
  const v = (r as unknown as Record<string, unknown>)[field];
  return typeof v === 'number' || typeof v === 'string' ? v : null;
}

function compare(a: number | string | null, b: number | string | null): number {
  if (a === b) return 0;
  if (a === null) return 1; // empty values last
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

function encodeCursor(state: CursorState): string {
  return Buffer.from(JSON.stringify(state)).toString('base64url');
}

function decodeCursor(cursor: string, q: ListQuery): CursorState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('cursor: Invalid cursor');
  }
  const state = cursorSchema.safeParse(parsed);
  if (!state.success) throw new InvalidCursorError('cursor: Invalid cursor');
  // A cursor only continues the listing it came from.
  if (state.data.field !== q.sort_by || state.data.sortDirection !== q.sort_direction) {
    throw new InvalidCursorError('cursor: Cursor does not match sort_by and sort_direction');
  }
  return state.data;
}

/** One page of `records` (already filtered by the endpoint's own parameters). */
export function page<T extends Sortable>(records: Iterable<T>, q: ListQuery): { items: T[]; nextCursor: string | null } {
  const dir = q.sort_direction === 'asc' ? 1 : -1;
  const timeField = q.sort_by === 'update_time' || q.sort_by === 'add_time';
  const key = (r: T) => sortValue(r, q.sort_by);
  const order = (a: T, b: T) => dir * (compare(key(a), key(b)) || a.id - b.id);
  const ids = q.ids ? new Set(q.ids) : null;
  let rows = [...records].filter(
    (r) =>
      (!ids || ids.has(r.id)) &&
      (q.updated_since === undefined || r.update_time >= q.updated_since) &&
      (q.updated_until === undefined || r.update_time < q.updated_until),
  );
  if (q.cursor) {
    const c = decodeCursor(q.cursor, q);
    const after = timeField && typeof c.fieldValue === 'string' ? Date.parse(c.fieldValue) : c.fieldValue;
    rows = rows.filter((r) => dir * (compare(key(r), after) || r.id - c.id) > 0);
  }
  rows.sort(order);
  const items = rows.slice(0, q.limit);
  if (rows.length <= q.limit) return { items, nextCursor: null };
  const last = items[items.length - 1]!;
  const v = key(last);
  const fieldValue = timeField && typeof v === 'number' ? new Date(v).toISOString() : v;
  return { items, nextCursor: encodeCursor({ field: q.sort_by, fieldValue, sortDirection: q.sort_direction, id: last.id }) };
}
