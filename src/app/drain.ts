import type { ConnectionRuntime } from '../pipeline/pipeline.types.js';

/** Waits until a connection has no pending writes (or the timeout passes); returns what is left. */
export async function waitForWrites(conn: ConnectionRuntime, timeoutMs: number): Promise<number> {
  const until = Date.now() + timeoutMs;
  let left = await conn.writes.size();
  while (left > 0 && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 250));
    left = await conn.writes.size();
  }
  return left;
}
