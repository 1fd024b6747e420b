import { afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse } from 'yaml';
import { startPipedriveSandbox, type PipedriveSandbox } from '../../../connectors/pipedrive/sandbox/pipedrive-sandbox.js';
import { TOKEN_COSTS } from '../../../connectors/pipedrive/sandbox/token-costs.catalog.js';

/**
 * The Pipedrive sandbox over real HTTP, checked against Pipedrive's own OpenAPI files
 * (../shared/api-specs/pipedrive, relative to the repo root).
 */

type Spec = { paths: Record<string, Record<string, { 'x-token-cost'?: number; responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>> };
let v1: Spec;
let v2: Spec;
/** ../shared next to the repo root; a git worktree sits deeper, so look further up too. */
function specFile(name: string): string {
  for (let dir = join(dirname(fileURLToPath(import.meta.url)), '../../..'); dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, '..', 'shared/api-specs/pipedrive', name);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`${name} not found in ../shared/api-specs/pipedrive above the repo`);
}
beforeAll(() => {
  v1 = parse(readFileSync(specFile('openapi-v1.yaml'), 'utf8'), { maxAliasCount: -1 });
  v2 = parse(readFileSync(specFile('openapi-v2.yaml'), 'utf8'), { maxAliasCount: -1 });
});

/** "GET /api/v2/persons/{id}" → the spec operation (v2 paths lack /api/v2, v1 paths lack /api/v1). */
function specOp(key: string) {
  const [method, path] = key.split(' ') as [string, string];
  const spec = path.startsWith('/api/v2') ? v2 : v1;
  const specPath = path.replace(/^\/api\/v[12]/, '');
  const item = spec.paths[specPath] ?? spec.paths[`'${specPath}'`];
  return item?.[method.toLowerCase()];
}

type Schema = { type?: string; properties?: Record<string, Schema>; allOf?: Schema[]; items?: Schema; nullable?: boolean; additionalProperties?: unknown };
function props(s: Schema): Record<string, Schema> {
  return Object.assign({}, ...(s.allOf ?? []).map(props), s.properties ?? {});
}
/** Every property of `value` is declared by the spec schema and has its type (null only where nullable or not typed). */
function conform(value: unknown, schema: Schema, path: string, problems: string[]): void {
  const p = props(schema);
  if (value === null) return;
  if (Array.isArray(value)) {
    if (schema.items) value.forEach((v, i) => conform(v, schema.items!, `${path}[${i}]`, problems));
    return;
  }
  if (typeof value !== 'object' || Object.keys(p).length === 0) return;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const s = p[k];
    if (!s) {
      problems.push(`${path}.${k} not in spec`);
      continue;
    }
    const type = s.type ?? props(s).type;
    const t = Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v;
    if (type && t !== 'null' && !(t === type || (type === 'number' && t === 'integer'))) problems.push(`${path}.${k}: ${t} but spec says ${type}`);
    if (s.additionalProperties) continue;
    conform(v, s, `${path}.${k}`, problems);
  }
}
function responseSchema(key: string, status = '200'): Schema {
  return specOp(key)!.responses[status]!.content!['application/json']!.schema as Schema;
}

let sandbox: PipedriveSandbox;
const receivers: Server[] = [];
afterEach(async () => {
  await sandbox?.close();
  for (const s of receivers.splice(0)) await new Promise((r) => s.close(r));
});

async function api(path: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; body: any }> {
  const res = await fetch(`${sandbox.url}${path}`, {
    ...init,
    headers: { 'x-api-token': sandbox.env.PIPEDRIVE_API_TOKEN, 'content-type': 'application/json', ...(init.headers as Record<string, string>) },
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

interface Received { auth: string | undefined; body: any }
async function receiver(status = 200): Promise<{ url: string; got: Received[] }> {
  const got: Received[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      got.push({ auth: req.headers.authorization, body: JSON.parse(raw) });
      res.writeHead(status).end();
    });
  });
  receivers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got };
}

async function subscribe(url: string, event_action = '*'): Promise<void> {
  const r = await api('/api/v1/webhooks', {
    method: 'POST',
    body: JSON.stringify({ subscription_url: url, event_action, event_object: 'person', name: 'qualify', http_auth_user: 'qualify', http_auth_password: 's3cret', version: '2.0' }),
  });
  expect(r.status).toBe(201);
}

