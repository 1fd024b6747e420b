import { z } from 'zod';
import { SecretBoxError, type SecretBox, type SecretBoxErrorCause } from '../security/secret-box.js';
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

/** What `resealCredentials` found in one workspace: connection ids only, never a secret. */
export interface CredentialResealReport {
  workspaceId: string;
  /** Were sealed under a previous key and are now under the current one (a dry run: would be). */
  resealed: string[];
  /** Already sealed under the current key: left as they are. */
  current: string[];
  /** Open with no key qualify holds (sealed under a key no longer configured, or damaged): left as they are. */
  unreadable: Array<{ connectionId: string; reason: SecretBoxErrorCause; message: string }>;
}

/** A row rewritten this many times while being resealed is left for the next run. */
const RESEAL_ATTEMPTS = 5;

/**
 * Moves a workspace's stored credentials to the current key, so QUALIFY_SECRET_KEY_PREVIOUS can be
 * dropped afterwards (`qualify secrets reseal`). Each row is its own compare-and-set update (one
 * statement, so one transaction): a token refresh that saves the row meanwhile is never
 * overwritten with the older tokens; the row is read again and judged anew. Idempotent: values
 * already under the current key are not written.
 */
export async function resealCredentials(
  db: SqlExecutor,
  box: SecretBox | null,
  workspaceId: string,
  opts: { dryRun: boolean },
): Promise<CredentialResealReport> {
  const secretBox = requireBox(box);
  const report: CredentialResealReport = { workspaceId, resealed: [], current: [], unreadable: [] };
  const rows = await db.query<{ connection_id: string; ciphertext: string }>(
    `select connection_id, ciphertext from connection_credentials where workspace_id = $1 order by connection_id`,
    [workspaceId],
  );
  for (const row of rows) {
    const connectionId = row.connection_id;
    let sealed: string | undefined = row.ciphertext;
    for (let attempt = 1; sealed !== undefined; attempt++) {
      let next: string | null;
      try {
        next = secretBox.reseal(sealed, `connection:${connectionId}`);
      } catch (err) {
        if (!(err instanceof SecretBoxError)) throw err;
        report.unreadable.push({ connectionId, reason: err.reason, message: err.message });
        break;
      }
      if (next === null) {
        report.current.push(connectionId);
        break;
      }
      if (opts.dryRun) {
        report.resealed.push(connectionId);
        break;
      }
      // updated_at stays: it says when the credentials last changed, and these did not.
      const updated = await db.query(
        `update connection_credentials set ciphertext = $3 where connection_id = $1 and workspace_id = $2 and ciphertext = $4 returning connection_id`,
        [connectionId, workspaceId, next, sealed],
      );
      if (updated.length > 0) {
        report.resealed.push(connectionId);
        break;
      }
      if (attempt >= RESEAL_ATTEMPTS) throw new Error(`Credentials of connection "${connectionId}" kept changing while being resealed: run the reseal again`);
      // Saved meanwhile (a token refresh) or deleted with its connection: judge what is there now.
      const [again] = await db.query<{ ciphertext: string }>(
        `select ciphertext from connection_credentials where connection_id = $1 and workspace_id = $2`,
        [connectionId, workspaceId],
      );
      sealed = again?.ciphertext;
    }
  }
  return report;
}
