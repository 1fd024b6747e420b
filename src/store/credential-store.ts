import { z } from 'zod';
import type { SecretBox } from '../security/secret-box.js';
import type { SqlExecutor } from './sql-driver.js';
import { StoreInputError } from './store-errors.js';

/**
 * Secrets of a connection (OAuth access and refresh tokens, instance URLs), stored only as
 * SecretBox ciphertext. The connection id is the sealing context, so a value copied onto another
 * connection's row does not open.
 */

const CredentialsSchema = z.record(z.string(), z.unknown());

function requireBox(box: SecretBox | null): SecretBox {
  if (!box) throw new Error('The store was opened without a secret key (createStore({ secretKey })): connection credentials cannot be read or written');
  return box;
}

export async function saveCredentials(
  db: SqlExecutor,
  box: SecretBox | null,
  workspaceId: string,
  connectionId: string,
  value: Record<string, unknown>,
): Promise<void> {
  const parsed = CredentialsSchema.parse(value);
  const ciphertext = requireBox(box).seal(JSON.stringify(parsed), `connection:${connectionId}`);
  const rows = await db.query(
    `insert into connection_credentials (connection_id, workspace_id, ciphertext)
     select id, workspace_id, $3 from connections where id = $1 and workspace_id = $2
     on conflict (connection_id) do update set ciphertext = excluded.ciphertext, updated_at = now()
     returning connection_id`,
    [connectionId, workspaceId, ciphertext],
  );
  if (rows.length === 0) throw new StoreInputError(`Unknown connection "${connectionId}" in workspace "${workspaceId}": upsertConnection it first`);
}

export async function getCredentials<T>(db: SqlExecutor, box: SecretBox | null, workspaceId: string, connectionId: string): Promise<T | null> {
  const [row] = await db.query<{ ciphertext: string }>(
    `select ciphertext from connection_credentials where connection_id = $1 and workspace_id = $2`,
    [connectionId, workspaceId],
  );
  if (!row) return null;
  const plain = requireBox(box).open(row.ciphertext, `connection:${connectionId}`);
  return CredentialsSchema.parse(JSON.parse(plain)) as T;
}