describe('Pipedrive sandbox against the official OpenAPI files', () => {
  test('when the served endpoints are listed, then each exists in the spec with the token cost the sandbox charges', () => {
    for (const [key, cost] of Object.entries(TOKEN_COSTS)) {
      const op = specOp(key);
      expect({ key, exists: op !== undefined }).toEqual({ key, exists: true });
      expect({ key, cost: op!['x-token-cost'] }).toEqual({ key, cost });
    }
  });

  test('when a person is read, then its properties are those of the v2 schema and custom_fields keys are 40-hex hashes', async () => {
    sandbox = await startPipedriveSandbox({ persons: 5 });
    const list = await api('/api/v2/persons?limit=2');
    expect(list.status).toBe(200);
    const problems: string[] = [];
    conform(list.body, responseSchema('GET /api/v2/persons'), 'list', problems);
    const one = await api('/api/v2/persons/1');
    conform(one.body, responseSchema('GET /api/v2/persons/{id}'), 'get', problems);
    for (const path of ['/api/v2/organizations', '/api/v2/activities', '/api/v2/deals']) {
      conform((await api(`${path}?limit=3`)).body, responseSchema(`GET ${path}`), path, problems);
    }
    conform((await api('/api/v1/users/me')).body, responseSchema('GET /api/v1/users/me'), 'me', problems);
    expect(problems).toEqual([]);
    expect(one.body.data).toMatchObject({ id: 1, emails: [expect.objectContaining({ primary: true })] });
    expect(Object.keys(one.body.data.custom_fields).every((k) => /^[0-9a-f]{40}$/.test(k))).toBe(true);
    const me = (await api('/api/v1/users/me')).body.data;
    expect(me).toMatchObject({ company_domain: 'qualify-sandbox', company_id: expect.any(Number) });
  });

  test('when no or a wrong token is sent, then 401 with the spec body; the api_token query parameter works too', async () => {
    sandbox = await startPipedriveSandbox({ persons: 2 });
    const res = await fetch(`${sandbox.url}/api/v2/persons`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ success: false, error: 'unauthorized access', errorCode: 401 });
    const q = await fetch(`${sandbox.url}/api/v2/persons?api_token=${sandbox.env.PIPEDRIVE_API_TOKEN}`);
    expect(q.status).toBe(200);
  });
});

