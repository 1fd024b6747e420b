import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { SqlExecutor, SqlRow } from './sql-driver.js';
import { toIso, toIsoOrNull } from './row-parse.js';
import { StoreConflictError, StoreInputError } from './store-errors.js';
import type { ApiKeyRow, Workspace } from './store.types.js';

/**
 * Workspaces (global) and their API keys. A key is 'qk_' + 32 random bytes; only its SHA-256
 * hash is stored (256 random bits leave nothing to brute-force, so a slow hash would only slow
 * every request) and it is shown once, when created.
 */

export const DEFAULT_WORKSPACE = 'default';
const WORKSPACE_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const API_KEY_PREFIX = 'qk_';
/** Characters of a key kept in clear to recognise it in a list ('qk_' + 8). */
const SHOWN_PREFIX_LENGTH = 11;
/** lastUsedAt is refreshed at most this often, so authenticating a request rarely writes. */
const LAST_USED_RESOLUTION_MS = 60_000;

export function assertWorkspaceId(id: string): string {
  if (!WORKSPACE_ID.test(id)) {
    throw new StoreInputError(`Invalid workspace id "${id}": use 1–63 lower-case letters, digits and '-', starting with a letter or digit`);
  }
  return id;
}

const hashKey = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex');

/** A readable id from the name ("Acme RevOps" → "acme-revops"), or a random one when the name has no letters. */
function idFromName(name: string): string {
  const slug = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 50)
    .replace(/-+$/, '');
  return slug || `ws-${randomBytes(4).toString('hex')}`;
}

function toWorkspace(row: SqlRow): Workspace {
  return { id: String(row.id), name: String(row.name), createdAt: toIso(row.created_at) };
}

function toApiKey(row: SqlRow): ApiKeyRow {
  return {
    id: String(row.id),
    workspaceId: String(row.workspace_id),
    name: String(row.name),
    prefix: String(row.prefix),
    createdAt: toIso(row.created_at),
    lastUsedAt: toIsoOrNull(row.last_used_at),
    revokedAt: toIsoOrNull(row.revoked_at),
  };
}

export async function createWorkspace(db: SqlExecutor, w: { id?: string; name: string }): Promise<Workspace> {
  const name = w.name?.trim();
  if (!name) throw new StoreInputError('A workspace needs a name');
  if (w.id !== undefined) {
    const [row] = await db.query(
      `insert into workspaces (id, name) values ($1, $2) on conflict (id) do nothing returning *`,
      [assertWorkspaceId(w.id), name],
    );
    if (!row) throw new StoreConflictError(`Workspace "${w.id}" already exists`);
    return toWorkspace(row);
  }
  // No id asked for: the name's slug, or the slug with a random suffix when it is taken.
  const base = idFromName(name);
  for (let attempt = 0; attempt < 5; attempt++) {
    const id = attempt === 0 ? base : `${base}-${randomBytes(3).toString('hex')}`;
    const [row] = await db.query(`insert into workspaces (id, name) values ($1, $2) on conflict (id) do nothing returning *`, [id, name]);
    if (row) return toWorkspace(row);
  }
  throw new StoreConflictError(`Could not find a free workspace id for "${name}"; give one`);
}

export async function getWorkspace(db: SqlExecutor, id: string): Promise<Workspace | null> {
  const [row] = await db.query(`select * from workspaces where id = $1`, [id]);
  return row ? toWorkspace(row) : null;
}

export async function listWorkspaces(db: SqlExecutor): Promise<Workspace[]> {
  return (await db.query(`select * from workspaces order by created_at, id`)).map(toWorkspace);
}

export async function createApiKey(db: SqlExecutor, workspaceId: string, name: string): Promise<{ key: string; apiKey: ApiKeyRow }> {
  const label = name?.trim();
  if (!label) throw new StoreInputError('An API key needs a name');
  const key = API_KEY_PREFIX + randomBytes(32).toString('base64url');
  const [row] = await db.query(
    `insert into api_keys (id, workspace_id, name, prefix, key_hash)
     select $1, id, $3, $4, $5 from workspaces where id = $2
     returning *`,
    [randomUUID(), workspaceId, label, key.slice(0, SHOWN_PREFIX_LENGTH), hashKey(key)],
  );
  if (!row) throw new StoreInputError(`Unknown workspace "${workspaceId}": create it first`);
  return { key, apiKey: toApiKey(row) };
}

export async function listApiKeys(db: SqlExecutor, workspaceId: string): Promise<ApiKeyRow[]> {
  return (await db.query(`select * from api_keys where workspace_id = $1 order by created_at, id`, [workspaceId])).map(toApiKey);
}

export async function revokeApiKey(db: SqlExecutor, workspaceId: string, id: string): Promise<boolean> {
  const rows = await db.query(
    `update api_keys set revoked_at = coalesce(revoked_at, now()) where id = $1 and workspace_id = $2 returning id`,
    [id, workspaceId],
  );
  return rows.length > 0;
}

export async function resolveApiKey(db: SqlExecutor, key: string): Promise<ApiKeyRow | null> {
  if (typeof key !== 'string' || !key.startsWith(API_KEY_PREFIX) || key.length > 200) return null;
  const [row] = await db.query(`select * from api_keys where key_hash = $1 and revoked_at is null`, [hashKey(key)]);
  if (!row) return null;
  const apiKey = toApiKey(row);
  const lastUsed = apiKey.lastUsedAt ? Date.parse(apiKey.lastUsedAt) : 0;
  if (Date.now() - lastUsed > LAST_USED_RESOLUTION_MS) {
    const [updated] = await db.query(`update api_keys set last_used_at = now() where id = $1 returning last_used_at`, [apiKey.id]);
    if (updated) apiKey.lastUsedAt = toIso(updated.last_used_at);
  }
  return apiKey;
}
