import type { Booted } from '../../app/bootstrap.js';
import { RateLimitedError } from '../../errors/connector-errors.js';
import { recordConnectorFailure as recordFailure } from '../../pipeline/record-connector-failure.js';
import { setupConnection } from '../../pipeline/setup-connection.js';
import type { Store } from '../../store/store.types.js';

/** A connector failure outside a job (set-up at start, a `qualify sync`), recorded as the workers record it; the sentence to show, or null. */
export async function recordConnectorFailure(store: Store, connectionId: string, err: unknown): Promise<string | null> {
  const recorded = await recordFailure(store, connectionId, err);
  if (!recorded) return null;
  // The connector's own words say when a spent budget resets; a refusal's record says how to re-authorise.
  return err instanceof RateLimitedError ? err.message : recorded.message;
}

/**
 * Each connection's first-connect set-up, one at a time: a connection whose credentials are
 * refused or whose daily budget is spent is recorded as such and the service starts anyway (its
 * jobs wait; health checks, the other connections and `qualify status` keep working), instead of
 * a crash loop that hammers the token endpoint. Any other failure stops the start.
 */
export async function setupEachConnection(booted: Booted): Promise<void> {
  for (const conn of booted.runtime.connections.values()) {
    for (let attempt = 1; ; attempt++) {
      try {
        await setupConnection(conn.connector, await conn.context());
        break;
      } catch (err) {
        // Another process may be using the account's whole window right now (a deploy during a
        // backfill): wait the window out, as a job would, instead of failing the start.
        if (err instanceof RateLimitedError && err.scope === 'burst' && attempt < 6) {
          booted.logger.warn({ connection: conn.id, retryAfterMs: err.retryAfterMs }, `${conn.id} set-up rate limited; retrying after the window`);
          await new Promise((r) => setTimeout(r, err.retryAfterMs));
          continue;
        }
        const said = await recordConnectorFailure(booted.store, conn.id, err);
        if (!said) throw err;
        booted.logger.error({ connection: conn.id }, `${conn.id} set-up failed: ${said} The service runs on; this connection's jobs wait.`);
        break;
      }
    }
  }
}
