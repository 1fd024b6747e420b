import { randomUUID } from 'node:crypto';
import type { SqlDriver, SqlExecutor, SqlRow } from './sql-driver.js';
import { toIso, toIsoOrNull } from './row-parse.js';
import { StoreInputError } from './store-errors.js';
import type { ModelStatus, ModelVersionRow } from './store.types.js';

/**
 * Versions of a workspace's scoring model. A draft is uploaded YAML (validated by the caller,
 * which also computes its version id); publishing makes a version the one active version (the
 * database allows one active row per workspace); a rollback re-activates the version that was
 * active before the current one. `activation_seq` numbers the activations of a workspace, and a
 * rolled-back version is marked so the next rollback walks further back instead of bouncing.
 */

function toModel(row: SqlRow): ModelVersionRow {
  return {
    id: String(row.id),
    workspaceId: String(row.workspace_id),
    versionId: String(row.version_id),
    name: String(row.name),
    status: row.status as ModelStatus,
    active: Boolean(row.active),
    yaml: String(row.yaml),
    createdAt: toIso(row.created_at),
    publishedAt: toIsoOrNull(row.published_at),
  };
}

/** Publishes and rollbacks of one workspace go one at a time. */
const lockModels = (tx: SqlExecutor, workspaceId: string) =>
  tx.query(`select pg_advisory_xact_lock(hashtextextended($1, 0))`, [`qualify:models:${workspaceId}`]);

export async function saveModelDraft(db: SqlExecutor, workspaceId: string, m: { yaml: string; versionId: string; name: string }): Promise<ModelVersionRow> {
  if (!m.yaml?.trim()) throw new StoreInputError('A model draft needs its YAML');
  if (!m.versionId?.trim() || !m.name?.trim()) throw new StoreInputError('A model draft needs a name and a version id');
  const [row] = await db.query(
    `insert into scoring_models (id, workspace_id, version_id, name, yaml) values ($1, $2, $3, $4, $5) returning *`,
    [randomUUID(), workspaceId, m.versionId, m.name, m.yaml],
  );
  return toModel(row);
}

export async function listModels(db: SqlExecutor, workspaceId: string): Promise<ModelVersionRow[]> {
  return (await db.query(`select * from scoring_models where workspace_id = $1 order by created_at desc, id`, [workspaceId])).map(toModel);
}

export async function getModel(db: SqlExecutor, workspaceId: string, id: string): Promise<ModelVersionRow | null> {
  const [row] = await db.query(`select * from scoring_models where id = $1 and workspace_id = $2`, [id, workspaceId]);
  return row ? toModel(row) : null;
}

export async function activeModel(db: SqlExecutor, workspaceId: string): Promise<ModelVersionRow | null> {
  const [row] = await db.query(`select * from scoring_models where workspace_id = $1 and active`, [workspaceId]);
  return row ? toModel(row) : null;
}

export async function listActiveModels(db: SqlExecutor): Promise<ModelVersionRow[]> {
  return (await db.query(`select * from scoring_models where active order by workspace_id`)).map(toModel);
}

export function publishModel(driver: SqlDriver, workspaceId: string, id: string): Promise<ModelVersionRow | null> {
  return driver.transaction(async (tx) => {
    await lockModels(tx, workspaceId);
    const [target] = await tx.query(`select * from scoring_models where id = $1 and workspace_id = $2`, [id, workspaceId]);
    if (!target) return null;
    if (target.active) return toModel(target);
    await tx.query(`update scoring_models set active = false, status = 'retired' where workspace_id = $1 and active`, [workspaceId]);
    const [row] = await tx.query(
      `update scoring_models set active = true, status = 'published', rolled_back_at = null, published_at = now(),
         activation_seq = (select coalesce(max(activation_seq), 0) + 1 from scoring_models where workspace_id = $2)
       where id = $1 and workspace_id = $2 returning *`,
      [id, workspaceId],
    );
    return toModel(row);
  });
}

export function rollbackModel(driver: SqlDriver, workspaceId: string): Promise<ModelVersionRow | null> {
  return driver.transaction(async (tx) => {
    await lockModels(tx, workspaceId);
    const [current] = await tx.query<{ id: string; activation_seq: string | number }>(
      `select id, activation_seq from scoring_models where workspace_id = $1 and active`,
      [workspaceId],
    );
    if (!current) return null;
    const [previous] = await tx.query<{ id: string }>(
      `select id from scoring_models
       where workspace_id = $1 and not active and activation_seq is not null and rolled_back_at is null and activation_seq < $2
       order by activation_seq desc limit 1`,
      [workspaceId, Number(current.activation_seq)],
    );
    if (!previous) return null;
    await tx.query(
      `update scoring_models set active = false, status = 'retired', rolled_back_at = now() where id = $1`,
      [current.id],
    );
    const [row] = await tx.query(`update scoring_models set active = true, status = 'published' where id = $1 returning *`, [previous.id]);
    return toModel(row);
  });
}
