import { z } from 'zod';
import { PayloadError } from '../../src/kit/index.js';
import type { SalesforceSession } from './salesforce-auth.js';

/**
 * SOQL building blocks: literals that cannot break out of their quotes, the incremental cursor
 * condition, and a reader that follows `nextRecordsUrl` one page at a time. The REST query is a
 * GET, and Salesforce refuses URIs over ~16k characters, so IN lists are chunked.
 */

const ID = /^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/;
export const IN_CHUNK = 200;

export function soqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`;
}

export function soqlId(id: string): string {
  if (!ID.test(id)) throw new PayloadError('salesforce', `not a Salesforce id: ${JSON.stringify(id)}`);
  return `'${id}'`;
}

export function idList(ids: string[]): string {
  return `(${ids.map(soqlId).join(', ')})`;
}

/**
 * SOQL date-time literal in UTC. Salesforce keeps date-times to the second, so the documented
 * form without fractions is used; a value that does carry milliseconds keeps them, or the cursor
 * would re-read that record on every run.
 */
export function soqlDateTime(iso: string): string {
  const t = Date.parse(iso.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  if (Number.isNaN(t)) throw new PayloadError('salesforce', `not a date-time: ${JSON.stringify(iso)}`);
  return new Date(t).toISOString().replace(/\.000Z$/, 'Z');
}

/** A Salesforce date-time (`…+0000` or ISO) as ISO-8601 UTC; null when it is not one. */
export function isoDateTime(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const t = Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

export function chunks<T>(xs: T[], size = IN_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

export const QueryResultSchema = z.object({
  totalSize: z.number().int().nonnegative(),
  done: z.boolean(),
  nextRecordsUrl: z.string().startsWith('/services/data/').optional().nullable(),
  records: z.array(z.looseObject({ attributes: z.looseObject({ type: z.string() }).optional() })),
});
export type QueryResult = z.infer<typeof QueryResultSchema>;

function parseQueryResult(raw: unknown, what: string): QueryResult {
  const parsed = QueryResultSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PayloadError('salesforce', `Salesforce query (${what}) answered an unexpected shape at ${issue?.path.join('.') || '(root)'}: ${issue?.message}`, { body: raw });
  }
  return parsed.data;
}

/** One page per iteration: the first from `query?q=`, the rest from each `nextRecordsUrl`. */
export async function* queryPages(session: SalesforceSession, soql: string, what: string): AsyncGenerator<QueryResult> {
  let page = await session.run(`query ${what}`, async (conn) => parseQueryResult(await conn.request(`/query?q=${encodeURIComponent(soql)}`), what));
  yield page;
  while (!page.done && page.nextRecordsUrl) {
    const next = page.nextRecordsUrl;
    page = await session.run(`query ${what} (next page)`, async (conn) => parseQueryResult(await conn.request(next), what));
    yield page;
  }
}

export async function queryAll(session: SalesforceSession, soql: string, what: string): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  for await (const page of queryPages(session, soql, what)) out.push(...page.records);
  return out;
}