describe('Pipedrive sandbox persons', () => {
  test('when paging with updated_since and sort_by update_time over several pages, then every matching person comes once, in order', async () => {
    const start = new Date('2025-06-01T00:00:00Z');
    sandbox = await startPipedriveSandbox({ persons: 120, start });
    const since = '2025-04-01T00:00:00Z';
    const seen: Array<{ id: number; update_time: string }> = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r: { status: number; body: any } = await api(`/api/v2/persons?limit=25&updated_since=${since}&sort_by=update_time&sort_direction=asc${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status).toBe(200);
      seen.push(...r.body.data);
      cursor = r.body.additional_data.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBeGreaterThan(1);
    const expected = sandbox.sim.personIds().map((id) => sandbox.sim.getPerson(id)!).filter((p) => String(p.update_time) >= since);
    expect(seen.map((p) => p.id).sort((a, b) => a - b)).toEqual(expected.map((p) => p.id as number).sort((a, b) => a - b));
    expect(seen.map((p) => p.update_time)).toEqual([...seen.map((p) => p.update_time)].sort());
    expect((await api('/api/v2/persons?limit=501')).status).toBe(400);
  });

  test('when a custom field is created, then its key is a fresh 40-hex hash and a PATCH by that key round-trips', async () => {
    sandbox = await startPipedriveSandbox({ persons: 3 });
    const created = await api('/api/v1/personFields', { method: 'POST', body: JSON.stringify({ name: 'Qualify score', field_type: 'double' }) });
    expect(created.status).toBe(200);
    const key = created.body.data.key;
    expect(key).toMatch(/^[0-9a-f]{40}$/);
    const again = await api('/api/v1/personFields', { method: 'POST', body: JSON.stringify({ name: 'Qualify tier', field_type: 'enum', options: [{ label: 'A' }, { label: 'B' }] }) });
    expect(again.body.data.key).not.toBe(key);
    const tierA = again.body.data.options[0].id;
    const before = (await api('/api/v2/persons/2')).body.data;
    sandbox.sim.clock.advance(5_000);
    const patched = await api('/api/v2/persons/2', { method: 'PATCH', body: JSON.stringify({ custom_fields: { [key]: 87.5, [again.body.data.key]: tierA } }) });
    expect(patched.status).toBe(200);
    expect(patched.body.data.custom_fields[key]).toBe(87.5);
    expect(patched.body.data.update_time > before.update_time).toBe(true);
    expect(sandbox.sim.customValuesByName(2)).toMatchObject({ 'Qualify score': 87.5, 'Qualify tier': 'A' });
    const fields = await api('/api/v1/personFields');
    expect(fields.body.data.find((f: any) => f.key === key)).toMatchObject({ name: 'Qualify score', field_type: 'double', edit_flag: true });
    const bad = await api('/api/v1/personFields', { method: 'POST', body: JSON.stringify({ name: 'X', field_type: 'enum' }) });
    expect(bad.status).toBe(400);
  });

  test('when a PATCH names an unknown field key, a bad option or an unknown parameter, then 400 validation failed and nothing changes', async () => {
    sandbox = await startPipedriveSandbox({ persons: 3 });
    const before = sandbox.sim.getPerson(1);
    const unknown = await api('/api/v2/persons/1', { method: 'PATCH', body: JSON.stringify({ custom_fields: { ['0'.repeat(40)]: 'x' } }) });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ success: false, code: 'ERR_SCHEMA_VALIDATION_FAILED', error: expect.stringContaining('Validation failed') });
    const source = sandbox.sim.fieldKey('Lead source')!;
    expect((await api('/api/v2/persons/1', { method: 'PATCH', body: JSON.stringify({ custom_fields: { [source]: 999999 } }) })).status).toBe(400);
    expect((await api('/api/v2/persons/1', { method: 'PATCH', body: JSON.stringify({ custom_fields: { [sandbox.sim.fieldKey('Interests')!]: [] } }) })).status).toBe(400);
    const param = await api('/api/v2/persons/1', { method: 'PATCH', body: JSON.stringify({ qualify_score: 3 }) });
    expect(param.body.error).toContain("Parameter 'qualify_score' is not allowed for this request");
    expect(sandbox.sim.getPerson(1)).toEqual(before);
  });

  test('when a person is deleted, then reads answer 404 and lists leave it out', async () => {
    sandbox = await startPipedriveSandbox({ persons: 3 });
    expect((await api('/api/v2/persons/3', { method: 'DELETE' })).body).toEqual({ success: true, data: { id: 3 } });
    expect((await api('/api/v2/persons/3')).status).toBe(404);
    expect((await api('/api/v2/persons/3', { method: 'PATCH', body: JSON.stringify({ name: 'X' }) })).status).toBe(404);
    expect((await api('/api/v2/persons')).body.data.map((p: any) => p.id)).toEqual([1, 2]);
  });
});

describe('Pipedrive sandbox rate limits', () => {
  test('when the burst limit is passed, then 429 with the rate-limit headers and Retry-After, counted per endpoint', async () => {
    sandbox = await startPipedriveSandbox({ persons: 2, rateLimit: { burstApiToken: 5 } });
    const statuses: number[] = [];
    let last: { status: number; headers: Headers; body: any } | undefined;
    for (let i = 0; i < 7; i++) {
      last = await api('/api/v2/persons/1');
      statuses.push(last.status);
      if (i === 0) {
        expect(last.headers.get('x-ratelimit-limit')).toBe('5');
        expect(last.headers.get('x-ratelimit-remaining')).toBe('4');
        expect(last.headers.get('x-daily-requests-left')).not.toBeNull();
      }
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(last!.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(last!.body).toMatchObject({ success: false });
    expect(sandbox.sim.stats.rateLimited.burst).toBe(2);
    expect(sandbox.sim.stats.callsByEndpoint['GET /api/v2/persons/{id}']).toBe(7);
    expect(sandbox.sim.stats.tokensUsed).toBe(5); // 5 accepted × 1 token
  });

  test('when the daily token budget is spent, then 429 until the next UTC day', async () => {
    sandbox = await startPipedriveSandbox({ persons: 2, rateLimit: { dailyTokenBudget: 25 } });
    sandbox.sim.setClock(new Date('2025-06-01T12:00:00Z'));
    expect((await api('/api/v2/persons')).status).toBe(200);
    expect((await api('/api/v2/persons')).status).toBe(200);
    expect((await api('/api/v2/persons')).status).toBe(429);
    expect(sandbox.sim.stats.rateLimited.daily).toBe(1);
    sandbox.sim.setClock(new Date('2025-06-02T00:00:01Z'));
    expect((await api('/api/v2/persons')).status).toBe(200);
  });
});

describe('Pipedrive sandbox webhooks v2', () => {
  test('when a person changes through the API and in the app, then v2 payloads arrive with Basic auth and the right change_source', async () => {
    sandbox = await startPipedriveSandbox({ persons: 3 });
    const hook = await receiver();
    await subscribe(hook.url);
    await api('/api/v2/persons/1', { method: 'PATCH', body: JSON.stringify({ name: 'Ada Lovelace' }) });
    sandbox.sim.setCustomFields(2, { 'Job title': 'VP of Sales' });
    await sandbox.sim.webhooksSettled();
    expect(hook.got).toHaveLength(2);
    for (const g of hook.got) expect(g.auth).toBe(`Basic ${Buffer.from('qualify:s3cret').toString('base64')}`);
    const [apiEcho, appEdit] = hook.got.map((g) => g.body);
    expect(apiEcho.meta).toMatchObject({ action: 'change', entity: 'person', entity_id: '1', change_source: 'api', version: '2.0', attempt: 1, company_id: String(sandbox.sim.companyId) });
    expect(apiEcho.data).toMatchObject({ id: 1, name: 'Ada Lovelace' });
    expect(apiEcho.previous).toHaveProperty('name');
    expect(appEdit.meta.change_source).toBe('app');
    expect(Object.values(appEdit.previous.custom_fields)).toHaveLength(1);
    expect(sandbox.sim.webhookDeliveries().map((d) => d.status)).toEqual([200, 200]);
  });

  test('when persons are deleted and merged, then delete carries the last state and a merge fires delete (merged_to_id) and change (merged_from_id)', async () => {
    sandbox = await startPipedriveSandbox({ persons: 4 });
    const hook = await receiver();
    await subscribe(hook.url);
    await api('/api/v2/persons/4', { method: 'DELETE' });
    const merged = await api('/api/v1/persons/2/merge', { method: 'PUT', body: JSON.stringify({ merge_with_id: 1 }) });
    expect(merged.status).toBe(200);
    expect(merged.body.data).toMatchObject({ id: 1, merge_what_id: 2 });
    await sandbox.sim.webhooksSettled();
    const bodies = hook.got.map((g) => g.body);
    expect(bodies[0]).toMatchObject({ meta: { action: 'delete', entity_id: '4' }, data: null, previous: { id: 4 } });
    expect(bodies.find((b) => b.meta.action === 'delete' && b.meta.entity_id === '2')!.meta.merged_to_id).toBe('1');
    expect(bodies.find((b) => b.meta.action === 'change' && b.meta.entity_id === '1')!.meta.merged_from_id).toBe('2');
    expect((await api('/api/v2/persons/2')).status).toBe(404);
  });

  test('when duplicates and reordering are asked for and the receiver fails, then events repeat, arrive reversed and are retried with attempt + 1', async () => {
    sandbox = await startPipedriveSandbox({ persons: 3, webhooks: { duplicateEvery: 2, reorder: 'reverse', batchWindowMs: 30, retryDelaysMs: [5, 5, 5] } });
    const hook = await receiver();
    await subscribe(hook.url);
    sandbox.sim.changePerson(1, { name: 'First Edit' });
    sandbox.sim.changePerson(2, { name: 'Second Edit' });
    await sandbox.sim.webhooksSettled();
    expect(hook.got.map((g) => g.body.meta.entity_id)).toEqual(['2', '1', '1']);
    const failing = await receiver(500);
    await subscribe(failing.url, 'delete');
    sandbox.sim.configureWebhooks({ duplicateEvery: 0, reorder: 'none' });
    sandbox.sim.deletePerson(3);
    await sandbox.sim.webhooksSettled();
    expect(failing.got.map((g) => g.body.meta.attempt)).toEqual([1, 2, 3, 4]);
  });
});
